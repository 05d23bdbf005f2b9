import { describe, expect, it } from 'vitest';
import { applyThreshold, clearMask, fillPolygon, floodFill, invertMask, paintWithPrediction } from '../../../renderer/editor/fill';
import { MaskEdit } from '../../../renderer/editor/maskEdit';
import { MaskRaster } from '../../../renderer/editor/maskRaster';
import type { Point } from '../../../renderer/editor/rect';
import { distanceToSegment, firstDifference, insidePolygon, seededRandom } from './helpers';

function polygonReference(width: number, height: number, points: readonly Point[]): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (insidePolygon(x + 0.5, y + 0.5, points)) out[y * width + x] = 255;
  }
  return out;
}

describe('polygon and lasso', () => {
  it('fills exactly the pixels of a rectangle drawn along pixel edges', () => {
    const raster = new MaskRaster(20, 12);
    const rect = fillPolygon(new MaskEdit(raster), [{ x: 2, y: 3 }, { x: 10, y: 3 }, { x: 10, y: 8 }, { x: 2, y: 8 }], 255);
    expect(rect).toEqual({ x: 2, y: 3, width: 8, height: 5 });
    for (let y = 0; y < 12; y++) {
      for (let x = 0; x < 20; x++) expect(raster.get(x, y)).toBe(x >= 2 && x < 10 && y >= 3 && y < 8 ? 255 : 0);
    }
  });

  it('matches the even-odd rule on triangles, a self-crossing star and a random lasso', () => {
    const shapes: Point[][] = [
      [{ x: 3.2, y: 1.7 }, { x: 57.9, y: 20.1 }, { x: 12.4, y: 44.6 }],
      // A pentagram: the even-odd rule leaves its centre empty.
      Array.from({ length: 5 }, (_, i) => {
        const angle = (i * 4 * Math.PI) / 5 - Math.PI / 2;
        return { x: 32 + 28 * Math.cos(angle), y: 25 + 22 * Math.sin(angle) };
      }),
    ];
    const random = seededRandom(9);
    shapes.push(Array.from({ length: 200 }, () => ({ x: random() * 70 - 3, y: random() * 56 - 3 })));
    for (const points of shapes) {
      const raster = new MaskRaster(64, 50);
      fillPolygon(new MaskEdit(raster), points, 255);
      expect(firstDifference(raster.data, polygonReference(64, 50, points))).toBeNull();
    }
    const star = new MaskRaster(64, 50);
    fillPolygon(new MaskEdit(star), shapes[1]!, 255);
    expect(star.get(32, 25)).toBe(0);
  });

  it('cuts (writes 0) with the same footprint', () => {
    const raster = new MaskRaster(30, 30);
    raster.data.fill(255);
    const points = [{ x: 5, y: 5 }, { x: 25, y: 8 }, { x: 15, y: 27 }];
    fillPolygon(new MaskEdit(raster), points, 0);
    const expected = polygonReference(30, 30, points).map((v) => 255 - v);
    expect(firstDifference(raster.data, expected)).toBeNull();
  });
});

describe('flood fill', () => {
  it('fills the inside of a ring and not the outside (4-connected)', () => {
    const raster = new MaskRaster(40, 40);
    // A square ring 10..29 with a one-pixel wall; a diagonal gap does not leak (4-connected).
    for (let i = 10; i < 30; i++) {
      raster.data[10 * 40 + i] = 255;
      raster.data[29 * 40 + i] = 255;
      raster.data[i * 40 + 10] = 255;
      raster.data[i * 40 + 29] = 255;
    }
    const rect = floodFill(new MaskEdit(raster), 20, 20, 255);
    expect(rect).toEqual({ x: 11, y: 11, width: 18, height: 18 });
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 40; x++) {
        const inRing = x >= 10 && x <= 29 && y >= 10 && y <= 29;
        expect(raster.get(x, y)).toBe(inRing ? 255 : 0);
      }
    }
    expect(floodFill(new MaskEdit(raster), 20, 20, 255)).toBeNull();
  });

  it('fills a 6000x4000 serpentine maze without recursion', () => {
    const width = 6000;
    const height = 4000;
    const raster = new MaskRaster(width, height);
    // Walls every 4 rows, open alternately at the right and left end: one corridor
    // snakes through the whole photo, the worst case for a recursive fill.
    let walls = 0;
    for (let y = 2; y < height; y += 4) {
      const gapRight = (y / 4) % 2 < 1;
      for (let x = 0; x < width; x++) {
        if ((gapRight && x >= width - 2) || (!gapRight && x < 2)) continue;
        raster.data[y * width + x] = 255;
        walls++;
      }
    }
    floodFill(new MaskEdit(raster), 0, 0, 255);
    expect(raster.countOn()).toBe(width * height);
    expect(walls).toBeGreaterThan(0);
  });
});

describe('prediction tools', () => {
  const width = 50;
  const height = 40;
  const probability = Uint8Array.from({ length: width * height }, (_, i) => (i % width) * 5);

  it('threshold keeps exactly the pixels at or above the cut', () => {
    const raster = new MaskRaster(width, height);
    applyThreshold(new MaskEdit(raster), probability, 100);
    for (let i = 0; i < raster.data.length; i++) expect(raster.data[i]).toBe(probability[i]! >= 100 ? 255 : 0);
  });

  it('paint with prediction only adds, and only where the model says blurred', () => {
    const raster = new MaskRaster(width, height);
    raster.data[0] = 255; // outside the stroke, must stay
    raster.data[20 * width + 5] = 255; // inside the stroke with low probability, must stay
    const from = { x: 5, y: 20 };
    const to = { x: 45, y: 20 };
    paintWithPrediction(new MaskEdit(raster), probability, from, to, 6, 120, 1);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = distanceToSegment(x + 0.5, y + 0.5, from, to) <= 6;
        const expected = (inside && probability[y * width + x]! >= 120) || (x === 0 && y === 0) || (x === 5 && y === 20);
        expect(raster.get(x, y), `(${x}, ${y})`).toBe(expected ? 255 : 0);
      }
    }
  });

  it('a soft prediction brush takes fewer pixels near its rim', () => {
    const hard = new MaskRaster(width, height);
    const soft = new MaskRaster(width, height);
    const flat = new Uint8Array(width * height).fill(200);
    paintWithPrediction(new MaskEdit(hard), flat, { x: 25, y: 20 }, { x: 25, y: 20 }, 12, 128, 1);
    paintWithPrediction(new MaskEdit(soft), flat, { x: 25, y: 20 }, { x: 25, y: 20 }, 12, 128, 0);
    expect(soft.countOn()).toBeLessThan(hard.countOn());
    expect(soft.get(25, 20)).toBe(255);
  });

  it('invert and clear', () => {
    const raster = new MaskRaster(7, 3);
    raster.data.set([255, 0, 255], 0);
    invertMask(new MaskEdit(raster));
    expect(raster.countOn()).toBe(19);
    expect(raster.get(1, 0)).toBe(255);
    clearMask(new MaskEdit(raster));
    expect(raster.countOn()).toBe(0);
  });
});
