/**
 * The library end to end through the core's API: real folders of real images (encoded
 * by sharp), a real database file, the real scan job.
 */
import { mkdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job, LibraryChange } from '../../electron/api/types';
import { createCoreServices } from '../../electron/core/createCore';
import type { CoreServices } from '../../electron/core/createCore';
import type { ScanResult } from '../../electron/core/library/libraryService';
import type * as probeModule from '../../electron/core/library/probe';
import { LATEST_VERSION } from '../../electron/core/store/migrations';
import { Gate } from '../fixtures/gate';
import { makeJpeg, makePng, makePngBomb, makeTempDir } from '../unit/library/fixtures';

/** A test may make the scan's probe wait (see the cancel test); by default it does not. */
const probeHold = vi.hoisted(() => ({ before: undefined as ((absPath: string) => Promise<void>) | undefined }));
vi.mock('../../electron/core/library/probe', async (importOriginal) => {
  const probe = await importOriginal<typeof probeModule>();
  return {
    ...probe,
    probePhoto: async (...args: Parameters<typeof probe.probePhoto>) => {
      await probeHold.before?.(args[0]);
      return probe.probePhoto(...args);
    },
  };
});

let temp: { dir: string; remove: () => Promise<void> };
let services: CoreServices;
let library: string;
let jobEvents: Job[];
let libraryEvents: LibraryChange[];

function pngMask(width: number, height: number): Promise<Uint8Array> {
  return import('sharp').then(async ({ default: sharp }) => {
    const pixels = Buffer.alloc(width * height, 0).fill(255, 0, (width * height) / 2);
    return new Uint8Array(await sharp(pixels, { raw: { width, height, channels: 1 } }).toColorspace('b-w').png().toBuffer());
  });
}

async function start(): Promise<void> {
  services = await createCoreServices({ dbPath: join(temp.dir, 'studio.db'), watch: false, log: () => {} });
  jobEvents = [];
  libraryEvents = [];
  services.core.on('jobs.onDidChange', (job) => jobEvents.push(job));
  services.core.on('library.onDidChange', (change) => libraryEvents.push(change));
}

async function finished(jobId: string): Promise<Job> {
  const job = await services.jobs.wait(jobId);
  expect(job.error).toBeNull();
  return job;
}

async function openAndScan(path = library): Promise<{ rootId: number; result: ScanResult }> {
  const { roots, jobId } = await services.core.call('library.open', { paths: [path] });
  const job = await finished(jobId);
  return { rootId: roots[0]!.id, result: job.result as ScanResult };
}

async function rescan(rootId: number): Promise<ScanResult> {
  const { jobId } = await services.core.call('library.rescan', { rootId });
  return (await finished(jobId)).result as ScanResult;
}

beforeEach(async () => {
  temp = await makeTempDir('defusion-library-');
  library = join(temp.dir, 'Photos');
  await makeJpeg(join(library, 'trip', 'IMG_0001.jpg'), {
    width: 640, height: 480, seed: 1,
    exif: { make: 'Canon', model: 'Canon EOS R5', lensModel: 'RF50mm F1.8 STM', fNumber: 1.8, focalLength: 50, dateTimeOriginal: '2024:05:01 10:00:00' },
  });
  await makeJpeg(join(library, 'trip', 'IMG_0002.jpg'), { width: 480, height: 640, seed: 2, orientation: 6 });
  await makePng(join(library, 'scans', 'page 1.png'), { width: 300, height: 200, seed: 3 });
  await makeJpeg(join(library, 'Ünïcödé ñame 写真.jpg'), { width: 200, height: 150, seed: 4 });
  // Bad input: each must become one clear per-file error, the rest loads.
  await writeFile(join(library, 'empty.jpg'), '');
  await writeFile(join(library, 'notes.jpg'), 'this is a text file, not a photo\n');
  const truncated = await makeJpeg(join(library, 'broken', 'truncated.jpg'), { width: 800, height: 600, seed: 5 });
  await truncate(join(library, 'broken', 'truncated.jpg'), Math.floor(truncated.length / 2));
  await makePngBomb(join(library, 'bomb.png'), 60_000, 60_000);
  await start();
});

afterEach(async () => {
  await services?.core.close();
  await temp.remove();
});

