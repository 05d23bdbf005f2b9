import { describe, expect, it } from 'vitest';
import { capsuleSpans, footprintOutline, paintSegment } from '../../../renderer/editor/brush';
import { MaskEdit } from '../../../renderer/editor/maskEdit';
import { MaskRaster } from '../../../renderer/editor/maskRaster';
import type { Point } from '../../../renderer/editor/rect';
import { distanceToSegment, seededRandom } from './helpers';

/** Pixels painted by a segment, against the definition (centre within r of the segment). */
function compareWithDefinition(raster: MaskRaster, from: Point, to: Point, radius: number): { wrong: number; checked: number } {
  let wrong = 0;
  let checked = 0;
  for (let y = 0; y < raster.height; y++) {
    for (let x = 0; x < raster.width; x++) {
      const distance = distanceToSegment(x + 0.5, y + 0.5, from, to);
      // A centre exactly on the rim is a floating-point tie either way: not judged.
      if (Math.abs(distance - radius) < 1e-9) continue;
      checked++;
      if ((distance < radius) !== (raster.get(x, y) === 255)) wrong++;
    }
  }
  return { wrong, checked };
}

describe('round brush', () => {
  it('paints exactly the pixels within the radius of random segments', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 40; trial++) {
      const raster = new MaskRaster(120, 90);
      const from = { x: random() * 140 - 10, y: random() * 110 - 10 };
      const to = trial % 5 === 0 ? from : { x: random() * 140 - 10, y: random() * 110 - 10 };
      const radius = 0.5 + random() * 25;
      paintSegment(new MaskEdit(raster), from, to, radius, 255);
      expect(compareWithDefinition(raster, from, to, radius).wrong).toBe(0);
    }
  });

  it('leaves no gap on a fast diagonal stroke with samples 300 px apart', () => {
    const raster = new MaskRaster(1000, 1000);
    const edit = new MaskEdit(raster);
    const samples = [{ x: 10, y: 10 }, { x: 310, y: 310 }, { x: 610, y: 610 }, { x: 990, y: 990 }];
    for (let i = 1; i < samples.length; i++) paintSegment(edit, samples[i - 1]!, samples[i]!, 3, 255);
    // Every pixel on the diagonal and its neighbours within 2 px of the line is painted.
    for (let t = 10; t < 990; t++) {
      for (let offset = -2; offset <= 2; offset++) {
        const x = t + offset;
        if (raster.get(x, t) !== 255) throw new Error(`gap at (${x}, ${t})`);
      }
    }
    // and nothing is painted farther than the radius.
    for (let y = 0; y < 1000; y++) {
      for (let x = 0; x < 1000; x++) {
        if (raster.get(x, y) === 255) expect(Math.abs(x - y) / Math.SQRT2).toBeLessThanOrEqual(3 + 1);
      }
    }
  });

  it('a 1-pixel brush clicked on a pixel paints that pixel only', () => {
    const raster = new MaskRaster(10, 10);
    const rect = paintSegment(new MaskEdit(raster), { x: 4.5, y: 6.5 }, { x: 4.5, y: 6.5 }, 0.5, 255);
    expect(raster.countOn()).toBe(1);
    expect(raster.get(4, 6)).toBe(255);
    expect(rect).not.toBeNull();
  });

  it('returns the clipped rectangle it wrote, and null off the image', () => {
    const raster = new MaskRaster(50, 50);
    const edit = new MaskEdit(raster);
    expect(paintSegment(edit, { x: -5, y: 25 }, { x: 5, y: 25 }, 4, 255)).toEqual({ x: 0, y: 21, width: 9, height: 8 });
    expect(paintSegment(edit, { x: -50, y: -50 }, { x: -40, y: -40 }, 4, 255)).toBeNull();
  });

  it('outlines exactly the footprint a click paints', () => {
    for (const [center, radius] of [[{ x: 20.3, y: 19.8 }, 6.5], [{ x: 20, y: 20 }, 0.5], [{ x: 20.5, y: 20.5 }, 11]] as const) {
      const spans: number[] = [];
      capsuleSpans(center, center, radius, 100, 100, (_y, x0, x1) => spans.push(x1 - x0 + 1));
      const area = spans.reduce((sum, n) => sum + n, 0);
      const outline = footprintOutline(center, radius);
      // Shoelace area of the pixel-edge polygon equals the pixel count.
      let twice = 0;
      for (let i = 0; i < outline.length; i += 2) {
        const j = (i + 2) % outline.length;
        twice += outline[i]! * outline[j + 1]! - outline[j]! * outline[i + 1]!;
      }
      expect(Math.abs(twice) / 2).toBe(area);
    }
  });
});
