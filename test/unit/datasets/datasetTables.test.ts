/**
 * The store's dataset tables on an in-memory database: membership, statuses, reviews,
 * item pages, the reviewer's walk, the uncertainty order and the dashboard's numbers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/api/errors';
import { datasetStats } from '../../../electron/core/datasets/datasetStats';
import type { Photo } from '../../../electron/api/types';
import { Store } from '../../../electron/core/store/store';
import { createDb, facts, fakePng, parseQuery } from '../store/helpers';

let store: Store;
let clock: number;
let photos: Photo[];
let datasetId: number;

/** Moves the store's clock to a day (UTC), then it ticks a second per timestamp. */
function setDay(day: string): void {
  clock = Date.parse(`${day}T09:00:00Z`);
}

beforeEach(() => {
  setDay('2025-03-01');
  store = new Store(createDb(), { now: () => new Date((clock += 1000)), log: () => {} });
  const root = store.addRoot('/lib');
  photos = [
    store.upsertPhoto(root.id, 'beach/a.jpg', 1, facts('ha', { camera: 'Canon EOS R5', fNumber: 1.8 })),
    store.upsertPhoto(root.id, 'beach/b.jpg', 1, facts('hb', { camera: 'Canon EOS R5', fNumber: 2.8 })),
    store.upsertPhoto(root.id, 'city/c.jpg', 1, facts('hc', { camera: 'Nikon Z 6', fNumber: 1.8 })),
    store.upsertPhoto(root.id, 'city/d.jpg', 1, facts('hd')),
    store.upsertPhoto(root.id, 'e.jpg', 1, facts('he', { fNumber: 8 })),
  ];
  datasetId = store.createDataset('set').id;
});

afterEach(() => {
  store.close();
});

function saveMask(photo: Photo, author: 'human' | 'model', blurFraction: number, authorName: string | null = null, status = author === 'model' ? 'predicted' : 'corrected'): number {
  return store.saveMaskVersion({
    photoId: photo.id,
    datasetId,
    png: fakePng(`${photo.id}-${blurFraction}-${authorName}`),
    author,
    authorName,
    status: status as 'predicted' | 'corrected',
    blurFraction,
  }).id;
}

