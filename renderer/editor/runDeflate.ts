/**
 * A zlib stream (RFC 1950/1951) for data made of long runs, such as a mask PNG's rows:
 * every run becomes one literal followed by distance-1 copies (what zlib's Z_RLE
 * strategy does), coded in one block with Huffman codes built for this data. No hash
 * chains and no match search, so a 24 MP mask is scanned twice and done, about ten
 * times faster than general deflate at level 6 (the platform's CompressionStream), and
 * as compact on masks (a copy of 258 bytes costs about two bits).
 *
 * The stream is what a PNG's IDAT holds for filter type 0: each row is the filter byte 0
 * followed by the row's pixels. Rows are read straight from the pixels; the filtered
 * bytes are never materialised.
 */

const ADLER_MOD = 65521;
/** Runs remembered between the two passes (5 bytes each); beyond, the pixels are scanned again. */
const MAX_KEPT_RUNS = 1 << 22;
const MAX_MATCH = 258;
const MAX_BITS = 15;
/** Order in which the code-length code's lengths are stored (RFC 1951, 3.2.7). */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** Length (3..258) → index into LENGTH_BASE. */
const LENGTH_INDEX = new Uint8Array(MAX_MATCH + 1);
for (let code = 0; code < LENGTH_BASE.length; code++) {
  const end = code + 1 < LENGTH_BASE.length ? LENGTH_BASE[code + 1]! : MAX_MATCH + 1;
  for (let length = LENGTH_BASE[code]!; length < end; length++) LENGTH_INDEX[length] = code;
}
LENGTH_INDEX[MAX_MATCH] = 28;

/** Visits the runs of the PNG scanline stream (filter byte 0 + row) of width x height pixels. */
function forEachRun(pixels: Uint8Array, width: number, height: number, visit: (value: number, length: number) => void): void {
  const words = pixels.byteOffset % 4 === 0 ? new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length >>> 2) : null;
  let value = 0;
  let length = 0;
  for (let y = 0; y < height; y++) {
    // The filter byte.
    if (length > 0 && value === 0) length++;
    else {
      if (length > 0) visit(value, length);
      value = 0;
      length = 1;
    }
    const end = (y + 1) * width;
    let i = y * width;
    while (i < end) {
      const v = pixels[i]!;
      let j = i + 1;
      if (words) {
        while (j < end && (j & 3) !== 0 && pixels[j] === v) j++;
        if ((j & 3) === 0 && j < end) {
          const word = (v * 0x01010101) >>> 0;
          let w = j >>> 2;
          const lastWord = end >>> 2;
          while (w < lastWord && words[w] === word) w++;
          j = w << 2;
        }
      }
      while (j < end && pixels[j] === v) j++;
      if (v === value) length += j - i;
      else {
        visit(value, length);
        value = v;
        length = j - i;
      }
      i = j;
    }
  }
  if (length > 0) visit(value, length);
}

/** Calls `literal` / `copy` for the tokens of one run: a literal, then distance-1 copies. */
function tokens(value: number, length: number, literal: (value: number, count: number) => void, copy: (length: number, count: number) => void): void {
  literal(value, 1);
  let rest = length - 1;
  const full = Math.floor(rest / MAX_MATCH);
  if (full > 0) copy(MAX_MATCH, full);
  rest -= full * MAX_MATCH;
  if (rest >= 3) copy(rest, 1);
  else if (rest > 0) literal(value, rest);
}

/** Huffman code lengths (at most `limit` bits) for the frequencies; 0 for unused symbols. */
export function huffmanLengths(frequencies: ArrayLike<number>, limit: number): Uint8Array {
  const lengths = new Uint8Array(frequencies.length);
  let scaled = Array.from(frequencies);
  for (;;) {
    const used = scaled.map((f, symbol) => ({ f, symbol })).filter((s) => s.f > 0);
    if (used.length === 0) return lengths;
    if (used.length === 1) {
      lengths[used[0]!.symbol] = 1;
      return lengths;
    }
    // Plain Huffman with a sorted leaf queue and a queue of merged nodes (both ascending).
    used.sort((a, b) => a.f - b.f || a.symbol - b.symbol);
    const parent = new Int32Array(2 * used.length - 1).fill(-1);
    const weight = new Float64Array(2 * used.length - 1);
    used.forEach((leaf, i) => (weight[i] = leaf.f));
    let leaf = 0;
    let merged = used.length;
    let next = used.length;
    const take = (): number => (leaf < used.length && (merged >= next || weight[leaf]! <= weight[merged]!) ? leaf++ : merged++);
    while (next < 2 * used.length - 1) {
      const a = take();
      const b = take();
      weight[next] = weight[a]! + weight[b]!;
      parent[a] = next;
      parent[b] = next;
      next++;
    }
    let longest = 0;
    const depth = new Uint8Array(2 * used.length - 1);
    for (let node = 2 * used.length - 3; node >= 0; node--) {
      depth[node] = depth[parent[node]!]! + 1;
      if (node < used.length) longest = Math.max(longest, depth[node]!);
    }
    if (longest <= limit) {
      used.forEach((s, i) => (lengths[s.symbol] = depth[i]!));
      return lengths;
    }
    // Too deep: flatten the distribution and build again (rare; costs a little compression).
    scaled = scaled.map((f) => (f > 0 ? Math.max(1, Math.floor(f / 2)) : 0));
  }
}

