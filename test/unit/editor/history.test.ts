import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { paintSegment } from '../../../renderer/editor/brush';
import { MaskHistory } from '../../../renderer/editor/history';
import { MaskDocument } from '../../../renderer/editor/maskDocument';
import { MaskEdit } from '../../../renderer/editor/maskEdit';
import { MaskRaster } from '../../../renderer/editor/maskRaster';
import { firstDifference, randomStroke, seededRandom } from './helpers';

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Plays one random stroke (paint or erase) as a pointerdown → moves → pointerup gesture. */
function playStroke(document: MaskDocument, random: () => number): void {
  const points = randomStroke(random, document.width, document.height, 2 + Math.floor(random() * 12), 80);
  const kind = random() < 0.7 ? 'paint' : 'erase';
  const radius = 1 + random() * 30;
  document.beginStroke(kind, points[0]!, { radius });
  for (const point of points.slice(1)) document.extendStroke(point);
  document.endStroke();
  document.commitPending();
}

describe('mask edit', () => {
  it('keeps only the changed bounding box, before and after', () => {
    const raster = new MaskRaster(300, 200);
    raster.fillRect({ x: 10, y: 10, width: 5, height: 5 }, 255);
    const edit = new MaskEdit(raster);
    // Announce far more than is actually changed: the diff is still tight.
    edit.willChange({ x: 0, y: 0, width: 300, height: 200 });
    raster.fillRect({ x: 140, y: 130, width: 3, height: 2 }, 255);
    const diff = edit.finish()!;
    expect(diff.rect).toEqual({ x: 140, y: 130, width: 3, height: 2 });
    expect([...diff.before]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...diff.after]).toEqual([255, 255, 255, 255, 255, 255]);
  });

  it('records nothing for an edit that changed nothing, and reverts', () => {
    const raster = new MaskRaster(500, 500);
    const edit = new MaskEdit(raster);
    expect(paintSegment(edit, { x: 10, y: 10 }, { x: 400, y: 300 }, 20, 0)).not.toBeNull();
    expect(edit.finish()).toBeNull();
    const again = new MaskEdit(raster);
    paintSegment(again, { x: 10, y: 10 }, { x: 400, y: 300 }, 20, 255);
    expect(raster.countOn()).toBeGreaterThan(0);
    again.revert();
    expect(raster.countOn()).toBe(0);
  });
});

describe('undo / redo history', () => {
  it('is byte-exact after N random strokes, N undos and N redos', () => {
    const random = seededRandom(7);
    const document = new MaskDocument(640, 480);
    const states = [digest(document.raster.data)];
    const n = 60;
    for (let i = 0; i < n; i++) {
      playStroke(document, random);
      states.push(digest(document.raster.data));
    }
    const final = document.raster.data.slice();
    // Every stroke that changed pixels is one entry (an eraser over nothing records nothing).
    const recorded = document.history.stats().undoCount;
    const changes = states.filter((state, i) => i > 0 && state !== states[i - 1]).length;
    expect(recorded).toBe(changes);
    for (let i = n; i > 0; i--) {
      if (states[i] !== states[i - 1]) expect(document.undo().length).toBeGreaterThan(0);
      expect(digest(document.raster.data)).toBe(states[i - 1]);
    }
    expect(document.undo()).toEqual([]);
    expect(document.raster.countOn()).toBe(0);
    for (let i = 1; i <= n; i++) {
      if (states[i] !== states[i - 1]) document.redo();
      expect(digest(document.raster.data)).toBe(states[i]);
    }
    expect(firstDifference(document.raster.data, final)).toBeNull();
    expect(document.redo()).toEqual([]);
  });

  it('clears redo on a new edit, not on a view change or a save', () => {
    const document = new MaskDocument(200, 200);
    document.beginStroke('paint', { x: 20, y: 20 }, { radius: 5 });
    document.endStroke();
    document.beginStroke('paint', { x: 80, y: 80 }, { radius: 5 });
    document.endStroke();
    document.undo();
    expect(document.history.canRedo).toBe(true);
    document.markSaved();
    expect(document.history.canRedo).toBe(true);
    document.invert();
    expect(document.history.canRedo).toBe(false);
    expect(document.history.stats().undoCount).toBe(2);
  });

  it('drops the oldest entries past the byte cap and keeps the newest undoable', () => {
    const random = seededRandom(11);
    const document = new MaskDocument(800, 600, { historyByteCap: 20_000 });
    for (let i = 0; i < 80; i++) playStroke(document, random);
    const stats = document.history.stats();
    expect(stats.byteSize).toBeLessThanOrEqual(20_000);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.undoCount).toBeGreaterThan(1);
    const before = document.raster.data.slice();
    document.undo();
    document.redo();
    expect(firstDifference(document.raster.data, before)).toBeNull();
    // One entry larger than the cap alone still stays.
    const tiny = new MaskHistory({ byteCap: 10 });
    const raster = new MaskRaster(100, 100);
    const edit = new MaskEdit(raster);
    paintSegment(edit, { x: 50, y: 50 }, { x: 50, y: 50 }, 20, 255);
    tiny.record(edit.finish()!, 'brush');
    expect(tiny.stats().undoCount).toBe(1);
  });

  it('holds 200 strokes on a 6000x4000 mask in a few megabytes', () => {
    const random = seededRandom(3);
    const document = new MaskDocument(6000, 4000);
    for (let i = 0; i < 200; i++) {
      const points = randomStroke(random, 6000, 4000, 30, 120);
      document.beginStroke(random() < 0.8 ? 'paint' : 'erase', points[0]!, { radius: 10 + random() * 90 });
      for (const point of points.slice(1)) document.extendStroke(point);
      document.endStroke();
    }
    document.commitPending();
    const stats = document.history.stats();
    expect(stats.undoCount).toBeGreaterThan(150);
    expect(stats.byteSize).toBeLessThan(8 * 1024 * 1024);
    // What the same entries would cost uncompressed: the run-length coding earns its keep.
    expect(stats.rawByteSize / stats.byteSize).toBeGreaterThan(20);
  });

  it('counts a full-mask edit (invert) as one entry that compresses to almost nothing', () => {
    const document = new MaskDocument(6000, 4000);
    document.invert();
    const stats = document.history.stats();
    expect(stats.undoCount).toBe(1);
    expect(stats.byteSize).toBeLessThan(64 * 1024);
    document.undo();
    expect(document.raster.countOn()).toBe(0);
  });
});

