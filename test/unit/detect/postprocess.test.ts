/**
 * Postprocessing: the probability map goes back to the photo's own size, the PNGs are
 * 8-bit grayscale, the mask is exactly the thresholded map, and the per-photo numbers
 * (mean probability, uncertainty) mean what they say.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  blurFraction,
  encodeGrayPng,
  probabilityStats,
  resizeProbability,
  thresholdLevel,
  thresholdMask,
} from '../../../electron/core/detect/postprocess';

describe('resizeProbability', () => {
  it('gives the requested size, for upsampling and downsampling alike', () => {
    const map = new Float32Array(4 * 3).fill(0.25);
    for (const [width, height] of [[4, 3], [401, 299], [3, 2], [1, 1]] as const) {
      const out = resizeProbability(map, 4, 3, width, height);
      expect(out.length).toBe(width * height);
      expect(new Set(out)).toEqual(new Set([64]));
    }
  });

  it('is the identity at the same size, rounded to 8 bits', () => {
    const map = new Float32Array([0, 0.5, 1, 0.2, 0.8, 0.999]);
    expect([...resizeProbability(map, 3, 2, 3, 2)]).toEqual([0, 128, 255, 51, 204, 255]);
  });

  it('interpolates linearly between pixel centres and clamps at the edges', () => {
    // Two pixels 0 and 1, upsampled 4x: centres at 1.5 and 5.5 of the output.
    const out = resizeProbability(new Float32Array([0, 1]), 2, 1, 8, 1);
    expect([...out]).toEqual([0, 0, 32, 96, 159, 223, 255, 255]);
  });
});

describe('threshold', () => {
  it('puts a pixel in the mask when level / 255 >= threshold', () => {
    expect(thresholdLevel(0.5)).toBe(128);
    expect(thresholdLevel(0)).toBe(0);
    expect(thresholdLevel(1)).toBe(255);
    expect(thresholdLevel(0.2)).toBe(51);
    const map = new Uint8Array([0, 50, 51, 127, 128, 255]);
    expect([...thresholdMask(map, 0.5)]).toEqual([0, 0, 0, 0, 255, 255]);
    expect([...thresholdMask(map, 0.2)]).toEqual([0, 0, 255, 255, 255, 255]);
    expect(blurFraction(thresholdMask(map, 0.5))).toBeCloseTo(2 / 6, 12);
  });
});

describe('probabilityStats', () => {
  it('has no uncertainty on a sure map and full uncertainty at 0.5', () => {
    expect(probabilityStats(new Float32Array([0, 1, 1, 0]))).toEqual({ meanProbability: 0.5, uncertainty: 0 });
    expect(probabilityStats(new Float32Array([0.5, 0.5]))).toEqual({ meanProbability: 0.5, uncertainty: 1 });
    const { meanProbability, uncertainty } = probabilityStats(new Float32Array([0.1, 0.9]));
    expect(meanProbability).toBeCloseTo(0.5, 6);
    // H(0.1) = 0.469 bits.
    expect(uncertainty).toBeCloseTo(-(0.1 * Math.log2(0.1) + 0.9 * Math.log2(0.9)), 6);
  });
});

describe('encodeGrayPng', () => {
  it('writes an 8-bit one-channel PNG of the given size that decodes to the same pixels', async () => {
    const pixels = new Uint8Array(37 * 23).map((_, i) => (i * 7) % 256);
    const png = await encodeGrayPng(pixels, 37, 23);
    const metadata = await sharp(png).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 37, height: 23, channels: 1, depth: 'uchar' });
    // sharp reads a grey PNG back as sRGB unless told to keep it grey.
    const decoded = await sharp(png).toColorspace('b-w').raw().toBuffer();
    expect(Buffer.compare(decoded, Buffer.from(pixels))).toBe(0);
  });
});
