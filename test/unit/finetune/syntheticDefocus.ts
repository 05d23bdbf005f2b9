/**
 * Synthetic defocus photos for the fine-tune tests, made with sharp: a textured scene
 * (smooth multi-scale noise under a lighting gradient, with hard-edged shapes, so there
 * is detail at every scale for a blur to remove), a region of it blurred with a disk
 * PSF (the circle of confusion of a real lens), and the exact mask of that region.
 * Written as a CTCUG folder: images/NAME.jpg, gt/NAME.png (255 = blurred), train.txt
 * and test.txt.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../detect/fixturePhotos';

export interface SyntheticPhoto {
  stem: string;
  split: 'train' | 'test';
  width: number;
  height: number;
  /** Share of the pixels that are blurred (the mask's white area). */
  blurFraction: number;
}

/** Smooth value noise: bilinear interpolation of a coarse random grid. */
function valueNoise(width: number, height: number, cell: number, random: () => number): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => random());
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const a = grid[y0 * gw + x0]!;
      const b = grid[y0 * gw + x0 + 1]!;
      const c = grid[(y0 + 1) * gw + x0]!;
      const d = grid[(y0 + 1) * gw + x0 + 1]!;
      out[y * width + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return out;
}

/** Interleaved RGB of a textured scene. */
export function texturedScene(width: number, height: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const octaves = [48, 16, 5, 2].map((cell) => valueNoise(width, height, cell, random));
  const tint = [0.6 + random() * 0.4, 0.6 + random() * 0.4, 0.6 + random() * 0.4];
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const noise = 0.45 * octaves[0]![i]! + 0.3 * octaves[1]![i]! + 0.15 * octaves[2]![i]! + 0.1 * octaves[3]![i]!;
      const light = 0.55 + 0.45 * (1 - y / height) * (0.5 + 0.5 * Math.cos((x / width) * Math.PI));
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.max(0, Math.min(255, Math.round(255 * noise * light * tint[c]!)));
    }
  }
  // Hard-edged shapes (leaves, stones, signs): strong edges a blur visibly softens.
  const shapes = Math.round((width * height) / 3000);
  for (let s = 0; s < shapes; s++) {
    const cx = random() * width;
    const cy = random() * height;
    const rx = 3 + random() * width * 0.06;
    const ry = 3 + random() * height * 0.06;
    const color = [random() * 255, random() * 255, random() * 255];
    for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(height, Math.ceil(cy + ry)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(width, Math.ceil(cx + rx)); x++) {
        if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 > 1) continue;
        const i = (y * width + x) * 3;
        rgb[i] = color[0]!;
        rgb[i + 1] = color[1]!;
        rgb[i + 2] = color[2]!;
      }
    }
  }
  return rgb;
}

/** A normalised disk kernel of radius r (odd side 2r+1): the PSF of a defocused lens. */
export function diskKernel(radius: number): { width: number; height: number; kernel: number[] } {
  const side = 2 * radius + 1;
  const kernel: number[] = [];
  for (let y = -radius; y <= radius; y++) {
    for (let x = -radius; x <= radius; x++) kernel.push(x * x + y * y <= radius * radius + radius ? 1 : 0);
  }
  const sum = kernel.reduce((a, b) => a + b, 0);
  return { width: side, height: side, kernel: kernel.map((value) => value / sum) };
}

/**
 * The region to defocus: the far side of a wavy line (a background behind a subject),
 * or an ellipse (an out-of-focus object), chosen by the seed.
 */
export function defocusRegion(width: number, height: number, seed: number): Uint8Array {
  const random = seededRandom(seed * 7 + 3);
  const mask = new Uint8Array(width * height);
  if (seed % 2 === 0) {
    const level = height * (0.35 + random() * 0.25);
    const amplitude = height * 0.08;
    const phase = random() * Math.PI * 2;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (y < level + amplitude * Math.sin(phase + (x / width) * Math.PI * 3)) mask[y * width + x] = 255;
      }
    }
  } else {
    const cx = width * (0.3 + random() * 0.4);
    const cy = height * (0.3 + random() * 0.4);
    const rx = width * (0.2 + random() * 0.15);
    const ry = height * (0.2 + random() * 0.15);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) mask[y * width + x] = 255;
      }
    }
  }
  return mask;
}

/** Writes one synthetic photo (JPEG) and its exact mask (PNG); returns its blur fraction. */
export async function writeSyntheticPhoto(folder: string, stem: string, width: number, height: number, seed: number, radius = 4): Promise<number> {
  const sharpRgb = texturedScene(width, height, seed);
  const blurred = await sharp(sharpRgb, { raw: { width, height, channels: 3 } }).convolve(diskKernel(radius)).raw().toBuffer();
  const mask = defocusRegion(width, height, seed);
  const photo = Buffer.alloc(width * height * 3);
  let blurredPixels = 0;
  for (let i = 0; i < width * height; i++) {
    const source = mask[i] === 255 ? blurred : sharpRgb;
    if (mask[i] === 255) blurredPixels++;
    photo[i * 3] = source[i * 3]!;
    photo[i * 3 + 1] = source[i * 3 + 1]!;
    photo[i * 3 + 2] = source[i * 3 + 2]!;
  }
  await mkdir(path.join(folder, 'images'), { recursive: true });
  await mkdir(path.join(folder, 'gt'), { recursive: true });
  await sharp(photo, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toFile(path.join(folder, 'images', `${stem}.jpg`));
  await sharp(Buffer.from(mask), { raw: { width, height, channels: 1 } }).png().toFile(path.join(folder, 'gt', `${stem}.png`));
  return blurredPixels / (width * height);
}

/** A CTCUG folder of synthetic defocus photos with train.txt / test.txt. */
export async function writeSyntheticDataset(folder: string, photos: readonly Omit<SyntheticPhoto, 'blurFraction'>[], firstSeed = 1): Promise<SyntheticPhoto[]> {
  const written: SyntheticPhoto[] = [];
  for (const [index, photo] of photos.entries()) {
    const blurFraction = await writeSyntheticPhoto(folder, photo.stem, photo.width, photo.height, firstSeed + index);
    written.push({ ...photo, blurFraction });
  }
  for (const split of ['train', 'test'] as const) {
    const stems = written.filter((photo) => photo.split === split).map((photo) => photo.stem);
    await writeFile(path.join(folder, `${split}.txt`), stems.length > 0 ? `${stems.join('\n')}\n` : '');
  }
  return written;
}
