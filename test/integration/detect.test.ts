/**
 * Detection as users run it: the real `defusion detect` and `defusion evaluate` commands
 * as child processes on folders of real photos (one of them corrupt), a bad model on the
 * command line, and detection jobs through createCore with a real SQLite store:
 * predictions stored, job progress events, a failed photo reported, cancel.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DetectJobResult, Job } from '../../electron/api/types';
import { createCoreServices } from '../../electron/core/createCore';
import { DetectWorkerPool, defaultWorkerCount } from '../../electron/core/detect/workerPool';
import type { CoreServices } from '../../electron/core/createCore';
import { Gate } from '../fixtures/gate';
import { FIXTURE_MODELS, REPO_ROOT, SAMPLE_GT, SAMPLE_IMAGES, TINY_MODEL, writePhoto } from '../unit/detect/fixturePhotos';
import { defusion } from './defusionCli';


async function pngInfo(file: string): Promise<{ width: number; height: number; channels: number }> {
  const metadata = await sharp(file).metadata();
  return { width: metadata.width!, height: metadata.height!, channels: metadata.channels! };
}

let dir: string;
let photos: string;
let corrupt: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-detect-'));
  photos = path.join(dir, 'photos');
  await mkdir(path.join(photos, 'trip'), { recursive: true });
  await writePhoto(path.join(photos, 'wide.jpg'), { width: 640, height: 360, seed: 1 });
  // Stored 480 x 320, shown (and mapped) 320 x 480.
  await writePhoto(path.join(photos, 'turned.jpg'), { width: 480, height: 320, seed: 2, orientation: 6 });
  await writePhoto(path.join(photos, 'trip', 'lake.png'), { width: 300, height: 300, seed: 3, format: 'png' });
  const whole = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#7f7f7f' } }).jpeg().toBuffer();
  corrupt = path.join(photos, 'corrupt.jpg');
  await writeFile(corrupt, whole.subarray(0, Math.floor(whole.length / 3)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('defusion detect', () => {
  it('writes maps and masks at each photo\'s size, lists the corrupt file, exits 1', async () => {
    const out = path.join(dir, 'out');
    const result = await defusion('detect', photos, '--out', out, '--model', TINY_MODEL, '--masks', '--json');
    expect(result.code, result.stderr).toBe(1);
    // Model and device come first, for people, on stderr when stdout carries JSON.
    expect(result.stderr).toMatch(/^Model: defusionnet-tiny-fixture 0\.0\.1 \(/m);
    expect(result.stderr).toMatch(/^Device: CPU|^Device: /m);
    expect(result.stderr).toContain(`Failed (1):\n  ${corrupt}: `);
    const report = JSON.parse(result.stdout) as {
      device: string;
      fallbacks: { device: string; reason: string }[];
      model: { name: string; hash: string };
      results: { input: string; output: string; mask: string; width: number; height: number; meanProbability: number; uncertainty: number }[];
      failures: { input: string; reason: string }[];
    };
    expect(report.model.name).toBe('defusionnet-tiny-fixture');
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]!.input).toBe(corrupt);
    expect(report.failures[0]!.reason).toMatch(/corrupt|truncated/i);
    expect(report.results).toHaveLength(3);

    const expected: Record<string, [number, number]> = { wide: [640, 360], turned: [320, 480], 'trip/lake': [300, 300] };
    for (const [stem, [width, height]] of Object.entries(expected)) {
      expect(await pngInfo(path.join(out, `${stem}.png`)), stem).toEqual({ width, height, channels: 1 });
      expect(await pngInfo(path.join(out, `${stem}_mask.png`)), stem).toEqual({ width, height, channels: 1 });
      const mask = await sharp(path.join(out, `${stem}_mask.png`)).extractChannel(0).raw().toBuffer();
      for (const value of new Set(mask)) expect([0, 255]).toContain(value);
    }
    expect(existsSync(path.join(out, 'corrupt.png'))).toBe(false);
    for (const item of report.results) {
      expect(item.meanProbability).toBeGreaterThanOrEqual(0);
      expect(item.uncertainty).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses a bad model with a message naming it and what is wrong, and writes nothing', async () => {
    const out = path.join(dir, 'out-bad');
    const bad = path.join(FIXTURE_MODELS, 'wrong-input.onnx');
    const result = await defusion('detect', photos, '--out', out, '--model', bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Model file ${bad} breaks the model-file contract: its input is named 'pixels', expected 'image'`);
    expect(existsSync(out)).toBe(false);

    const garbage = await defusion('detect', photos, '--out', out, '--model', path.join(FIXTURE_MODELS, 'not-a-model.onnx'));
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain('not-a-model.onnx is not an ONNX model');

    const missing = await defusion('detect', photos, '--out', out, '--model', path.join(dir, 'nowhere.onnx'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Model file ${path.join(dir, 'nowhere.onnx')} does not exist`);
  });

  it('uses the bundled model without --model, or says clearly that it is missing', async () => {
    const out = path.join(dir, 'out-bundled');
    const result = await defusion('detect', path.join(photos, 'wide.jpg'), '--out', out);
    if (existsSync(path.join(REPO_ROOT, 'models', 'defusionnet-cuhk.onnx'))) {
      expect(result.code, result.stderr).toBe(0);
      expect(await pngInfo(path.join(out, 'wide.png'))).toEqual({ width: 640, height: 360, channels: 1 });
    } else {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('The bundled model models/defusionnet-cuhk.onnx is missing');
      expect(result.stderr).toContain('--model FILE');
    }
  });

  it('exits 2 on usage errors', async () => {
    expect((await defusion('detect', photos)).code).toBe(2);
    expect((await defusion('detect', photos, '--out', dir, '--size', '100')).stderr).toContain('--size must be a positive multiple of 32');
    expect((await defusion('detect', photos, '--out', dir, '--device', 'tpu')).code).toBe(2);
  });
});

describe('defusion evaluate', () => {
  it('scores detect\'s maps against the sample library\'s ground truth and draws the curves', async () => {
    const out = path.join(dir, 'sample-maps');
    const names = ['astronaut', 'coffee', 'forest-path'];
    const detect = await defusion('detect', ...names.map((name) => path.join(SAMPLE_IMAGES, `${name}.jpg`)), '--out', out, '--model', TINY_MODEL, '--masks');
    expect(detect.code, detect.stderr).toBe(0);
    const plots = path.join(dir, 'plots');
    const result = await defusion('evaluate', '--pred', out, '--gt', SAMPLE_GT, '--json', '--plots', plots);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { summary: Record<string, number>; images: { name: string }[]; missingPredictions: string[]; unmatchedPredictions: string[] };
    expect(report.images.map((image) => image.name)).toEqual(names);
    for (const key of ['mae', 'meanF', 'maxF', 'adaptiveF', 'iou', 'auc']) {
      expect(report.summary[key], key).toBeGreaterThanOrEqual(0);
      expect(report.summary[key], key).toBeLessThanOrEqual(1);
    }
    // The _mask files of detect are not taken for unmatched predictions.
    expect(report.unmatchedPredictions).toEqual([]);
    expect(report.missingPredictions.length).toBeGreaterThan(0);
    expect((await readdir(plots)).sort()).toEqual(['f-measure.png', 'f-measure.svg', 'pr.png', 'pr.svg', 'roc.png', 'roc.svg']);

    const table = await defusion('evaluate', '--pred', out, '--gt', SAMPLE_GT);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^overall /m);
    expect(table.stdout).toContain('beta^2 = 0.3');
  });
});

describe('detection jobs in the studio', () => {
  let services: CoreServices;
  let library: string;
  const events: Job[] = [];

  beforeAll(async () => {
    library = path.join(dir, 'library');
    await mkdir(library);
    for (let i = 0; i < 24; i++) await writePhoto(path.join(library, `p${String(i).padStart(2, '0')}.jpg`), { width: 400 + 8 * i, height: 300, seed: 10 + i });
    services = await createCoreServices({
      dbPath: path.join(dir, 'studio.db'),
      watch: false,
      scanOnStart: false,
      modelPath: TINY_MODEL,
      device: 'cpu',
      log: () => {},
    });
    services.core.on('jobs.onDidChange', (job) => {
      if (job.kind === 'detect') events.push(job);
    });
    const opened = await services.core.call('library.open', { paths: [library] });
    await services.jobs.wait(opened.jobId);
  });

  afterAll(async () => {
    await services.core.close();
  });

  it('reports the model and the device', async () => {
    const status = await services.core.call('detect.status', {});
    expect(status).toMatchObject({ requestedDevice: 'cpu', device: 'cpu', fallbacks: [], fallbackReason: null, error: null, workers: defaultWorkerCount() });
    expect(status.model).toMatchObject({ name: 'defusionnet-tiny-fixture', version: '0.0.1', file: TINY_MODEL, inputSize: 64 });
    expect(status.model!.id).toBeGreaterThan(0);
    expect((await services.core.call('models.list', {})).map((model) => model.hash)).toContain(status.model!.hash);
  });

  it('detects chosen photos, stores predictions, reports progress and a failed photo', async () => {
    const page = await services.core.call('library.query', { limit: 100 });
    expect(page.total).toBe(24);
    const chosen = page.photos.slice(0, 4);
    // The file of one photo goes bad after the scan: it fails alone.
    const broken = chosen[3]!;
    await writeFile(path.join(library, broken.relPath), 'no longer a photo');
    events.length = 0;
    const { jobId } = await services.core.call('detect.run', { photoIds: chosen.map((photo) => photo.id) });
    const job = await services.jobs.wait(jobId);
    expect(job.state).toBe('done');
    const result = job.result as DetectJobResult;
    expect(result).toMatchObject({ device: 'cpu', detected: 3, skipped: 0 });
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ photoId: broken.id, relPath: broken.relPath });
    expect(result.failed[0]!.reason).toMatch(/not an image|text file/);

    const states = events.filter((event) => event.id === jobId);
    expect(states[0]!.state).toBe('queued');
    // Progress events are throttled (10/s per job); a fast run may go from 'running'
    // straight to its final state, which always carries the totals.
    expect(states.some((event) => event.state === 'running')).toBe(true);
    expect(states[states.length - 1]).toMatchObject({ state: 'done', done: 4, total: 4 });

    for (const photo of chosen.slice(0, 3)) {
      const resource = await services.core.resource('prediction', photo.id, { modelId: String(result.modelId) });
      expect(resource.mimeType).toBe('image/png');
      const metadata = await sharp(resource.bytes).metadata();
      expect([metadata.width, metadata.height, metadata.channels]).toEqual([photo.width, photo.height, 1]);
      expect((await services.core.call('library.photo', { id: photo.id })).status).toBe('predicted');
      const stored = services.store.getPrediction(photo.id, result.modelId)!;
      expect(stored).toMatchObject({ device: 'cpu', width: photo.width, height: photo.height });
      expect(stored.uncertainty).toBeGreaterThan(0);
      expect(stored.meanProbability).toBeGreaterThan(0);
    }
    await expect(services.core.resource('prediction', broken.id, {})).rejects.toMatchObject({ code: 'not-found' });
  });

  it('detects the photos without a mask or prediction, and can be cancelled', async () => {
    const before = services.store.counts().predictions;
    // Every photo waits at the gate before its inference: the job is cancelled while it
    // certainly runs, and the photos already started finish once the gate opens.
    const gate = new Gate();
    const detect = DetectWorkerPool.prototype.detect;
    const held = vi.spyOn(DetectWorkerPool.prototype, 'detect').mockImplementation(async function (this: DetectWorkerPool, ...args) {
      await gate.pass();
      return detect.apply(this, args);
    });
    let job: Job;
    try {
      const { jobId } = await services.core.call('detect.run', { all: 'unmasked' });
      await gate.reached;
      expect((await services.core.call('jobs.cancel', { id: jobId })).cancelled).toBe(true);
      gate.open();
      job = await services.jobs.wait(jobId);
    } finally {
      gate.open();
      held.mockRestore();
    }
    expect(job.state).toBe('cancelled');
    const stored = services.store.counts().predictions - before;
    expect(stored).toBeGreaterThanOrEqual(1);
    // 20 photos had nothing yet (4 were chosen above); only those started before the cancel were detected.
    expect(stored).toBeLessThan(20);

    // Running it again finishes the rest: only photos still without a prediction.
    const again = await services.core.call('detect.run', { all: 'unmasked' });
    const finished = await services.jobs.wait(again.jobId);
    expect(finished.state).toBe('done');
    expect((finished.result as DetectJobResult).detected).toBe(20 - stored);
    expect(services.store.counts().predictions).toBe(before + 20);
  });

  it('refuses an invalid request before queueing anything', async () => {
    await expect(services.core.call('detect.run', { photoIds: [] })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(services.core.call('detect.run', { all: 'all', size: 100 })).rejects.toMatchObject({ code: 'invalid-input' });
  });
});
