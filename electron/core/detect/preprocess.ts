/**
 * From a photo file to the model's input: decoded upright (EXIF orientation) in sRGB by
 * the library's decoder (same pixel cap, same RAW previews, same error messages as the
 * grid), then resized and laid out as float32 [3,H,W] RGB in 0..1. Normalisation is
 * inside the model graph (model-file contract), so nothing else is done here.
 */
import sharp from 'sharp';
import { decodeError, decodeOptions, openImageSource } from '../library/imageSource';

/** A photo's pixels, upright: 8-bit RGB, interleaved, row by row. */
export interface DecodedPhoto {
  pixels: Buffer;
  /** Size after EXIF orientation: the size of every mask and probability map of the photo. */
  width: number;
  height: number;
}

export interface DecodeOptions {
  maxPixels?: number;
}

/**
 * Decodes `absPath` upright in sRGB. Transparent photos are flattened on white (what
 * the viewer shows). Throws the library's PhotoReadError naming the file when it is not
 * a readable photo.
 */
export async function decodePhoto(absPath: string, options: DecodeOptions = {}): Promise<DecodedPhoto> {
  const source = await openImageSource(absPath, options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels });
  try {
    const { data, info } = await sharp(source.input, decodeOptions(source))
      .flatten({ background: '#ffffff' })
      .toColorspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`decoded to ${info.channels} channels, expected RGB`);
    }
    return { pixels: data, width: info.width, height: info.height };
  } catch (error) {
    throw decodeError(error, source);
  }
}

/**
 * Resamples RGB pixels to width x height. The aspect ratio is not kept: from 0.3 on,
 * the model is trained on whole photos squeezed to a square (models/training
 * defusionnet/augment.py), and evaluate.py scores it that way. Linear filtering matches
 * the bilinear resize of the training package.
 */
export async function resizeRgb(photo: DecodedPhoto, width: number, height: number): Promise<Buffer> {
  if (photo.width === width && photo.height === height) return photo.pixels;
  return sharp(photo.pixels, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
}

/**
 * Interleaved 8-bit RGB (HWC) → planar float32 [3,H,W] in 0..1, written into `out` at
 * `offset` floats (a batch holds several images one after the other).
 */
export function rgbToChw(
  rgb: Uint8Array,
  width: number,
  height: number,
  out: Float32Array = new Float32Array(3 * width * height),
  offset = 0,
): Float32Array {
  const plane = width * height;
  const scale = 1 / 255;
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[offset + i] = rgb[p]! * scale;
    out[offset + plane + i] = rgb[p + 1]! * scale;
    out[offset + 2 * plane + i] = rgb[p + 2]! * scale;
  }
  return out;
}

/**
 * One region of interleaved RGB (a tile) → planar float32 [3,size,size] at `offset`.
 * The region must lie inside the image.
 */
export function cropToChw(
  rgb: Uint8Array,
  imageWidth: number,
  x: number,
  y: number,
  size: number,
  out: Float32Array,
  offset: number,
): void {
  const plane = size * size;
  const scale = 1 / 255;
  for (let row = 0; row < size; row++) {
    let p = ((y + row) * imageWidth + x) * 3;
    let i = offset + row * size;
    for (let col = 0; col < size; col++, p += 3, i++) {
      out[i] = rgb[p]! * scale;
      out[i + plane] = rgb[p + 1]! * scale;
      out[i + 2 * plane] = rgb[p + 2]! * scale;
    }
  }
}
