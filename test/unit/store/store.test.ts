import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/api/errors';
import type { Store } from '../../../electron/core/store/store';
import { createStore, facts, fakePng, parseQuery } from './helpers';

let store: Store;
beforeEach(() => {
  store = createStore();
});
afterEach(() => {
  store.close();
});

describe('library roots', () => {
  it('adds, lists, closes, reopens and removes roots', () => {
    const a = store.addRoot('/photos/a');
    const b = store.addRoot('/photos/b');
    expect(store.addRoot('/photos/a').id).toBe(a.id);
    expect(store.listRoots().map((root) => root.path)).toEqual(['/photos/a', '/photos/b']);

    store.upsertPhoto(a.id, 'x.jpg', 1, facts('h1'));
    expect(store.closeRoot(a.id)).toBe(true);
    expect(store.closeRoot(a.id)).toBe(false);
    expect(store.listRoots().map((root) => root.id)).toEqual([b.id]);
    expect(store.getRoot(a.id)).toBeUndefined();
    expect(store.queryPhotos(parseQuery()).total).toBe(0);

    // Reopening brings the same root, and its photo, back.
    expect(store.addRoot('/photos/a').id).toBe(a.id);
    expect(store.queryPhotos(parseQuery()).total).toBe(1);
    expect(store.getRoot(a.id)).toMatchObject({ photoCount: 1, errorCount: 0 });

    expect(store.removeRoot(a.id)).toBe(true);
    expect(store.getPhotoByPath(a.id, 'x.jpg')).toBeUndefined();
  });
});

