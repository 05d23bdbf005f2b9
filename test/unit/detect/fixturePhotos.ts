/**
 * Real photos for the detection tests, made on the fly with sharp: textured content
 * (random rectangles over a gradient, from a seeded generator) with the right half
 * defocus-blurred, encoded as real JPEG/PNG files, optionally with an EXIF orientation.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { seededRandom } from '../../../electron/core/datasets/splitPlan';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURE_MODELS = path.join(REPO_ROOT, 'test/fixtures/models');
export const TINY_MODEL = path.join(FIXTURE_MODELS, 'tiny-defusionnet.onnx');
export const SAMPLE_IMAGES = path.join(REPO_ROOT, 'datasets/sample/images');
export const SAMPLE_GT = path.join(REPO_ROOT, 'datasets/sample/gt');

/** The split plans' seeded generator (mulberry32), for the test textures. */
export { seededRandom };

/** Interleaved RGB of a textured scene whose right half is blurred. */
export async function texturedRgb(width: number, height: number, seed = 1): Promise<Buffer> {
  const random = seededRandom(seed);
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      rgb[i] = (x * 255) / width;
      rgb[i + 1] = (y * 255) / height;
      rgb[i + 2] = 128;
    }
  }
  const rectangles = Math.max(8, Math.round((width * height) / 2000));
  for (let r = 0; r < rectangles; r++) {
    const w = 2 + Math.floor(random() * width * 0.12);
    const h = 2 + Math.floor(random() * height * 0.12);
    const x0 = Math.floor(random() * (width - w));
    const y0 = Math.floor(random() * (height - h));
    const color = [random() * 255, random() * 255, random() * 255];
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) {
        const i = (y * width + x) * 3;
        rgb[i] = color[0]!;
        rgb[i + 1] = color[1]!;
        rgb[i + 2] = color[2]!;
      }
    }
  }
  const half = Math.floor(width / 2);
  const blurred = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .extract({ left: half, top: 0, width: width - half, height })
    .blur(Math.max(1, width / 150))
    .raw()
    .toBuffer();
  for (let y = 0; y < height; y++) {
    blurred.copy(rgb, (y * width + half) * 3, y * (width - half) * 3, (y + 1) * (width - half) * 3);
  }
  return rgb;
}

export interface PhotoSpec {
  width: number;
  height: number;
  seed?: number;
  /** EXIF orientation 1..8 written into the JPEG. */
  orientation?: number;
  format?: 'jpeg' | 'png';
}

/** Writes a photo file (stored size width x height, before any EXIF orientation). */
export async function writePhoto(file: string, spec: PhotoSpec): Promise<string> {
  const rgb = await texturedRgb(spec.width, spec.height, spec.seed ?? 1);
  let image = sharp(rgb, { raw: { width: spec.width, height: spec.height, channels: 3 } });
  if (spec.orientation !== undefined) image = image.withMetadata({ orientation: spec.orientation });
  const bytes = spec.format === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 90 }).toBuffer();
  await writeFile(file, bytes);
  return file;
}
