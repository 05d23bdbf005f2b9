/**
 * Opening a photo file for decoding: what the bytes really are (not what the extension
 * says), its header metadata, the pixel-count cap against decompression bombs, and for
 * camera RAW files the embedded JPEG preview that stands in for the photo. Probe,
 * thumbnails and display all start here, so they refuse the same files for the same
 * reasons.
 */
import type { Metadata, SharpOptions } from 'sharp';
import sharp from 'sharp';
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { largestDecodableJpeg, withExifOrientation } from './embeddedJpeg';
import { mergeExif, readExif } from './exif';
import type { PhotoExif } from './exif';
import { isRawPath } from './photoFiles';
import { PhotoReadError, photoReadErrorFromFs } from './photoReadError';

/** What the library decodes; 'raw-preview' is the JPEG preview inside a camera RAW file. */
export type PhotoFormat = 'jpeg' | 'png' | 'tiff' | 'webp' | 'avif' | 'raw-preview';

/**
 * Default cap on width x height: 200 MP is above every camera sold today (the largest
 * medium-format sensors give 150 MP), while a decompression bomb (a few KB of PNG that
 * claims 50,000 x 50,000 pixels) would need gigabytes to decode.
 */
export const DEFAULT_MAX_PIXELS = 200_000_000;

/** Options of openImageSource. */
export interface ImageSourceOptions {
  maxPixels?: number;
  /** Keep the whole file in memory (the probe hashes it); RAW files are always read whole. */
  readWholeFile?: boolean;
}

/** A photo file checked and ready to decode, with its header metadata. */
export interface ImageSource {
  absPath: string;
  /** What sharp decodes: the file path, the file's bytes, or a RAW file's preview JPEG. */
  input: string | Buffer;
  /** The whole file, when it was read. */
  fileBytes: Buffer | null;
  byteSize: number;
  format: PhotoFormat;
  /** Header metadata of `input`. */
  metadata: Metadata;
  /** EXIF orientation 1..8 that sharp applies when auto-orienting `input`. */
  orientation: number;
  /** Pixel size after orientation. */
  width: number;
  height: number;
  maxPixels: number;
  /** For RAW files, EXIF read from the RAW itself (completed by the preview's); null otherwise. */
  rawExif: PhotoExif | null;
}

type DecodedFormat = Exclude<PhotoFormat, 'raw-preview'>;

const FORMAT_NAMES: Record<PhotoFormat, string> = {
  jpeg: 'JPEG', png: 'PNG', tiff: 'TIFF', webp: 'WebP', avif: 'AVIF', 'raw-preview': 'JPEG preview',
};

const SUPPORTED_LIST = 'JPEG, PNG, TIFF, WebP or AVIF';

/** Enough leading bytes to recognise every format below. */
const SNIFF_BYTES = 64;

/** Opens `absPath`; throws PhotoReadError for anything that is not a usable photo. */
export async function openImageSource(absPath: string, options: ImageSourceOptions = {}): Promise<ImageSource> {
  const maxPixels = Math.floor(options.maxPixels ?? DEFAULT_MAX_PIXELS);
  if (isRawPath(absPath)) return openRaw(absPath, maxPixels);

  const { fileBytes, head, byteSize } = await readPhotoFile(absPath, options.readWholeFile === true);
  if (byteSize === 0) throw new PhotoReadError('empty', 'empty file (0 bytes)', absPath);

  const sniffed = sniffFormat(head);
  if (sniffed.format === null) {
    if (sniffed.unsupported !== null) {
      throw new PhotoReadError('unsupported-format', `unsupported image format: the file is ${sniffed.unsupported}, not ${SUPPORTED_LIST}`, absPath);
    }
    const looks = sniffed.looksLike === null ? '' : ` (it looks like ${sniffed.looksLike})`;
    throw new PhotoReadError('not-image', `not an image: the content is not ${SUPPORTED_LIST}${looks}`, absPath);
  }

  const input = fileBytes ?? absPath;
  const metadata = await readMetadata(input, FORMAT_NAMES[sniffed.format], absPath);
  const format = decodedFormat(metadata);
  if (format === null) {
    throw new PhotoReadError('unsupported-format', `unsupported image format: the file is ${metadata.format.toUpperCase()}, not ${SUPPORTED_LIST}`, absPath);
  }
  return finish({ absPath, input, fileBytes, byteSize, format, metadata, maxPixels, rawExif: null });
}