describe('library scan', () => {
  it('records every photo with its EXIF and oriented size, and one error per bad file', async () => {
    const { rootId, result } = await openAndScan();
    expect(result.roots).toMatchObject([{ rootId, files: 8, added: 4, errors: 4, removed: 0, rootError: null }]);

    const page = await services.core.call('library.query', { rootId });
    expect(page.total).toBe(4);
    expect(page.photos.map((photo) => photo.relPath)).toEqual(['scans/page 1.png', 'trip/IMG_0001.jpg', 'trip/IMG_0002.jpg', 'Ünïcödé ñame 写真.jpg']);
    const canon = page.photos.find((photo) => photo.name === 'IMG_0001.jpg')!;
    expect(canon).toMatchObject({
      folder: 'trip', width: 640, height: 480, format: 'jpeg', camera: 'Canon EOS R5', lens: 'RF50mm F1.8 STM', fNumber: 1.8, focalLength: 50, status: 'none',
    });
    expect(canon.capturedAt).toMatch(/^2024-05-01T10:00:00/);
    expect(canon.hash).toMatch(/^[0-9a-f]{64}$/);
    // Orientation 6 turns the stored 480x640 upright: 640x480.
    expect(page.photos.find((photo) => photo.name === 'IMG_0002.jpg')).toMatchObject({ width: 640, height: 480 });

    const errors = await services.core.call('library.errors', { rootId });
    expect(errors.map((error) => error.relPath)).toEqual(['bomb.png', 'broken/truncated.jpg', 'empty.jpg', 'notes.jpg']);
    const reason = (relPath: string) => errors.find((error) => error.relPath === relPath)!.reason;
    expect(reason('empty.jpg')).toMatch(/empty/);
    expect(reason('notes.jpg')).toMatch(/not an image/);
    expect(reason('broken/truncated.jpg')).toMatch(/truncated|corrupt/);
    expect(reason('bomb.png')).toMatch(/pixel|MP/i);

    const [root] = await services.core.call('library.roots', {});
    expect(root).toMatchObject({ id: rootId, photoCount: 4, errorCount: 4 });
    expect(root!.lastScanAt).not.toBeNull();

    // Thumbnails were made during the scan and are served from the cache.
    for (const photo of page.photos) {
      expect(services.store.hasThumbnail(photo.hash)).toBe(true);
      const thumbnail = await services.core.resource('thumbnail', photo.id, {});
      expect(thumbnail.mimeType).toBe('image/webp');
      expect(thumbnail.bytes.length).toBeGreaterThan(100);
    }
    const display = await services.core.resource('photo', canon.id, {});
    expect(display.mimeType).toBe('image/jpeg');

    // Progress: a total, rising done counts, and the final state delivered.
    const states = jobEvents.map((job) => job.state);
    expect(states[0]).toBe('queued');
    expect(states[states.length - 1]).toBe('done');
    expect(jobEvents.some((job) => job.state === 'running')).toBe(true);
    expect(jobEvents[jobEvents.length - 1]).toMatchObject({ done: 8, total: 8, etaSeconds: 0 });
    expect(libraryEvents.some((change) => change.rootId === rootId && change.added > 0)).toBe(true);

    const facets = await services.core.call('library.facets', { rootId });
    expect(facets).toMatchObject({ total: 4, cameras: [{ value: 'Canon EOS R5', count: 1 }] });
    expect(await services.core.call('store.counts', {})).toMatchObject({ photos: 4, photoErrors: 4 });
  });

  it('skips unchanged files, and notices changed, removed and fixed ones', async () => {
    const { rootId } = await openAndScan();
    const before = await services.core.call('library.query', { rootId });

    const again = await rescan(rootId);
    expect(again.roots[0]).toMatchObject({ unchanged: 4, added: 0, changed: 0, removed: 0, moved: 0, errors: 4 });
    const same = await services.core.call('library.query', { rootId });
    expect(same.photos.map((photo) => photo.updatedAt)).toEqual(before.photos.map((photo) => photo.updatedAt));

    const page1 = before.photos.find((photo) => photo.name === 'page 1.png')!;
    await makePng(join(library, 'scans', 'page 1.png'), { width: 320, height: 240, seed: 9 });
    await rm(join(library, 'Ünïcödé ñame 写真.jpg'));
    await rm(join(library, 'notes.jpg'));
    await makeJpeg(join(library, 'empty.jpg'), { width: 100, height: 100, seed: 10 });

    const changed = await rescan(rootId);
    expect(changed.roots[0]).toMatchObject({ changed: 1, removed: 1, added: 1, moved: 0, errors: 2 });
    const edited = await services.core.call('library.photo', { id: page1.id });
    expect(edited).toMatchObject({ width: 320, height: 240, missing: false });
    expect(edited.hash).not.toBe(page1.hash);

    const present = await services.core.call('library.query', { rootId });
    expect(present.photos.map((photo) => photo.relPath)).toEqual(['empty.jpg', 'scans/page 1.png', 'trip/IMG_0001.jpg', 'trip/IMG_0002.jpg']);
    const withMissing = await services.core.call('library.query', { rootId, includeMissing: true });
    expect(withMissing.photos.find((photo) => photo.name.startsWith('Ünïcödé'))).toMatchObject({ missing: true });
    expect((await services.core.call('library.errors', { rootId })).map((error) => error.relPath)).toEqual(['bomb.png', 'broken/truncated.jpg']);
  });

  it('a moved photo keeps its id and its masks', async () => {
    const { rootId } = await openAndScan();
    const photo = (await services.core.call('library.query', { rootId, search: 'IMG_0001' })).photos[0]!;
    const dataset = await services.core.call('datasets.create', { name: 'blur' });
    const png = await pngMask(photo.width, photo.height);
    services.store.saveMaskVersion({ photoId: photo.id, datasetId: dataset.id, png, author: 'human', status: 'corrected', blurFraction: 0.5 });

    await mkdir(join(library, 'sorted', 'best'), { recursive: true });
    await rename(join(library, 'trip', 'IMG_0001.jpg'), join(library, 'sorted', 'best', 'keeper.jpg'));
    const result = await rescan(rootId);
    expect(result.roots[0]).toMatchObject({ moved: 1, added: 0, removed: 0 });

    const moved = await services.core.call('library.photo', { id: photo.id });
    expect(moved).toMatchObject({ relPath: 'sorted/best/keeper.jpg', folder: 'sorted/best', name: 'keeper.jpg', hash: photo.hash, status: 'corrected', missing: false });
    expect(await services.core.call('masks.history', { photoId: photo.id, datasetId: dataset.id })).toHaveLength(1);
    const mask = await services.core.resource('mask', photo.id, { datasetId: String(dataset.id) });
    expect(mask).toEqual({ bytes: png, mimeType: 'image/png' });
    expect((await services.core.call('library.query', { rootId, includeMissing: true })).total).toBe(4);

    // Moved out of the library and back in a later scan: still the same photo.
    await rename(join(library, 'sorted', 'best', 'keeper.jpg'), join(temp.dir, 'outside.jpg'));
    expect((await rescan(rootId)).roots[0]).toMatchObject({ removed: 1 });
    expect((await services.core.call('library.photo', { id: photo.id })).missing).toBe(true);
    await rename(join(temp.dir, 'outside.jpg'), join(library, 'back.jpg'));
    expect((await rescan(rootId)).roots[0]).toMatchObject({ moved: 1 });
    expect(await services.core.call('library.photo', { id: photo.id })).toMatchObject({ relPath: 'back.jpg', missing: false, status: 'corrected' });
  });

  it('closing a root hides its photos and refuses their files; reopening brings them back with their masks', async () => {
    const { rootId } = await openAndScan();
    const photo = (await services.core.call('library.query', { rootId })).photos[0]!;
    const dataset = await services.core.call('datasets.create', { name: 'd' });
    const png = await pngMask(photo.width, photo.height);
    services.store.saveMaskVersion({ photoId: photo.id, datasetId: dataset.id, png, author: 'human', status: 'reviewed', blurFraction: 0.5 });

    expect(await services.core.call('library.close', { rootId })).toEqual({ closed: true });
    expect(await services.core.call('library.roots', {})).toEqual([]);
    expect((await services.core.call('library.query', {})).total).toBe(0);
    for (const kind of ['photo', 'thumbnail', 'mask'] as const) {
      await expect(services.core.resource(kind, photo.id, {})).rejects.toMatchObject({ code: 'forbidden' });
    }
    await expect(services.core.resource('photo', 987654, {})).rejects.toMatchObject({ code: 'not-found' });

    const reopened = await openAndScan();
    expect(reopened.rootId).toBe(rootId);
    expect(reopened.result.roots[0]).toMatchObject({ unchanged: 4, added: 0 });
    expect((await services.core.resource('mask', photo.id, {})).bytes).toEqual(png);
    expect((await services.core.call('library.photo', { id: photo.id })).status).toBe('reviewed');
  });

  it('cancels a scan, keeps what was read, and a rescan finishes the job', async () => {
    for (let i = 0; i < 40; i++) {
      await makeJpeg(join(library, 'many', `p${String(i).padStart(3, '0')}.jpg`), { width: 400 + i, height: 300, seed: 100 + i });
    }
    // Five of the new photos are read; the ones after them wait at the gate, so the scan
    // is cancelled while it certainly runs, with some photos read and most not.
    const gate = new Gate();
    let newPhotosProbed = 0;
    probeHold.before = async (absPath) => {
      if (absPath.includes(`${sep}many${sep}`) && ++newPhotosProbed > 5) await gate.pass();
    };
    let rootId: number;
    let cancelled: Job;
    try {
      const { roots, jobId } = await services.core.call('library.open', { paths: [library] });
      rootId = roots[0]!.id;
      await gate.reached;
      expect(await services.core.call('jobs.cancel', { id: jobId })).toEqual({ cancelled: true });
      gate.open();
      cancelled = await services.jobs.wait(jobId);
    } finally {
      gate.open();
      probeHold.before = undefined;
    }
    expect(cancelled.state).toBe('cancelled');
    expect((await services.core.call('jobs.get', { id: cancelled.id })).state).toBe('cancelled');
    const partial = (await services.core.call('library.query', { rootId })).total;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(44);

    const result = await rescan(rootId);
    expect(result.roots[0]!.added + result.roots[0]!.unchanged).toBe(44);
    expect((await services.core.call('library.query', { rootId })).total).toBe(44);
  });

  it('leaves the photos of a root that has gone (unplugged drive) as they were', async () => {
    const { rootId } = await openAndScan();
    await rename(library, join(temp.dir, 'elsewhere'));
    const result = await rescan(rootId);
    expect(result.roots[0]!.rootError).toMatch(/does not exist/);
    expect((await services.core.call('library.query', { rootId })).total).toBe(4);
  });

  it('survives a restart: the next core sees the same library, and a new scan notices what changed meanwhile', async () => {
    const { rootId } = await openAndScan();
    await services.core.close();
    await rm(join(library, 'trip', 'IMG_0002.jpg'));
    services = await createCoreServices({ dbPath: join(temp.dir, 'studio.db'), watch: false, log: () => {} });
    await services.jobs.idle();
    expect((await services.core.call('library.query', { rootId })).photos.map((photo) => photo.name)).toEqual([
      'page 1.png', 'IMG_0001.jpg', 'Ünïcödé ñame 写真.jpg',
    ]);
    const history = await services.core.call('jobs.list', {});
    expect(history.length).toBeGreaterThanOrEqual(2);
  });
});

