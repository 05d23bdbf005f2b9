/**
 * Builds a folder of real photos for the E2E tests: JPEG, PNG and WebP files of varied
 * sizes rendered by sharp (shapes, gradients, a blurred background, like a shallow depth
 * of field), some with camera EXIF, in nested folders, plus files that are not readable
 * photos at all.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Sharp } from 'sharp';

export interface CameraSpec {
  make: string;
  model: string;
  fNumber: string;
  focalLength: string;
  lens: string;
}

export const CANON: CameraSpec = { make: 'Canon', model: 'Canon EOS R5', fNumber: '28/10', focalLength: '50/1', lens: 'RF50mm F1.8 STM' };
export const NIKON: CameraSpec = { make: 'NIKON CORPORATION', model: 'NIKON Z 6', fNumber: '80/10', focalLength: '24/1', lens: 'NIKKOR Z 24-70mm f/4 S' };

interface PhotoSpec {
  relPath: string;
  width: number;
  height: number;
  camera?: CameraSpec;
}

export interface PhotoLibrary {
  root: string;
  photos: PhotoSpec[];
  /** Files that must each show an error, with nothing else affected. */
  badFiles: string[];
}

/** A deterministic pseudo-random sequence, so every run renders the same photos. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

/** A scene: a sharp subject over a background that is blurred as if out of focus. */
async function renderScene(width: number, height: number, seed: number): Promise<Sharp> {
  const random = sequence(seed);
  // Spread the palettes: neighbouring seeds would otherwise look alike.
  const hue = (seed * 137) % 360;
  const shapes = Array.from({ length: 14 }, () => {
    const x = Math.round(random() * width);
    const y = Math.round(random() * height);
    const r = Math.round((0.05 + random() * 0.15) * Math.min(width, height));
    return `<circle cx="${x}" cy="${y}" r="${r}" fill="hsl(${(hue + random() * 90) % 360},55%,${35 + random() * 40}%)"/>`;
  }).join('');
  const background = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},45%,70%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},35%,25%)"/></linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#sky)"/>${shapes}</svg>`,
  );
  const blurredBackground = await sharp(background).blur(Math.max(2, Math.min(width, height) / 60)).png().toBuffer();
  const subjectSize = Math.round(Math.min(width, height) * 0.45);
  const subject = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${subjectSize}" height="${subjectSize}">` +
      `<rect x="4" y="4" width="${subjectSize - 8}" height="${subjectSize - 8}" rx="${subjectSize / 10}" fill="hsl(${(hue + 180) % 360},60%,50%)" stroke="#111" stroke-width="6"/>` +
      Array.from({ length: 8 }, (_, i) => `<line x1="${(i + 1) * (subjectSize / 9)}" y1="10" x2="${(i + 1) * (subjectSize / 9)}" y2="${subjectSize - 10}" stroke="#f5f5f5" stroke-width="3"/>`).join('') +
      `</svg>`,
  );
  return sharp(blurredBackground).composite([
    { input: subject, left: Math.round((width - subjectSize) / 2), top: Math.round((height - subjectSize) / 2) },
  ]);
}

async function writePhoto(root: string, spec: PhotoSpec, seed: number): Promise<void> {
  const file = path.join(root, spec.relPath);
  await mkdir(path.dirname(file), { recursive: true });
  // Composites are applied at output: flatten to a buffer first, then encode.
  const pixels = await (await renderScene(spec.width, spec.height, seed)).png().toBuffer();
  let image = sharp(pixels);
  const extension = path.extname(file).toLowerCase();
  if (extension === '.png') {
    image = image.png();
  } else if (extension === '.webp') {
    image = image.webp({ quality: 80 });
  } else {
    image = image.jpeg({ quality: 86 });
  }
  if (spec.camera) {
    image = image.withExif({
      IFD0: { Make: spec.camera.make, Model: spec.camera.model },
      IFD2: {
        FNumber: spec.camera.fNumber,
        FocalLength: spec.camera.focalLength,
        LensModel: spec.camera.lens,
        DateTimeOriginal: `2024:0${1 + (seed % 9)}:1${seed % 10} 10:${String(seed % 60).padStart(2, '0')}:00`,
      },
    });
  }
  await writeFile(file, await image.toBuffer());
}

/**
 * 24 photos: `landscapes/` (14: 6 Canon, 4 Nikon, 4 PNG without EXIF) and `portraits/`
 * (10: 3 Canon, 2 Nikon, 2 PNG, 1 WebP, and `portraits/studio/` with 2 more), plus three
 * bad files: a zero-byte JPEG, a truncated JPEG and a text file named `.png`.
 */
export async function makePhotoLibrary(root: string): Promise<PhotoLibrary> {
  const photos: PhotoSpec[] = [];
  const add = (relPath: string, width: number, height: number, camera?: CameraSpec): void => {
    photos.push(camera ? { relPath, width, height, camera } : { relPath, width, height });
  };
  for (let i = 1; i <= 6; i++) add(`landscapes/canon-${i}.jpg`, 640 + i * 120, 420 + i * 70, CANON);
  for (let i = 1; i <= 4; i++) add(`landscapes/nikon-${i}.jpg`, 900 + i * 100, 600 + i * 60, NIKON);
  for (let i = 1; i <= 4; i++) add(`landscapes/scan-${i}.png`, 500 + i * 90, 360 + i * 40);
  for (let i = 1; i <= 3; i++) add(`portraits/canon-${i}.jpg`, 480 + i * 60, 720 + i * 90, CANON);
  for (let i = 1; i <= 2; i++) add(`portraits/nikon-${i}.jpg`, 600 + i * 50, 900 + i * 80, NIKON);
  for (let i = 1; i <= 2; i++) add(`portraits/phone-${i}.png`, 390 + i * 30, 700 + i * 50);
  add('portraits/web-1.webp', 540, 810);
  for (let i = 1; i <= 2; i++) add(`portraits/studio/session-${i}.png`, 800, 1000 + i * 100);

  for (const [index, spec] of photos.entries()) {
    await writePhoto(root, spec, index + 1);
  }

  await writeFile(path.join(root, 'empty.jpg'), new Uint8Array(0));
  const full = await (await renderScene(1600, 1067, 99)).jpeg({ quality: 90 }).toBuffer();
  await writeFile(path.join(root, 'landscapes', 'truncated.jpg'), full.subarray(0, Math.floor(full.length * 0.35)));
  await writeFile(path.join(root, 'portraits', 'notes.png'), 'These are notes, not a picture.\n');

  return { root, photos, badFiles: ['empty.jpg', 'landscapes/truncated.jpg', 'portraits/notes.png'] };
}
