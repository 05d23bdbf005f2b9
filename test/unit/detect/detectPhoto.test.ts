/**
 * One photo end to end with the real tiny model: outputs at the photo's oriented size,
 * whole and tiled runs give maps of the same shape, and the tile layout covers the
 * working image with overlapping tiles that blend without seams.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectPhoto, inputSizeFor } from '../../../electron/core/detect/detectPhoto';
import { loadModel } from '../../../electron/core/detect/engine';
import type { LoadedModel } from '../../../electron/core/detect/engine';
import { TileBlender, blendWindow, tileLayout } from '../../../electron/core/detect/tiles';
import { TINY_MODEL, writePhoto } from './fixturePhotos';

let dir: string;
let model: LoadedModel;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-photo-'));
  model = await loadModel(TINY_MODEL, { device: 'cpu', intraOpThreads: 1 });
});
afterAll(async () => {
  await model.session.release();
  await rm(dir, { recursive: true, force: true });
});

async function grey(png: Uint8Array): Promise<{ width: number; height: number; channels: number; pixels: Buffer }> {
  const { data, info } = await sharp(png).toColorspace('b-w').raw().toBuffer({ resolveWithObject: true });
  const metadata = await sharp(png).metadata();
  return { width: info.width, height: info.height, channels: metadata.channels ?? 0, pixels: data };
}

describe('detectPhoto', () => {
  it('writes the map and the mask at the photo\'s oriented size', async () => {
    // Stored 300 x 200 with orientation 6: the user sees 200 x 300.
    const file = await writePhoto(path.join(dir, 'turned.jpg'), { width: 300, height: 200, orientation: 6 });
    const prediction = await detectPhoto(model, file, { maskThreshold: 0.5 });
    expect([prediction.width, prediction.height]).toEqual([200, 300]);
    const map = await grey(prediction.probabilityPng);
    expect([map.width, map.height, map.channels]).toEqual([200, 300, 1]);
    const mask = await grey(prediction.maskPng!);
    expect([mask.width, mask.height, mask.channels]).toEqual([200, 300, 1]);
    // The mask is the map thresholded at 0.5, pixel for pixel.
    for (let i = 0; i < map.pixels.length; i += 97) {
      expect(mask.pixels[i]).toBe(map.pixels[i]! >= 128 ? 255 : 0);
    }
    expect(prediction.maskBlurFraction).toBeGreaterThanOrEqual(0);
    expect(prediction.meanProbability).toBeGreaterThan(0);
    expect(prediction.meanProbability).toBeLessThan(1);
    expect(prediction.uncertainty).toBeGreaterThan(0);
    expect(prediction.uncertainty).toBeLessThanOrEqual(1);
    expect(prediction.size).toBe(64);
    expect(prediction.tiles).toBe(1);
    for (const stage of Object.values(prediction.timings)) expect(stage).toBeGreaterThanOrEqual(0);
  });

  it('makes no mask unless asked', async () => {
    const file = await writePhoto(path.join(dir, 'plain.png'), { width: 120, height: 90, format: 'png' });
    const prediction = await detectPhoto(model, file);
    expect(prediction.maskPng).toBeNull();
    expect(prediction.maskBlurFraction).toBeNull();
  });

  it('gives tiled and whole runs the same output shape', async () => {
    const file = await writePhoto(path.join(dir, 'big.jpg'), { width: 900, height: 500, seed: 5 });
    const whole = await detectPhoto(model, file, { size: 64 });
    const tiled = await detectPhoto(model, file, { size: 64, tiles: { resolution: 256 } });
    expect([tiled.width, tiled.height]).toEqual([whole.width, whole.height]);
    expect([tiled.width, tiled.height]).toEqual([900, 500]);
    expect(whole.tiles).toBe(1);
    // 256 x 142 covered by 64-pixel tiles with a quarter overlap: 5 x 3.
    expect(tiled.tiles).toBe(15);
    const wholeMap = await grey(whole.probabilityPng);
    const tiledMap = await grey(tiled.probabilityPng);
    expect([tiledMap.width, tiledMap.height]).toEqual([wholeMap.width, wholeMap.height]);
  });

  it('refuses a size that is not a multiple of 32', () => {
    expect(() => inputSizeFor(model, 100)).toThrow('The input size must be a positive multiple of 32, not 100');
    expect(inputSizeFor(model)).toBe(64);
    expect(inputSizeFor(model, 320)).toBe(320);
  });
});

describe('tiles', () => {
  it('covers the working image with tiles that stay inside it', () => {
    const layout = tileLayout(4000, 3000, 320, { resolution: 960, overlap: 0.25 });
    expect([layout.width, layout.height]).toEqual([960, 720]);
    const xs = [...new Set(layout.origins.map((o) => o.x))];
    const ys = [...new Set(layout.origins.map((o) => o.y))];
    expect(xs[0]).toBe(0);
    expect(xs[xs.length - 1]! + 320).toBe(960);
    expect(ys[ys.length - 1]! + 320).toBe(720);
    for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeLessThanOrEqual(320 * 0.75);
    expect(layout.origins).toHaveLength(xs.length * ys.length);
  });

  it('never upsamples a photo smaller than the resolution, nor goes below one tile', () => {
    expect(tileLayout(500, 400, 320)).toMatchObject({ width: 500, height: 400 });
    expect(tileLayout(100, 50, 320)).toMatchObject({ width: 320, height: 320, origins: [{ x: 0, y: 0 }] });
  });

  it('blends overlapping tiles of a constant map into the same constant', () => {
    const layout = tileLayout(200, 120, 64, { resolution: 200 });
    const blender = new TileBlender(layout);
    const tile = new Float32Array(64 * 64).fill(0.3);
    for (const origin of layout.origins) blender.add(tile, 0, origin.x, origin.y);
    const result = blender.result();
    expect(result.length).toBe(200 * 120);
    for (const value of result) expect(value).toBeCloseTo(0.3, 5);
    const window = blendWindow(64);
    expect(Math.min(...window)).toBeGreaterThan(0);
    expect(window[32 * 64 + 32]).toBeGreaterThan(window[0]!);
  });
});