/** sharp options that decode `source` fully, refusing truncated data and oversized images. */
export function decodeOptions(source: ImageSource): SharpOptions {
  return { failOn: 'truncated', limitInputPixels: Math.max(1, source.maxPixels), autoOrient: true };
}

/** A decode failure of sharp as a PhotoReadError naming the format. */
export function decodeError(error: unknown, source: ImageSource): PhotoReadError {
  if (error instanceof PhotoReadError) return error;
  return new PhotoReadError('corrupt', `truncated or corrupt ${FORMAT_NAMES[source.format]} data: ${sharpReason(error)}`, source.absPath);
}

/** Megapixels for messages: '300', '24.2', '0.01'. */
export function formatMegapixels(pixels: number): string {
  return String(Number((pixels / 1e6).toPrecision(3)));
}

async function openRaw(absPath: string, maxPixels: number): Promise<ImageSource> {
  const fileBytes = (await readPhotoFile(absPath, true)).fileBytes as Buffer;
  if (fileBytes.length === 0) throw new PhotoReadError('empty', 'empty file (0 bytes)', absPath);
  const preview = largestDecodableJpeg(fileBytes);
  if (preview === null) throw new PhotoReadError('no-raw-preview', 'RAW file without an embedded JPEG preview', absPath);
  const previewBytes = fileBytes.subarray(preview.offset, preview.offset + preview.length);

  // The RAW's own tags describe the shot; makers that keep them only in the preview
  // (Fujifilm RAF is not TIFF-based) are covered by the preview's EXIF.
  const rawExif = mergeExif(await readExif(fileBytes), await readExif(previewBytes));
  // The RAW orientation tag governs the preview, which is stored as the sensor saw it.
  const input = withExifOrientation(previewBytes, rawExif.orientation ?? 1);
  const metadata = await readMetadata(input, FORMAT_NAMES['raw-preview'], absPath);
  if (metadata.format !== 'jpeg') throw new PhotoReadError('no-raw-preview', 'RAW file without an embedded JPEG preview', absPath);
  return finish({ absPath, input, fileBytes, byteSize: fileBytes.length, format: 'raw-preview', metadata, maxPixels, rawExif });
}

/**
 * The file's first bytes and size, or all of it. Opened non-blocking and checked to be a
 * regular file first: reading a named pipe that carries a photo's name would otherwise
 * wait forever for a writer.
 */
async function readPhotoFile(absPath: string, whole: boolean): Promise<{ fileBytes: Buffer | null; head: Buffer; byteSize: number }> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(absPath, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new PhotoReadError('not-image', 'a folder, not a file', absPath);
    if (!stats.isFile()) throw new PhotoReadError('not-image', 'not a regular file (a device, pipe or socket)', absPath);
    if (whole) {
      const fileBytes = await handle.readFile();
      return { fileBytes, head: fileBytes.subarray(0, SNIFF_BYTES), byteSize: fileBytes.length };
    }
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, stats.size));
    await handle.read(head, 0, head.length, 0);
    return { fileBytes: null, head, byteSize: stats.size };
  } catch (error) {
    throw photoReadErrorFromFs(error, absPath);
  } finally {
    await handle?.close();
  }
}

