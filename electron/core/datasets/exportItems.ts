/**
 * The files of one exported item: the photo as `images/STEM.jpg`, upright, and its mask
 * checked against the photo's size.
 *
 * Photos: an upright JPEG (EXIF orientation 1 or none) in sRGB or gray is copied byte
 * for byte: no generation loss, and what the camera wrote stays (EXIF included). Every
 * other photo (EXIF-rotated JPEGs, PNG, TIFF, WebP, AVIF, RAW previews) is decoded with
 * its orientation applied and encoded as a baseline JPEG at quality 95 with 4:4:4
 * chroma and no metadata (transparency flattened onto white), so that the pixels of
 * `images/` and `gt/` line up whichever reader opens them: readers disagree on EXIF
 * orientation, an upright file leaves them nothing to disagree on. libvips' encoder is
 * deterministic, so a re-export writes the same bytes.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { openOriented } from '../library/decode';
import { openImageSource } from '../library/imageSource';
import type { Store } from '../store/store';
import type { PlannedItem } from './exportPlan';
import { decodeMaskPng } from './maskPixels';
import type { MaskPixels } from './maskPixels';

/** Quality of re-encoded photos: high enough that the defocus cues survive. */
export const EXPORT_JPEG_QUALITY = 95;

/** Where the item's photo file is; throws with a reason when it cannot be exported. */
export function photoPath(item: PlannedItem): string {
  if (!item.rootOpen) throw new Error('its library folder is closed');
  if (item.photo.missing) throw new Error(`the file is missing: ${item.photo.relPath}`);
  const absPath = resolve(item.rootPath, ...item.photo.relPath.split('/'));
  const inside = relative(item.rootPath, absPath);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new Error('the file lies outside its library folder');
  }
  return absPath;
}

/**
 * Writes the photo to `imagesDir/STEM.jpg`; returns how. Throws when the file on disk no
 * longer has the size the library recorded (the mask would not line up).
 */
export async function writeExportPhoto(item: PlannedItem, imagesDir: string): Promise<'copied' | 'reencoded'> {
  const absPath = photoPath(item);
  const source = await openImageSource(absPath);
  if (source.width !== item.photo.width || source.height !== item.photo.height) {
    throw new Error(`the file is now ${source.width}x${source.height}, the library recorded ${item.photo.width}x${item.photo.height}; rescan the folder`);
  }
  const target = join(imagesDir, `${item.stem}.jpg`);
  const space = source.metadata.space;
  if (source.format === 'jpeg' && source.orientation === 1 && (space === 'srgb' || space === 'b-w')) {
    await copyFile(absPath, target);
    return 'copied';
  }
  const pipeline = await openOriented(absPath);
  const bytes = await pipeline
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: EXPORT_JPEG_QUALITY, chromaSubsampling: '4:4:4', progressive: false, mozjpeg: false })
    .toBuffer();
  await writeFile(target, bytes);
  return 'reencoded';
}

/** The item's current mask, decoded; throws when its size is not the photo's. */
export async function readExportMask(store: Store, item: PlannedItem): Promise<MaskPixels> {
  const stored = store.getMaskVersion(item.maskVersionId);
  if (!stored) throw new Error(`mask version ${item.maskVersionId} is gone`);
  const mask = await decodeMaskPng(stored.png);
  if (mask.width !== item.photo.width || mask.height !== item.photo.height) {
    throw new Error(`the mask is ${mask.width}x${mask.height} but the photo is ${item.photo.width}x${item.photo.height}`);
  }
  return mask;
}
