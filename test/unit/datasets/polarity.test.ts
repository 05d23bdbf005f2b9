/**
 * Polarity detection on real, truly defocused photos: the mean |Laplacian| is lower in
 * the blurred region, whichever value the mask gives it; the decision states its
 * evidence, and the user's choice or a manifest's declaration overrides measuring.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decidePolarity, pairRatio, regionSharpness } from '../../../electron/core/datasets/polarity';
import type { PolarityPair } from '../../../electron/core/datasets/polarity';
import { background, centreDisc, leftPart, makeDefocusedPhoto, makeJpeg, makeTempDir, writeMask } from './fixtures';
import type { MaskShape } from './fixtures';

let temp: { dir: string; remove: () => Promise<void> };
const blurWhite: PolarityPair[] = [];
const blurBlack: PolarityPair[] = [];
const flat: PolarityPair[] = [];

beforeAll(async () => {
  temp = await makeTempDir('defusion-polarity-');
  const shapes: MaskShape[] = [leftPart(0.4), centreDisc(0.3), background(0.2), leftPart(0.7), centreDisc(0.45)];
  for (const [index, shape] of shapes.entries()) {
    const width = 160 + index * 16;
    const height = 120;
    const photoPath = join(temp.dir, 'photos', `p${index}.jpg`);
    const mask = await makeDefocusedPhoto(photoPath, { width, height, shape, seed: index + 1 });
    await writeMask(join(temp.dir, 'white', `p${index}.png`), mask, width, height);
    await writeMask(join(temp.dir, 'black', `p${index}.png`), mask, width, height, { invert: true });
    blurWhite.push({ stem: `p${index}`, photoPath, gtPath: join(temp.dir, 'white', `p${index}.png`), width, height });
    blurBlack.push({ stem: `p${index}`, photoPath, gtPath: join(temp.dir, 'black', `p${index}.png`), width, height });
  }
  // No defocus at all: the sharpness is the same on both sides.
  for (let index = 0; index < 3; index++) {
    const photoPath = join(temp.dir, 'flat', `f${index}.jpg`);
    await makeJpeg(photoPath, { width: 160, height: 120, seed: 40 + index });
    const mask = new Uint8Array(160 * 120).map((_, i) => ((i % 160) >= 80 ? 255 : 0));
    await writeMask(join(temp.dir, 'flat', `f${index}.png`), mask, 160, 120);
    flat.push({ stem: `f${index}`, photoPath, gtPath: join(temp.dir, 'flat', `f${index}.png`), width: 160, height: 120 });
  }
});

afterAll(async () => {
  await temp.remove();
});

describe('mask polarity', () => {
  it('measures sharpness per region and leaves boundary pixels and tiny regions out', () => {
    const width = 40;
    const height = 20;
    // Left half flat (gray 100), right half a checkerboard: sharp.
    const gray = new Uint8Array(width * height).map((_, i) => ((i % width) < 20 ? 100 : ((i % width) + Math.floor(i / width)) % 2 ? 200 : 0));
    const mask = new Uint8Array(width * height).map((_, i) => ((i % width) < 20 ? 255 : 0));
    const { white, black } = regionSharpness(gray, mask, width, height);
    expect(white).toBe(0);
    expect(black).toBe(800);
    // One white pixel is too little to say anything about the white region.
    const speck = new Uint8Array(width * height);
    speck[5 * width + 5] = 255;
    expect(regionSharpness(gray, speck, width, height).white).toBeNull();
  });

  it('finds the blurred region darker or brighter in the mask, pair by pair', async () => {
    for (const pair of blurWhite) expect(await pairRatio(pair), pair.stem).toBeLessThan(0.6);
    for (const pair of blurBlack) expect(await pairRatio(pair), pair.stem).toBeGreaterThan(1.6);
  });

  it('measures big photos at a reduced size, the mask scaled with them', async () => {
    const photoPath = join(temp.dir, 'big', 'big.jpg');
    const mask = await makeDefocusedPhoto(photoPath, { width: 900, height: 600, shape: centreDisc(0.3), seed: 77 });
    await writeMask(join(temp.dir, 'big', 'white.png'), mask, 900, 600);
    await writeMask(join(temp.dir, 'big', 'black.png'), mask, 900, 600, { invert: true });
    const pair = { stem: 'big', photoPath, width: 900, height: 600 };
    expect(await pairRatio({ ...pair, gtPath: join(temp.dir, 'big', 'white.png') })).toBeLessThan(0.6);
    expect(await pairRatio({ ...pair, gtPath: join(temp.dir, 'big', 'black.png') })).toBeGreaterThan(1.6);
  });

  it('decides blur-white for CUHK-style masks and blur-black for DUT-style ones, with the evidence', async () => {
    const white = await decidePolarity({ request: 'auto', kind: 'cuhk', manifestPolarity: null, pairs: blurWhite });
    expect(white).toMatchObject({ polarity: 'blur-white', method: 'measured', evidence: { pairs: 5, blurWhiteVotes: 5, blurBlackVotes: 0 } });
    expect(white.evidence!.medianRatio).toBeLessThan(0.6);
    expect(white.reason).toMatch(/white \(255\) marks blur/);

    // The layout's habit (DUT: blur black) does not beat the measurement.
    const measured = await decidePolarity({ request: 'auto', kind: 'dut-dbd', manifestPolarity: null, pairs: blurWhite });
    expect(measured.polarity).toBe('blur-white');

    const black = await decidePolarity({ request: 'auto', kind: 'dut-dbd', manifestPolarity: null, pairs: blurBlack });
    expect(black).toMatchObject({ polarity: 'blur-black', method: 'measured', evidence: { blurBlackVotes: 5 } });
    expect(black.reason).toMatch(/inverted/);
    expect(black.evidence!.samples.map((sample) => sample.stem)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  it('falls back to the layout\'s usual polarity when sharpness does not decide', async () => {
    const cuhk = await decidePolarity({ request: 'auto', kind: 'cuhk', manifestPolarity: null, pairs: flat });
    expect(cuhk).toMatchObject({ polarity: 'blur-white', method: 'default' });
    expect(cuhk.reason).toMatch(/did not decide/);
    const dut = await decidePolarity({ request: 'auto', kind: 'dut-dbd', manifestPolarity: null, pairs: [] });
    expect(dut).toMatchObject({ polarity: 'blur-black', method: 'default', evidence: { pairs: 0 } });
  });

  it('takes the user\'s choice, a manifest\'s declaration and COCO\'s meaning as they are', async () => {
    expect(await decidePolarity({ request: 'blur-black', kind: 'cuhk', manifestPolarity: 'blur-white', pairs: blurWhite })).toMatchObject({
      polarity: 'blur-black',
      method: 'user',
      evidence: null,
    });
    expect(await decidePolarity({ request: 'auto', kind: 'ctcug', manifestPolarity: 'blur-black', pairs: blurWhite })).toMatchObject({
      polarity: 'blur-black',
      method: 'manifest',
    });
    expect(await decidePolarity({ request: 'auto', kind: 'coco', manifestPolarity: null, pairs: [] })).toMatchObject({ polarity: 'blur-white', method: 'coco' });
  });
});