function finish(partial: Omit<ImageSource, 'orientation' | 'width' | 'height'>): ImageSource {
  const { metadata, maxPixels, absPath } = partial;
  const orientation = metadata.orientation !== undefined && metadata.orientation >= 1 && metadata.orientation <= 8 ? metadata.orientation : 1;
  const width = metadata.autoOrient?.width ?? metadata.width;
  const height = metadata.autoOrient?.height ?? metadata.height;
  if (!(width > 0 && height > 0)) {
    throw new PhotoReadError('corrupt', `corrupt ${FORMAT_NAMES[partial.format]} header: no pixel size`, absPath);
  }
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new PhotoReadError(
      'too-many-pixels',
      `image is ${width} x ${height} = ${formatMegapixels(pixels)} MP, above the ${formatMegapixels(maxPixels)} MP limit`,
      absPath,
    );
  }
  return { ...partial, orientation, width, height };
}

async function readMetadata(input: string | Buffer, formatName: string, absPath: string): Promise<Metadata> {
  try {
    // Header only; the pixel cap is checked by the caller with a message that says so.
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    const fsError = photoReadErrorFromFs(error, absPath);
    throw fsError instanceof PhotoReadError ? fsError : new PhotoReadError('corrupt', `corrupt ${formatName} file: ${sharpReason(error)}`, absPath);
  }
}

function decodedFormat(metadata: Metadata): DecodedFormat | null {
  switch (metadata.format) {
    case 'jpeg':
    case 'png':
    case 'tiff':
    case 'webp':
      return metadata.format;
    case 'heif':
      // HEIF with AV1 compression is AVIF; HEVC (HEIC) is not decoded by sharp's build.
      return metadata.compression === 'av1' ? 'avif' : null;
    default:
      return null;
  }
}

interface Sniffed {
  format: DecodedFormat | null;
  /** A known image format the library does not take ('a GIF image'). */
  unsupported: string | null;
  /** What a non-image seems to be, for the message ('a text file'). */
  looksLike: string | null;
}

/** Recognises the format from the leading bytes, never from the extension. */
export function sniffFormat(head: Uint8Array): Sniffed {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const ascii = bytes.toString('latin1');
  const result = (format: DecodedFormat | null, unsupported: string | null = null, looksLike: string | null = null): Sniffed => ({ format, unsupported, looksLike });

  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return result('jpeg');
  if (ascii.startsWith('\x89PNG\r\n\x1a\n')) return result('png');
  if (ascii.startsWith('II*\0') || ascii.startsWith('MM\0*') || ascii.startsWith('II+\0') || ascii.startsWith('MM\0+')) return result('tiff');
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return result('webp');
  if (ascii.slice(4, 8) === 'ftyp') {
    const brands = ascii.slice(8, Math.min(ascii.length, 8 + 4 + 4 + 4 * 8));
    if (/avi[fs]/.test(brands)) return result('avif');
    if (/hei[cxms]|hev[cx]|mif1/.test(brands)) return result(null, 'a HEIC image');
    return result(null, null, 'a video or MP4 container');
  }
  if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) return result(null, 'a GIF image');
  if (ascii.startsWith('BM') && bytes.length >= 26 && bytes.readUInt32LE(2) > 26) return result(null, 'a BMP image');
  if (ascii.startsWith('\0\0\0\x0cjP  ') || ascii.startsWith('\xff\x0a')) return result(null, 'a JPEG 2000 or JPEG XL image');
  if (ascii.startsWith('%PDF')) return result(null, null, 'a PDF document');
  if (ascii.startsWith('PK\x03\x04')) return result(null, null, 'a ZIP archive');
  const text = ascii.replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return result(null, 'an SVG drawing');
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return result(null, null, 'an HTML page');
  if (looksLikeText(bytes)) return result(null, null, 'a text file');
  return result(null);
}

function looksLikeText(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  for (const byte of bytes) {
    if (byte === 0) return false;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  }
  return true;
}

/** sharp's message without the libvips module prefix ('VipsJpeg: ', 'vipspng: '). */
function sharpReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n').map((part) => part.trim()).find((part) => part !== '') ?? 'unknown error';
  return line.replace(/^vips\w*:\s*/i, '');
}
