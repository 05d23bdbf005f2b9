/**
 * Datasets end to end through the core's API (input validation included): real photos
 * encoded by sharp in a real library, a real database file, export and import jobs
 * writing and reading real folders. Round trips: CTCUG and COCO export, then import
 * into a fresh studio, give the same masks pixel for pixel and the same splits; a
 * re-export gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetExportResult, DatasetImportResult, DatasetQuality, Job, Photo } from '../../electron/api/types';
import { createCoreServices } from '../../electron/core/createCore';
import type { CoreServices } from '../../electron/core/createCore';
import { leftPart, makeJpeg, makePng, makeTempDir, maskPixels, maskPng, readGray } from '../unit/datasets/fixtures';

let temp: { dir: string; remove: () => Promise<void> };
let services: CoreServices;
let library: string;
let photos: Map<string, Photo>;
/** The human mask saved per photo (relPath → pixels at the photo's oriented size). */
const masks = new Map<string, Uint8Array>();
let datasetId: number;

/** The share of each photo (its left part) that its human mask calls blurred. */
const FRACTIONS: Record<string, number> = {
  'beach/a.jpg': 0.3,
  'beach/turned.jpg': 0.5,
  'city/x.png': 0.7,
  'city/same.jpg': 0.2,
  'forest/same.jpg': 0.9,
};
const fractionOf = (relPath: string): number => FRACTIONS[relPath]!;

async function finished<T>(jobId: string, core = services): Promise<{ job: Job; result: T }> {
  const job = await core.jobs.wait(jobId);
  expect(job.error).toBeNull();
  expect(job.state).toBe('done');
  return { job, result: job.result as T };
}

async function startStudio(name: string): Promise<CoreServices> {
  return createCoreServices({ dbPath: join(temp.dir, name), watch: false, log: () => {} });
}

/** Every file under a folder, relative path → SHA-256. */
async function fileHashes(folder: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of (await readdir(folder, { recursive: true })).sort()) {
    const path = join(folder, name);
    if ((await stat(path)).isFile()) result[name] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return result;
}

/** COCO uncompressed RLE decoded the plain way: down each column, runs alternating from 0. */
function decodeColumnMajor(counts: number[], height: number, width: number): Uint8Array {
  const out = new Uint8Array(width * height);
  let index = 0;
  let value = 0;
  for (const count of counts) {
    for (let k = 0; k < count; k++, index++) out[(index % height) * width + Math.floor(index / height)] = value;
    value = value === 0 ? 255 : 0;
  }
  expect(index).toBe(width * height);
  return out;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const inA = a[i]! >= 128;
    const inB = b[i]! >= 128;
    if (inA && inB) intersection++;
    if (inA || inB) union++;
  }
  return union === 0 ? 1 : intersection / union;
}

beforeAll(async () => {
  temp = await makeTempDir('defusion-datasets-');
  library = join(temp.dir, 'library');
  await makeJpeg(join(library, 'beach', 'a.jpg'), { width: 160, height: 120, seed: 1, exif: { make: 'Canon', model: 'Canon EOS R5', fNumber: 1.8 } });
  await makeJpeg(join(library, 'beach', 'turned.jpg'), { width: 120, height: 90, seed: 2, orientation: 6, exif: { make: 'Canon', model: 'Canon EOS R5', fNumber: 2.8 } });
  await makePng(join(library, 'city', 'x.png'), { width: 100, height: 80, seed: 3 });
  await makeJpeg(join(library, 'city', 'same.jpg'), { width: 80, height: 60, seed: 4, exif: { make: 'Nikon', model: 'Nikon Z 6', fNumber: 1.8 } });
  await makeJpeg(join(library, 'forest', 'same.jpg'), { width: 80, height: 60, seed: 5 });
  await makeJpeg(join(library, 'forest', 'f.jpg'), { width: 96, height: 64, seed: 6 });

  services = await startStudio('studio.db');
  const { jobId } = await services.core.call('library.open', { paths: [library] });
  await finished(jobId);
  const page = await services.core.call('library.query', { limit: 100 });
  photos = new Map(page.photos.map((photo) => [photo.relPath, photo]));
  expect(photos.size).toBe(6);
  expect(photos.get('beach/turned.jpg')).toMatchObject({ width: 90, height: 120 });
});

