import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../electron/core/store/store';
import { createStore, facts, fakePng } from './helpers';

let store: Store;
beforeEach(() => {
  store = createStore();
});
afterEach(() => {
  store.close();
});

function setup() {
  const root = store.addRoot('/r');
  const photo = store.upsertPhoto(root.id, 'a/one.jpg', 1, facts('h1'));
  const dataset = store.createDataset('blur');
  return { root, photo, dataset };
}

describe('masks', () => {
  it('saves versions in one step: version, current pointer, item status and photo badge', () => {
    const { photo, dataset } = setup();
    const model = store.registerModel({ name: 'defusionnet', version: '1', file: 'm.onnx', hash: 'm' });
    const predicted = store.saveMaskVersion({
      photoId: photo.id, datasetId: dataset.id, png: fakePng(1), author: 'model', modelId: model.id, status: 'predicted', blurFraction: 0.2,
    });
    expect(predicted).toMatchObject({ photoId: photo.id, datasetId: dataset.id, author: 'model', modelId: model.id, status: 'predicted', byteSize: 64 });
    expect(store.getPhoto(photo.id)!.status).toBe('predicted');

    const corrected = store.saveMaskVersion({
      photoId: photo.id, datasetId: dataset.id, png: fakePng(2), author: 'human', authorName: 'ann', status: 'corrected', blurFraction: 0.3,
    });
    expect(store.getCurrentMask(photo.id, dataset.id)).toEqual({ version: corrected, png: fakePng(2) });
    expect(store.getLatestMask(photo.id)!.version.id).toBe(corrected.id);
    expect(store.getDatasetItem(dataset.id, photo.id)!.status).toBe('corrected');
    expect(store.getPhoto(photo.id)!.status).toBe('corrected');
    expect(store.counts().masksByStatus).toMatchObject({ corrected: 1, predicted: 0 });

    // The raw rows the trainer reads.
    const db = store._testOnlyDb;
    expect(db.prepare('SELECT current_version_id FROM masks').pluck().get()).toBe(corrected.id);
    expect(new Uint8Array(db.prepare('SELECT png FROM mask_versions WHERE id = ?').pluck().get(corrected.id) as Buffer)).toEqual(fakePng(2));
  });

  it('lists the whole history and restores an old version as a new one', () => {
    const { photo, dataset } = setup();
    const saves = [1, 2, 3].map((n) =>
      store.saveMaskVersion({
        photoId: photo.id, datasetId: dataset.id, png: fakePng(n), author: n === 1 ? 'model' : 'human',
        status: n === 1 ? 'predicted' : 'corrected', blurFraction: n / 10,
      }),
    );
    expect(store.listMaskHistory(photo.id, dataset.id).map((v) => v.id)).toEqual(saves.map((v) => v.id).reverse());

    const restored = store.restoreMaskVersion(saves[0]!.id, { authorName: 'bob' });
    expect(restored.id).toBeGreaterThan(saves[2]!.id);
    expect(restored).toMatchObject({ author: 'model', authorName: 'bob', status: 'predicted', blurFraction: 0.1 });
    expect(store.getCurrentMask(photo.id, dataset.id)!.png).toEqual(fakePng(1));
    expect(store.getPhoto(photo.id)!.status).toBe('predicted');
    const history = store.listMaskHistory(photo.id, dataset.id);
    expect(history).toHaveLength(4);
    // Nothing was rewritten: the old versions keep their bytes.
    expect(store.getMaskVersion(saves[2]!.id)!.png).toEqual(fakePng(3));
    expect(() => store.restoreMaskVersion(12345)).toThrow(/does not exist/);
  });

  it('keeps masks per dataset, and the badge shows the most advanced status', () => {
    const { photo, dataset } = setup();
    const other = store.createDataset('other');
    store.saveMaskVersion({ photoId: photo.id, datasetId: dataset.id, png: fakePng(1), author: 'human', status: 'reviewed', blurFraction: 0 });
    store.saveMaskVersion({ photoId: photo.id, datasetId: other.id, png: fakePng(2), author: 'model', status: 'predicted', blurFraction: 0 });
    expect(store.getPhoto(photo.id)!.status).toBe('reviewed');
    expect(store.getCurrentMask(photo.id, other.id)!.png).toEqual(fakePng(2));
    expect(store.listMaskHistory(photo.id, other.id)).toHaveLength(1);
    store.setItemStatus(dataset.id, photo.id, 'rejected');
    expect(store.getPhoto(photo.id)!.status).toBe('predicted');
  });

  it('rejects bad saves without leaving partial rows', () => {
    const { photo, dataset } = setup();
    const save = { photoId: photo.id, datasetId: dataset.id, png: fakePng(1), author: 'human' as const, status: 'corrected' as const, blurFraction: 0.5 };
    expect(() => store.saveMaskVersion({ ...save, png: new Uint8Array([1, 2, 3]) })).toThrow(/PNG/);
    expect(() => store.saveMaskVersion({ ...save, blurFraction: 2 })).toThrow(/blurFraction/);
    expect(() => store.saveMaskVersion({ ...save, photoId: 999 })).toThrow(/Photo 999/);
    expect(() => store.saveMaskVersion({ ...save, datasetId: 999 })).toThrow(/Dataset 999/);
    // A failure inside the transaction (author violates a CHECK) rolls back the item and mask rows too.
    expect(() => store.saveMaskVersion({ ...save, author: 'robot' as never })).toThrow();
    const db = store._testOnlyDb;
    expect(db.prepare('SELECT COUNT(*) FROM dataset_items').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM masks').pluck().get()).toBe(0);
    expect(store.getPhoto(photo.id)!.status).toBe('none');
  });

  it('a moved photo keeps its id and therefore its masks', () => {
    const { root, photo, dataset } = setup();
    const saved = store.saveMaskVersion({ photoId: photo.id, datasetId: dataset.id, png: fakePng(7), author: 'human', status: 'corrected', blurFraction: 0.4 });
    store.markPhotosMissing([photo.id]);
    const [candidate] = store.findPhotosByHash('h1');
    const other = store.addRoot('/elsewhere');
    const moved = store.movePhoto(candidate!.id, other.id, 'renamed.jpg', 5);
    expect(moved).toMatchObject({ id: photo.id, rootId: other.id, relPath: 'renamed.jpg', status: 'corrected', missing: false });
    expect(store.getCurrentMask(moved.id, dataset.id)).toEqual({ version: saved, png: fakePng(7) });
    expect(store.getPhotoByPath(root.id, 'a/one.jpg')).toBeUndefined();
  });

  it('deleting a root removes its photos with their masks and versions, leaving no orphans', () => {
    const { root, photo, dataset } = setup();
    store.saveMaskVersion({ photoId: photo.id, datasetId: dataset.id, png: fakePng(1), author: 'human', status: 'corrected', blurFraction: 0.4 });
    store.saveMaskVersion({ photoId: photo.id, datasetId: dataset.id, png: fakePng(2), author: 'human', status: 'corrected', blurFraction: 0.4 });
    expect(store.removeRoot(root.id)).toBe(true);
    const db = store._testOnlyDb;
    for (const table of ['photos', 'masks', 'mask_versions', 'dataset_items']) {
      expect(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get(), table).toBe(0);
    }
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(store.listDatasets()[0]!.itemCount).toBe(0);
  });
});
