/**
 * Helpers shared by the library tests: throw-away folders and reading back where the
 * red marker of a fixture image (test/fixtures/images.ts) ended up.
 */
import type { Sharp } from 'sharp';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export * from '../../fixtures/images';

/** A fresh empty folder under the system temp folder, and a function that removes it. */
export async function makeTempDir(prefix = 'library-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export type Corner = 'top-left' | 'top-right' | 'bottom-right' | 'bottom-left';

/**
 * Where the red marker block is in an image as displayed: the corner whose pixel is
 * clearly red. Throws when none or several are.
 */
export async function redCorner(image: Sharp): Promise<{ corner: Corner; width: number; height: number }> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  // Sample a little inside each corner: JPEG blurs the block's edge by a few pixels.
  const inset = (size: number): number => Math.max(0, Math.floor(size * 0.06));
  const corners: Record<Corner, [number, number]> = {
    'top-left': [inset(width), inset(height)],
    'top-right': [width - 1 - inset(width), inset(height)],
    'bottom-right': [width - 1 - inset(width), height - 1 - inset(height)],
    'bottom-left': [inset(width), height - 1 - inset(height)],
  };
  const red = (Object.keys(corners) as Corner[]).filter((corner) => {
    const [x, y] = corners[corner];
    const i = (y * width + x) * channels;
    return (data[i] ?? 0) > 200 && (data[i + 1] ?? 255) < 60 && (data[i + 2] ?? 255) < 60;
  });
  if (red.length !== 1) throw new Error(`expected one red corner, found ${red.length === 0 ? 'none' : red.join(', ')}`);
  return { corner: red[0] as Corner, width, height };
}

/**
 * Where the stored top-left corner appears once EXIF orientation `orientation` is
 * applied (EXIF 2.32, table of Orientation values).
 */
export const DISPLAYED_CORNER: Record<number, Corner> = {
  1: 'top-left',
  2: 'top-right', // mirrored horizontally
  3: 'bottom-right', // rotated 180
  4: 'bottom-left', // mirrored vertically
  5: 'top-left', // transposed
  6: 'top-right', // rotated 90 clockwise
  7: 'bottom-right', // transversed
  8: 'bottom-left', // rotated 90 counter-clockwise
};