afterAll(async () => {
  await services?.core.close();
  await temp.remove();
});

describe('datasets through the API', () => {
  it('creates a dataset and adds photos by id, by filter and all, with validated input', async () => {
    const dataset = await services.core.call('datasets.create', { name: 'blur set', description: 'test' });
    datasetId = dataset.id;
    const byId = await services.core.call('datasets.addPhotos', { datasetId, photoIds: [photos.get('beach/a.jpg')!.id] });
    expect(byId).toMatchObject({ added: 1, alreadyIn: 0, dataset: { itemCount: 1 } });
    const byFilter = await services.core.call('datasets.addPhotos', { datasetId, filter: { folder: 'beach' } });
    expect(byFilter).toMatchObject({ added: 1, alreadyIn: 1 });
    const all = await services.core.call('datasets.addPhotos', { datasetId, all: true });
    expect(all).toMatchObject({ added: 4, alreadyIn: 2, dataset: { itemCount: 6, counts: { unlabelled: 6 } } });

    await expect(services.core.call('datasets.addPhotos', { datasetId, photoIds: [] } as never)).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(services.core.call('datasets.split', { datasetId, method: 'random', testFraction: 1.5 } as never)).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(services.core.call('datasets.get', { datasetId: 999 })).rejects.toMatchObject({ code: 'not-found' });
    await expect(services.core.call('datasets.export', { datasetId, out: 'relative/out' })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('saves human masks, sets statuses with comments, splits and reports the dashboard numbers', async () => {
    for (const [relPath, fraction] of Object.entries(FRACTIONS)) {
      const photo = photos.get(relPath)!;
      const mask = maskPixels(photo.width, photo.height, leftPart(fraction));
      masks.set(relPath, mask);
      services.store.saveMaskVersion({
        photoId: photo.id,
        datasetId,
        png: await maskPng(mask, photo.width, photo.height),
        author: 'human',
        authorName: 'ann',
        status: 'corrected',
        blurFraction: fraction,
      });
    }
    const rejected = await services.core.call('datasets.setStatus', {
      datasetId,
      photoIds: [photos.get('city/x.png')!.id],
      status: 'rejected',
      comment: 'the wall is sharp',
    });
    expect(rejected.dataset.counts).toMatchObject({ corrected: 4, rejected: 1, unlabelled: 1 });

    const random = await services.core.call('datasets.split', { datasetId, method: 'random', testFraction: 0.34, seed: 3 });
    expect(random).toMatchObject({ method: 'random', train: 4, test: 2, unsplit: 0 });
    const again = await services.core.call('datasets.split', { datasetId, method: 'random', testFraction: 0.34, seed: 3 });
    expect(again.changed).toBe(0);
    const byFolder = await services.core.call('datasets.split', { datasetId, method: 'folder', testFolders: ['forest'] });
    expect(byFolder).toMatchObject({ train: 4, test: 2 });
    const stratified = await services.core.call('datasets.split', { datasetId, method: 'stratified', testFraction: 0.5, seed: 1, bins: 2 });
    expect(stratified).toMatchObject({ train: 3, test: 3 });
    const manual = await services.core.call('datasets.split', {
      datasetId,
      method: 'manual',
      photoIds: [photos.get('beach/a.jpg')!.id, photos.get('beach/turned.jpg')!.id, photos.get('city/same.jpg')!.id],
      split: 'train',
    });
    await services.core.call('datasets.split', {
      datasetId,
      method: 'manual',
      photoIds: [photos.get('forest/same.jpg')!.id, photos.get('city/x.png')!.id],
      split: 'test',
    });
    expect(manual.dataset.itemCount).toBe(6);
    await services.core.call('datasets.split', { datasetId, method: 'manual', photoIds: [photos.get('forest/f.jpg')!.id], split: null });
    await expect(
      services.core.call('datasets.split', { datasetId: (await services.core.call('datasets.create', { name: 'empty' })).id, method: 'manual', photoIds: [photos.get('forest/f.jpg')!.id], split: 'test' }),
    ).rejects.toMatchObject({ code: 'not-found' });

    const stats = await services.core.call('datasets.stats', { datasetId });
    expect(stats.bySplit).toEqual({ train: 3, test: 2, none: 1 });
    expect(stats.byStatus).toMatchObject({ corrected: 4, rejected: 1, unlabelled: 1 });
    expect(stats.blurHistogram.counts).toEqual([0, 0, 1, 1, 0, 1, 0, 1, 0, 1]);
    expect(stats.blurHistogram.withoutMask).toBe(1);
    expect(stats.cameras).toEqual([
      { value: null, count: 3 },
      { value: 'Canon EOS R5', count: 2 },
      { value: 'Nikon Z 6', count: 1 },
    ]);
    expect(stats.apertures).toEqual([
      { value: null, count: 3 },
      { value: 1.8, count: 2 },
      { value: 2.8, count: 1 },
    ]);
    expect(stats.progress).toHaveLength(1);
    expect(stats.progress[0]).toMatchObject({ humanVersions: 5, newlyAnnotated: 5, annotated: 5 });

    const items = await services.core.call('datasets.items', { datasetId, status: ['corrected'], sort: 'blurFraction', order: 'desc' });
    expect(items.items.map((item) => item.photo.relPath)).toEqual(['forest/same.jpg', 'beach/turned.jpg', 'beach/a.jpg', 'city/same.jpg']);
  });

  it('walks corrected masks in reviewer mode: accept and reject with comments', async () => {
    const first = await services.core.call('datasets.nextToReview', { datasetId });
    expect(first!.photo.relPath).toBe('beach/a.jpg');
    const accepted = await services.core.call('datasets.review', { datasetId, photoId: first!.photo.id, decision: 'accept', reviewer: 'rita', comment: 'clean edges' });
    expect(accepted).toMatchObject({ status: 'reviewed', comment: 'clean edges', lastReview: { decision: 'accepted', reviewer: 'rita', maskVersionId: first!.mask!.versionId } });
    const second = await services.core.call('datasets.nextToReview', { datasetId, afterPhotoId: first!.photo.id });
    expect(second!.photo.relPath).toBe('beach/turned.jpg');
    await services.core.call('datasets.review', { datasetId, photoId: second!.photo.id, decision: 'accept', reviewer: 'rita' });
    const third = await services.core.call('datasets.nextToReview', { datasetId, afterPhotoId: second!.photo.id });
    expect(third!.photo.relPath).toBe('city/same.jpg');
    const rejected = await services.core.call('datasets.review', { datasetId, photoId: third!.photo.id, decision: 'reject', reviewer: 'rita', comment: 'left edge too wide' });
    expect(rejected.status).toBe('rejected');
    // Corrected again, then accepted: two decisions in its history.
    const photo = photos.get('city/same.jpg')!;
    services.store.saveMaskVersion({ photoId: photo.id, datasetId, png: await maskPng(masks.get('city/same.jpg')!, photo.width, photo.height), author: 'human', authorName: 'ann', status: 'corrected', blurFraction: 0.2 });
    await services.core.call('datasets.review', { datasetId, photoId: photo.id, decision: 'accept', reviewer: 'rita' });
    const history = await services.core.call('datasets.reviews', { datasetId, photoId: photo.id });
    expect(history.map((review) => review.decision)).toEqual(['accepted', 'rejected']);
    const unlabelled = photos.get('forest/f.jpg')!;
    await expect(services.core.call('datasets.review', { datasetId, photoId: unlabelled.id, decision: 'accept' })).rejects.toMatchObject({ code: 'conflict' });
    const stats = await services.core.call('datasets.stats', { datasetId });
    expect(stats.byStatus).toMatchObject({ reviewed: 3, corrected: 1, rejected: 1, unlabelled: 1 });
    expect(stats.progress[0]!.reviews).toBe(4);
  });

  it('measures how much the model was corrected and how far two people agree', async () => {
    const model = services.store.registerModel({ name: 'defusionnet', version: '1.0.0', file: 'models/m.onnx', hash: 'model-hash-1' });
    // The model's probability rises left to right; at 0.5 it calls the right half blurred.
    const a = photos.get('beach/a.jpg')!;
    const probability = new Uint8Array(a.width * a.height).map((_, i) => Math.round((255 * (i % a.width)) / (a.width - 1)));
    services.store.savePrediction({ photoId: a.id, modelId: model.id, png: await maskPng(probability, a.width, a.height), width: a.width, height: a.height, meanProbability: 0.5, uncertainty: 0.6, device: 'cpu', durationMs: 5 });
    // A second person draws the forest photo differently.
    const forest = photos.get('forest/same.jpg')!;
    const bobMask = maskPixels(forest.width, forest.height, leftPart(0.6));
    services.store.saveMaskVersion({ photoId: forest.id, datasetId, png: await maskPng(bobMask, forest.width, forest.height), author: 'human', authorName: 'bob', status: 'corrected', blurFraction: 0.6 });

    const { jobId } = await services.core.call('datasets.quality', { datasetId });
    const { result } = await finished<DatasetQuality>(jobId);
    expect(result.failures).toEqual([]);
    expect(result.corrections.items).toHaveLength(1);
    const expected = iou(new Uint8Array(probability.map((value) => (value >= 128 ? 255 : 0))), masks.get('beach/a.jpg')!);
    expect(result.corrections.items[0]).toMatchObject({ photoId: a.id, modelId: model.id, source: 'prediction', authorName: 'ann' });
    expect(result.corrections.items[0]!.iou).toBeCloseTo(expected, 10);
    expect(expected).toBe(0); // the model called the right half blurred, the person the left
    expect(result.corrections.byModel).toEqual([{ modelId: model.id, name: 'defusionnet', version: '1.0.0', count: 1, meanIou: expected }]);
    expect(result.agreement.photos).toBe(1);
    expect(result.agreement.items).toHaveLength(1);
    expect(result.agreement.items[0]).toMatchObject({ photoId: forest.id, authors: ['ann', 'bob'] });
    expect(result.agreement.items[0]!.iou).toBeCloseTo(iou(masks.get('forest/same.jpg')!, bobMask), 10);
    // Put ann's mask back as the current one for the exports below.
    services.store.saveMaskVersion({ photoId: forest.id, datasetId, png: await maskPng(masks.get('forest/same.jpg')!, forest.width, forest.height), author: 'human', authorName: 'ann', status: 'corrected', blurFraction: 0.9 });
  });

  it('orders unlabelled photos by the model\'s uncertainty for active learning', async () => {
    const other = await services.core.call('datasets.create', { name: 'to annotate' });
    await services.core.call('datasets.addPhotos', { datasetId: other.id, all: true });
    const model = services.store.listModels()[0]!;
    const uncertainty: Record<string, number> = { 'beach/turned.jpg': 0.9, 'city/x.png': 0.1, 'forest/f.jpg': 0.75 };
    for (const [relPath, value] of Object.entries(uncertainty)) {
      const photo = photos.get(relPath)!;
      const map = new Uint8Array(photo.width * photo.height).fill(128);
      services.store.savePrediction({ photoId: photo.id, modelId: model.id, png: await maskPng(map, photo.width, photo.height), width: photo.width, height: photo.height, meanProbability: 0.5, uncertainty: value, device: 'cpu', durationMs: 1 });
    }
    const page = await services.core.call('datasets.uncertain', { datasetId: other.id });
    expect(page.items.map((item) => [item.photo.relPath, item.uncertainty])).toEqual([
      ['beach/turned.jpg', 0.9],
      ['forest/f.jpg', 0.75],
      ['beach/a.jpg', 0.6],
      ['city/x.png', 0.1],
    ]);
    expect(page).toMatchObject({ total: 4, withoutPrediction: 2, offset: 0 });
    const next = await services.core.call('datasets.nextUncertain', { datasetId: other.id });
    expect(next!.photo.relPath).toBe('beach/turned.jpg');
    // Once annotated it is no longer proposed; a skipped photo is excluded by the editor.
    const turned = photos.get('beach/turned.jpg')!;
    services.store.saveMaskVersion({ photoId: turned.id, datasetId: other.id, png: await maskPng(masks.get('beach/turned.jpg')!, turned.width, turned.height), author: 'human', authorName: 'ann', status: 'corrected', blurFraction: 0.5 });
    expect((await services.core.call('datasets.nextUncertain', { datasetId: other.id }))!.photo.relPath).toBe('forest/f.jpg');
    expect((await services.core.call('datasets.nextUncertain', { datasetId: other.id, exclude: [photos.get('forest/f.jpg')!.id] }))!.photo.relPath).toBe('beach/a.jpg');
    expect(await services.core.call('datasets.nextUncertain', { datasetId: other.id, status: ['reviewed'] })).toBeNull();
  });
});

describe('CTCUG export and import', () => {
  let out: string;
  let exported: DatasetExportResult;

  it('writes upright photos, 8-bit masks at each photo\'s size, split lists and a manifest', async () => {
    out = join(temp.dir, 'exports', 'blur-set');
    const { jobId } = await services.core.call('datasets.export', { datasetId, out, status: ['reviewed', 'corrected', 'unlabelled'] });
    ({ result: exported } = await finished<DatasetExportResult>(jobId));
    expect(exported).toMatchObject({ format: 'ctcug', out, exported: 4, train: 3, test: 1, unsplit: 0, copiedImages: 3, reencodedImages: 1, failures: [] });
    // The unlabelled photo was asked for but has no mask; the rejected one was not asked for.
    expect(exported.skipped).toEqual([{ photoId: photos.get('forest/f.jpg')!.id, relPath: 'forest/f.jpg', reason: 'status unlabelled but no mask' }]);

    expect((await readdir(out)).sort()).toEqual(['gt', 'images', 'manifest.json', 'test.txt', 'train.txt']);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      items: { stem: string; source: string; split: string; status: string; image: string; annotators: string[]; review: { reviewer: string } | null }[];
      polarity: string;
      counts: Record<string, unknown>;
    };
    expect(manifest.polarity).toBe('blur-white');
    expect(manifest.counts).toMatchObject({ items: 4, train: 3, test: 1, byStatus: { reviewed: 3, corrected: 1 } });
    const stems = manifest.items.map((item) => item.stem);
    const hashOf = (relPath: string): string => photos.get(relPath)!.hash.slice(0, 8);
    expect(stems).toEqual([...stems].sort());
    expect(Object.fromEntries(manifest.items.map((item) => [item.source, item.stem]))).toEqual({
      'beach/a.jpg': 'a',
      'beach/turned.jpg': 'turned',
      'city/same.jpg': `same-${hashOf('city/same.jpg')}`,
      'forest/same.jpg': `same-${hashOf('forest/same.jpg')}`,
    });
    expect(manifest.items.find((item) => item.source === 'forest/same.jpg')).toMatchObject({ status: 'corrected', annotators: ['ann', 'bob'], review: null });
    expect(manifest.items.find((item) => item.source === 'beach/a.jpg')).toMatchObject({ status: 'reviewed', image: 'copied', review: { reviewer: 'rita' } });
    expect((await readFile(join(out, 'train.txt'), 'utf8')).split('\n')).toEqual([...manifest.items.filter((item) => item.split === 'train').map((item) => item.stem), '']);
    expect(await readFile(join(out, 'test.txt'), 'utf8')).toBe(`same-${hashOf('forest/same.jpg')}\n`);

    for (const item of manifest.items) {
      const photo = photos.get(item.source)!;
      const image = await sharp(join(out, 'images', `${item.stem}.jpg`)).metadata();
      expect([image.format, image.width, image.height, image.orientation ?? 1], item.stem).toEqual(['jpeg', photo.width, photo.height, 1]);
      const gt = await readGray(join(out, 'gt', `${item.stem}.png`));
      expect([gt.width, gt.height, gt.channels, gt.depth], item.stem).toEqual([photo.width, photo.height, 1, 'uchar']);
      expect(gt.data, item.stem).toEqual(masks.get(item.source));
    }
    // An upright JPEG is the very file; the EXIF-rotated one was turned upright.
    expect(await readFile(join(out, 'images', 'a.jpg'))).toEqual(await readFile(join(library, 'beach', 'a.jpg')));
    expect(manifest.items.find((item) => item.source === 'beach/turned.jpg')!.image).toBe('reencoded');
  });

  it('gives the same bytes on re-export, and refuses an existing folder without force', async () => {
    const before = await fileHashes(out);
    await expect(services.core.call('datasets.export', { datasetId, out, status: ['reviewed', 'corrected', 'unlabelled'] })).rejects.toMatchObject({ code: 'conflict' });
    const { jobId } = await services.core.call('datasets.export', { datasetId, out, force: true, status: ['reviewed', 'corrected', 'unlabelled'] });
    await finished(jobId);
    expect(await fileHashes(out)).toEqual(before);
    expect((await readdir(join(temp.dir, 'exports'))).sort()).toEqual(['blur-set']);
    // Force replaces an earlier export, never a folder of someone's own files.
    await expect(services.core.call('datasets.export', { datasetId, out: library, force: true })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/not an earlier export/),
    });
    expect((await readdir(library)).sort()).toEqual(['beach', 'city', 'forest']);
  });

  it('imports the export into a fresh studio: pixel-equal masks, the same splits and statuses; its re-export has the same photos and masks', async () => {
    const fresh = await startStudio('fresh.db');
    try {
      const { jobId } = await fresh.core.call('datasets.import', { path: out, datasetName: 'again' });
      const { result } = await finished<DatasetImportResult>(jobId, fresh);
      expect(result).toMatchObject({ layout: 'ctcug', datasetName: 'again', masks: { imported: 4, unchanged: 0, items: 4 }, splits: { train: 3, test: 1, unsplit: 0 } });
      expect(result.polarity).toMatchObject({ polarity: 'blur-white', method: 'manifest' });
      expect(result.issues).toEqual([]);
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { items: { stem: string; source: string; split: string; status: string }[] };
      const rootId = result.roots[0]!.id;
      for (const item of manifest.items) {
        const photo = fresh.store.getPhotoByPath(rootId, `${item.stem}.jpg`)!;
        const mask = fresh.store.getCurrentMask(photo.id, result.datasetId)!;
        expect((await readGray(mask.png)).data, item.stem).toEqual(masks.get(item.source));
        expect(fresh.store.getDatasetItem(result.datasetId, photo.id), item.stem).toMatchObject({ split: item.split, status: item.status });
      }
      // Importing again changes nothing.
      const second = await fresh.core.call('datasets.import', { path: out, datasetName: 'again' });
      expect((await finished<DatasetImportResult>(second.jobId, fresh)).result.masks).toEqual({ imported: 0, unchanged: 4, items: 4 });

      const reexport = join(temp.dir, 'exports-2', 'again');
      const job = await fresh.core.call('datasets.export', { datasetId: result.datasetId, out: reexport });
      await finished(job.jobId, fresh);
      const original = await fileHashes(out);
      const copy = await fileHashes(reexport);
      for (const name of Object.keys(original).filter((name) => name !== 'manifest.json')) expect(copy[name], name).toBe(original[name]);
    } finally {
      await fresh.core.close();
    }
  });
});

