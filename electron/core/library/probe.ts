/**
 * Everything the library records about one photo file, read in one pass over its bytes:
 * content hash, pixel size after EXIF orientation, format, and the EXIF fields that
 * matter for defocus (aperture, focal length) and for browsing (time, camera, lens).
 * The image is decoded fully, not just its header, so truncated files are caught here.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { EMPTY_EXIF, exifBlockToTiff, readExif } from './exif';
import type { PhotoExif } from './exif';
import { decodeError, decodeOptions, openImageSource } from './imageSource';
import type { ImageSource, PhotoFormat } from './imageSource';
import { renderThumbnail } from './thumbnail';
import type { Thumbnail } from './thumbnail';

export { DEFAULT_MAX_PIXELS } from './imageSource';
export type { PhotoFormat } from './imageSource';
export { PhotoReadError } from './photoReadError';
export type { PhotoReadErrorCode } from './photoReadError';

/** What probePhoto learns about one photo file. */
export interface ProbedPhoto {
  /** SHA-256 of the file's bytes, hex. */
  hash: string;
  byteSize: number;
  /** Pixel size after EXIF orientation (swapped for orientations 5-8). */
  width: number;
  height: number;
  format: PhotoFormat;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
  capturedAt: string | null;
  camera: string | null;
  lens: string | null;
  fNumber: number | null;
  /** Millimetres. */
  focalLength: number | null;
  /** Present when `thumbnailMaxSide` was asked for. */
  thumbnail?: Thumbnail;
}

/** Options of probePhoto. */
export interface ProbeOptions {
  /** Refuse images with more pixels than this (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /**
   * Also render the grid thumbnail at this long side. The probe decodes the image anyway
   * to prove it is whole; a scan that wants thumbnails saves a second decode this way.
   */
  thumbnailMaxSide?: number;
}

/** Side the image is decoded to when no thumbnail is wanted: tiny, but every byte is read. */
const VERIFY_SIDE = 32;

/** Reads and checks one photo file. Throws PhotoReadError when it is not a usable photo. */
export async function probePhoto(absPath: string, options: ProbeOptions = {}): Promise<ProbedPhoto> {
  const source = await openImageSource(absPath, { maxPixels: options.maxPixels, readWholeFile: true });
  const fileBytes = source.fileBytes as Buffer;
  const hash = createHash('sha256').update(fileBytes).digest('hex');

  let thumbnail: Thumbnail | undefined;
  if (options.thumbnailMaxSide !== undefined) {
    thumbnail = await renderThumbnail(source, options.thumbnailMaxSide);
  } else {
    await verifyDecodes(source);
  }

  const exif = source.rawExif ?? (await exifOf(source));
  return {
    hash,
    byteSize: source.byteSize,
    width: source.width,
    height: source.height,
    format: source.format,
    orientation: source.orientation,
    capturedAt: exif.capturedAt,
    camera: exif.camera,
    lens: exif.lens,
    fNumber: exif.fNumber,
    focalLength: exif.focalLength,
    ...(thumbnail === undefined ? {} : { thumbnail }),
  };
}

/** sharp's metadata() reads the header only; a truncated body shows only when decoding. */
async function verifyDecodes(source: ImageSource): Promise<void> {
  try {
    await sharp(source.input, decodeOptions(source))
      .resize(VERIFY_SIDE, VERIFY_SIDE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer();
  } catch (error) {
    throw decodeError(error, source);
  }
}

async function exifOf(source: ImageSource): Promise<PhotoExif> {
  if (source.metadata.exif !== undefined) return readExif(exifBlockToTiff(source.metadata.exif));
  // TIFF keeps its tags in the file's own IFDs rather than in an EXIF block.
  if (source.format === 'tiff' && source.fileBytes !== null) return readExif(source.fileBytes);
  return EMPTY_EXIF;
}