describe('photos', () => {
  it('upserts a probed photo in place, keeping its id', () => {
    const root = store.addRoot('/r');
    const first = store.upsertPhoto(root.id, 'trip/day 1/IMG_0001.JPG', 1700000000000.75, facts('h1', { camera: 'Canon' }));
    expect(first).toMatchObject({ folder: 'trip/day 1', name: 'IMG_0001.JPG', hash: 'h1', camera: 'Canon', status: 'none', missing: false });
    const again = store.upsertPhoto(root.id, 'trip/day 1/IMG_0001.JPG', 1700000009000, facts('h2', { width: 100 }));
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({ hash: 'h2', width: 100, camera: null });
    expect(store.listPhotoFileStates(root.id)).toEqual([
      { id: first.id, rootId: root.id, relPath: 'trip/day 1/IMG_0001.JPG', hash: 'h2', byteSize: 1000, mtimeMs: 1700000009000, missing: false },
    ]);
  });

  it('marks photos missing and finds them again by hash', () => {
    const root = store.addRoot('/r');
    const photo = store.upsertPhoto(root.id, 'a.jpg', 1, facts('same'));
    expect(store.markPhotosMissing([photo.id])).toBe(1);
    expect(store.markPhotosMissing([photo.id])).toBe(0);
    expect(store.queryPhotos(parseQuery()).total).toBe(0);
    expect(store.queryPhotos(parseQuery({ includeMissing: true })).photos[0]).toMatchObject({ id: photo.id, missing: true });
    expect(store.findPhotosByHash('same')).toMatchObject([{ id: photo.id, missing: true }]);
    expect(store.listPresentPhotos(root.id)).toEqual([]);

    const moved = store.movePhoto(photo.id, root.id, 'sub/b.jpg', 2);
    expect(moved).toMatchObject({ id: photo.id, relPath: 'sub/b.jpg', folder: 'sub', name: 'b.jpg', missing: false });
    expect(store.listPresentPhotos(root.id).map((p) => p.relPath)).toEqual(['sub/b.jpg']);
  });

  it('refuses to move a photo onto another photo', () => {
    const root = store.addRoot('/r');
    const a = store.upsertPhoto(root.id, 'a.jpg', 1, facts('ha'));
    store.upsertPhoto(root.id, 'b.jpg', 1, facts('hb'));
    expect(() => store.movePhoto(a.id, root.id, 'b.jpg', 1)).toThrow(StudioError);
  });

  it('filters, sorts and pages the grid', () => {
    const root = store.addRoot('/r');
    const other = store.addRoot('/s');
    store.upsertPhoto(root.id, 'a/1.jpg', 1, facts('h1', { camera: 'Canon', fNumber: 1.8, focalLength: 50, capturedAt: '2024-01-03T00:00:00Z', byteSize: 300 }));
    store.upsertPhoto(root.id, 'a/b/2.jpg', 1, facts('h2', { camera: 'Nikon', fNumber: 8, focalLength: 24, capturedAt: '2024-01-01T00:00:00Z', byteSize: 100 }));
    store.upsertPhoto(root.id, 'ab/3.jpg', 1, facts('h3', { camera: 'Canon', fNumber: 4, lens: 'RF 50', byteSize: 200 }));
    store.upsertPhoto(root.id, '4_100%.jpg', 1, facts('h4'));
    store.upsertPhoto(other.id, 'z.jpg', 1, facts('h5'));

    const paths = (query: Parameters<typeof parseQuery>[0]) => store.queryPhotos(parseQuery(query)).photos.map((p) => p.relPath);
    expect(paths({})).toEqual(['4_100%.jpg', 'a/1.jpg', 'a/b/2.jpg', 'ab/3.jpg', 'z.jpg']);
    expect(paths({ rootId: root.id, order: 'desc' })).toEqual(['ab/3.jpg', 'a/b/2.jpg', 'a/1.jpg', '4_100%.jpg']);
    expect(paths({ folder: 'a' })).toEqual(['a/1.jpg', 'a/b/2.jpg']);
    expect(paths({ folder: 'a', recursive: false })).toEqual(['a/1.jpg']);
    expect(paths({ folder: '', recursive: false })).toEqual(['4_100%.jpg', 'z.jpg']);
    expect(paths({ camera: 'Canon', sort: 'fNumber' })).toEqual(['a/1.jpg', 'ab/3.jpg']);
    expect(paths({ lens: 'RF 50' })).toEqual(['ab/3.jpg']);
    expect(paths({ fNumberMin: 2, fNumberMax: 8 })).toEqual(['a/b/2.jpg', 'ab/3.jpg']);
    expect(paths({ focalLengthMin: 30 })).toEqual(['a/1.jpg']);
    expect(paths({ search: '100%' })).toEqual(['4_100%.jpg']);
    expect(paths({ search: '_' })).toEqual(['4_100%.jpg']);
    expect(paths({ search: 'B/' })).toEqual(['a/b/2.jpg', 'ab/3.jpg']);
    // Photos without a capture time come last, in insertion order.
    expect(paths({ sort: 'capturedAt' })).toEqual(['a/b/2.jpg', 'a/1.jpg', 'ab/3.jpg', '4_100%.jpg', 'z.jpg']);
    expect(paths({ sort: 'capturedAt', order: 'desc' }).slice(0, 2)).toEqual(['a/1.jpg', 'a/b/2.jpg']);
    expect(paths({ sort: 'byteSize', rootId: root.id, limit: 2, offset: 1 })).toEqual(['ab/3.jpg', 'a/1.jpg']);
    expect(paths({ sort: 'name' })).toEqual(['a/1.jpg', 'a/b/2.jpg', 'ab/3.jpg', '4_100%.jpg', 'z.jpg']);
    expect(paths({ status: ['corrected'] })).toEqual([]);
    expect(store.queryPhotos(parseQuery({ limit: 2, offset: 4 }))).toMatchObject({ total: 5, offset: 4 });

    const facets = store.facets(root.id);
    expect(facets.total).toBe(4);
    expect(facets.folders).toEqual([
      { folder: '', count: 1 },
      { folder: 'a', count: 1 },
      { folder: 'a/b', count: 1 },
      { folder: 'ab', count: 1 },
    ]);
    expect(facets.cameras).toEqual([
      { value: 'Canon', count: 2 },
      { value: 'Nikon', count: 1 },
    ]);
    expect(facets.lenses).toEqual([{ value: 'RF 50', count: 1 }]);
    expect(facets.fNumbers.map((f) => f.value)).toEqual([1.8, 4, 8]);
    expect(facets.statuses).toEqual({ none: 4, predicted: 0, corrected: 0, reviewed: 0 });
    expect(store.facets().total).toBe(5);
  });

  it('keeps per-file errors, replaced by each scan', () => {
    const root = store.addRoot('/r');
    store.replacePhotoErrors(root.id, [
      { relPath: 'b.jpg', reason: 'corrupt' },
      { relPath: 'a.jpg', reason: 'empty file' },
    ]);
    expect(store.listPhotoErrors(root.id).map((e) => e.relPath)).toEqual(['a.jpg', 'b.jpg']);
    store.replacePhotoErrors(root.id, [{ relPath: 'c.jpg', reason: 'not an image' }]);
    expect(store.listPhotoErrors()).toMatchObject([{ rootId: root.id, relPath: 'c.jpg', reason: 'not an image' }]);
    store.setPhotoError(root.id, 'd.jpg', 'truncated');
    store.clearPhotoError(root.id, 'c.jpg');
    expect(store.listPhotoErrors(root.id, 10).map((e) => e.relPath)).toEqual(['d.jpg']);
    expect(store.counts().photoErrors).toBe(1);
    expect(store.listRoots()[0]!.errorCount).toBe(1);
  });

  it('caches thumbnails by content hash and prunes orphans', () => {
    const root = store.addRoot('/r');
    store.upsertPhoto(root.id, 'a.jpg', 1, facts('h1'));
    const bytes = new Uint8Array([9, 8, 7]);
    store.putThumbnail('h1', { width: 32, height: 24, mimeType: 'image/jpeg', bytes });
    store.putThumbnail('gone', { width: 1, height: 1, mimeType: 'image/jpeg', bytes });
    expect(store.getThumbnail('h1')).toEqual({ width: 32, height: 24, mimeType: 'image/jpeg', bytes });
    expect(store.hasThumbnail('gone')).toBe(true);
    expect(store.pruneThumbnails()).toBe(1);
    expect(store.hasThumbnail('gone')).toBe(false);
  });
});