describe('COCO export and import', () => {
  it('writes RLE segmentations that decode to the masks, and imports them back', async () => {
    const out = join(temp.dir, 'exports', 'coco');
    const { jobId } = await services.core.call('datasets.export', { datasetId, out, format: 'coco' });
    const { result } = await finished<DatasetExportResult>(jobId);
    expect(result).toMatchObject({ format: 'coco', exported: 4 });
    expect((await readdir(out)).sort()).toEqual(['annotations.json', 'images', 'manifest.json', 'test.txt', 'train.txt']);
    const coco = JSON.parse(await readFile(join(out, 'annotations.json'), 'utf8')) as {
      categories: { id: number; name: string }[];
      images: { id: number; file_name: string; width: number; height: number }[];
      annotations: { image_id: number; category_id: number; segmentation: { size: [number, number]; counts: string }; area: number; bbox: number[]; iscrowd: number }[];
    };
    expect(coco.categories).toEqual([{ id: 1, name: 'defocus_blur', supercategory: 'blur' }]);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { items: { stem: string; source: string }[] };
    const sourceOf = new Map(manifest.items.map((item) => [`${item.stem}.jpg`, item.source]));
    expect(coco.images).toHaveLength(4);

    // The uncompressed export decodes with the plain column-major reader.
    const plainOut = join(temp.dir, 'exports', 'coco-plain');
    await finished((await services.core.call('datasets.export', { datasetId, out: plainOut, format: 'coco', cocoRle: 'uncompressed' })).jobId);
    const plain = JSON.parse(await readFile(join(plainOut, 'annotations.json'), 'utf8')) as { annotations: { image_id: number; segmentation: { counts: number[] } }[] };
    for (const image of coco.images) {
      const source = sourceOf.get(image.file_name)!;
      expect([image.width, image.height]).toEqual([photos.get(source)!.width, photos.get(source)!.height]);
      const annotation = coco.annotations.find((entry) => entry.image_id === image.id)!;
      expect(annotation).toMatchObject({ category_id: 1, iscrowd: 0 });
      expect(annotation.segmentation.size).toEqual([image.height, image.width]);
      expect(annotation.segmentation.counts).toMatch(/^[0-o]+$/);
      const decoded = decodeColumnMajor(plain.annotations.find((entry) => entry.image_id === image.id)!.segmentation.counts, image.height, image.width);
      expect(decoded, image.file_name).toEqual(masks.get(source));
      expect(annotation.area).toBe(masks.get(source)!.filter((value) => value === 255).length);
      // Left-part masks: the box starts at the left edge and spans every row.
      const blurredColumns = Math.ceil(image.width * fractionOf(source));
      expect(annotation.bbox).toEqual([0, 0, blurredColumns, image.height]);
    }

    const fresh = await startStudio('fresh-coco.db');
    try {
      const imported = await fresh.core.call('datasets.import', { path: out });
      const { result: back } = await finished<DatasetImportResult>(imported.jobId, fresh);
      expect(back).toMatchObject({ layout: 'coco', datasetName: 'coco', masks: { imported: 4, items: 4 }, splits: { train: 3, test: 1 } });
      expect(back.polarity.method).toBe('coco');
      expect(back.issues).toEqual([]);
      for (const image of coco.images) {
        const photo = fresh.store.getPhotoByPath(back.roots[0]!.id, image.file_name)!;
        const mask = fresh.store.getCurrentMask(photo.id, back.datasetId)!;
        expect((await readGray(mask.png)).data, image.file_name).toEqual(masks.get(sourceOf.get(image.file_name)!));
      }
    } finally {
      await fresh.core.close();
    }
  });
});

describe('bad requests', () => {
  it('refuses a folder in no known layout at once', async () => {
    await mkdir(join(temp.dir, 'not-a-dataset', 'photos'), { recursive: true });
    await expect(services.core.call('datasets.import', { path: join(temp.dir, 'not-a-dataset') })).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('leaves nothing behind when an export is cancelled', async () => {
    const out = join(temp.dir, 'exports', 'cancelled');
    const { jobId } = await services.core.call('datasets.export', { datasetId, out });
    await services.core.call('jobs.cancel', { id: jobId });
    const job = await services.jobs.wait(jobId);
    expect(job.state).toBe('cancelled');
    expect((await readdir(join(temp.dir, 'exports'))).filter((name) => name.includes('cancelled'))).toEqual([]);
  });
});
