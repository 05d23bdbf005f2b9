/**
 * Photo pixels the way the user sees them: turned upright by the EXIF orientation and
 * in sRGB. Thumbnails, detection and the viewer all start from `openOriented`, so a mask
 * always lines up with the photo at its oriented size (see the Mask contract).
 */
import type { Sharp } from 'sharp';
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import { decodeError, decodeOptions, openImageSource } from './imageSource';
import type { ImageSource, PhotoFormat } from './imageSource';
import { photoReadErrorFromFs } from './photoReadError';

/** Options of openOriented. */
export interface OpenOptions {
  /** Refuse images with more pixels than this (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
}

/**
 * A sharp pipeline of the photo at `absPath`, already auto-oriented and converted to
 * sRGB (8 bits per channel; an alpha channel is kept). Camera RAW files give their
 * embedded preview, turned by the RAW's orientation. Throws PhotoReadError when the file
 * is not a usable photo; a truncated body is refused when the pipeline runs, as a sharp
 * error.
 */
export async function openOriented(absPath: string, options: OpenOptions = {}): Promise<Sharp> {
  const source = await openImageSource(absPath, options);
  return sharp(source.input, decodeOptions(source)).toColorspace('srgb');
}

/** Bytes a browser can show as they are, with their MIME type. */
export interface DisplayImage {
  bytes: Uint8Array;
  mimeType: 'image/jpeg' | 'image/png' | 'image/webp' | 'image/avif';
  /** Pixel size of `bytes` (after orientation, and after `maxSide` when it applied). */
  width: number;
  height: number;
}

/** Options of readDisplayImage. */
export interface DisplayOptions extends OpenOptions {
  /** Scale down so that the long side is at most this many pixels. */
  maxSide?: number;
}

/** Formats every browser engine the studio runs in shows natively. */
const BROWSER_FORMATS: Partial<Record<PhotoFormat, DisplayImage['mimeType']>> = {
  jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif',
};

/** Viewer JPEGs: high enough quality to judge focus, which is what the user looks at. */
const DISPLAY_JPEG_QUALITY = 92;

/**
 * The photo as the viewer should receive it. A JPEG, PNG, WebP or AVIF that needs no
 * turning and no scaling is served byte for byte; anything else (TIFF, RAW previews,
 * EXIF-rotated photos, photos larger than `maxSide`) is re-encoded upright: JPEG, or
 * PNG when it has transparency. Browsers disagree on whether canvases honour EXIF
 * orientation, so the viewer never receives a photo that still needs it.
 */
export async function readDisplayImage(absPath: string, options: DisplayOptions = {}): Promise<DisplayImage> {
  const source = await openImageSource(absPath, options);
  const maxSide = options.maxSide === undefined ? Infinity : Math.max(1, Math.round(options.maxSide));
  const fits = Math.max(source.width, source.height) <= maxSide;

  if (source.orientation === 1 && fits) {
    const nativeType = BROWSER_FORMATS[source.format];
    if (nativeType !== undefined) {
      return { bytes: await readBytes(source), mimeType: nativeType, width: source.width, height: source.height };
    }
    // A RAW preview that is already upright is a plain JPEG.
    if (source.format === 'raw-preview' && Buffer.isBuffer(source.input)) {
      return { bytes: source.input, mimeType: 'image/jpeg', width: source.width, height: source.height };
    }
  }

  try {
    let pipeline = sharp(source.input, decodeOptions(source)).toColorspace('srgb');
    if (!fits) pipeline = pipeline.resize(maxSide, maxSide, { fit: 'inside' });
    const encoded = source.metadata.hasAlpha
      ? pipeline.png({ compressionLevel: 6 })
      : pipeline.jpeg({ quality: DISPLAY_JPEG_QUALITY, chromaSubsampling: '4:4:4' });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return {
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      mimeType: source.metadata.hasAlpha ? 'image/png' : 'image/jpeg',
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    throw decodeError(error, source);
  }
}

/** readDisplayImage with only a cap on the long side. */
export const readOrientedJpeg = (absPath: string, maxSide?: number): Promise<DisplayImage> =>
  readDisplayImage(absPath, maxSide === undefined ? {} : { maxSide });

async function readBytes(source: ImageSource): Promise<Uint8Array> {
  if (source.fileBytes !== null) return source.fileBytes;
  try {
    return await readFile(source.absPath);
  } catch (error) {
    throw photoReadErrorFromFs(error, source.absPath);
  }
}
