/**
 * While a root is open, files added, renamed, removed or broken on disk reach the
 * library through the watcher and the same logic as a scan.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LibraryChange } from '../../electron/api/types';
import { JobQueue } from '../../electron/core/jobs/jobQueue';
import { LibraryService } from '../../electron/core/library/libraryService';
import { Store } from '../../electron/core/store/store';
import { photoQuerySchema } from '../../electron/api/methods';
import { makeJpeg, makeTempDir } from '../unit/library/fixtures';
import { fakePng } from '../unit/store/helpers';

let temp: { dir: string; remove: () => Promise<void> };
let store: Store;
let jobs: JobQueue;
let library: LibraryService;
let changes: LibraryChange[];
let rootId: number;
let folder: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value (not undefined), at most `ms`. */
async function eventually<T>(check: () => T | undefined, ms = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error('timed out waiting for the watcher');
    await sleep(50);
  }
}

const paths = () => store.queryPhotos(photoQuerySchema.parse({ rootId })).photos.map((photo) => photo.relPath);

beforeEach(async () => {
  temp = await makeTempDir('defusion-watch-');
  folder = join(temp.dir, 'lib');
  await makeJpeg(join(folder, 'a.jpg'), { width: 320, height: 240, seed: 1 });
  await makeJpeg(join(folder, 'sub', 'b.jpg'), { width: 320, height: 240, seed: 2 });
  store = Store.open(join(temp.dir, 'studio.db'), { log: () => {} });
  jobs = new JobQueue({ persistence: store });
  library = new LibraryService({ store, jobs, watchOptions: { debounceMs: 100, stabilityMs: 300 } });
  changes = [];
  library.onDidChange((change) => changes.push(change));
  const opened = await library.open([folder]);
  rootId = opened.roots[0]!.id;
  await jobs.wait(opened.jobId);
  await library._testOnlyWatcherReady(rootId);
});

afterEach(async () => {
  await jobs.close();
  await library.dispose();
  store.close();
  await temp.remove();
});

describe('library watcher', () => {
  it('adds new photos, follows renames with their masks, marks removals and records broken files', async () => {
    expect(paths()).toEqual(['a.jpg', 'sub/b.jpg']);

    await makeJpeg(join(folder, 'new', 'c.jpg'), { width: 200, height: 100, seed: 3 });
    await eventually(() => (paths().includes('new/c.jpg') ? true : undefined));
    expect(changes.some((change) => change.rootId === rootId && change.added === 1)).toBe(true);
    expect(store.hasThumbnail(store.getPhotoByPath(rootId, 'new/c.jpg')!.hash)).toBe(true);

    const a = store.getPhotoByPath(rootId, 'a.jpg')!;
    const dataset = store.createDataset('d');
    store.saveMaskVersion({ photoId: a.id, datasetId: dataset.id, png: fakePng('a'), author: 'human', status: 'corrected', blurFraction: 0.1 });
    await rename(join(folder, 'a.jpg'), join(folder, 'sub', 'renamed.jpg'));
    const moved = await eventually(() => {
      const photo = store.getPhoto(a.id)!;
      return photo.relPath === 'sub/renamed.jpg' && !photo.missing ? photo : undefined;
    });
    expect(moved.status).toBe('corrected');
    expect(store.getCurrentMask(a.id, dataset.id)!.png).toEqual(fakePng('a'));
    expect(paths()).toEqual(['new/c.jpg', 'sub/b.jpg', 'sub/renamed.jpg']);

    await rm(join(folder, 'sub', 'b.jpg'));
    await eventually(() => (paths().includes('sub/b.jpg') ? undefined : true));
    expect(store.getPhotoByPath(rootId, 'sub/b.jpg')!.missing).toBe(true);

    await writeFile(join(folder, 'broken.jpg'), 'not a jpeg at all');
    const errors = await eventually(() => {
      const list = store.listPhotoErrors(rootId);
      return list.length > 0 ? list : undefined;
    });
    expect(errors).toMatchObject([{ relPath: 'broken.jpg', reason: expect.stringMatching(/not an image/) }]);
    await rm(join(folder, 'broken.jpg'));
    await eventually(() => (store.listPhotoErrors(rootId).length === 0 ? true : undefined));
  });

  it('stops watching a closed root', async () => {
    await library.close(rootId);
    await makeJpeg(join(folder, 'late.jpg'), { width: 100, height: 100, seed: 9 });
    await sleep(1500);
    expect(store.getPhotoByPath(rootId, 'late.jpg')).toBeUndefined();
  });
});