describe('datasets, predictions, models and jobs', () => {
  it('creates datasets with item counts per status and split', () => {
    const root = store.addRoot('/r');
    const a = store.upsertPhoto(root.id, 'a.jpg', 1, facts('h1'));
    const b = store.upsertPhoto(root.id, 'b.jpg', 1, facts('h2'));
    const dataset = store.createDataset('  cuhk ', 'CUHK blur');
    expect(dataset).toMatchObject({ name: 'cuhk', description: 'CUHK blur', itemCount: 0 });
    expect(() => store.createDataset('cuhk')).toThrow(/already exists/);
    expect(store.ensureDataset('cuhk').id).toBe(dataset.id);

    store.addDatasetItem(dataset.id, a.id, { split: 'train' });
    store.addDatasetItem(dataset.id, b.id);
    store.addDatasetItem(dataset.id, b.id, { split: 'test' });
    store.setItemStatus(dataset.id, b.id, 'rejected');
    expect(() => store.setItemStatus(dataset.id, 999, 'reviewed')).toThrow(/not in dataset/);
    expect(store.listDatasets()).toMatchObject([
      { name: 'cuhk', itemCount: 2, counts: { unlabelled: 1, rejected: 1 }, splits: { train: 1, test: 1 } },
    ]);
    expect(store.listDatasetItems(dataset.id).map((item) => item.split)).toEqual(['train', 'test']);
  });

  it('registers models, activates one, and serves predictions by model', () => {
    const root = store.addRoot('/r');
    const photo = store.upsertPhoto(root.id, 'a.jpg', 1, facts('h1'));
    const m1 = store.registerModel({ name: 'defusionnet', version: '1.0.0', file: 'a.onnx', hash: 'm1', metadata: { trainSize: '320' } });
    const m2 = store.registerModel({ name: 'defusionnet', version: '1.1.0', file: 'b.onnx', hash: 'm2', parentId: m1.id, metrics: { mae: 0.1 } });
    expect(store.registerModel({ name: 'x', version: 'y', file: 'z', hash: 'm1' }).id).toBe(m1.id);
    expect(store.listModels().map((m) => m.version)).toEqual(['1.0.0', '1.1.0']);
    expect(store.getActiveModel()).toBeUndefined();
    store.activateModel(m1.id);
    store.activateModel(m2.id);
    expect(store.listModels().map((m) => m.active)).toEqual([false, true]);
    expect(store.getModel(m2.id)).toMatchObject({ parentId: m1.id, metrics: { mae: 0.1 } });
    expect(() => store.activateModel(99)).toThrow(/does not exist/);

    const prediction = { photoId: photo.id, width: 640, height: 480, meanProbability: 0.3, uncertainty: 0.1, device: 'cpu', durationMs: 50 };
    store.savePrediction({ ...prediction, modelId: m1.id, png: fakePng('p1') });
    expect(store.getPhoto(photo.id)!.status).toBe('predicted');
    expect(store.getPrediction(photo.id)!.modelId).toBe(m1.id);
    store.savePrediction({ ...prediction, modelId: m2.id, png: fakePng('p2') });
    store.savePrediction({ ...prediction, modelId: m1.id, png: fakePng('p1b'), meanProbability: 0.5 });
    // The active model's map wins over a more recent one.
    expect(store.getPrediction(photo.id)!.png).toEqual(fakePng('p2'));
    expect(store.getPrediction(photo.id, m1.id)).toMatchObject({ meanProbability: 0.5, png: fakePng('p1b') });
    expect(store.counts()).toMatchObject({ predictions: 2, models: 2, photos: 1 });
    expect(() => store.savePrediction({ ...prediction, modelId: m1.id, png: new Uint8Array([1, 2, 3]) })).toThrow(/PNG/);
  });

  it('persists jobs and fails the unfinished ones whose process is gone, never a living one\'s', () => {
    const job = {
      id: 'j1', kind: 'library.scan', title: 'Scan /r', state: 'running' as const, done: 3, total: 10, rate: 5, etaSeconds: 2,
      message: 'a.jpg', error: null, createdAt: '2025-01-01T00:00:00.000Z', finishedAt: null, result: null,
    };
    store.processes.add({ id: 'alive', pid: 1, host: 'here', role: 'tool' });
    store.saveJob(job, { rootId: 1 });
    store.saveJob({ ...job, id: 'j2', state: 'done', done: 10, finishedAt: '2025-01-01T00:01:00.000Z', result: { added: 10 }, createdAt: '2025-01-01T00:00:01.000Z' });
    store.saveJob({ ...job, id: 'j3', createdAt: '2025-01-01T00:00:02.000Z' }, {}, 'alive');
    store.saveJob({ ...job, id: 'j4', createdAt: '2025-01-01T00:00:03.000Z' }, {}, 'gone');
    expect(store.getJob('j1')).toMatchObject({ state: 'running', done: 3, rate: null, etaSeconds: null });
    expect(store.getJob('j2')!.result).toEqual({ added: 10 });
    expect(store.listJobs().map((j) => j.id)).toEqual(['j4', 'j3', 'j2', 'j1']);
    expect(store.failOrphanedJobs('interrupted')).toBe(2);
    expect(store.getJob('j1')).toMatchObject({ state: 'failed', error: 'interrupted' });
    expect(store.getJob('j3')).toMatchObject({ state: 'running' });
    expect(store.getJob('j4')).toMatchObject({ state: 'failed', error: 'interrupted' });
  });

  it('logs slow queries with their SQL', async () => {
    const { Store } = await import('../../../electron/core/store/store');
    const { openDatabase } = await import('../../../electron/core/store/database');
    const messages: string[] = [];
    const db = openDatabase(':memory:');
    // An explicit threshold far above what a plain query takes even on a loaded machine,
    // and a function that burns past it: the trigger's query is slow, the others are not.
    const slowQueryMs = 250;
    db.function('slow', () => {
      const until = performance.now() + slowQueryMs + 50;
      while (performance.now() < until) {
        // busy wait
      }
      return 1;
    });
    const slowStore = new Store(db, { log: (message) => messages.push(message), slowQueryMs });
    const root = slowStore.addRoot('/r');
    slowStore.upsertPhoto(root.id, 'a.jpg', 1, facts('h1'));
    slowStore.queryPhotos(parseQuery({ search: 'a' }));
    expect(messages).toEqual([]);
    slowStore._testOnlyDb.exec("CREATE TRIGGER t AFTER INSERT ON photo_errors BEGIN SELECT slow(); END");
    slowStore.setPhotoError(root.id, 'b.jpg', 'corrupt');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^slow query \(\d+\.\d ms\): INSERT OR REPLACE INTO photo_errors/);
    slowStore.close();
  });
});
