/**
 * Preprocessing on real encoded images: EXIF orientation turns the photo upright (so the
 * map lines up with the photo the user sees), every color layout becomes 8-bit RGB, and
 * the planar float layout is what the model reads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cropToChw, decodePhoto, resizeRgb, rgbToChw } from '../../../electron/core/detect/preprocess';
import { PhotoReadError } from '../../../electron/core/library/photoReadError';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-pre-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 60 x 40 stored pixels: left half red, right half blue. */
async function halves(file: string, orientation?: number): Promise<string> {
  const width = 60;
  const height = 40;
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      rgb[(y * width + x) * 3 + (x < width / 2 ? 0 : 2)] = 255;
    }
  }
  let image = sharp(rgb, { raw: { width, height, channels: 3 } });
  if (orientation) image = image.withMetadata({ orientation });
  await image.jpeg({ quality: 95 }).toFile(file);
  return file;
}

function pixel(rgb: Buffer, width: number, x: number, y: number): number[] {
  const i = (y * width + x) * 3;
  return [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
}

const isRed = ([r, g, b]: number[]): boolean => r! > 200 && g! < 60 && b! < 60;
const isBlue = ([r, g, b]: number[]): boolean => b! > 200 && r! < 60 && g! < 60;

describe('decodePhoto', () => {
  it('keeps an upright photo as stored', async () => {
    const photo = await decodePhoto(await halves(path.join(dir, 'upright.jpg')));
    expect([photo.width, photo.height]).toEqual([60, 40]);
    expect(isRed(pixel(photo.pixels, 60, 5, 20))).toBe(true);
    expect(isBlue(pixel(photo.pixels, 60, 55, 20))).toBe(true);
  });

  it('applies EXIF orientation 6 (turn 90° clockwise): red on top, 40 x 60', async () => {
    const photo = await decodePhoto(await halves(path.join(dir, 'rotated.jpg'), 6));
    expect([photo.width, photo.height]).toEqual([40, 60]);
    expect(isRed(pixel(photo.pixels, 40, 20, 5))).toBe(true);
    expect(isBlue(pixel(photo.pixels, 40, 20, 55))).toBe(true);
  });

  it('applies EXIF orientation 8 (turn 90° anticlockwise): blue on top', async () => {
    const photo = await decodePhoto(await halves(path.join(dir, 'rotated-ccw.jpg'), 8));
    expect([photo.width, photo.height]).toEqual([40, 60]);
    expect(isBlue(pixel(photo.pixels, 40, 20, 5))).toBe(true);
    expect(isRed(pixel(photo.pixels, 40, 20, 55))).toBe(true);
  });

  it('applies EXIF orientation 3 (half turn): blue on the left', async () => {
    const photo = await decodePhoto(await halves(path.join(dir, 'upside-down.jpg'), 3));
    expect([photo.width, photo.height]).toEqual([60, 40]);
    expect(isBlue(pixel(photo.pixels, 60, 5, 20))).toBe(true);
  });

  it('turns grey, 16-bit and transparent images into 8-bit RGB', async () => {
    const grey = path.join(dir, 'grey.png');
    await sharp(Buffer.alloc(20 * 10, 77), { raw: { width: 20, height: 10, channels: 1 } }).png().toFile(grey);
    const sixteen = path.join(dir, 'sixteen.png');
    await sharp(Buffer.alloc(20 * 10 * 3, 200), { raw: { width: 20, height: 10, channels: 3 } }).toColorspace('rgb16').png().toFile(sixteen);
    const transparent = path.join(dir, 'transparent.png');
    await sharp({ create: { width: 20, height: 10, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toFile(transparent);
    for (const file of [grey, sixteen, transparent]) {
      const photo = await decodePhoto(file);
      expect(photo.pixels.length).toBe(20 * 10 * 3);
    }
    expect(pixel((await decodePhoto(grey)).pixels, 20, 3, 3)).toEqual([77, 77, 77]);
    // Fully transparent pixels show the white the viewer puts behind them.
    expect(pixel((await decodePhoto(transparent)).pixels, 20, 3, 3)).toEqual([255, 255, 255]);
  });

  it('names the file when it is not a readable photo', async () => {
    const truncated = path.join(dir, 'truncated.jpg');
    const bytes = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    await import('node:fs/promises').then((fs) => fs.writeFile(truncated, bytes.subarray(0, bytes.length >> 1)));
    await expect(decodePhoto(truncated)).rejects.toBeInstanceOf(PhotoReadError);
    await expect(decodePhoto(truncated)).rejects.toThrow(truncated);
    await expect(decodePhoto(path.join(dir, 'none.jpg'))).rejects.toThrow('none.jpg');
  });
});

describe('tensor layout', () => {
  it('resizes to the model size and lays out planar RGB in 0..1', async () => {
    const photo = await decodePhoto(await halves(path.join(dir, 'layout.jpg')));
    const rgb = await resizeRgb(photo, 32, 32);
    expect(rgb.length).toBe(32 * 32 * 3);
    const chw = rgbToChw(rgb, 32, 32);
    expect(chw.length).toBe(3 * 32 * 32);
    // Left column: red plane high, blue plane low; right column the other way round.
    expect(chw[16 * 32 + 1]).toBeGreaterThan(0.8);
    expect(chw[2 * 1024 + 16 * 32 + 1]).toBeLessThan(0.2);
    expect(chw[16 * 32 + 30]).toBeLessThan(0.2);
    expect(chw[2 * 1024 + 16 * 32 + 30]).toBeGreaterThan(0.8);
    expect(Math.max(...chw)).toBeLessThanOrEqual(1);
    expect(Math.min(...chw)).toBeGreaterThanOrEqual(0);
  });

  it('crops a tile into the same layout as a whole image', () => {
    const width = 8;
    const rgb = new Uint8Array(width * 6 * 3).map((_, i) => i % 251);
    const out = new Float32Array(2 * 3 * 4 * 4);
    cropToChw(rgb, width, 3, 2, 4, out, 3 * 16);
    const tile = new Uint8Array(4 * 4 * 3);
    for (let row = 0; row < 4; row++) tile.set(rgb.subarray(((2 + row) * width + 3) * 3, ((2 + row) * width + 7) * 3), row * 12);
    expect([...out.subarray(3 * 16)]).toEqual([...rgbToChw(tile, 4, 4)]);
  });
});
