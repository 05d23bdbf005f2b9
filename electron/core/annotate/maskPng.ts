/**
 * Checks a mask PNG that a client hands in against the mask contract of docs/DESIGN.md before
 * it is stored: 8-bit grayscale, no transparency, the photo's pixel size after EXIF
 * orientation, and strictly binary (0 = in focus, 255 = blurred). The renderer is
 * untrusted: anything else is refused with a message that says what is wrong, so a
 * broken client can never put a soft or misaligned mask into a dataset.
 */
import { promisify } from 'node:util';
import { crc32, inflate } from 'node:zlib';
import sharp from 'sharp';
import type { OutputInfo } from 'sharp';
import { StudioError } from '../../api/errors';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
/** Signature (8) + IHDR length (4) + type (4) + the 13 bytes of IHDR data. */
const IHDR_END = 8 + 4 + 4 + 13;

/** PNG color types (IHDR byte 9), to name what a refused file is. */
const COLOR_TYPES: Record<number, string> = {
  0: 'grayscale',
  2: 'RGB',
  3: 'palette',
  4: 'grayscale with alpha',
  6: 'RGBA',
};

/** What the IHDR chunk says about a PNG. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

/** Reads the IHDR chunk; null when the bytes do not start like a PNG. */
export function readPngHeader(png: Uint8Array): PngHeader | null {
  if (png.length < IHDR_END || !PNG_SIGNATURE.every((byte, index) => png[index] === byte)) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const type = String.fromCharCode(png[12]!, png[13]!, png[14]!, png[15]!);
  if (type !== 'IHDR') return null;
  return { width: view.getUint32(16), height: view.getUint32(20), bitDepth: png[24]!, colorType: png[25]! };
}

/** A mask PNG that passed the checks. */
export interface CheckedMask {
  width: number;
  height: number;
  /** Share of blurred (255) pixels, 0..1. */
  blurFraction: number;
}

/** A checked mask with its pixels as unfiltered PNG scanlines: a 0 filter byte, then the row. */
export interface CheckedMaskRows extends CheckedMask {
  rows: Uint8Array;
}

/**
 * Validates `png` as the mask of a photo of `width` x `height` pixels and measures its
 * blur fraction. Throws StudioError('bad-image') naming the first rule it breaks.
 */
export async function checkMaskPng(png: Uint8Array, width: number, height: number): Promise<CheckedMask> {
  const { rows: _rows, ...checked } = await readMaskRows(png, width, height);
  return checked;
}

/** checkMaskPng, keeping the pixels (as unfiltered scanlines) for the core to write its own PNG from. */
export async function readMaskRows(png: Uint8Array, width: number, height: number): Promise<CheckedMaskRows> {
  const header = readPngHeader(png);
  if (!header) throw new StudioError('bad-image', 'The mask is not a PNG image.');
  if (header.colorType !== 0 || header.bitDepth !== 8) {
    const kind = COLOR_TYPES[header.colorType] ?? `color type ${header.colorType}`;
    throw new StudioError(
      'bad-image',
      `The mask must be an 8-bit single-channel (grayscale) PNG; this one is ${header.bitDepth}-bit ${kind}.`,
    );
  }
  if (header.width !== width || header.height !== height) {
    throw new StudioError(
      'bad-image',
      `The mask is ${header.width}x${header.height} but its photo is ${width}x${height} (after EXIF orientation); a mask has its photo's size.`,
    );
  }
  // The studio's own masks take the direct road; any other layout is decoded by sharp.
  const rows = await inflateUnfilteredRows(png, width, height);
  if (rows) {
    const blurred = countBlurred(rows, width, 1);
    return { width, height, blurFraction: width * height === 0 ? 0 : blurred / (width * height), rows };
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // No pixel limit of sharp's own: the size was checked above against a photo the library accepted.
    const image = sharp(png, { limitInputPixels: false, failOn: 'error' });
    // A grayscale PNG with a tRNS chunk has transparency although IHDR says gray.
    if ((await image.metadata()).hasAlpha) {
      throw new StudioError('bad-image', 'The mask must have no transparency (one gray channel only).');
    }
    // sharp would hand out sRGB; the one gray channel is what is stored.
    decoded = await image.extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (error instanceof StudioError) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new StudioError('bad-image', `The mask PNG could not be decoded: ${reason}.`);
  }
  const { data, info } = decoded;
  if (info.channels !== 1 || info.width !== width || info.height !== height) {
    throw new StudioError('bad-image', `The mask decoded to ${info.width}x${info.height} with ${info.channels} channels.`);
  }
  const blurred = countBlurred(data, width);
  const scanlines = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) scanlines.set(data.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return { width, height, blurFraction: data.length === 0 ? 0 : blurred / data.length, rows: scanlines };
}

