/**
 * The mask PNG of docs/DESIGN.md: one 8-bit grayscale image (color type 0, bit depth 8) at
 * the photo's pixel size, 255 = blurred. Encoded here rather than through a canvas,
 * because canvas.toBlob always writes RGBA and may color-manage, and a mask must keep
 * its exact bytes.
 *
 * Rows are not filtered (filter type 0): a mask row is a few long runs, which deflate's
 * distance-1 copies already take. Measured on a 6000x4000 mask, Up filtering made the
 * file about 10 % smaller for an extra pass over 24 MB, and Sub made it larger.
 *
 * Deflate is by default the run-only coder of runDeflate.ts, made for exactly this data;
 * `compression: 'platform'` uses `CompressionStream('deflate')` (zlib level 6) instead.
 * On a 24 MP mask here the run coder took tens of milliseconds where CompressionStream
 * took 200 to 600 ms, and the files came out within a few percent of each other.
 */
import { deflateScanlines } from './runDeflate';

const SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

/** PNG row filter types (PNG spec, 9.2). */
export const RowFilter = { None: 0, Sub: 1, Up: 2 } as const;
export type RowFilter = (typeof RowFilter)[keyof typeof RowFilter];

export interface EncodeOptions {
  /** Row filter for every row; None by default (see the module comment). */
  filter?: RowFilter;
  /** 'runs' (default, filter None only) or 'platform' (CompressionStream). */
  compression?: 'runs' | 'platform';
}

/** Encodes width x height gray bytes as a PNG. */
export async function encodeGrayPng(width: number, height: number, pixels: Uint8Array, options: EncodeOptions = {}): Promise<Uint8Array> {
  const filter = options.filter ?? RowFilter.None;
  if (filter === RowFilter.None && (options.compression ?? 'runs') === 'runs') return encodeMaskPng(width, height, pixels);
  checkSize(width, height, pixels);
  return pngFile(width, height, await deflate(filterRows(width, height, pixels, filter)));
}

/**
 * The mask PNG now, synchronously (filter None, the run coder): the editor encodes the
 * live raster at the moment of a save instead of copying 24 MB to encode later.
 */
export function encodeMaskPng(width: number, height: number, pixels: Uint8Array): Uint8Array {
  checkSize(width, height, pixels);
  return pngFile(width, height, deflateScanlines(pixels, width, height));
}

function checkSize(width: number, height: number, pixels: Uint8Array): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`Cannot encode a ${width}x${height} image.`);
  }
  if (pixels.length !== width * height) throw new RangeError(`A ${width}x${height} image has ${width * height} pixels, got ${pixels.length}.`);
}

/** Signature, IHDR (8-bit gray), one IDAT of `compressed`, IEND. */
function pngFile(width: number, height: number, compressed: Uint8Array): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 0; // color type: grayscale
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method 0
  header[12] = 0; // no interlace
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', compressed), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Each row prefixed by its filter type byte, filtered. */
function filterRows(width: number, height: number, pixels: Uint8Array, filter: RowFilter): Uint8Array {
  const stride = width + 1;
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const src = y * width;
    const dst = y * stride;
    // The first row has no row above: Up there is the same as None.
    const rowFilter: RowFilter = filter === RowFilter.Up && y === 0 ? RowFilter.None : filter;
    out[dst] = rowFilter;
    if (rowFilter === RowFilter.None) {
      out.set(pixels.subarray(src, src + width), dst + 1);
    } else if (rowFilter === RowFilter.Sub) {
      out[dst + 1] = pixels[src]!;
      for (let x = 1; x < width; x++) out[dst + 1 + x] = (pixels[src + x]! - pixels[src + x - 1]!) & 255;
    } else {
      const above = src - width;
      for (let x = 0; x < width; x++) out[dst + 1 + x] = (pixels[src + x]! - pixels[above + x]!) & 255;
    }
  }
  return out;
}

/** zlib-format deflate through the platform's CompressionStream. */
export async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new CompressionStream('deflate');
  const writer = stream.writable.getWriter();
  const written = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close());
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  await written;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of chunks) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (ISO 3309, what PNG uses) of bytes[start, end). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = crcTable[(crc ^ bytes[i]!) & 255]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
