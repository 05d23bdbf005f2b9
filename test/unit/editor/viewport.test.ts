import { describe, expect, it } from 'vitest';
import { constrainViewport, fitViewport, imageToScreen, screenToImage, zoomAround } from '../../../renderer/editor/viewport';

describe('viewport', () => {
  it('fits a 24 MP photo inside the view, centred', () => {
    const view = fitViewport(6000, 4000, 1200, 800);
    expect(view.zoom).toBeCloseTo(0.192, 3);
    const centre = imageToScreen(view, { x: 3000, y: 2000 });
    expect(centre.x).toBeCloseTo(600);
    expect(centre.y).toBeCloseTo(400);
  });

  it('zooms around the pointer: the image point under it stays put', () => {
    const view = { zoom: 0.25, x: 13, y: -40 };
    const anchor = { x: 321, y: 222 };
    const before = screenToImage(view, anchor);
    const zoomed = zoomAround(view, 3.7, anchor);
    const after = screenToImage(zoomed, anchor);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
    expect(zoomAround(view, 1e9, anchor).zoom).toBe(64);
  });

  it('never pans the photo entirely out of view', () => {
    const view = constrainViewport({ zoom: 1, x: -99999, y: 99999 }, 6000, 4000, 1200, 800);
    expect(view.x + 6000).toBeGreaterThanOrEqual(48);
    expect(view.y).toBeLessThanOrEqual(800 - 48);
  });
});
