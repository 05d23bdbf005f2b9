/**
 * Importing public dataset layouts through the core's API, on real photos with true
 * defocus: CUHK (white = blurred, upper-case .JPG), DUT-DBD (black = blurred, one pair
 * of folders per split), the polarity each is measured to have, the user's override,
 * and a folder full of bad input reported file by file while the rest comes in.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetImportResult } from '../../electron/api/types';
import { createCoreServices } from '../../electron/core/createCore';
import type { CoreServices } from '../../electron/core/createCore';
import { agreement, background, centreDisc, leftPart, makeDefocusedPhoto, makeJpeg, makePng, makeTempDir, maskPixels, readGray, writeMask } from '../unit/datasets/fixtures';
import type { MaskShape } from '../unit/datasets/fixtures';

let temp: { dir: string; remove: () => Promise<void> };
let services: CoreServices;
/** True masks (255 = blurred) by file stem. */
const truth = new Map<string, { mask: Uint8Array; width: number; height: number }>();

const SHAPES: MaskShape[] = [leftPart(0.4), centreDisc(0.35), background(0.25), leftPart(0.6)];

async function importFolder(input: { path: string; datasetName?: string; polarity?: 'auto' | 'blur-white' | 'blur-black' }): Promise<DatasetImportResult> {
  const { jobId } = await services.core.call('datasets.import', input);
  const job = await services.jobs.wait(jobId);
  expect(job.error).toBeNull();
  return job.result as DatasetImportResult;
}

async function storedMask(result: DatasetImportResult, relPath: string, rootIndex = 0): Promise<Uint8Array> {
  const photo = services.store.getPhotoByPath(result.roots[rootIndex]!.id, relPath)!;
  return (await readGray(services.store.getCurrentMask(photo.id, result.datasetId)!.png)).data;
}

beforeAll(async () => {
  temp = await makeTempDir('defusion-import-');
  // CUHK as distributed: image/ + gt/, upper-case JPG, white = blurred.
  for (const [index, shape] of SHAPES.entries()) {
    const stem = `out_of_focus${String(index + 1).padStart(4, '0')}`;
    const width = 150 + 10 * index;
    const mask = await makeDefocusedPhoto(join(temp.dir, 'cuhk', 'image', `${stem}.JPG`), { width, height: 110, shape, seed: 10 + index });
    await writeMask(join(temp.dir, 'cuhk', 'gt', `${stem}.png`), mask, width, 110);
    truth.set(stem, { mask, width, height: 110 });
  }
  // DUT-DBD style: train_image/ + train_gt/, test_image/ + test_gt/, white = in focus.
  for (const [index, shape] of SHAPES.entries()) {
    const split = index < 3 ? 'train' : 'test';
    const stem = `dut${index}`;
    const width = 140 + 12 * index;
    const mask = await makeDefocusedPhoto(join(temp.dir, 'dut', `${split}_image`, `${stem}.jpg`), { width, height: 100, shape, seed: 20 + index, format: index === 0 ? 'png' : 'jpeg' });
    await writeMask(join(temp.dir, 'dut', `${split}_gt`, `${stem}.png`), mask, width, 100, { invert: true });
    truth.set(stem, { mask, width, height: 100 });
  }

  services = await createCoreServices({ dbPath: join(temp.dir, 'studio.db'), watch: false, log: () => {} });
});

afterAll(async () => {
  await services?.core.close();
  await temp.remove();
});