/** Canonical codes for the lengths (RFC 1951, 3.2.2), bit-reversed for LSB-first output. */
function canonicalCodes(lengths: Uint8Array): Uint16Array {
  const count = new Uint16Array(MAX_BITS + 1);
  for (const length of lengths) if (length > 0) count[length]!++;
  const next = new Uint16Array(MAX_BITS + 2);
  let code = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    code = (code + count[bits - 1]!) << 1;
    next[bits] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const length = lengths[symbol]!;
    if (length === 0) continue;
    let value = next[length]!++;
    let reversed = 0;
    for (let i = 0; i < length; i++) {
      reversed = (reversed << 1) | (value & 1);
      value >>= 1;
    }
    codes[symbol] = reversed;
  }
  return codes;
}

class BitWriter {
  #bytes: Uint8Array;
  #at = 0;
  #buffer = 0;
  #count = 0;

  constructor(capacity: number) {
    this.#bytes = new Uint8Array(Math.max(64, capacity));
  }

  write(value: number, bits: number): void {
    this.#buffer |= value << this.#count;
    this.#count += bits;
    while (this.#count >= 8) {
      this.#byte(this.#buffer & 255);
      this.#buffer >>>= 8;
      this.#count -= 8;
    }
  }

  /** Pads to a whole byte and returns everything written. */
  finish(): Uint8Array {
    if (this.#count > 0) this.#byte(this.#buffer & 255);
    this.#buffer = 0;
    this.#count = 0;
    return this.#bytes.subarray(0, this.#at);
  }

  #byte(value: number): void {
    if (this.#at === this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.#at++] = value;
  }
}

/** n(n+1)/2 mod 65521, without leaving the exact range of doubles. */
function triangleMod(length: number): number {
  const half = length % 2 === 0 ? ((length / 2) % ADLER_MOD) * ((length + 1) % ADLER_MOD) : (length % ADLER_MOD) * (((length + 1) / 2) % ADLER_MOD);
  return half % ADLER_MOD;
}

/** The zlib stream of the PNG scanlines (filter 0) of width x height gray pixels. */
export function deflateScanlines(pixels: Uint8Array, width: number, height: number): Uint8Array {
  // Pass 1: symbol frequencies and the checksum. The runs are kept for pass 2 while
  // they are few (a mask has a handful per row); past the cap pass 2 scans again.
  const literalFrequencies = new Float64Array(286);
  let copies = 0;
  let adlerA = 1;
  let adlerB = 0;
  let runValues: Uint8Array | null = new Uint8Array(4096);
  let runLengths: Uint32Array | null = new Uint32Array(4096);
  let runCount = 0;
  forEachRun(pixels, width, height, (value, length) => {
    if (runValues && runLengths) {
      if (runCount === runValues.length) {
        if (runCount >= MAX_KEPT_RUNS) {
          runValues = null;
          runLengths = null;
        } else {
          const values = new Uint8Array(runCount * 2);
          values.set(runValues);
          runValues = values;
          const lengths = new Uint32Array(runCount * 2);
          lengths.set(runLengths);
          runLengths = lengths;
        }
      }
      if (runValues && runLengths) {
        runValues[runCount] = value;
        runLengths[runCount] = length;
        runCount++;
      }
    }
    // Adler-32 of a run in closed form: A grows by n*v, B by n*A + v*n(n+1)/2.
    adlerB = (adlerB + (length % ADLER_MOD) * adlerA + ((value * triangleMod(length)) % ADLER_MOD)) % ADLER_MOD;
    adlerA = (adlerA + (length % ADLER_MOD) * value) % ADLER_MOD;
    tokens(
      value,
      length,
      (v, count) => (literalFrequencies[v]! += count),
      (copy, count) => {
        literalFrequencies[257 + LENGTH_INDEX[copy]!]! += count;
        copies += count;
      },
    );
  });
  literalFrequencies[256] = 1;
  const literalLengths = huffmanLengths(literalFrequencies, MAX_BITS);
  // Every copy is at distance 1 (code 0); a single one-bit distance code is allowed.
  const distanceLengths = new Uint8Array(1);
  distanceLengths[0] = 1;
  const literalCodes = canonicalCodes(literalLengths);
  const distanceCode = canonicalCodes(distanceLengths)[0]!;

  // The code lengths, run-length coded with symbols 16, 17, 18.
  let literalCount = 286;
  while (literalCount > 257 && literalLengths[literalCount - 1] === 0) literalCount--;
  const allLengths = [...literalLengths.subarray(0, literalCount), ...distanceLengths];
  const lengthSymbols: [number, number, number][] = []; // symbol, extra value, extra bits
  for (let i = 0; i < allLengths.length;) {
    const length = allLengths[i]!;
    let run = 1;
    while (i + run < allLengths.length && allLengths[i + run] === length) run++;
    if (length === 0 && run >= 3) {
      const take = Math.min(run, 138);
      lengthSymbols.push(take >= 11 ? [18, take - 11, 7] : [17, take - 3, 3]);
      i += take;
    } else if (length !== 0 && run >= 4) {
      lengthSymbols.push([length, 0, 0]);
      const take = Math.min(run - 1, 6);
      lengthSymbols.push([16, take - 3, 2]);
      i += 1 + take;
    } else {
      lengthSymbols.push([length, 0, 0]);
      i += 1;
    }
  }
  const lengthFrequencies = new Float64Array(19);
  for (const [symbol] of lengthSymbols) lengthFrequencies[symbol]!++;
  const codeLengthLengths = huffmanLengths(lengthFrequencies, 7);
  const codeLengthCodes = canonicalCodes(codeLengthLengths);
  let codeLengthCount = 19;
  while (codeLengthCount > 4 && codeLengthLengths[CODE_LENGTH_ORDER[codeLengthCount - 1]!] === 0) codeLengthCount--;

  // Pass 2: write.
  const out = new BitWriter(1024 + (copies >>> 2));
  out.write(0x78, 8); // zlib: deflate, 32 KB window
  out.write(0x01, 8); // no dictionary, fastest-compression hint; (0x7801 % 31 === 0)
  out.write(1, 1); // last block
  out.write(2, 2); // dynamic Huffman
  out.write(literalCount - 257, 5);
  out.write(distanceLengths.length - 1, 5);
  out.write(codeLengthCount - 4, 4);
  for (let i = 0; i < codeLengthCount; i++) out.write(codeLengthLengths[CODE_LENGTH_ORDER[i]!]!, 3);
  for (const [symbol, extra, bits] of lengthSymbols) {
    out.write(codeLengthCodes[symbol]!, codeLengthLengths[symbol]!);
    if (bits > 0) out.write(extra, bits);
  }
  const copyCode = (length: number): void => {
    const index = LENGTH_INDEX[length]!;
    out.write(literalCodes[257 + index]!, literalLengths[257 + index]!);
    const extraBits = LENGTH_EXTRA[index]!;
    if (extraBits > 0) out.write(length - LENGTH_BASE[index]!, extraBits);
    out.write(distanceCode, 1);
  };
  const writeLiteral = (v: number, count: number): void => {
    for (let k = 0; k < count; k++) out.write(literalCodes[v]!, literalLengths[v]!);
  };
  const writeCopy = (copy: number, count: number): void => {
    for (let k = 0; k < count; k++) copyCode(copy);
  };
  if (runValues && runLengths) {
    for (let r = 0; r < runCount; r++) tokens(runValues[r]!, runLengths[r]!, writeLiteral, writeCopy);
  } else {
    forEachRun(pixels, width, height, (value, length) => tokens(value, length, writeLiteral, writeCopy));
  }
  out.write(literalCodes[256]!, literalLengths[256]!);
  const body = out.finish();
  const stream = new Uint8Array(body.length + 4);
  stream.set(body);
  new DataView(stream.buffer).setUint32(body.length, ((adlerB << 16) | adlerA) >>> 0);
  return stream;
}
