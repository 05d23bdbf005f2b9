/**
 * Grid thumbnails: WebP, EXIF-oriented, at most `maxSide` pixels on the long side.
 * sharp shrinks JPEG and WebP while decoding (shrink-on-load), so a 24 MP JPEG is never
 * decoded at full size for a 320-pixel thumbnail.
 */
import sharp from 'sharp';
import { decodeError, decodeOptions, openImageSource } from './imageSource';
import type { ImageSource } from './imageSource';

/** An encoded grid thumbnail and its pixel size. */
export interface Thumbnail {
  bytes: Uint8Array;
  width: number;
  height: number;
  mimeType: 'image/webp';
}

/** Long side of grid thumbnails. */
export const DEFAULT_THUMBNAIL_SIDE = 320;

/** WebP at this quality is indistinguishable at grid size and about 10 KB per thumbnail. */
const THUMBNAIL_QUALITY = 78;

/**
 * Thumbnail of the photo at `absPath` (RAW files: of their embedded preview). Throws
 * PhotoReadError for anything that is not a usable photo, truncated files included.
 */
export async function makeThumbnail(
  absPath: string,
  maxSide = DEFAULT_THUMBNAIL_SIDE,
  options: { maxPixels?: number } = {},
): Promise<Thumbnail> {
  return renderThumbnail(await openImageSource(absPath, options), maxSide);
}

/** Thumbnail of an opened source; decoding it fully also proves the file is not truncated. */
export async function renderThumbnail(source: ImageSource, maxSide = DEFAULT_THUMBNAIL_SIDE): Promise<Thumbnail> {
  const side = Math.max(1, Math.round(maxSide));
  try {
    const { data, info } = await sharp(source.input, decodeOptions(source))
      .resize(side, side, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: THUMBNAIL_QUALITY, effort: 2 })
      .toBuffer({ resolveWithObject: true });
    return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, mimeType: 'image/webp' };
  } catch (error) {
    throw decodeError(error, source);
  }
}