describe('public dataset folders', () => {
  it('CUHK: measures white = blurred and keeps the masks as they are', async () => {
    const result = await importFolder({ path: join(temp.dir, 'cuhk') });
    expect(result).toMatchObject({ layout: 'cuhk', datasetName: 'cuhk', masks: { imported: 4, items: 4 }, splits: { unsplit: 4 }, issues: [] });
    expect(result.polarity).toMatchObject({ polarity: 'blur-white', method: 'measured', evidence: { pairs: 4, blurWhiteVotes: 4, blurBlackVotes: 0 } });
    for (let index = 0; index < 4; index++) {
      const stem = `out_of_focus${String(index + 1).padStart(4, '0')}`;
      expect(await storedMask(result, `${stem}.JPG`), stem).toEqual(truth.get(stem)!.mask);
    }
    const dataset = await services.core.call('datasets.get', { datasetId: result.datasetId });
    expect(dataset.counts.corrected).toBe(4);
  });

  it('DUT-DBD: measures black = blurred, inverts to the studio\'s polarity, and takes the splits from the folder names', async () => {
    const result = await importFolder({ path: join(temp.dir, 'dut') });
    expect(result).toMatchObject({ layout: 'dut-dbd', masks: { imported: 4, items: 4 }, splits: { train: 3, test: 1, unsplit: 0 }, issues: [] });
    expect(result.polarity).toMatchObject({ polarity: 'blur-black', method: 'measured', evidence: { blurBlackVotes: 4 } });
    expect(result.polarity.reason).toMatch(/inverted to 255 = blurred/);
    expect(result.roots.map((root) => root.path)).toEqual([join(temp.dir, 'dut', 'test_image'), join(temp.dir, 'dut', 'train_image')]);
    expect(await storedMask(result, 'dut3.jpg', 0)).toEqual(truth.get('dut3')!.mask);
    for (const [index, name] of ['dut0.jpg', 'dut1.jpg', 'dut2.jpg'].entries()) {
      expect(await storedMask(result, name, 1), name).toEqual(truth.get(`dut${index}`)!.mask);
    }
  });

  it('lets the user override the measured polarity', async () => {
    const result = await importFolder({ path: join(temp.dir, 'dut'), datasetName: 'dut as white', polarity: 'blur-white' });
    expect(result.polarity).toMatchObject({ polarity: 'blur-white', method: 'user', evidence: null });
    const stored = await storedMask(result, 'dut3.jpg', 0);
    expect(agreement(stored, truth.get('dut3')!.mask)).toBe(0);
  });

  it('reports each bad file and imports the rest', async () => {
    const folder = join(temp.dir, 'messy');
    const good = maskPixels(120, 80, leftPart(0.5));
    await makeJpeg(join(folder, 'images', 'good.jpg'), { width: 120, height: 80, seed: 1 });
    await writeMask(join(folder, 'gt', 'good.png'), good, 120, 80);
    // A photo without a mask: imported, unlabelled.
    await makeJpeg(join(folder, 'images', 'lonely.jpg'), { width: 120, height: 80, seed: 2 });
    // A mask of another shape: refused.
    await makeJpeg(join(folder, 'images', 'square.jpg'), { width: 90, height: 90, seed: 3 });
    await writeMask(join(folder, 'gt', 'square.png'), maskPixels(120, 80, leftPart(0.5)), 120, 80);
    // Half size, same shape: scaled, with a warning.
    await makeJpeg(join(folder, 'images', 'big.jpg'), { width: 240, height: 160, seed: 4 });
    await writeMask(join(folder, 'gt', 'big.png'), good, 120, 80);
    // A JPEG-compressed mask: grey edges, thresholded at 128, with a warning.
    await makeJpeg(join(folder, 'images', 'soft.jpg'), { width: 120, height: 80, seed: 5 });
    await writeMask(join(folder, 'gt', 'soft.jpg'), good, 120, 80, { format: 'jpeg' });
    // Two photos with one stem: neither is paired.
    await makeJpeg(join(folder, 'images', 'twin.jpg'), { width: 120, height: 80, seed: 6 });
    await makePng(join(folder, 'images', 'twin.png'), { width: 120, height: 80, seed: 16 });
    await writeMask(join(folder, 'gt', 'twin.png'), good, 120, 80);
    // Two masks with one stem.
    await makeJpeg(join(folder, 'images', 'double.jpg'), { width: 120, height: 80, seed: 7 });
    await writeMask(join(folder, 'gt', 'double.png'), good, 120, 80);
    await sharp(Buffer.from(good), { raw: { width: 120, height: 80, channels: 1 } }).tiff().toFile(join(folder, 'gt', 'double.tif'));
    // An unreadable mask, a mask in a format the studio does not read, a mask without its photo, a photo that is not one.
    await makeJpeg(join(folder, 'images', 'garbled.jpg'), { width: 120, height: 80, seed: 8 });
    await writeFile(join(folder, 'gt', 'garbled.png'), 'not a png at all');
    await makeJpeg(join(folder, 'images', 'bitmap.jpg'), { width: 120, height: 80, seed: 9 });
    await writeFile(join(folder, 'gt', 'bitmap.bmp'), Buffer.from('BM'));
    await writeMask(join(folder, 'gt', 'orphan.png'), good, 120, 80);
    await mkdir(join(folder, 'images'), { recursive: true });
    await writeFile(join(folder, 'images', 'broken.jpg'), 'not a photo');
    await writeFile(join(folder, 'train.txt'), 'good\nbig\nsoft\n');

    const result = await importFolder({ path: folder, polarity: 'blur-white' });
    const issues = Object.fromEntries(result.issues.map((issue) => [issue.path.slice(folder.length + 1), `${issue.severity}: ${issue.reason}`]));
    expect(Object.keys(issues).sort()).toEqual(
      [
        'gt/big.png',
        'gt/bitmap.bmp',
        'gt/double.png',
        'gt/double.tif',
        'gt/garbled.png',
        'gt/orphan.png',
        'gt/soft.jpg',
        'gt/square.png',
        'gt/twin.png',
        'images/bitmap.jpg',
        'images/broken.jpg',
        'images/lonely.jpg',
        'images/twin.jpg',
        'images/twin.png',
      ].sort(),
    );
    expect(issues['images/lonely.jpg']).toMatch(/^warning: image without a mask/);
    expect(issues['images/bitmap.jpg']).toMatch(/^warning: image without a mask/);
    expect(issues['gt/square.png']).toMatch(/^error: wrong size: the mask is 120x80 but its photo is 90x90/);
    expect(issues['gt/big.png']).toMatch(/^warning: scaled from 120x80 to its photo's 240x160/);
    expect(issues['gt/soft.jpg']).toMatch(/^warning: not binary: .* thresholded at 128/);
    expect(issues['images/twin.jpg']).toMatch(/^error: duplicate stem "twin"/);
    expect(issues['gt/twin.png']).toMatch(/^error: not used: several photos/);
    expect(issues['gt/double.png']).toMatch(/^error: duplicate mask stem "double"/);
    expect(issues['gt/garbled.png']).toMatch(/^error: unreadable mask/);
    expect(issues['gt/bitmap.bmp']).toMatch(/^error: unreadable mask: \.bmp/);
    expect(issues['gt/orphan.png']).toMatch(/^error: no photo images\/orphan\.\* was imported/);
    expect(issues['images/broken.jpg']).toMatch(/^error: not an image/);

    // The rest came in: good, big (scaled), soft (thresholded); the others without a mask.
    expect(result.masks).toEqual({ imported: 3, unchanged: 0, items: 8 });
    expect(result.splits).toEqual({ train: 3, test: 0, unsplit: 5 });
    expect(await storedMask(result, 'good.jpg')).toEqual(good);
    expect(await storedMask(result, 'big.jpg')).toEqual(maskPixels(240, 160, leftPart(0.5)));
    expect(agreement(await storedMask(result, 'soft.jpg'), good)).toBeGreaterThan(0.98);
    const dataset = await services.core.call('datasets.get', { datasetId: result.datasetId });
    expect(dataset).toMatchObject({ itemCount: 8, counts: { corrected: 3, unlabelled: 5 } });
  });
});
