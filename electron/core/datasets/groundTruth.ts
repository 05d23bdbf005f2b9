/**
 * Reading a public dataset's ground-truth image as it is: one gray byte per pixel at its
 * photo's size, with what had to be done to get there (scaling, non-binary values), so
 * that the importer can decide the polarity before thresholding, and report.
 *
 * - Any bit depth and channel layout (gray, RGB, RGBA, 16-bit): transparency counts as
 *   0, color becomes luminance, 16-bit values are scaled to 8 bits.
 * - A mask of another size but the photo's aspect ratio (within 2 %) is scaled with
 *   nearest neighbour (values are kept, never blended) and reported; another aspect
 *   ratio is refused: it belongs to another photo.
 * - Values other than 0 and 255 (anti-aliased edges, JPEG-compressed masks) are counted;
 *   the importer thresholds at 128 and warns, rather than refusing: public datasets are
 *   full of such masks, and a threshold at the middle keeps their intended shape.
 */
import sharp from 'sharp';

export interface GroundTruth {
  width: number;
  height: number;
  gray: Uint8Array;
  /** Size of the file when it was not the photo's. */
  scaledFrom: { width: number; height: number } | null;
  /** Pixels (after scaling) that were neither 0 nor 255. */
  nonBinary: number;
}

export async function readGroundTruth(path: string, width: number, height: number): Promise<GroundTruth> {
  const input = sharp(path, { failOn: 'truncated' });
  let metadata;
  try {
    metadata = await input.metadata();
  } catch (error) {
    throw new Error(`unreadable mask: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
  }
  const maskWidth = metadata.autoOrient?.width ?? metadata.width;
  const maskHeight = metadata.autoOrient?.height ?? metadata.height;
  if (!maskWidth || !maskHeight) throw new Error('unreadable mask: no pixel size');
  if (Math.abs(maskWidth / maskHeight - width / height) > 0.02 * (width / height)) {
    throw new Error(`wrong size: the mask is ${maskWidth}x${maskHeight} but its photo is ${width}x${height}`);
  }
  let pipeline = input.autoOrient().flatten({ background: '#000000' }).toColorspace('b-w');
  const scaled = maskWidth !== width || maskHeight !== height;
  if (scaled) pipeline = pipeline.resize(width, height, { fit: 'fill', kernel: 'nearest' });
  let decoded;
  try {
    decoded = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new Error(`unreadable mask: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
  }
  const { data, info } = decoded;
  if (info.channels !== 1 || info.width !== width || info.height !== height) {
    throw new Error(`unexpected decoded mask layout ${info.width}x${info.height}x${info.channels}`);
  }
  let nonBinary = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0 && data[i] !== 255) nonBinary++;
  return {
    width,
    height,
    gray: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    scaledFrom: scaled ? { width: maskWidth, height: maskHeight } : null,
    nonBinary,
  };
}

/** The studio's binary mask (0 / 255) from a ground truth, thresholded at 128. */
export function binarise(gray: Uint8Array, blurIsWhite: boolean): Uint8Array {
  const out = new Uint8Array(gray.length);
  for (let i = 0; i < gray.length; i++) out[i] = (gray[i]! >= 128) === blurIsWhite ? 255 : 0;
  return out;
}
