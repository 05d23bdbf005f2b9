/**
 * Checks a mask PNG that a client hands in against the mask contract of DESIGN.md before
 * it is stored: 8-bit grayscale, no transparency, the photo's pixel size after EXIF
 * orientation, and strictly binary (0 = in focus, 255 = blurred). The renderer is
 * untrusted: anything else is refused with a message that says what is wrong, so a
 * broken client can never put a soft or misaligned mask into a dataset.
 */
import sharp from 'sharp';
import type { OutputInfo } from 'sharp';
import { StudioError } from '../../api/errors';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
/** Signature (8) + IHDR length (4) + type (4) + the 13 bytes of IHDR data. */
const IHDR_END = 8 + 4 + 4 + 13;

/** PNG colour types (IHDR byte 9), to name what a refused file is. */
const COLOUR_TYPES: Record<number, string> = {
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
  colourType: number;
}

/** Reads the IHDR chunk; null when the bytes do not start like a PNG. */
export function readPngHeader(png: Uint8Array): PngHeader | null {
  if (png.length < IHDR_END || !PNG_SIGNATURE.every((byte, index) => png[index] === byte)) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const type = String.fromCharCode(png[12]!, png[13]!, png[14]!, png[15]!);
  if (type !== 'IHDR') return null;
  return { width: view.getUint32(16), height: view.getUint32(20), bitDepth: png[24]!, colourType: png[25]! };
}

/** A mask PNG that passed the checks. */
export interface CheckedMask {
  width: number;
  height: number;
  /** Share of blurred (255) pixels, 0..1. */
  blurFraction: number;
}

/**
 * Validates `png` as the mask of a photo of `width` x `height` pixels and measures its
 * blur fraction. Throws StudioError('bad-image') naming the first rule it breaks.
 */
export async function checkMaskPng(png: Uint8Array, width: number, height: number): Promise<CheckedMask> {
  const header = readPngHeader(png);
  if (!header) throw new StudioError('bad-image', 'The mask is not a PNG image.');
  if (header.colourType !== 0 || header.bitDepth !== 8) {
    const kind = COLOUR_TYPES[header.colourType] ?? `colour type ${header.colourType}`;
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
  return { width, height, blurFraction: data.length === 0 ? 0 : blurred / data.length };
}

/**
 * Counts the 255 pixels and throws on the first value that is neither 0 nor 255. Reads
 * four pixels at a time: a mask is long runs of one value, and a 24 MP mask must be
 * checked within a save's time budget.
 */
export function countBlurred(data: Uint8Array, width: number): number {
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
        `The mask must be binary (0 = in focus, 255 = blurred); pixel (${i % width}, ${Math.floor(i / width)}) is ${value}.`,
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
