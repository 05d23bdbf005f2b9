/**
 * The editor's API through the core (schemas included) on a real library of photos and a
 * real database file: masks.save checks the PNG against the mask contract and keeps every
 * version, a save without a dataset goes into 'default', masks.setStatus, masks.current,
 * predictions.current after a real detection with the tiny fixture model, and
 * library.walk over the grid's order. One round trip goes over the loopback HTTP server,
 * where the PNG travels as base64 in JSON.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../electron/api/client';
import type { Transport } from '../../electron/api/client';
import { decodeJson, encodeJson } from '../../electron/api/codec';
import { StudioError } from '../../electron/api/errors';
import type { Envelope } from '../../electron/api/errors';
import type { MethodInput, MethodName, MethodResult } from '../../electron/api/methods';
import type { LibraryChange, Photo } from '../../electron/api/types';
import { DEFAULT_DATASET_NAME } from '../../electron/core/annotate/annotationService';
import { createCoreServices } from '../../electron/core/createCore';
import type { CoreServices } from '../../electron/core/createCore';
import { startServer } from '../../electron/server/startServer';
import { grayPng } from '../fixtures/images';
import { TINY_MODEL, writePhoto } from '../unit/detect/fixturePhotos';
import { makeTempDir } from '../unit/library/fixtures';

let temp: { dir: string; remove: () => Promise<void> };
let services: CoreServices;
/** relPath → photo, as the library recorded it. */
const photos = new Map<string, Photo>();
const changes: LibraryChange[] = [];

const RELPATHS = ['a/one.jpg', 'a/two.jpg', 'a/three.jpg', 'b/four.jpg', 'b/five.jpg', 'turned.jpg'];

function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>> {
  return services.core.call(method, input);
}

async function failure(promise: Promise<unknown>): Promise<StudioError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StudioError);
  return error as StudioError;
}

/** A binary mask: the pixels left of `columns` blurred. */
function leftColumns(width: number, height: number, columns: number): Uint8Array {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) data.fill(255, y * width, y * width + columns);
  return data;
}

async function grayPixels(png: Uint8Array): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function photo(relPath: string): Photo {
  const found = photos.get(relPath);
  if (!found) throw new Error(`no photo ${relPath}`);
  return found;
}

beforeAll(async () => {
  temp = await makeTempDir('annotate-');
  const library = path.join(temp.dir, 'library');
  await mkdir(path.join(library, 'a'), { recursive: true });
  await mkdir(path.join(library, 'b'), { recursive: true });
  for (const [index, relPath] of RELPATHS.entries()) {
    const turned = relPath === 'turned.jpg';
    // Stored 120 x 80 with EXIF orientation 6: shown, and masked, 80 x 120.
    await writePhoto(path.join(library, relPath), turned ? { width: 120, height: 80, seed: 9, orientation: 6 } : { width: 96 + index * 8, height: 64, seed: index + 1 });
  }
  services = await createCoreServices({ dbPath: path.join(temp.dir, 'studio.db'), watch: false, log: () => {}, modelPath: TINY_MODEL, detectWorkers: 1 });
  services.core.on('library.onDidChange', (change) => changes.push(change));
  const opened = await call('library.open', { paths: [library] });
  expect((await services.jobs.wait(opened.jobId)).state).toBe('done');
  for (const found of (await call('library.query', { limit: 100 })).photos) photos.set(found.relPath, found);
  expect([...photos.keys()].sort()).toEqual([...RELPATHS].sort());
});

afterAll(async () => {
  await services?.core.close();
  await temp?.remove();
});

