import { describe, expect, it } from 'vitest';
import { MaskEdit } from '../../../renderer/editor/maskEdit';
import { MaskRaster } from '../../../renderer/editor/maskRaster';
import type { Rect } from '../../../renderer/editor/rect';
import { boxMean, refineAll, refineRegion } from '../../../renderer/editor/refine';
import type { GuideSource } from '../../../renderer/editor/refine';
import { seededRandom } from './helpers';

function guideFrom(width: number, height: number, gray: Uint8Array): GuideSource {
  return {
    width,
    height,
    read(rect: Rect): Uint8Array {
      const out = new Uint8Array(rect.width * rect.height);
      for (let row = 0; row < rect.height; row++) {
        out.set(gray.subarray((rect.y + row) * width + rect.x, (rect.y + row) * width + rect.x + rect.width), row * rect.width);
      }
      return out;
    },
  };
}

/** A photo with a vertical step edge at x = edge (dark left, bright right) and some noise. */
function stepPhoto(width: number, height: number, edge: number, seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length: width * height }, (_, i) => {
    const base = i % width < edge ? 60 : 190;
    return Math.max(0, Math.min(255, Math.round(base + (random() - 0.5) * 20)));
  });
}

describe('box filter', () => {
  it('equals the brute-force mean over the clipped window', () => {
    const width = 23;
    const height = 17;
    const random = seededRandom(4);
    const src = Float32Array.from({ length: width * height }, () => random());
    for (const radius of [0, 1, 3, 12]) {
      const out = boxMean(src, width, height, radius, new Float32Array(width * height));
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          let sum = 0;
          let count = 0;
          for (let v = Math.max(0, y - radius); v <= Math.min(height - 1, y + radius); v++) {
            for (let u = Math.max(0, x - radius); u <= Math.min(width - 1, x + radius); u++) {
              sum += src[v * width + u]!;
              count++;
            }
          }
          expect(out[y * width + x]).toBeCloseTo(sum / count, 5);
        }
      }
    }
  });
});

describe('edge-aware refine', () => {
  const width = 120;
  const height = 80;
  const edge = 60;

  function columnsOn(raster: MaskRaster, y: number): number {
    let count = 0;
    for (let x = 0; x < raster.width; x++) if (raster.get(x, y) === 255) count++;
    return count;
  }

  for (const roughEdge of [edge + 6, edge - 6]) {
    it(`moves a rough edge at x = ${roughEdge} onto the photo's step at x = ${edge}`, () => {
      const guide = guideFrom(width, height, stepPhoto(width, height, edge, 1));
      const raster = new MaskRaster(width, height);
      for (let y = 0; y < height; y++) raster.fillRect({ x: 0, y, width: roughEdge, height: 1 }, 255);
      refineRegion(new MaskEdit(raster), guide, raster.bounds, { radius: 12, epsilon: 1e-3, iterations: 3 });
      for (let y = 0; y < height; y++) {
        expect(columnsOn(raster, y)).toBe(edge);
        expect(raster.get(edge - 1, y)).toBe(255);
        expect(raster.get(edge, y)).toBe(0);
      }
    });
  }

  it('the whole-photo refine (fast guided filter) snaps edges up to 10 px off', () => {
    const wide = 1200;
    const tall = 300;
    const step = 601; // not on the coarse grid on purpose
    const guide = guideFrom(wide, tall, stepPhoto(wide, tall, step, 5));
    for (const offset of [-10, -4, 4, 10]) {
      const raster = new MaskRaster(wide, tall);
      for (let y = 0; y < tall; y++) raster.fillRect({ x: 0, y, width: step + offset, height: 1 }, 255);
      refineAll(new MaskEdit(raster), guide);
      for (let y = 0; y < tall; y += 7) expect(columnsOn(raster, y), `offset ${offset}, row ${y}`).toBe(step);
    }
  });

  it('leaves a mask without boundaries alone (and skips its tiles)', () => {
    const guide = guideFrom(width, height, stepPhoto(width, height, edge, 3));
    const raster = new MaskRaster(width, height);
    expect(refineAll(new MaskEdit(raster), guide)).toBeNull();
    raster.data.fill(255);
    expect(refineAll(new MaskEdit(raster), guide)).toBeNull();
    expect(raster.countOn()).toBe(width * height);
  });

  it('changes only the pixels under a refine brush footprint', () => {
    const guide = guideFrom(width, height, stepPhoto(width, height, edge, 2));
    const raster = new MaskRaster(width, height);
    for (let y = 0; y < height; y++) raster.fillRect({ x: 0, y, width: edge + 6, height: 1 }, 255);
    const region = { x: 40, y: 0, width: 40, height: 80 };
    const footprint = new Uint8Array(region.width * region.height);
    footprint.fill(1, 0, region.width * 40); // top half only
    refineRegion(new MaskEdit(raster), guide, region, { radius: 12, epsilon: 1e-3, iterations: 3, footprint });
    expect(columnsOn(raster, 10)).toBe(edge);
    expect(columnsOn(raster, 60)).toBe(edge + 6);
  });

  it('refines a whole photo tile by tile like one region', () => {
    const wide = 2200;
    const tall = 90;
    const random = seededRandom(8);
    const gray = Uint8Array.from({ length: wide * tall }, (_, i) => ((i % wide) % 300 < 150 ? 70 : 180) + Math.round(random() * 10));
    const guide = guideFrom(wide, tall, gray);
    const rough = new MaskRaster(wide, tall);
    for (let i = 0; i < rough.data.length; i++) rough.data[i] = (i % wide) % 300 < 155 ? 255 : 0;
    const tiled = rough.clone();
    const whole = rough.clone();
    // Same coarse grid in both (it is aligned to the photo, not to the tiles).
    refineAll(new MaskEdit(tiled), guide, { radius: 8, epsilon: 1e-3, iterations: 2, subsample: 4 });
    refineRegion(new MaskEdit(whole), guide, whole.bounds, { radius: 8, epsilon: 1e-3, iterations: 2, subsample: 4 });
    let differ = 0;
    for (let i = 0; i < whole.data.length; i++) if (whole.data[i] !== tiled.data[i]) differ++;
    expect(differ).toBe(0);
    // and the refine did snap the 5-pixel overshoot back onto the stripes.
    expect(whole.countOn()).toBeLessThan(rough.countOn());
  });
});
