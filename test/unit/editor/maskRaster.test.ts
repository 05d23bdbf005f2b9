import { describe, expect, it } from 'vitest';
import { MaskRaster } from '../../../renderer/editor/maskRaster';
import { clipRect, expandRect, intersectRect, unionRect } from '../../../renderer/editor/rect';

describe('mask raster', () => {
  it('reads and writes rectangles, whole rows included', () => {
    const raster = new MaskRaster(7, 5);
    const block = Uint8Array.from({ length: 6 }, (_, i) => i + 1);
    raster.writeRect({ x: 2, y: 1, width: 3, height: 2 }, block);
    expect(raster.readRect({ x: 2, y: 1, width: 3, height: 2 })).toEqual(block);
    expect(raster.get(2, 1)).toBe(1);
    expect(raster.get(4, 2)).toBe(6);
    expect(raster.get(1, 1)).toBe(0);
    const rows = new Uint8Array(14).fill(9);
    raster.writeRect({ x: 0, y: 3, width: 7, height: 2 }, rows);
    expect(raster.readRect({ x: 0, y: 3, width: 7, height: 2 })).toEqual(rows);
    expect(raster.countOn()).toBe(20);
  });

  it('fills rectangles and refuses ones outside the mask', () => {
    const raster = new MaskRaster(4, 4);
    raster.fillRect({ x: 1, y: 1, width: 2, height: 2 }, 255);
    expect(raster.countOn()).toBe(4);
    expect(raster.blurFraction()).toBe(0.25);
    expect(() => raster.readRect({ x: 3, y: 0, width: 2, height: 1 })).toThrow(RangeError);
    expect(() => raster.writeRect({ x: 0, y: 0, width: 2, height: 2 }, new Uint8Array(3))).toThrow(RangeError);
    expect(() => new MaskRaster(0, 4)).toThrow(RangeError);
  });

  it('makes loaded bytes binary at 128', () => {
    const raster = new MaskRaster(4, 1);
    raster.assignBinary(Uint8Array.from([0, 127, 128, 254]));
    expect([...raster.data]).toEqual([0, 0, 255, 255]);
  });
});

describe('rectangles', () => {
  it('union, intersection, clip and expand', () => {
    const a = { x: 0, y: 0, width: 4, height: 4 };
    const b = { x: 2, y: 3, width: 5, height: 2 };
    expect(unionRect(a, b)).toEqual({ x: 0, y: 0, width: 7, height: 5 });
    expect(unionRect(null, b)).toEqual(b);
    expect(intersectRect(a, b)).toEqual({ x: 2, y: 3, width: 2, height: 1 });
    expect(intersectRect(a, { x: 4, y: 0, width: 1, height: 1 })).toBeNull();
    expect(clipRect({ x: -2, y: -2, width: 5, height: 10 }, 4, 4)).toEqual({ x: 0, y: 0, width: 3, height: 4 });
    expect(expandRect(a, 2)).toEqual({ x: -2, y: -2, width: 8, height: 8 });
  });
});
