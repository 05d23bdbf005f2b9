/**
 * Real files for dataset tests: photos with true defocus (a textured image whose
 * blurred region was passed through a Gaussian blur), ground-truth masks in the shapes
 * public datasets use (inverted, scaled, grey-edged, RGB), and a decoder of mask PNGs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { patternPixels } from '../../fixtures/images';

export { makeJpeg, makePng, makeTempDir } from '../library/fixtures';

/** Which pixels of a width x height image are blurred (255) or sharp (0), row-major. */
export type MaskShape = (x: number, y: number, width: number, height: number) => boolean;

export const leftPart = (fraction: number): MaskShape => (x, _y, width) => x < width * fraction;
export const centreDisc = (radiusFraction: number): MaskShape => (x, y, width, height) =>
  (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) * radiusFraction) ** 2;
/** Everything except a centred rectangle: a portrait, subject sharp, background blurred. */
export const background = (marginFraction: number): MaskShape => (x, y, width, height) =>
  x < width * marginFraction || x >= width * (1 - marginFraction) || y < height * marginFraction || y >= height * (1 - marginFraction);

export function maskPixels(width: number, height: number, shape: MaskShape): Uint8Array {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = shape(x, y, width, height) ? 255 : 0;
  return data;
}

/** Fine texture everywhere (so sharp regions have detail), seeded. */
function texture(width: number, height: number, seed: number): Buffer {
  const pixels = patternPixels(width, height, seed);
  let state = (seed * 747796405 + 2891336453) >>> 0 || 1;
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    pixels[i] = Math.min(255, Math.max(0, pixels[i]! + ((state & 127) - 64)));
  }
  return pixels;
}

/**
 * Writes a photo whose `shape` region is defocused (Gaussian blur, sigma 3) and returns
 * its true mask (255 = blurred).
 */
export async function makeDefocusedPhoto(
  path: string,
  options: { width: number; height: number; shape: MaskShape; seed?: number; format?: 'jpeg' | 'png' },
): Promise<Uint8Array> {
  const { width, height, shape, seed = 1 } = options;
  const sharpPixels = texture(width, height, seed);
  const blurred = await sharp(sharpPixels, { raw: { width, height, channels: 3 } }).blur(3).raw().toBuffer();
  const mask = maskPixels(width, height, shape);
  const out = Buffer.from(sharpPixels);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) for (let c = 0; c < 3; c++) out[i * 3 + c] = blurred[i * 3 + c]!;
  }
  const image = sharp(out, { raw: { width, height, channels: 3 } });
  const bytes = options.format === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 92 }).toBuffer();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return mask;
}

/** Writes a mask as an 8-bit grayscale PNG (or another layout a dataset might use). */
export async function writeMask(
  path: string,
  mask: Uint8Array,
  width: number,
  height: number,
  options: { invert?: boolean; rgb?: boolean; format?: 'png' | 'jpeg' } = {},
): Promise<void> {
  const gray = Buffer.from(mask.map((value) => (options.invert ? 255 - value : value)));
  let image = sharp(gray, { raw: { width, height, channels: 1 } });
  image = options.rgb ? image.toColorspace('srgb') : image.toColorspace('b-w');
  const bytes = options.format === 'jpeg' ? await image.jpeg({ quality: 75 }).toBuffer() : await image.png().toBuffer();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/** A mask PNG as the store keeps it. */
export async function maskPng(mask: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.from(mask), { raw: { width, height, channels: 1 } }).toColorspace('b-w').png().toBuffer());
}

/** Decodes a mask or probability PNG (file path or bytes) to one byte per pixel. */
export async function readGray(input: string | Uint8Array): Promise<{ width: number; height: number; data: Uint8Array; channels: number; depth: string | undefined }> {
  const meta = await sharp(input).metadata();
  const { data, info } = await sharp(input).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data), channels: meta.channels, depth: meta.depth };
}

/** Share of pixels on which two masks agree (both >= 128 or both < 128). */
export function agreement(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if ((a[i]! >= 128) === (b[i]! >= 128)) same++;
  return same / a.length;
}