describe('masks.save', () => {
  it("stores a person's mask in the 'default' dataset when none is named, created by that save", async () => {
    const target = photo('a/one.jpg');
    expect((await call('datasets.list', {})).map((dataset) => dataset.name)).toEqual([]);
    const pixels = leftColumns(target.width, target.height, 30);
    const before = changes.length;
    const version = await call('masks.save', { photoId: target.id, png: await grayPng(pixels, target.width, target.height), status: 'corrected' });

    const datasets = await call('datasets.list', {});
    expect(datasets.map((dataset) => dataset.name)).toEqual([DEFAULT_DATASET_NAME]);
    expect(version).toMatchObject({ photoId: target.id, datasetId: datasets[0]!.id, author: 'human', status: 'corrected', modelId: null });
    expect(version.blurFraction).toBeCloseTo(30 / target.width, 10);
    // The grid badge follows, and clients are told.
    expect((await call('library.photo', { id: target.id })).status).toBe('corrected');
    expect(changes.slice(before)).toEqual([{ rootId: target.rootId, added: 0, removed: 0, changed: 1, moved: 0, errors: 0 }]);

    const current = await call('masks.current', { photoId: target.id, datasetId: version.datasetId });
    expect(current?.version).toEqual(version);
    expect((await grayPixels(current!.png)).data).toEqual(pixels);
  });

  it('keeps every version: a second save is current and the first stays readable', async () => {
    const target = photo('a/one.jpg');
    const dataset = (await call('datasets.list', {}))[0]!;
    const second = leftColumns(target.width, target.height, 50);
    const version = await call('masks.save', { photoId: target.id, datasetId: dataset.id, png: await grayPng(second, target.width, target.height), status: 'reviewed' });
    expect(version.status).toBe('reviewed');
    const history = await call('masks.history', { photoId: target.id, datasetId: dataset.id });
    expect(history.map((entry) => entry.id)).toEqual([version.id, history[1]!.id]);
    expect(history[1]!.blurFraction).toBeCloseTo(30 / target.width, 10);
    const first = await services.core.resource('mask', target.id, { version: String(history[1]!.id) });
    expect((await grayPixels(first.bytes)).data).toEqual(leftColumns(target.width, target.height, 30));
    expect((await grayPixels((await call('masks.current', { photoId: target.id, datasetId: dataset.id }))!.png)).data).toEqual(second);
    expect((await call('library.photo', { id: target.id })).status).toBe('reviewed');
  });

  it("takes a rotated photo's mask at the photo's size after EXIF orientation, and refuses the stored size", async () => {
    const target = photo('turned.jpg');
    expect([target.width, target.height]).toEqual([80, 120]);
    const stored = await failure(call('masks.save', { photoId: target.id, png: await grayPng(leftColumns(120, 80, 10), 120, 80) }));
    expect(stored.code).toBe('bad-image');
    expect(stored.message).toMatch(/120x80 but its photo is 80x120/);
    const version = await call('masks.save', { photoId: target.id, png: await grayPng(leftColumns(80, 120, 20), 80, 120) });
    expect(version.blurFraction).toBeCloseTo(0.25, 10);
  });

  it('refuses soft, color and empty masks and bad ids, and stores nothing', async () => {
    const target = photo('a/two.jpg');
    const { width, height } = target;
    const dataset = (await call('datasets.list', {}))[0]!;
    const soft = leftColumns(width, height, 10);
    soft[5] = 200;
    expect((await failure(call('masks.save', { photoId: target.id, png: await grayPng(soft, width, height) }))).message).toMatch(/binary.*pixel \(5, 0\) is 200/);
    const rgb = new Uint8Array(await sharp(Buffer.from(leftColumns(width, height, 10)), { raw: { width, height, channels: 1 } }).toColorspace('srgb').png().toBuffer());
    expect((await failure(call('masks.save', { photoId: target.id, png: rgb }))).message).toMatch(/8-bit single-channel/);
    const empty = await failure(call('masks.save', { photoId: target.id, png: new Uint8Array(0) }));
    expect(empty.code).toBe('invalid-input');
    const notBytes = await failure(services.core.call('masks.save', { photoId: target.id, png: 'iVBORw0KGgo=' }));
    expect(notBytes.code).toBe('invalid-input');
    const png = await grayPng(leftColumns(width, height, 10), width, height);
    expect((await failure(call('masks.save', { photoId: 999_999, png }))).code).toBe('not-found');
    expect((await failure(call('masks.save', { photoId: target.id, datasetId: 999_999, png }))).code).toBe('not-found');
    expect(await call('masks.history', { photoId: target.id, datasetId: dataset.id })).toEqual([]);
    expect((await call('library.photo', { id: target.id })).status).toBe('none');
  });
});

describe('masks.setStatus', () => {
  it('marks a saved mask reviewed without a new version, and refuses a photo without a mask', async () => {
    const target = photo('a/three.jpg');
    const dataset = (await call('datasets.list', {}))[0]!;
    const missing = await failure(call('masks.setStatus', { photoId: target.id, datasetId: dataset.id, status: 'reviewed' }));
    expect(missing.code).toBe('conflict');
    expect(missing.message).toMatch(/three\.jpg has no mask in this dataset yet/);

    await call('masks.save', { photoId: target.id, datasetId: dataset.id, png: await grayPng(leftColumns(target.width, target.height, 5), target.width, target.height) });
    const item = await call('masks.setStatus', { photoId: target.id, datasetId: dataset.id, status: 'reviewed' });
    expect(item.status).toBe('reviewed');
    expect(item.photo.status).toBe('reviewed');
    expect(await call('masks.history', { photoId: target.id, datasetId: dataset.id })).toHaveLength(1);
    expect((await call('masks.setStatus', { photoId: target.id, datasetId: dataset.id, status: 'corrected' })).photo.status).toBe('corrected');
    expect((await failure(call('masks.setStatus', { photoId: target.id, datasetId: 999_999, status: 'reviewed' }))).code).toBe('not-found');
  });
});

