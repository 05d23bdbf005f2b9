/**
 * Zoom and pan of the viewer: the image is centred in the stage, scaled by `scale` and
 * shifted by `offsetX/Y`. Zooming keeps the image point under the cursor where it is.
 */

export interface View {
  scale: number;
  offsetX: number;
  offsetY: number;
}

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 16;

/** Scale that shows the whole image; small images are not blown up. */
export function fitScale(stageWidth: number, stageHeight: number, imageWidth: number, imageHeight: number): number {
  if (imageWidth <= 0 || imageHeight <= 0 || stageWidth <= 0 || stageHeight <= 0) {
    return 1;
  }
  return Math.min(stageWidth / imageWidth, stageHeight / imageHeight, 1);
}

/**
 * Zooms to `nextScale` around the stage point (`pointX`, `pointY`), given relative to the
 * stage's centre.
 */
export function zoomAround(view: View, nextScale: number, pointX: number, pointY: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, nextScale));
  const ratio = scale / view.scale;
  return {
    scale,
    offsetX: pointX - (pointX - view.offsetX) * ratio,
    offsetY: pointY - (pointY - view.offsetY) * ratio,
  };
}

/** Wheel delta (pixels) to a zoom factor; smooth on trackpads, one notch ≈ 16%. */
export function wheelFactor(deltaY: number): number {
  return Math.exp(-deltaY * 0.0015);
}