describe('dataset tables', () => {
  it('adds photos once, refuses unknown ones without adding any, and brings a removed photo back with its mask', () => {
    const ids = photos.map((photo) => photo.id);
    expect(store.datasets.addPhotos(datasetId, ids.slice(0, 3))).toEqual({ added: 3, alreadyIn: 0 });
    expect(store.datasets.addPhotos(datasetId, ids)).toEqual({ added: 2, alreadyIn: 3 });
    expect(() => store.datasets.addPhotos(datasetId, [9999])).toThrow(/Photo 9999 does not exist/);
    expect(() => store.datasets.addPhotos(424242, ids)).toThrow(StudioError);

    const other = store.createDataset('other').id;
    expect(() => store.datasets.addPhotos(other, [ids[0]!, 9999])).toThrow();
    expect(store.getDataset(other)!.itemCount).toBe(0);

    saveMask(photos[0]!, 'human', 0.4, 'ann');
    expect(store.getPhoto(ids[0]!)!.status).toBe('corrected');
    expect(store.datasets.removePhotos(datasetId, [ids[0]!])).toBe(1);
    expect(store.getPhoto(ids[0]!)!.status).toBe('none');
    expect(store.getCurrentMask(ids[0]!, datasetId)).toBeDefined();
    store.datasets.addPhotos(datasetId, [ids[0]!]);
    expect(store.getDatasetItem(datasetId, ids[0]!)!.status).toBe('corrected');
    expect(store.getPhoto(ids[0]!)!.status).toBe('corrected');
  });

  it('lists photos of a grid filter', () => {
    expect(store.listPhotoIds(parseQuery({ folder: 'beach' }))).toEqual([photos[0]!.id, photos[1]!.id]);
    expect(store.listPhotoIds(parseQuery({ camera: 'Canon EOS R5', limit: 1 }))).toHaveLength(2);
    expect(store.listPhotoIds(parseQuery({}))).toHaveLength(5);
  });

  it('sets statuses and comments of several items at once, all or none', () => {
    store.datasets.addPhotos(datasetId, photos.map((photo) => photo.id));
    expect(store.datasets.setStatuses(datasetId, [photos[0]!.id, photos[1]!.id], 'rejected', 'out of focus everywhere')).toBe(2);
    expect(store.getDatasetItem(datasetId, photos[1]!.id)).toMatchObject({ status: 'rejected', comment: 'out of focus everywhere' });
    expect(store.datasets.setStatuses(datasetId, [photos[1]!.id], 'unlabelled')).toBe(1);
    expect(store.getDatasetItem(datasetId, photos[1]!.id)).toMatchObject({ status: 'unlabelled', comment: 'out of focus everywhere' });
    const outsider = store.createDataset('x').id;
    store.datasets.addPhotos(outsider, [photos[2]!.id]);
    expect(() => store.datasets.setStatuses(outsider, [photos[2]!.id, photos[3]!.id], 'reviewed')).toThrow(/not in dataset/);
    expect(store.getDatasetItem(outsider, photos[2]!.id)!.status).toBe('unlabelled');
  });

  it('records reviews of the current mask and shows the latest on the item', () => {
    store.datasets.addPhotos(datasetId, [photos[0]!.id, photos[1]!.id]);
    const version = saveMask(photos[0]!, 'human', 0.3, 'ann');
    expect(() => store.datasets.review({ datasetId, photoId: photos[1]!.id, decision: 'accepted', reviewer: 'rev', comment: null })).toThrow(/nothing to review/);
    expect(() => store.datasets.review({ datasetId, photoId: photos[2]!.id, decision: 'accepted', reviewer: 'rev', comment: null })).toThrow(/not in dataset/);

    const rejected = store.datasets.review({ datasetId, photoId: photos[0]!.id, decision: 'rejected', reviewer: 'rev', comment: 'missed the left edge' });
    expect(rejected).toMatchObject({ maskVersionId: version, decision: 'rejected', reviewer: 'rev', comment: 'missed the left edge' });
    expect(store.getDatasetItem(datasetId, photos[0]!.id)).toMatchObject({ status: 'rejected', comment: 'missed the left edge' });
    const fixed = saveMask(photos[0]!, 'human', 0.35, 'ann');
    store.datasets.review({ datasetId, photoId: photos[0]!.id, decision: 'accepted', reviewer: 'rev', comment: null });
    expect(store.getPhoto(photos[0]!.id)!.status).toBe('reviewed');

    const reviews = store.datasets.reviews(datasetId, photos[0]!.id);
    expect(reviews.map((review) => [review.decision, review.maskVersionId])).toEqual([
      ['accepted', fixed],
      ['rejected', version],
    ]);
    expect(store.datasets.item(datasetId, photos[0]!.id)!.lastReview).toEqual(reviews[0]);
    expect(store.datasets.latestReviews(datasetId).get(photos[0]!.id)).toEqual(reviews[0]);
  });

  it('pages items by status and split, in several orders', () => {
    store.datasets.addPhotos(datasetId, photos.map((photo) => photo.id));
    saveMask(photos[0]!, 'human', 0.9, 'ann');
    saveMask(photos[2]!, 'human', 0.1, 'ann');
    store.datasets.setSplits(datasetId, new Map([[photos[0]!.id, 'train'], [photos[1]!.id, 'test']]));
    const model = store.registerModel({ name: 'm', version: '1', file: 'm.onnx', hash: 'm' });
    store.savePrediction({ photoId: photos[3]!.id, modelId: model.id, png: fakePng('p'), width: 640, height: 480, meanProbability: 0.3, uncertainty: 0.7, device: 'cpu', durationMs: 1 });

    const page = (query: Partial<Parameters<Store['datasets']['items']>[0]>) =>
      store.datasets.items({ datasetId, sort: 'path', order: 'asc', offset: 0, limit: 100, ...query });
    expect(page({}).items.map((item) => item.photo.relPath)).toEqual(['beach/a.jpg', 'beach/b.jpg', 'city/c.jpg', 'city/d.jpg', 'e.jpg']);
    expect(page({ status: ['corrected'] }).items.map((item) => item.photo.relPath)).toEqual(['beach/a.jpg', 'city/c.jpg']);
    expect(page({ split: ['none'] }).total).toBe(3);
    expect(page({ split: ['train', 'test'] }).items.map((item) => item.split)).toEqual(['train', 'test']);
    expect(page({ sort: 'blurFraction', order: 'desc' }).items.map((item) => item.mask?.blurFraction ?? null)).toEqual([0.9, 0.1, null, null, null]);
    expect(page({ sort: 'uncertainty', order: 'desc' }).items[0]).toMatchObject({ photo: { relPath: 'city/d.jpg' }, uncertainty: 0.7, mask: null });
    const second = page({ limit: 2, offset: 2 });
    expect(second).toMatchObject({ total: 5 });
    expect(second.items.map((item) => item.photo.relPath)).toEqual(['city/c.jpg', 'city/d.jpg']);
    expect(page({}).items[0]!.mask).toMatchObject({ author: 'human', authorName: 'ann', blurFraction: 0.9 });
  });

  it('walks the items to review in path order, wrapping around', () => {
    store.datasets.addPhotos(datasetId, photos.map((photo) => photo.id));
    for (const index of [0, 2, 4]) saveMask(photos[index]!, 'human', 0.5, 'ann');
    const walk = [store.datasets.nextItem(datasetId, ['corrected'])];
    for (let step = 0; step < 3; step++) walk.push(store.datasets.nextItem(datasetId, ['corrected'], walk[walk.length - 1]!.photo.id));
    expect(walk.map((item) => item!.photo.relPath)).toEqual(['beach/a.jpg', 'city/c.jpg', 'e.jpg', 'beach/a.jpg']);
    expect(store.datasets.nextItem(datasetId, ['reviewed'])).toBeNull();
  });

  it('orders unlabelled photos by uncertainty, most uncertain first, per the active or chosen model', () => {
    store.datasets.addPhotos(datasetId, photos.map((photo) => photo.id));
    saveMask(photos[4]!, 'human', 0.2, 'ann');
    const old = store.registerModel({ name: 'm', version: '1', file: 'a.onnx', hash: 'a' });
    const better = store.registerModel({ name: 'm', version: '2', file: 'b.onnx', hash: 'b' });
    const predict = (photo: Photo, modelId: number, uncertainty: number): void =>
      void store.savePrediction({ photoId: photo.id, modelId, png: fakePng(`${photo.id}${modelId}`), width: 640, height: 480, meanProbability: 0.5, uncertainty, device: 'cpu', durationMs: 1 });
    predict(photos[0]!, old.id, 0.2);
    predict(photos[1]!, old.id, 0.9);
    predict(photos[2]!, old.id, 0.5);
    predict(photos[4]!, old.id, 1); // corrected already: not a candidate
    predict(photos[0]!, better.id, 0.95);

    // No active model: each photo's latest prediction.
    const latest = store.datasets.uncertain({ datasetId, statuses: ['unlabelled', 'predicted'], offset: 0, limit: 10 });
    expect(latest.items.map((item) => [item.photo.relPath, item.uncertainty, item.modelId])).toEqual([
      ['beach/a.jpg', 0.95, better.id],
      ['beach/b.jpg', 0.9, old.id],
      ['city/c.jpg', 0.5, old.id],
    ]);
    expect(latest).toMatchObject({ total: 3, withoutPrediction: 1 });

    store.activateModel(old.id);
    const active = store.datasets.uncertain({ datasetId, statuses: ['unlabelled'], offset: 0, limit: 10 });
    expect(active.items.map((item) => item.photo.relPath)).toEqual(['beach/b.jpg', 'city/c.jpg', 'beach/a.jpg']);
    const chosen = store.datasets.uncertain({ datasetId, statuses: ['unlabelled'], modelId: better.id, offset: 0, limit: 10 });
    expect(chosen).toMatchObject({ total: 1, withoutPrediction: 3 });
    const skipping = store.datasets.uncertain({ datasetId, statuses: ['unlabelled'], exclude: [photos[1]!.id], offset: 0, limit: 1 });
    expect(skipping.items.map((item) => item.photo.relPath)).toEqual(['city/c.jpg']);

    // Missing files and closed folders are never proposed.
    store.markPhotosMissing([photos[1]!.id]);
    expect(store.datasets.uncertain({ datasetId, statuses: ['unlabelled'], offset: 0, limit: 10 }).items.map((item) => item.photo.relPath)).toEqual([
      'city/c.jpg',
      'beach/a.jpg',
    ]);
    store.closeRoot(photos[0]!.rootId);
    expect(store.datasets.uncertain({ datasetId, statuses: ['unlabelled'], offset: 0, limit: 10 }).total).toBe(0);
  });

  it('gives the dashboard its counts, histogram, cameras, apertures and progress per day', () => {
    store.datasets.addPhotos(datasetId, photos.map((photo) => photo.id));
    store.datasets.setSplits(datasetId, new Map([[photos[0]!.id, 'train'], [photos[1]!.id, 'train'], [photos[2]!.id, 'test']]));
    setDay('2025-03-02');
    saveMask(photos[0]!, 'model', 0.05);
    saveMask(photos[0]!, 'human', 0.12, 'ann');
    saveMask(photos[1]!, 'human', 0.55, 'ann');
    setDay('2025-03-04');
    saveMask(photos[0]!, 'human', 0.15, 'bob');
    saveMask(photos[2]!, 'human', 1, 'bob');
    store.datasets.review({ datasetId, photoId: photos[2]!.id, decision: 'accepted', reviewer: 'rev', comment: null });

    const stats = datasetStats(store, datasetId, 4);
    expect(stats.byStatus).toMatchObject({ unlabelled: 2, corrected: 2, reviewed: 1 });
    expect(stats.bySplit).toEqual({ train: 2, test: 1, none: 2 });
    expect(stats.statusBySplit.test).toMatchObject({ reviewed: 1, unlabelled: 0 });
    expect(stats.statusBySplit.train).toMatchObject({ corrected: 2 });
    expect(stats.blurHistogram).toEqual({ binEdges: [0, 0.25, 0.5, 0.75, 1], counts: [1, 0, 1, 1], withoutMask: 2 });
    expect(stats.cameras).toEqual([
      { value: 'Canon EOS R5', count: 2 },
      { value: null, count: 2 },
      { value: 'Nikon Z 6', count: 1 },
    ]);
    expect(stats.apertures).toEqual([
      { value: 1.8, count: 2 },
      { value: 2.8, count: 1 },
      { value: 8, count: 1 },
      { value: null, count: 1 },
    ]);
    expect(stats.progress).toEqual([
      { date: '2025-03-02', humanVersions: 2, modelVersions: 1, newlyAnnotated: 2, annotated: 2, reviews: 0 },
      { date: '2025-03-04', humanVersions: 2, modelVersions: 0, newlyAnnotated: 1, annotated: 3, reviews: 1 },
    ]);
  });

  it('renames, refuses a taken name, and deletes a dataset with its masks and reviews', () => {
    store.datasets.addPhotos(datasetId, [photos[0]!.id]);
    saveMask(photos[0]!, 'human', 0.5, 'ann');
    store.datasets.review({ datasetId, photoId: photos[0]!.id, decision: 'accepted', reviewer: null, comment: null });
    store.createDataset('taken');
    store.datasets.update(datasetId, { name: '  renamed ', description: 'about' });
    expect(store.getDataset(datasetId)).toMatchObject({ name: 'renamed', description: 'about' });
    expect(() => store.datasets.update(datasetId, { name: 'taken' })).toThrow(/already exists/);
    expect(store.getPhoto(photos[0]!.id)!.status).toBe('reviewed');
    expect(store.datasets.delete(datasetId)).toBe(true);
    expect(store.getDataset(datasetId)).toBeUndefined();
    expect(store.getPhoto(photos[0]!.id)!.status).toBe('none');
    const db = store._testOnlyDb;
    expect(db.prepare('SELECT COUNT(*) FROM mask_versions').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM dataset_reviews').pluck().get()).toBe(0);
    expect(store.datasets.delete(datasetId)).toBe(false);
  });
});
