/**
 * From the model's probability map to what the studio keeps: the map resized back to the
 * photo's own (oriented) size as an 8-bit grayscale PNG (255 = surely blurred), the
 * binary mask at a threshold (0/255, the Mask contract), and two numbers per photo that
 * the grid sorts by: the mean probability and the uncertainty.
 */
import sharp from 'sharp';

/**
 * zlib level for the PNGs. Probability maps are smooth and compress well at any level.
 * Measured on a 12 MP map: level 3 took about 60 ms against 80 ms for the default 6 (and
 * 380 ms for 9), for a file a quarter larger (0.7 MB against 0.56 MB); adaptive row
 * filtering cost two to four times as long, so it stays off.
 */
export const PNG_COMPRESSION_LEVEL = 3;

export interface ProbabilityStats {
  /** Mean probability of blur over the map (0..1): the share of the photo that is blurred. */
  meanProbability: number;
  /**
   * Mean binary entropy of the map in bits (0..1): 0 when every pixel is surely sharp or
   * surely blurred, 1 when the model hesitates everywhere. Photos to review first.
   */
  uncertainty: number;
}

/** Mean and mean binary entropy of a probability map. */
export function probabilityStats(probabilities: Float32Array): ProbabilityStats {
  if (probabilities.length === 0) return { meanProbability: 0, uncertainty: 0 };
  let sum = 0;
  let entropy = 0;
  for (const value of probabilities) {
    const p = value < 0 ? 0 : value > 1 ? 1 : value;
    sum += p;
    if (p > 0 && p < 1) {
      entropy -= p * Math.log2(p) + (1 - p) * Math.log2(1 - p);
    }
  }
  return { meanProbability: sum / probabilities.length, uncertainty: entropy / probabilities.length };
}

/**
 * Bilinear resampling of a float map (srcWidth x srcHeight) to 8 bits at
 * width x height, pixel centres aligned as PIL and sharp align them. Written out rather
 * than done by sharp: upsampling a 320 x 320 map to 12 MP this way is faster than
 * sharp's linear kernel and keeps the float precision until the final rounding.
 */
export function resizeProbability(
  probabilities: Float32Array,
  srcWidth: number,
  srcHeight: number,
  width: number,
  height: number,
): Uint8Array {
  const out = new Uint8Array(width * height);
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const fx = new Float32Array(width);
  const xScale = srcWidth / width;
  for (let x = 0; x < width; x++) {
    const source = Math.min(srcWidth - 1, Math.max(0, (x + 0.5) * xScale - 0.5));
    x0[x] = Math.floor(source);
    x1[x] = Math.min(x0[x]! + 1, srcWidth - 1);
    fx[x] = source - x0[x]!;
  }
  const yScale = srcHeight / height;
  // Each source row pair is interpolated along x once into these, then blended along y.
  const top = new Float32Array(width);
  const bottom = new Float32Array(width);
  let cachedTop = -1;
  let cachedBottom = -1;
  const fillRow = (row: Float32Array, sourceRow: number): void => {
    const base = sourceRow * srcWidth;
    for (let x = 0; x < width; x++) {
      const a = probabilities[base + x0[x]!]!;
      row[x] = a + (probabilities[base + x1[x]!]! - a) * fx[x]!;
    }
  };
  for (let y = 0; y < height; y++) {
    const source = Math.min(srcHeight - 1, Math.max(0, (y + 0.5) * yScale - 0.5));
    const y0 = Math.floor(source);
    const y1 = Math.min(y0 + 1, srcHeight - 1);
    const fy = source - y0;
    if (y0 !== cachedTop) {
      if (y0 === cachedBottom) top.set(bottom);
      else fillRow(top, y0);
      cachedTop = y0;
    }
    if (y1 !== cachedBottom) {
      fillRow(bottom, y1);
      cachedBottom = y1;
    }
    const base = y * width;
    for (let x = 0; x < width; x++) {
      const a = top[x]!;
      const value = (a + (bottom[x]! - a) * fy) * 255 + 0.5;
      out[base + x] = value <= 0 ? 0 : value >= 255 ? 255 : value;
    }
  }
  return out;
}

/**
 * The 8-bit level at or above which a pixel of the probability map is blurred for a
 * threshold in 0..1: a pixel is in the mask when level / 255 >= threshold, so the mask
 * is exactly what thresholding the saved PNG gives (the studio's slider does that).
 */
export function thresholdLevel(threshold: number): number {
  return Math.min(256, Math.max(0, Math.ceil(threshold * 255 - 1e-9)));
}

/** Binary mask (0/255) of an 8-bit probability map at `threshold` in 0..1. */
export function thresholdMask(map: Uint8Array, threshold: number): Uint8Array {
  const level = thresholdLevel(threshold);
  const mask = new Uint8Array(map.length);
  for (let i = 0; i < map.length; i++) {
    mask[i] = map[i]! >= level ? 255 : 0;
  }
  return mask;
}

/** Share of mask pixels that are blurred (255). */
export function blurFraction(mask: Uint8Array): number {
  let blurred = 0;
  for (const value of mask) if (value !== 0) blurred++;
  return mask.length === 0 ? 0 : blurred / mask.length;
}

/** One-channel 8-bit pixels → grayscale PNG bytes. */
export async function encodeGrayPng(pixels: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  // Without 'b-w', sharp treats one raw channel as sRGB and writes three.
  const png = await sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColorspace('b-w')
    .png({ compressionLevel: PNG_COMPRESSION_LEVEL, adaptiveFiltering: false })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
