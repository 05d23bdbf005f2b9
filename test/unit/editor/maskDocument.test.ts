import { describe, expect, it } from 'vitest';
import { MaskDocument } from '../../../renderer/editor/maskDocument';
import type { Rect } from '../../../renderer/editor/rect';
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
    expect(document.refineAll()).toBeNull();
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
});