describe('document capture rules', () => {
  it('records one entry per stroke however many samples it has', () => {
    const document = new MaskDocument(300, 300);
    document.beginStroke('paint', { x: 10, y: 10 }, { radius: 4 });
    for (let i = 1; i < 100; i++) document.extendStroke({ x: 10 + i * 2, y: 10 + i });
    expect(document.history.stats().undoCount).toBe(0);
    expect(document.dirty).toBe(true);
    document.endStroke();
    // Recorded lazily (the pointerup frame does not wait for the compression)...
    expect(document.hasPendingEdit).toBe(true);
    expect(document.dirty).toBe(true);
    // ...but undo right away still reverts exactly that stroke.
    expect(document.undo().length).toBeGreaterThan(0);
    expect(document.raster.countOn()).toBe(0);
    expect(document.history.stats()).toMatchObject({ undoCount: 0, redoCount: 1 });
    document.redo();
    expect(document.history.stats().undoCount).toBe(1);
  });

  it('returns only the areas a long diagonal stroke really changed', () => {
    const document = new MaskDocument(4000, 3000);
    document.beginStroke('paint', { x: 100, y: 100 }, { radius: 10 });
    document.extendStroke({ x: 3900, y: 2900 });
    document.endStroke();
    const areas = document.undo();
    const bounding = 3820 * 2820;
    const covered = areas.reduce((sum, area) => sum + area.width * area.height, 0);
    // The stroke's bounding box is 10.8 MP; the repainted squares are a few percent of it.
    expect(covered).toBeLessThan(bounding * 0.05);
    expect(document.raster.countOn()).toBe(0);
    const redone = document.redo();
    expect(redone).toEqual(areas);
    // Every changed pixel lies inside one of the areas.
    for (let y = 0; y < 3000; y += 7) {
      for (let x = 0; x < 4000; x += 7) {
        if (document.raster.get(x, y) === 255) {
          expect(areas.some((a) => x >= a.x && x < a.x + a.width && y >= a.y && y < a.y + a.height)).toBe(true);
        }
      }
    }
  });

  it('never records a load and tracks the saved state', () => {
    const document = new MaskDocument(50, 40);
    const saved = new Uint8Array(50 * 40).fill(255);
    document.load(saved);
    expect(document.history.canUndo).toBe(false);
    expect(document.dirty).toBe(false);
    document.clear();
    expect(document.dirty).toBe(true);
    document.undo();
    expect(document.dirty).toBe(false);
    document.redo();
    document.markSaved();
    expect(document.dirty).toBe(false);
    document.undo();
    expect(document.dirty).toBe(true);
  });

  it('coalesces a live threshold drag into one entry', () => {
    const document = new MaskDocument(64, 64);
    const probability = Uint8Array.from({ length: 64 * 64 }, (_, i) => i % 256);
    document.setPrediction(probability);
    for (let t = 10; t <= 250; t += 10) document.setThreshold(t);
    expect(document.dirty).toBe(true);
    document.beginStroke('paint', { x: 5, y: 5 }, { radius: 2 });
    document.endStroke();
    document.commitPending();
    expect(document.history.stats().undoCount).toBe(2);
    document.undo();
    const expected = Uint8Array.from(probability, (p) => (p >= 250 ? 255 : 0));
    expect(firstDifference(document.raster.data, expected)).toBeNull();
    document.undo();
    expect(document.raster.countOn()).toBe(0);
  });

  it('cancels a stroke without recording it', () => {
    const document = new MaskDocument(100, 100);
    document.beginStroke('paint', { x: 50, y: 50 }, { radius: 10 });
    document.extendStroke({ x: 80, y: 60 });
    expect(document.raster.countOn()).toBeGreaterThan(0);
    document.cancelStroke();
    expect(document.raster.countOn()).toBe(0);
    expect(document.history.canUndo).toBe(false);
    expect(document.dirty).toBe(false);
  });
});
