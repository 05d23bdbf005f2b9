import { describe, expect, it } from 'vitest';
import { MaskDocument } from '../../../renderer/editor/maskDocument';
import type { Rect } from '../../../renderer/editor/rect';
import { MaskEdit } from '../../../renderer/editor/maskEdit';
import { MaskRaster } from '../../../renderer/editor/maskRaster';
import { refineAll } from '../../../renderer/editor/refine';
import type { GuideSource } from '../../../renderer/editor/refine';
import { distanceToSegment, seededRandom } from './helpers';

const width = 160;
const height = 100;
const edge = 80;

/** A photo with a step edge at x = 80 (dark left, bright right), slightly noisy. */
function stepGuide(): GuideSource {
  const random = seededRandom(21);
  const gray = Uint8Array.from({ length: width * height }, (_, i) => (i % width < edge ? 50 : 200) + Math.round((random() - 0.5) * 16));
  return {
    width,
    height,
    read(rect: Rect): Uint8Array {
      const out = new Uint8Array(rect.width * rect.height);
      for (let row = 0; row < rect.height; row++) {
        const from = (rect.y + row) * width + rect.x;
        out.set(gray.subarray(from, from + rect.width), row * rect.width);
      }
      return out;
    },
  };
}

function onInRow(document: MaskDocument, y: number): number {
  let count = 0;
  for (let x = 0; x < width; x++) if (document.raster.get(x, y) === 255) count++;
  return count;
}

describe('mask document tools', () => {
  it('starts from the prediction without recording it or calling it dirty', () => {
    const document = new MaskDocument(width, height);
    const probability = Uint8Array.from({ length: width * height }, (_, i) => (i % width) + 40);
    document.setPrediction(probability);
    document.loadFromPrediction(128);
    expect(document.raster.countOn()).toBe((width - 88) * height);
    expect(document.dirty).toBe(false);
    expect(document.history.canUndo).toBe(false);
  });

  it('paints with the prediction only where the model says blurred, as one undo step', () => {
    const document = new MaskDocument(width, height);
    const probability = Uint8Array.from({ length: width * height }, (_, i) => (i % width < edge ? 30 : 220));
    document.setPrediction(probability);
    const from = { x: 20, y: 50 };
    const to = { x: 140, y: 50 };
    document.beginStroke('prediction', from, { radius: 10, threshold: 128, hardness: 1 });
    document.extendStroke({ x: 80, y: 50 });
    document.extendStroke(to);
    document.endStroke();
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const under = distanceToSegment(x + 0.5, y + 0.5, from, to) <= 10;
        expect(document.raster.get(x, y)).toBe(under && x >= edge ? 255 : 0);
      }
    }
    expect(document.undo().length).toBeGreaterThan(0);
    expect(document.raster.countOn()).toBe(0);
  });

  it('refine brush snaps the rough edge under the stroke only, as one undo step', () => {
    const document = new MaskDocument(width, height);
    document.setGuide(stepGuide());
    // Rough mask: blurred up to x = 86, six pixels past the photo's edge.
    for (let y = 0; y < height; y++) document.raster.data.fill(255, y * width, y * width + edge + 6);
    document.markSaved();
    // Brush along the edge over the top half only.
    document.beginStroke('refine', { x: 83, y: 2 }, { radius: 14, refine: { radius: 12, epsilon: 1e-3, iterations: 3 } });
    document.extendStroke({ x: 83, y: 40 });
    expect(document.sweptArea).not.toBeNull();
    const changed = document.endStroke();
    expect(changed).not.toBeNull();
    for (let y = 0; y < 35; y++) expect(onInRow(document, y)).toBe(edge);
    for (let y = 70; y < height; y++) expect(onInRow(document, y)).toBe(edge + 6);
    document.commitPending();
    expect(document.history.stats().undoCount).toBe(1);
    document.undo();
    for (let y = 0; y < height; y++) expect(onInRow(document, y)).toBe(edge + 6);
  });

  it('refine needs the photo: without a guide nothing happens', () => {
    const document = new MaskDocument(width, height);
    document.raster.data.fill(255, 0, 500);
    expect(document.startRefineAll()).toBeNull();
    document.beginStroke('refine', { x: 10, y: 2 }, { radius: 5 });
    expect(document.endStroke()).toBeNull();
    expect(document.dirty).toBe(false);
  });

  it('a save point taken before later strokes leaves them unsaved', () => {
    const document = new MaskDocument(width, height);
    document.beginStroke('paint', { x: 10, y: 10 }, { radius: 4 });
    document.endStroke();
    const point = document.savePoint();
    document.beginStroke('paint', { x: 50, y: 50 }, { radius: 4 });
    document.endStroke();
    // The save of the first stroke returns while the second is already made.
    document.markSaved(point);
    expect(document.dirty).toBe(true);
    document.undo();
    expect(document.dirty).toBe(false);
  });

  it('tells its listeners of every change of pixels, history and saved state, and stops when told', () => {
    const document = new MaskDocument(width, height);
    const seen: { revision: number; dirty: boolean; undo: number }[] = [];
    const stop = document.onDidChange(() => seen.push({ revision: document.revision, dirty: document.dirty, undo: document.history.stats().undoCount }));
    document.beginStroke('paint', { x: 10, y: 10 }, { radius: 4 });
    document.extendStroke({ x: 30, y: 10 });
    document.endStroke();
    expect(seen.length).toBe(2);
    expect(seen.at(-1)).toEqual({ revision: document.revision, dirty: true, undo: 0 });
    // Recording the stroke changes the history, not the pixels.
    document.commitPending();
    expect(seen.at(-1)).toEqual({ revision: document.revision, dirty: true, undo: 1 });
    document.markSaved();
    expect(seen.at(-1)?.dirty).toBe(false);
    document.undo();
    document.redo();
    document.invert();
    expect(seen.at(-1)).toEqual({ revision: document.revision, dirty: true, undo: 2 });
    document.load(null);
    expect(seen.at(-1)).toEqual({ revision: document.revision, dirty: false, undo: 0 });
    const count = seen.length;
    stop();
    document.clear();
    expect(seen.length).toBe(count);
  });
});