describe('library.walk', () => {
  it("walks the grid's order both ways and stops at its ends", async () => {
    const order = (await call('library.query', { sort: 'path' })).photos.map((entry) => entry.relPath);
    expect(order).toEqual(['a/one.jpg', 'a/three.jpg', 'a/two.jpg', 'b/five.jpg', 'b/four.jpg', 'turned.jpg']);
    const next = await call('library.walk', { photoId: photo('a/three.jpg').id, direction: 'next' });
    expect(next).toMatchObject({ index: 2, total: 6 });
    expect(next?.photo.relPath).toBe('a/two.jpg');
    expect((await call('library.walk', { photoId: photo('a/three.jpg').id, direction: 'previous' }))?.photo.relPath).toBe('a/one.jpg');
    expect(await call('library.walk', { photoId: photo('turned.jpg').id, direction: 'next' })).toBeNull();
    expect(await call('library.walk', { photoId: photo('a/one.jpg').id, direction: 'previous' })).toBeNull();
    // The sort and filters of the grid are the walk's.
    const byNameDesc = await call('library.walk', { photoId: photo('a/two.jpg').id, direction: 'next', sort: 'name', order: 'desc' });
    // two, turned, three, one, four, five.
    expect(byNameDesc?.photo.relPath).toBe('turned.jpg');
    const inFolder = await call('library.walk', { photoId: photo('b/five.jpg').id, direction: 'next', folder: 'b' });
    expect(inFolder).toMatchObject({ index: 1, total: 2 });
  });

  it('skips reviewed photos for "next unreviewed"', async () => {
    // a/one.jpg is reviewed (second save); a/three.jpg corrected; the rest none.
    const fromStart = await call('library.walk', { photoId: photo('turned.jpg').id, direction: 'previous', unreviewed: true });
    expect(fromStart?.photo.relPath).toBe('b/four.jpg');
    const skipped = await call('library.walk', { photoId: photo('a/one.jpg').id, direction: 'next', unreviewed: true });
    expect(skipped?.photo.relPath).toBe('a/three.jpg');
    const back = await call('library.walk', { photoId: photo('a/three.jpg').id, direction: 'previous', unreviewed: true });
    expect(back).toBeNull();
  });

  it('goes on from a photo that left a status-filtered grid', async () => {
    // Filtered to photos without a mask, a/three.jpg (corrected) is no longer shown.
    const step = await call('library.walk', { photoId: photo('a/three.jpg').id, direction: 'next', status: ['none'] });
    expect(step?.photo.relPath).toBe('a/two.jpg');
    expect(step).toMatchObject({ index: 0 });
    expect(step?.total).toBe((await call('library.query', { status: ['none'] })).total);
  });
});

describe('predictions.current', () => {
  it('is null before detection and returns the probability map at the photo size after', async () => {
    const target = photo('b/four.jpg');
    expect(await call('predictions.current', { photoId: target.id })).toBeNull();
    const { jobId } = await call('detect.run', { photoIds: [target.id] });
    const job = await services.jobs.wait(jobId);
    expect(job.state).toBe('done');
    const prediction = await call('predictions.current', { photoId: target.id });
    expect(prediction).toMatchObject({ photoId: target.id, width: target.width, height: target.height, device: 'cpu' });
    expect(prediction?.modelName).toMatch(/\S/);
    const pixels = await grayPixels(prediction!.png);
    expect([pixels.width, pixels.height]).toEqual([target.width, target.height]);
    expect((await call('library.photo', { id: target.id })).status).toBe('predicted');
  });
});

describe('over HTTP', () => {
  it('carries the mask PNG as bytes through the JSON codec and back', async () => {
    const server = await startServer({ core: services.core, port: 0 });
    try {
      const transport: Transport = {
        async call(method, input) {
          const response = await fetch(new URL(`/api/${method}`, server.url), {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
            body: encodeJson(input),
          });
          const envelope = decodeJson(await response.text()) as Envelope<unknown>;
          if (!envelope.ok) throw StudioError.fromPayload(envelope.error);
          return envelope.value;
        },
        subscribe: () => () => {},
        resourceUrl: () => '',
      };
      const client = createClient(transport);
      const target = photo('b/five.jpg');
      const pixels = leftColumns(target.width, target.height, 7);
      const version = await client.call('masks.save', { photoId: target.id, png: await grayPng(pixels, target.width, target.height), status: 'reviewed' });
      const current = await client.call('masks.current', { photoId: target.id, datasetId: version.datasetId });
      expect(current?.png).toBeInstanceOf(Uint8Array);
      expect((await grayPixels(current!.png)).data).toEqual(pixels);
      const refused = await failure(client.call('masks.save', { photoId: target.id, png: await grayPng(leftColumns(target.width + 1, target.height, 7), target.width + 1, target.height) }));
      expect(refused.code).toBe('bad-image');
    } finally {
      await server.close();
    }
  });
});
