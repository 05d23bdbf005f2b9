/**
 * The mask contract at the door: real PNGs encoded by sharp in every layout a client
 * might send, checked by checkMaskPng. Only 8-bit grayscale at the photo's size with
 * 0/255 pixels passes, and each refusal names what is wrong. (sharp writes an
 * unfiltered gray PNG as the editor does, so most of these take the direct road of
 * inflateUnfilteredRows; test/unit/editor/maskPngCheck.test.ts covers which road is taken.)
 */
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/api/errors';
import { checkMaskPng, countBlurred, readPngHeader } from '../../../electron/core/annotate/maskPng';
import { grayPng as grayPngOf } from '../../fixtures/images';

const WIDTH = 64;
const HEIGHT = 48;

/** Left `columns` columns blurred (255), the rest in focus. */
function leftColumns(columns: number, width = WIDTH, height = HEIGHT): Buffer {
  const data = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) data.fill(255, y * width, y * width + columns);
  return data;
}

function grayPng(data: Buffer, width = WIDTH, height = HEIGHT): Promise<Uint8Array> {
  return grayPngOf(data, width, height);
}

async function refusal(png: Uint8Array, width = WIDTH, height = HEIGHT): Promise<StudioError> {
  const error = await checkMaskPng(png, width, height).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StudioError);
  expect((error as StudioError).code).toBe('bad-image');
  return error as StudioError;
}

describe('checkMaskPng', () => {
  it('accepts an 8-bit grayscale 0/255 PNG at the photo size and measures the blur fraction', async () => {
    const png = await grayPng(leftColumns(16));
    expect(readPngHeader(png)).toEqual({ width: WIDTH, height: HEIGHT, bitDepth: 8, colorType: 0 });
    const checked = await checkMaskPng(png, WIDTH, HEIGHT);
    expect(checked).toEqual({ width: WIDTH, height: HEIGHT, blurFraction: 16 / 64 });
  });

  it('measures empty and full masks', async () => {
    expect((await checkMaskPng(await grayPng(leftColumns(0)), WIDTH, HEIGHT)).blurFraction).toBe(0);
    expect((await checkMaskPng(await grayPng(leftColumns(WIDTH)), WIDTH, HEIGHT)).blurFraction).toBe(1);
  });

  it('refuses bytes that are not a PNG', async () => {
    const jpeg = new Uint8Array(await sharp(leftColumns(8), { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).jpeg().toBuffer());
    expect((await refusal(jpeg)).message).toMatch(/not a PNG/);
    expect((await refusal(new Uint8Array([1, 2, 3]))).message).toMatch(/not a PNG/);
  });

  it('refuses RGB, RGBA, palette and 16-bit PNGs, naming the layout', async () => {
    const rgb = new Uint8Array(await sharp(leftColumns(8), { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).toColorspace('srgb').png().toBuffer());
    expect((await refusal(rgb)).message).toMatch(/8-bit single-channel.*8-bit RGB/);
    const rgba = new Uint8Array(
      await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 0.5 } } }).png().toBuffer(),
    );
    expect((await refusal(rgba)).message).toMatch(/RGBA/);
    const palette = new Uint8Array(await sharp(leftColumns(8), { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).png({ palette: true }).toBuffer());
    expect(readPngHeader(palette)?.colorType).toBe(3);
    expect((await refusal(palette)).message).toMatch(/palette/);
    const deep = new Uint8Array(
      await sharp(leftColumns(8), { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).toColorspace('grey16').png().toBuffer(),
    );
    expect(readPngHeader(deep)?.bitDepth).toBe(16);
    expect((await refusal(deep)).message).toMatch(/16-bit grayscale/);
  });

  it("refuses a mask of another size than its photo's", async () => {
    const png = await grayPng(leftColumns(8));
    // A portrait photo stored rotated: the mask must be at the oriented size.
    expect((await refusal(png, HEIGHT, WIDTH)).message).toBe(
      `The mask is ${WIDTH}x${HEIGHT} but its photo is ${HEIGHT}x${WIDTH} (after EXIF orientation); a mask has its photo's size.`,
    );
  });

  it('refuses a soft mask, naming the first pixel that is neither 0 nor 255', async () => {
    const data = leftColumns(8);
    data[3 * WIDTH + 10] = 128;
    expect((await refusal(await grayPng(data))).message).toBe('The mask must be binary (0 = in focus, 255 = blurred); pixel (10, 3) is 128.');
  });

  it('refuses a grayscale PNG made transparent by a tRNS chunk', async () => {
    const png = await grayPng(leftColumns(8));
    // tRNS for gray: the 16-bit sample value that is transparent (here 0), after IHDR.
    const body = Buffer.concat([Buffer.from('tRNS', 'latin1'), Buffer.from([0, 0])]);
    const chunk = Buffer.alloc(4 + body.length + 4);
    chunk.writeUInt32BE(2, 0);
    body.copy(chunk, 4);
    chunk.writeUInt32BE(crc32(body), 4 + body.length);
    const ihdrEnd = 8 + 4 + 4 + 13 + 4;
    const withAlpha = new Uint8Array(Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]));
    expect(readPngHeader(withAlpha)?.colorType).toBe(0);
    expect((await refusal(withAlpha)).message).toMatch(/no transparency/);
  });

  it('refuses a truncated PNG', async () => {
    const png = await grayPng(leftColumns(8));
    expect((await refusal(png.subarray(0, png.length - 20))).message).toMatch(/could not be decoded/);
  });
});

describe('countBlurred', () => {
  it('counts 255s and finds the first stray value at any alignment and at the ends', () => {
    const backing = new Uint8Array(64);
    for (let offset = 0; offset < 4; offset++) {
      for (let length = 0; length <= 13; length++) {
        const data = backing.subarray(offset, offset + length);
        data.fill(0);
        for (let i = 0; i < length; i += 3) data[i] = 255;
        expect(countBlurred(data, 5)).toBe(Math.ceil(length / 3));
        if (length > 0) {
          data[length - 1] = 7;
          const last = length - 1;
          expect(() => countBlurred(data, 5)).toThrow(`pixel (${last % 5}, ${Math.floor(last / 5)}) is 7`);
        }
      }
    }
  });

  it('skips a prefix byte before each row and leaves it out of the pixel position', () => {
    // Two rows of three pixels, each behind a 0 filter byte.
    const rows = new Uint8Array([0, 255, 0, 255, 0, 0, 255, 9]);
    expect(() => countBlurred(rows, 3, 1)).toThrow('pixel (2, 1) is 9');
    rows[7] = 255;
    expect(countBlurred(rows, 3, 1)).toBe(4);
  });
});

