/**
 * Masks as pixels: decoding a stored mask PNG to one byte per pixel, encoding a binary
 * mask to the studio's PNG (8-bit grayscale, 0 / 255), and comparing two masks.
 */
import sharp from 'sharp';

/** One byte per pixel, row-major; a pixel is blurred when its value is >= 128. */
export interface MaskPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes a mask or probability-map PNG (any channel layout) to its first gray channel. */
export async function decodeMaskPng(png: Uint8Array): Promise<MaskPixels> {
  const { data, info } = await sharp(png)
    .flatten({ background: '#000000' })
    .toColorspace('b-w')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`a mask decoded to ${info.channels} channels`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * The studio's mask PNG from one byte per pixel (>= 128 blurred). Always the same bytes
 * for the same pixels: zlib level 9 without adaptive filtering, no metadata, so exports
 * are reproducible.
 */
export async function encodeMaskPng(mask: MaskPixels): Promise<Uint8Array> {
  const binary = Buffer.alloc(mask.data.length);
  for (let i = 0; i < mask.data.length; i++) binary[i] = mask.data[i]! >= 128 ? 255 : 0;
  const png = await sharp(binary, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .toColorspace('b-w')
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Share of blurred pixels (0..1). */
export function blurFraction(mask: MaskPixels): number {
  let blurred = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]! >= 128) blurred++;
  return mask.data.length === 0 ? 0 : blurred / mask.data.length;
}

/**
 * Intersection over union of the blurred pixels of two masks of the same size; 1 when
 * neither has any (they agree that nothing is blurred).
 */
export function maskIou(a: MaskPixels, b: MaskPixels): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`masks of different sizes: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  }
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    const inA = a.data[i]! >= 128;
    const inB = b.data[i]! >= 128;
    if (inA && inB) intersection++;
    if (inA || inB) union++;
  }
  return union === 0 ? 1 : intersection / union;
}
