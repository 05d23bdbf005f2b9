/**
 * The PNG the core stores for a mask a client saved. The client's file is never stored
 * as it came: whatever chunks it carried (text, private data, a second image), whatever
 * its zlib stream held past the pixels, only the pixels go on, written here:
 * signature, IHDR (8-bit gray, not interlaced), one IDAT, IEND.
 *
 * Every row has filter type None and the stream is deflated with zlib's run-length
 * strategy: a mask is long runs of 0 and 255, which that strategy codes as well as the
 * best level at a fraction of the time (about 25 ms for a 24 MP mask), within a save's
 * budget. The same pixels always give the same bytes.
 */
import { promisify } from 'node:util';
import { constants, crc32, deflate } from 'node:zlib';

const deflateAsync = promisify(deflate);
const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * A mask PNG from its scanlines (`height` rows of a 0 filter byte and `width` pixels,
 * each 0 or 255), as checked by maskPng.ts: readMaskRows.
 */
export async function writeMaskPng(rows: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  if (rows.length !== height * (width + 1)) throw new Error(`${rows.length} bytes are not ${height} scanlines of ${width} pixels`);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale; compression, filter and interlace methods stay 0
  const compressed = await deflateAsync(rows, { level: 9, strategy: constants.Z_RLE, chunkSize: Math.max(64 * 1024, rows.length >> 4) });
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', compressed), chunk('IEND', new Uint8Array(0))];
  const png = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    png.set(part, at);
    at += part.length;
  }
  return png;
}
