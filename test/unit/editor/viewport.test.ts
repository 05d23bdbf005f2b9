import { describe, expect, it } from 'vitest';
import { constrainViewport, fitViewport, imageToScreen, screenToImage, wheelZoomFactor, zoomAround } from '../../../renderer/lib/viewport';

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

  it("fits the viewer's way too: no margin, never past 100 %, and at 100 % before anything has a size", () => {
    const viewer = { margin: 0, range: { min: 0, max: 1 } };
    expect(fitViewport(6000, 4000, 1200, 800, viewer).zoom).toBeCloseTo(0.2, 9);
    expect(fitViewport(300, 200, 1200, 800, viewer)).toEqual({ zoom: 1, x: 450, y: 300 });
    expect(fitViewport(6000, 4000, 0, 0, viewer).zoom).toBe(1);
    expect(zoomAround({ zoom: 1, x: 0, y: 0 }, 1e9, { x: 0, y: 0 }, { min: 0.02, max: 16 }).zoom).toBe(16);
  });

  it('turns wheel lines and pages into pixels, at the rate asked for', () => {
    expect(wheelZoomFactor(-100, 0)).toBeCloseTo(Math.exp(0.18), 9);
    expect(wheelZoomFactor(3, 1)).toBeCloseTo(Math.exp(-99 * 0.0018), 9);
    expect(wheelZoomFactor(100, 0, 0.0015)).toBeCloseTo(Math.exp(-0.15), 9);
  });
});
