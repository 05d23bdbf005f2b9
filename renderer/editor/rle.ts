/**
 * Run-length coding of raster bytes, for the undo history.
 *
 * A binary mask is long runs of 0 and 255, so a rectangle of it shrinks to a few bytes
 * per row. Format: a sequence of runs, each `value` (one byte) then `length - 1` as an
 * unsigned LEB128 varint. Any byte values round-trip exactly; data that does not
 * compress (noise) is stored raw instead, so an entry never grows past its input size
 * plus one byte.
 */

import type { Rect } from './rect';

const RAW = 0;
const RUNS = 1;

/** Encodes `bytes`; the first byte of the result says which form follows. */
export function encodeRuns(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  // Worst case for runs is 2 bytes per input byte; give up on runs once past raw size.
  let out = new Uint8Array(Math.min(n + 1, 64 + (n >>> 6)));
  out[0] = RUNS;
  let pos = 1;
  let i = 0;
  // A 32-bit view lets long runs advance four bytes per step when the input is aligned.
  const words = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, n >>> 2) : null;
  while (i < n) {
    const value = bytes[i]!;
    let j = i + 1;
    if (words) {
      while (j < n && (j & 3) !== 0 && bytes[j] === value) j++;
      if ((j & 3) === 0) {
        const word = (value * 0x01010101) >>> 0;
        let w = j >>> 2;
        while (w < words.length && words[w] === word) w++;
        j = w << 2;
      }
    }
    while (j < n && bytes[j] === value) j++;
    // One value byte and at most five varint bytes follow; pos <= n here, so n + 7 always fits.
    if (pos + 6 > out.length) {
      const grown = new Uint8Array(Math.min(n + 7, out.length * 2));
      grown.set(out.subarray(0, pos));
      out = grown;
    }
    out[pos++] = value;
    let rest = j - i - 1;
    while (rest >= 0x80) {
      out[pos++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    out[pos++] = rest;
    if (pos > n) return storeRaw(bytes);
    i = j;
  }
  return out.slice(0, pos);
}

function storeRaw(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = RAW;
  out.set(bytes, 1);
  return out;
}

/** Decodes what `encodeRuns` made into `into` (exactly `length` bytes long). */
export function decodeRuns(encoded: Uint8Array, length: number, into?: Uint8Array): Uint8Array {
  const out = into ?? new Uint8Array(length);
  if (out.length !== length) throw new RangeError(`Output holds ${out.length} bytes, expected ${length}.`);
  if (encoded[0] === RAW) {
    if (encoded.length !== length + 1) throw new RangeError('Stored bytes have the wrong length.');
    out.set(encoded.subarray(1));
    return out;
  }
  if (encoded[0] !== RUNS) throw new RangeError('Unknown run encoding.');
  let pos = 1;
  let at = 0;
  while (pos < encoded.length) {
    const value = encoded[pos++]!;
    let run = 0;
    let scale = 1;
    for (;;) {
      const byte = encoded[pos++];
      if (byte === undefined) throw new RangeError('Truncated run encoding.');
      run += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
    const end = at + run + 1;
    if (end > length) throw new RangeError('Runs overflow the output.');
    out.fill(value, at, end);
    at = end;
  }
  if (at !== length) throw new RangeError(`Runs cover ${at} bytes, expected ${length}.`);
  return out;
}

/**
 * Decodes what `encodeRuns` made of `rect`'s bytes straight into `rect` of a row-major
 * image `imageWidth` pixels wide: no rect-sized temporary and no second copy, so undoing
 * a stroke that spans a 24 MP photo writes its pixels once. The runs are checked before
 * anything is written: bad input leaves the image as it was.
 */
export function decodeRunsIntoRect(encoded: Uint8Array, image: Uint8Array, imageWidth: number, rect: Rect): void {
  const { x, y, width, height } = rect;
  const length = width * height;
  if (encoded[0] === RAW) {
    if (encoded.length !== length + 1) throw new RangeError('Stored bytes have the wrong length.');
    for (let row = 0; row < height; row++) {
      image.set(encoded.subarray(1 + row * width, 1 + (row + 1) * width), (y + row) * imageWidth + x);
    }
    return;
  }
  if (encoded[0] !== RUNS) throw new RangeError('Unknown run encoding.');
  // Pass 1: the runs must cover the rectangle exactly.
  let covered = 0;
  for (let pos = 1; pos < encoded.length; ) {
    pos++;
    let run = 0;
    let scale = 1;
    for (;;) {
      const byte = encoded[pos++];
      if (byte === undefined) throw new RangeError('Truncated run encoding.');
      run += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
    covered += run + 1;
    if (covered > length) throw new RangeError('Runs overflow the output.');
  }
  if (covered !== length) throw new RangeError(`Runs cover ${covered} bytes, expected ${length}.`);
  // Pass 2: write each run, split at the rectangle's row ends.
  let row = 0;
  let col = 0;
  for (let pos = 1; pos < encoded.length; ) {
    const value = encoded[pos++]!;
    let run = 0;
    let scale = 1;
    for (;;) {
      const byte = encoded[pos++]!;
      run += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
    let remaining = run + 1;
    while (remaining > 0) {
      const n = Math.min(remaining, width - col);
      const start = (y + row) * imageWidth + x + col;
      image.fill(value, start, start + n);
      remaining -= n;
      col += n;
      if (col === width) {
        col = 0;
        row++;
      }
    }
  }
}

