/**
 * Paints a probability map (8-bit gray PNG, 255 = surely blurred) into a canvas as a
 * colored overlay whose alpha grows with the probability, for the viewer. The canvas is
 * at most `maxSide` pixels on its long side: the viewer shows a whole photo at once, and a
 * 24 MP overlay would cost 96 MB for detail no screen shows.
 */

export interface OverlayColor {
  r: number;
  g: number;
  b: number;
}

/** `#rrggbb` to numbers (the default blue when it is not that). */
export function hexColor(text: string): OverlayColor {
  const match = /^#([0-9a-f]{6})$/i.exec(text.trim());
  const value = match ? parseInt(match[1]!, 16) : 0x2f8cff;
  return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255 };
}

/** Rewrites RGBA pixels whose red channel holds the probability into color + alpha. */
export function tintProbability(rgba: Uint8ClampedArray, color: OverlayColor): number {
  let covered = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    const probability = rgba[i]!;
    rgba[i] = color.r;
    rgba[i + 1] = color.g;
    rgba[i + 2] = color.b;
    rgba[i + 3] = probability;
    if (probability >= 128) covered++;
  }
  return covered;
}

/**
 * Decodes `png` and paints it into `canvas` (resized to fit `maxSide`). Returns the share
 * of pixels at probability >= 0.5.
 */
export async function paintProbability(canvas: HTMLCanvasElement, png: Uint8Array, color: OverlayColor, maxSide = 2048): Promise<number> {
  const bitmap = await createImageBitmap(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }), {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  try {
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('No 2D canvas context is available.');
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    const covered = tintProbability(image.data, color);
    context.putImageData(image, 0, 0);
    return covered / (width * height);
  } finally {
    bitmap.close();
  }
}
