/**
 * Browser-side pixel I/O for the editor: decoding the stored mask and probability PNGs to
 * one byte per photo pixel, and reading the photo's grayscale for refine.
 *
 * Decoding goes through createImageBitmap with color conversion off, so a gray value
 * reaches the canvas untouched, and an OffscreenCanvas read back in strips (a 24 MP RGBA
 * read at once would need a 96 MB temporary). A map stored at another size than the photo
 * (a model's output) is resampled on the way: bilinear for probabilities, nearest for masks.
 */
import type { Rect } from './rect';
import type { GuideSource } from './refine';

/** Rows read back from a canvas at a time. */
const STRIP_ROWS = 256;

/** Decodes PNG (or any image) bytes to width x height bytes taken from the red channel. */
export async function decodeGrayImage(bytes: Uint8Array, width: number, height: number, resample: 'nearest' | 'bilinear'): Promise<Uint8Array> {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('No 2D canvas context is available.');
    context.imageSmoothingEnabled = resample === 'bilinear';
    if (resample === 'bilinear') context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, width, height);
    return readRedChannel(context, { x: 0, y: 0, width, height });
  } finally {
    bitmap.close();
  }
}

/** The red channel of a canvas rectangle, read strip by strip. */
function readRedChannel(context: OffscreenCanvasRenderingContext2D, rect: Rect): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height);
  for (let top = 0; top < rect.height; top += STRIP_ROWS) {
    const rows = Math.min(STRIP_ROWS, rect.height - top);
    const rgba = context.getImageData(rect.x, rect.y + top, rect.width, rows).data;
    const offset = top * rect.width;
    for (let i = 0, n = rows * rect.width; i < n; i++) out[offset + i] = rgba[i * 4]!;
  }
  return out;
}

/**
 * The photo's luma (Rec. 601) as a GuideSource, read lazily: the full-size copy of the
 * photo is only drawn on the first refine, and each refine reads only its rectangle.
 */
export function createPhotoGuide(photo: CanvasImageSource, width: number, height: number): GuideSource & { dispose(): void } {
  let context: OffscreenCanvasRenderingContext2D | null = null;
  return {
    width,
    height,
    read(rect: Rect): Uint8Array {
      if (!context) {
        const canvas = new OffscreenCanvas(width, height);
        context = canvas.getContext('2d', { willReadFrequently: true });
        if (!context) throw new Error('No 2D canvas context is available.');
        context.drawImage(photo, 0, 0, width, height);
      }
      const out = new Uint8Array(rect.width * rect.height);
      for (let top = 0; top < rect.height; top += STRIP_ROWS) {
        const rows = Math.min(STRIP_ROWS, rect.height - top);
        const rgba = context.getImageData(rect.x, rect.y + top, rect.width, rows).data;
        const offset = top * rect.width;
        for (let i = 0, n = rows * rect.width; i < n; i++) {
          out[offset + i] = (rgba[i * 4]! * 77 + rgba[i * 4 + 1]! * 150 + rgba[i * 4 + 2]! * 29) >> 8;
        }
      }
      return out;
    },
    dispose(): void {
      context = null;
    },
  };
}

/** Loads the photo into an <img> and waits until it is decoded (ready to draw at once). */
export async function loadPhoto(url: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.decoding = 'async';
  image.src = url;
  await image.decode();
  return image;
}