describe('core API', () => {
  it('validates inputs with the method schemas', async () => {
    await expect(services.core.call('library.query', { limit: 5000 })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/limit/) });
    await expect(services.core.call('library.open', { paths: [] })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(services.core.call('library.open', { paths: ['a\0b'] })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(services.core.call('jobs.get', { id: 'nope' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(services.core.call('library.open', { paths: [join(temp.dir, 'missing')] })).rejects.toMatchObject({ code: 'not-found' });
    await expect(services.core.call('library.close', { rootId: 1.5 })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(services.core.call('library.photo', { id: 1 })).rejects.toMatchObject({ code: 'not-found' });
    await expect(services.core.call('nope.method' as 'app.info', {})).rejects.toMatchObject({ code: 'not-found' });
    const dataset = await services.core.call('datasets.create', { name: ' x ' });
    expect(dataset.name).toBe('x');
    await expect(services.core.call('datasets.create', { name: 'x' })).rejects.toMatchObject({ code: 'conflict' });
    const info = await services.core.call('app.info', {});
    expect(info).toMatchObject({ schemaVersion: LATEST_VERSION, dbPath: join(temp.dir, 'studio.db') });
    expect(info.sampleLibrary).toMatch(/datasets[\\/]sample$/);
  });

  it('opens the sample library when asked and none is open, masks included', async () => {
    await services.core.close();
    services = await createCoreServices({ dbPath: join(temp.dir, 'sample.db'), openSampleIfEmpty: true, watch: false, log: () => {} });
    await services.jobs.idle();
    const [root] = await services.core.call('library.roots', {});
    expect(root!.path).toMatch(/datasets[\\/]sample[\\/]images$/);
    expect(root!.photoCount).toBeGreaterThanOrEqual(10);
    const [dataset] = await services.core.call('datasets.list', {});
    expect(dataset).toMatchObject({ name: 'sample', itemCount: root!.photoCount });
    expect(dataset!.splits.train + dataset!.splits.test).toBe(root!.photoCount);
    const photo = (await services.core.call('library.query', { limit: 1 })).photos[0]!;
    const mask = await services.core.resource('mask', photo.id, {});
    const { default: sharp } = await import('sharp');
    const meta = await sharp(mask.bytes).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([photo.width, photo.height, 1]);
    expect(photo.status).not.toBe('none');
  });
});
