import { describe, expect, it } from 'vitest';
import { MaskRaster } from '../../../renderer/editor/maskRaster';
import { maskCoverageToRgba, maskToRgba, outlineToRgba, packRgba, parseHexColor, probabilityToRgba, reducedLevel } from '../../../renderer/editor/overlayPixels';

describe('overlay pixels', () => {
  it('packs RGBA in ImageData byte order', () => {
    const word = new Uint32Array([packRgba(1, 2, 3, 4)]);
    expect([...new Uint8Array(word.buffer)]).toEqual([1, 2, 3, 4]);
    expect(parseHexColor('#ff3b30')).toEqual({ r: 255, g: 59, b: 48 });
    expect(parseHexColor('#0f0')).toEqual({ r: 0, g: 255, b: 0 });
    expect(parseHexColor('red')).toBeNull();
  });

  it('colors the mask rectangle', () => {
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

  it('reduces the mask to the share of each square that is on, edge squares counting only the photo', () => {
    // Squares on the right and bottom edges are cut short; widths that are multiples of 4
    // take the word-at-a-time path, 13 the byte path. Random pixels plus all-on and
    // all-off areas (whole words of 255 or 0).
    const color = packRgba(255, 59, 48, 255);
    for (const [width, height] of [[13, 10], [20, 11], [36, 9]] as const) {
      const raster = new MaskRaster(width, height);
      let seed = 7;
      for (let i = 0; i < raster.data.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        raster.data[i] = seed >>> 31 ? 255 : 0;
      }
      raster.fillRect({ x: 0, y: 0, width: 8, height: 4 }, 255);
      raster.fillRect({ x: 8, y: 0, width: 4, height: 4 }, 0);
      for (const level of [1, 2, 3]) {
        const scale = 2 ** level;
        const canvasWidth = Math.ceil(width / scale);
        const canvasHeight = Math.ceil(height / scale);
        // The whole canvas, then a rectangle inside it that does not start at the origin.
        for (const rect of [{ x: 0, y: 0, width: canvasWidth, height: canvasHeight }, { x: 1, y: 1, width: canvasWidth - 1, height: canvasHeight - 1 }]) {
          const out = new Uint32Array(rect.width * rect.height);
          maskCoverageToRgba(raster, level, rect, color, out);
          for (let row = 0; row < rect.height; row++) {
            for (let col = 0; col < rect.width; col++) {
              let on = 0;
              let inside = 0;
              for (let y = (rect.y + row) * scale; y < Math.min(height, (rect.y + row + 1) * scale); y++) {
                for (let x = (rect.x + col) * scale; x < Math.min(width, (rect.x + col + 1) * scale); x++) {
                  inside++;
                  if (raster.get(x, y) === 255) on++;
                }
              }
              const expected = on === 0 ? 0 : packRgba(255, 59, 48, Math.round((255 * on) / inside));
              expect(out[row * rect.width + col], `${width}x${height} level ${level} (${rect.x + col}, ${rect.y + row})`).toBe(expected);
            }
          }
        }
      }
    }
  });

  it('gives big photos a reduced overlay about a screen wide, small ones none', () => {
    expect(reducedLevel(640, 480)).toBe(0);
    expect(reducedLevel(2048, 1536)).toBe(0);
    expect(reducedLevel(4000, 3000)).toBe(1);
    expect(reducedLevel(6000, 4000)).toBe(2);
    expect(reducedLevel(3000, 8000)).toBe(2);
    expect(reducedLevel(20000, 15000)).toBe(3);
    expect(reducedLevel(100000, 100)).toBe(3);
  });
});