const inflateAsync = promisify(inflate);

/** Critical chunks (upper-case first letter) a decoder must understand, of those a gray PNG may have. */
const KNOWN_CRITICAL = new Set(['IHDR', 'IDAT', 'IEND']);

/**
 * The scanlines of a mask PNG laid out as the studio writes them (renderer/editor/png.ts):
 * 8-bit gray, not interlaced, every chunk's CRC right, no tRNS, and every row with filter
 * type None. Each row keeps its filter byte (0) in front, so the result is
 * `height * (width + 1)` bytes. Null for any other layout or any flaw: sharp then decodes
 * the file and names what is wrong.
 *
 * Why it exists: sharp needs 80 to 130 ms to decode a 24 MP mask and copy out its channel,
 * most of a save's time, where one inflate into a buffer of the known size takes 7 to 30 ms
 * (off the main thread) and the rows need no unfiltering.
 */
export async function inflateUnfilteredRows(png: Uint8Array, width: number, height: number): Promise<Uint8Array | null> {
  const header = readPngHeader(png);
  if (!header || header.colorType !== 0 || header.bitDepth !== 8 || header.width !== width || header.height !== height) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  // IHDR holds 13 bytes; its last three are the compression, filter and interlace methods, all 0 here.
  if (view.getUint32(8) !== 13 || png[IHDR_END - 3] !== 0 || png[IHDR_END - 2] !== 0 || png[IHDR_END - 1] !== 0) return null;
  const data: Uint8Array[] = [];
  let at = 8;
  let ended = false;
  while (at + 12 <= png.length) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > png.length) return null;
    const type = String.fromCharCode(png[at + 4]!, png[at + 5]!, png[at + 6]!, png[at + 7]!);
    if (crc32(png.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) return null;
    if (type === 'tRNS') return null;
    // An ancillary chunk (lower-case first letter) may be skipped; an unknown critical one may not.
    if (type.charCodeAt(0) < 97 && !KNOWN_CRITICAL.has(type)) return null;
    if (type === 'IDAT') data.push(png.subarray(at + 8, at + 8 + length));
    at = end;
    if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!ended || at !== png.length || data.length === 0) return null;
  const size = height * (width + 1);
  let rows: Buffer;
  try {
    // One output chunk of the known size: zlib's default 16 KB chunks make a 24 MB
    // inflate several times slower. A stream that would inflate to more fails here.
    rows = await inflateAsync(data.length === 1 ? data[0]! : Buffer.concat(data), { chunkSize: Math.max(64, size), maxOutputLength: Math.max(1, size) });
  } catch {
    return null;
  }
  if (rows.length !== size) return null;
  for (let y = 0; y < height; y++) if (rows[y * (width + 1)] !== 0) return null;
  return rows;
}

/**
 * Counts the 255 pixels and throws on the first value that is neither 0 nor 255. Reads
 * four pixels at a time: a mask is long runs of one value, and a 24 MP mask must be
 * checked within a save's time budget. `rowPrefix` bytes of 0 before each row (a PNG
 * scanline's filter type) count as in focus and are left out of the pixel positions.
 */
export function countBlurred(data: Uint8Array, width: number, rowPrefix = 0): number {
  const stride = width + rowPrefix;
  let blurred = 0;
  const head = (4 - (data.byteOffset % 4)) % 4;
  const start = Math.min(head, data.length);
  const words = Math.floor((data.length - start) / 4);
  const end = start + words * 4;
  const checkByte = (i: number): void => {
    const value = data[i]!;
    if (value === 255) {
      blurred++;
    } else if (value !== 0) {
      throw new StudioError(
        'bad-image',
        `The mask must be binary (0 = in focus, 255 = blurred); pixel (${(i % stride) - rowPrefix}, ${Math.floor(i / stride)}) is ${value}.`,
      );
    }
  };
  for (let i = 0; i < start; i++) checkByte(i);
  // A short run that never reaches a 4-byte boundary has no words to read.
  const view = words > 0 ? new Uint32Array(data.buffer, data.byteOffset + start, words) : new Uint32Array(0);
  for (let w = 0; w < words; w++) {
    const word = view[w]!;
    if (word === 0) continue;
    if (word === 0xffffffff) {
      blurred += 4;
      continue;
    }
    const base = start + w * 4;
    for (let i = base; i < base + 4; i++) checkByte(i);
  }
  for (let i = end; i < data.length; i++) checkByte(i);
  return blurred;
}