describe('whole-photo refine in slices', () => {
  // Three tiles across, one down; stripes so that every tile has edges to snap to.
  const wide = 1300;
  const tall = 200;

  function stripes(): { guide: GuideSource; rough: Uint8Array } {
    const random = seededRandom(5);
    const gray = Uint8Array.from({ length: wide * tall }, (_, i) => ((i % wide) % 260 < 130 ? 60 : 190) + Math.round(random() * 10));
    const rough = Uint8Array.from({ length: wide * tall }, (_, i) => ((i % wide) % 260 < 136 ? 255 : 0));
    const guide: GuideSource = {
      width: wide,
      height: tall,
      read(rect: Rect): Uint8Array {
        const out = new Uint8Array(rect.width * rect.height);
        for (let row = 0; row < rect.height; row++) out.set(gray.subarray((rect.y + row) * wide + rect.x, (rect.y + row) * wide + rect.x + rect.width), row * rect.width);
        return out;
      },
    };
    return { guide, rough };
  }

  function documentWith(rough: Uint8Array, guide: GuideSource): MaskDocument {
    const document = new MaskDocument(wide, tall);
    document.load(rough);
    document.setGuide(guide);
    return document;
  }

  it('gives the same pixels as the one-shot refine, one tile per slice, as one undo step', () => {
    const { guide, rough } = stripes();
    // The reference: the whole-photo refine in one call, on a plain raster.
    const once = new MaskRaster(wide, tall, Uint8Array.from(rough));
    refineAll(new MaskEdit(once), guide);
    const sliced = documentWith(rough, guide);
    const run = sliced.startRefineAll()!;
    expect(sliced.refining).toBe(true);
    const progress: number[] = [];
    let changed: Rect | null = null;
    for (;;) {
      // A deadline in the past: exactly one tile per call.
      const step = run.step(0);
      progress.push(step.done);
      if (step.changed) changed = step.changed;
      if (step.finished) break;
    }
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(changed).not.toBeNull();
    expect(sliced.refining).toBe(false);
    expect(Buffer.from(sliced.raster.data).equals(Buffer.from(once.data))).toBe(true);
    expect(Buffer.from(sliced.raster.data).equals(Buffer.from(rough))).toBe(false);
    expect(sliced.history.stats().undoCount).toBe(1);
    sliced.undo();
    expect(Buffer.from(sliced.raster.data).equals(Buffer.from(rough))).toBe(true);
  });

  it('finishes first when another action comes mid-way, and reports what that wrote', () => {
    const { guide, rough } = stripes();
    const expected = documentWith(rough, guide);
    expected.startRefineAll()!.step(Infinity);
    expected.beginStroke('paint', { x: 200, y: 20 }, { radius: 5 });
    expected.endStroke();

    const document = documentWith(rough, guide);
    const run = document.startRefineAll()!;
    expect(run.step(0).finished).toBe(false);
    // A stroke now: the refine completes before it, then the stroke paints on top.
    document.beginStroke('paint', { x: 200, y: 20 }, { radius: 5 });
    document.endStroke();
    const last = run.step(0);
    expect(last.finished).toBe(true);
    expect(last.changed).not.toBeNull();
    expect(Buffer.from(document.raster.data).equals(Buffer.from(expected.raster.data))).toBe(true);
    document.commitPending();
    expect(document.history.stats().undoCount).toBe(2);
  });

  it('cancel puts every byte back and records nothing; loading a mask drops a refine', () => {
    const { guide, rough } = stripes();
    const document = documentWith(rough, guide);
    const run = document.startRefineAll()!;
    run.step(0);
    run.step(0);
    expect(Buffer.from(document.raster.data).equals(Buffer.from(rough))).toBe(false);
    expect(run.cancel()).not.toBeNull();
    expect(Buffer.from(document.raster.data).equals(Buffer.from(rough))).toBe(true);
    expect(document.history.stats().undoCount).toBe(0);
    expect(document.dirty).toBe(false);
    expect(run.step(0)).toMatchObject({ finished: true, changed: null });

    const again = document.startRefineAll()!;
    again.step(0);
    document.load(null);
    expect(document.refining).toBe(false);
    expect(again.step(0).finished).toBe(true);
    expect(document.raster.countOn()).toBe(0);
    expect(document.history.stats().undoCount).toBe(0);
  });
});
