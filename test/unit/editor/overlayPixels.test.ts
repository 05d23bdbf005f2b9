import { describe, expect, it } from 'vitest';
import { MaskRaster } from '../../../renderer/editor/maskRaster';
import { maskToRgba, outlineToRgba, packRgba, parseHexColor, probabilityToRgba } from '../../../renderer/editor/overlayPixels';

describe('overlay pixels', () => {
  it('packs RGBA in ImageData byte order', () => {
    const word = new Uint32Array([packRgba(1, 2, 3, 4)]);
    expect([...new Uint8Array(word.buffer)]).toEqual([1, 2, 3, 4]);
    expect(parseHexColor('#ff3b30')).toEqual({ r: 255, g: 59, b: 48 });
    expect(parseHexColor('#0f0')).toEqual({ r: 0, g: 255, b: 0 });
    expect(parseHexColor('red')).toBeNull();
  });

  it('colours the mask rectangle', () => {
    const raster = new MaskRaster(4, 3);
    raster.data.set([255, 0, 255, 255], 4);
    const out = new Uint32Array(3 * 2);
    maskToRgba(raster, { x: 1, y: 0, width: 3, height: 2 }, 7, out);
    expect([...out]).toEqual([0, 0, 0, 0, 7, 7]);
  });

  it('draws outlines of the requested thickness, the photo border counting as outside', () => {
    const width = 30;
    const height = 20;
    const raster = new MaskRaster(width, height);
    raster.fillRect({ x: 5, y: 4, width: 12, height: 10 }, 255);
    raster.fillRect({ x: 0, y: 15, width: 6, height: 5 }, 255);
    for (const thickness of [1, 2, 3]) {
      const rect = { x: 2, y: 1, width: 25, height: 19 };
      const out = new Uint32Array(rect.width * rect.height);
      outlineToRgba(raster, rect, thickness, 1, out);
      for (let y = rect.y; y < rect.y + rect.height; y++) {
        for (let x = rect.x; x < rect.x + rect.width; x++) {
          let interior = raster.get(x, y) === 255;
          for (let v = y - thickness; v <= y + thickness; v++) {
            for (let u = x - thickness; u <= x + thickness; u++) {
              if (u < 0 || v < 0 || u >= width || v >= height || raster.get(u, v) !== 255) interior = false;
            }
          }
          const expected = raster.get(x, y) === 255 && !interior ? 1 : 0;
          expect(out[(y - rect.y) * rect.width + (x - rect.x)], `t=${thickness} (${x}, ${y})`).toBe(expected);
        }
      }
    }
  });

  it('maps probability to alpha', () => {
    const out = new Uint32Array(2);
    probabilityToRgba(Uint8Array.from([0, 255]), 2, { x: 0, y: 0, width: 2, height: 1 }, { r: 10, g: 20, b: 30 }, 200, out);
    expect(out[0]).toBe(packRgba(10, 20, 30, 0));
    expect(out[1]).toBe(packRgba(10, 20, 30, 200));
  });
});
