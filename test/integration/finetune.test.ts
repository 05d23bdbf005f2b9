/**
 * Fine-tuning end to end, on a real studio database: the sample library and synthetic
 * defocus photos imported by `defusion import`, the tiny fixture model active, a short
 * CPU fine-tune by `defusion finetune --json` (the real trainer, the real ONNX export),
 * and the new model found registered with its lineage and with old/new metrics that
 * this test computes again itself. Then the studio's side: the comparison through the
 * API, activate and discard; and a trainer cancelled, or SIGKILLed, mid-run, after
 * which the models table and the active model are exactly as before.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationMetrics, FinetuneProgress, ModelRecord } from '../../electron/api/types';
import { createCoreServices } from '../../electron/core/createCore';
import type { CoreServices } from '../../electron/core/createCore';
import { detectPhoto } from '../../electron/core/detect/detectPhoto';
import { loadModel } from '../../electron/core/detect/engine';
import { loadModelFile } from '../../electron/core/detect/modelContract';
import { readGray, resizeGray } from '../../electron/core/evaluate/evaluateFolders';
import { MetricAccumulator } from '../../electron/core/evaluate/metrics';
import { sha256OfFile } from '../../electron/core/finetune/checkpointTrust';
import { checkpointOf } from '../../electron/core/finetune/modelRegistry';
import { INCOMPLETE_MARKER } from '../../electron/core/finetune/runFolder';
import { Store } from '../../electron/core/store/store';
import { REPO_ROOT, TINY_MODEL } from '../unit/detect/fixturePhotos';
import { writeSyntheticDataset } from '../unit/finetune/syntheticDefocus';
import { defusion } from './defusionCli';

const SAMPLE = path.join(REPO_ROOT, 'datasets', 'sample');
const DATASET = 'finetune-set';
/** A short run at a small crop: the pipeline end to end, in seconds on two busy cores. */
const QUICK = ['--batch-size', '2', '--crop', '64', '--max-side', '256', '--threads', '1'];
const QUICK_INPUT = { device: 'cpu', batchSize: 2, crop: 64, maxSide: 256, threads: 1 } as const;

function withStore<T>(work: (store: Store) => T): T {
  const store = Store.open(dbPath, { log: () => {} });
  try {
    return work(store);
  } finally {
    store.close();
  }
}

/** The registry and the evaluations exactly as stored: what must not change when a run fails. */
function registrySnapshot(store: Store): { models: ModelRecord[]; evaluations: number[][] } {
  const models = store.listModels();
  return { models, evaluations: models.map((model) => store.models.listEvaluations(model.id).map((evaluation) => evaluation.id)) };
}

async function runFolders(): Promise<string[]> {
  const root = path.join(dir, 'finetune');
  return existsSync(root) ? (await readdir(root)).sort() : [];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let dir: string;
let dbPath: string;
let tinyId: number;
/** The fixture model's checkpoint is not the studio's own: every start confirms it by its SHA-256. */
let tinyCheckpointSha: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-finetune-'));
  dbPath = path.join(dir, 'studio.db');
  const synthetic = path.join(dir, 'synthetic');
  await writeSyntheticDataset(synthetic, [
    { stem: 'garden', split: 'train', width: 320, height: 240 },
    { stem: 'market', split: 'train', width: 288, height: 256 },
    { stem: 'harbour', split: 'train', width: 320, height: 224 },
    { stem: 'orchard', split: 'test', width: 256, height: 256 },
  ]);
  for (const folder of [SAMPLE, synthetic]) {
    const imported = await defusion('import', folder, '--db', dbPath, '--dataset', DATASET);
    expect(imported.code, imported.stderr).toBe(0);
  }
  const { info } = await loadModelFile(TINY_MODEL);
  tinyCheckpointSha = await sha256OfFile(checkpointOf(TINY_MODEL));
  tinyId = withStore((store) => {
    const model = store.registerModel({ name: info.name, version: info.version, file: info.path, hash: info.hash, metadata: info.metadata });
    store.activateModel(model.id);
    return model.id;
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('defusion finetune', () => {
  let done: {
    jobId: string;
    model: { id: number; parentId: number; datasetId: number; active: boolean; file: string; version: string };
    metrics: { old: EvaluationMetrics; new: EvaluationMetrics };
    delta: Record<string, number>;
    testImages: number;
    trainImages: number;
    runDir: string;
  };

  it('trains on CPU, exports, registers the new version (not active) with its lineage and honest old/new metrics', async () => {
    const started = Date.now();
    const result = await defusion('finetune', '--db', dbPath, '--dataset', DATASET, '--steps', '6', '--device', 'cpu', ...QUICK, '--trust-checkpoint', tinyCheckpointSha, '--json');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown> & { event: string });
    expect(lines[0]).toMatchObject({ event: 'start', device: 'cpu', steps: 6, parentModelId: tinyId, python: { torch: expect.any(String) } });
    const progress = lines.filter((line) => line.event === 'progress') as unknown as FinetuneProgress[];
    const trainingSteps = progress.filter((line) => line.phase === 'training').map((line) => line.step);
    expect(trainingSteps.at(-1)).toBe(6);
    expect(trainingSteps).toEqual([...trainingSteps].sort((a, b) => a - b));
    expect(progress.map((line) => line.phase)).toEqual(expect.arrayContaining(['training', 'exporting', 'evaluating', 'registering', 'done']));
    expect(lines.some((line) => line.event === 'validation')).toBe(true);
    expect(lines.at(-1)?.event).toBe('done');
    done = lines.at(-1) as unknown as typeof done;
    // The human summary goes to stderr with --json; stdout is only JSON.
    expect(result.stderr).toMatch(/^Device: CPU/m);

    const sampleTrain = (await readFile(path.join(SAMPLE, 'train.txt'), 'utf8')).split('\n').filter(Boolean).length;
    const sampleTest = (await readFile(path.join(SAMPLE, 'test.txt'), 'utf8')).split('\n').filter(Boolean).length;
    // 10 % of the train split is held out for validation by the trainer.
    expect(done.trainImages + Math.round((sampleTrain + 3) * 0.1)).toBe(sampleTrain + 3);
    expect(done.testImages).toBe(sampleTest + 1);

    withStore((store) => {
      const models = store.listModels();
      expect(models.map((model) => [model.id, model.active])).toEqual([[tinyId, true], [done.model.id, false]]);
      const candidate = store.getModel(done.model.id)!;
      const dataset = store.findDatasetByName(DATASET)!;
      expect(candidate).toMatchObject({ parentId: tinyId, datasetId: dataset.id, active: false, name: 'defusionnet-tiny-fixture', version: '0.0.1-ft.finetune-set.1' });
      const parent = store.getModel(tinyId)!;
      expect(candidate.metadata).toMatchObject({
        finetune_parent_id: String(tinyId),
        finetune_parent_hash: parent.hash,
        finetune_dataset: DATASET,
        finetune_dataset_id: String(dataset.id),
        finetune_split: 'train',
        finetune_steps: '6',
        finetune_train_images: String(done.trainImages),
        finetune_device: 'cpu',
        finetune_job: done.jobId,
        contract: 'defusion-model/1',
        input_size: '64',
      });
      // The registry's metrics are the new model's test numbers, as stored with the evaluation.
      const candidateEvaluation = store.models.evaluationOfJob(candidate.id, done.jobId)!;
      const parentEvaluation = store.models.evaluationOfJob(tinyId, done.jobId)!;
      expect(candidateEvaluation.metrics).toEqual(done.metrics.new);
      expect(parentEvaluation.metrics).toEqual(done.metrics.old);
      expect(candidate.metrics).toMatchObject({ mae: done.metrics.new.mae, maxF: done.metrics.new.maxF, iou: done.metrics.new.iou, images: done.testImages });
      expect(candidateEvaluation.curves.precision).toHaveLength(256);
      expect(candidateEvaluation).toMatchObject({ datasetId: dataset.id, split: 'test' });
      expect(done.delta.mae).toBeCloseTo(done.metrics.new.mae - done.metrics.old.mae, 12);
    });

    // The files: a contract-abiding ONNX whose hash is the registry's, its checkpoint, no marker.
    const bytes = await readFile(done.model.file);
    const candidate = withStore((store) => store.getModel(done.model.id)!);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(candidate.hash);
    const { info } = await loadModelFile(done.model.file);
    expect(info.metadata.finetune_dataset).toBe(DATASET);
    expect(info.metadata.training_data).toContain(DATASET);
    expect(existsSync(checkpointOf(done.model.file))).toBe(true);
    expect(existsSync(path.join(done.runDir, INCOMPLETE_MARKER))).toBe(false);
    expect(existsSync(path.join(done.runDir, 'last.pt'))).toBe(false);
    expect(Date.now() - started).toBeLessThan(5 * 60_000);
  });

  it('reports metrics that are the models\' own on the test photos (computed again here, not copied)', async () => {
    const items = withStore((store) => {
      const dataset = store.findDatasetByName(DATASET)!;
      return store
        .listDatasetItems(dataset.id)
        .filter((item) => item.split === 'test' && (item.status === 'reviewed' || item.status === 'corrected'))
        .map((item) => {
          const location = store.getPhotoLocation(item.photoId)!;
          return { absPath: path.join(location.rootPath, location.photo.relPath), mask: store.getCurrentMask(item.photoId, dataset.id)!.png };
        });
    });
    expect(items).toHaveLength(done.testImages);
    const recomputed: EvaluationMetrics[] = [];
    for (const file of [TINY_MODEL, done.model.file]) {
      // The job's own session settings (CPU, default threads): the same arithmetic, the same numbers.
      const model = await loadModel(file, { device: 'cpu' });
      const accumulator = new MetricAccumulator();
      for (const item of items) {
        const gt = await readGray(item.mask);
        let map = await readGray((await detectPhoto(model, item.absPath)).probabilityPng);
        if (map.width !== gt.width || map.height !== gt.height) map = await resizeGray(map, gt.width, gt.height);
        accumulator.add({ levels: map.pixels }, gt.pixels);
      }
      await model.session.release();
      const summary = accumulator.summary();
      recomputed.push({ ...summary });
    }
    for (const [index, stored] of [done.metrics.old, done.metrics.new].entries()) {
      for (const key of ['mae', 'meanF', 'maxF', 'adaptiveF', 'iou'] as const) {
        expect(stored[key], `${index === 0 ? 'old' : 'new'} ${key}`).toBeCloseTo(recomputed[index]![key], 9);
      }
      expect(stored.images).toBe(recomputed[index]!.images);
    }
    // Two different models, measured separately: their numbers are not one copied into the other.
    expect(done.metrics.new.mae).not.toBe(done.metrics.old.mae);
  });

  it('shows the comparison through the API, activates the candidate, and discards it (never the active model)', async () => {
    const services = await createCoreServices({ dbPath, watch: false, scanOnStart: false, device: 'cpu', log: () => {} });
    try {
      const { core } = services;
      const changes: ModelRecord[][] = [];
      core.on('models.onDidChange', (models) => changes.push(models));
      const comparison = await core.call('finetune.results', { modelId: done.model.id });
      expect(comparison).toMatchObject({ candidate: { id: done.model.id }, parent: { id: tinyId }, datasetName: DATASET, split: 'test' });
      expect(comparison.candidateEvaluation?.metrics).toEqual(done.metrics.new);
      expect(comparison.parentEvaluation?.metrics).toEqual(done.metrics.old);
      expect(comparison.candidateEvaluation?.curves.recall).toHaveLength(256);
      expect(comparison.lineage).toMatchObject({ finetune_steps: '6', finetune_split: 'train' });
      expect((await core.call('finetune.status', { jobId: done.jobId })).job.state).toBe('done');

      await expect(core.call('models.discard', { id: tinyId })).rejects.toMatchObject({ code: 'conflict' });
      expect((await core.call('models.activate', { id: done.model.id })).active).toBe(true);
      expect((await core.call('detect.status', {})).model?.file).toBe(done.model.file);
      await expect(core.call('models.discard', { id: done.model.id })).rejects.toMatchObject({ code: 'conflict' });
      await core.call('models.activate', { id: tinyId });
      const discarded = await core.call('models.discard', { id: done.model.id });
      expect(discarded.removedFiles).toEqual(expect.arrayContaining([done.model.file, checkpointOf(done.model.file)]));
      expect(existsSync(done.runDir)).toBe(false);
      expect((await core.call('models.list', {})).map((model) => [model.id, model.active])).toEqual([[tinyId, true]]);
      expect(changes.length).toBeGreaterThanOrEqual(3);
      // The fixture model the user brought is never touched.
      expect(existsSync(TINY_MODEL) && existsSync(checkpointOf(TINY_MODEL))).toBe(true);
    } finally {
      await services.core.close();
    }
  });
});

describe('a fine-tune that does not finish', () => {
  let services: CoreServices;

  beforeAll(async () => {
    services = await createCoreServices({ dbPath, watch: false, scanOnStart: false, device: 'cpu', log: () => {} });
  });

  afterAll(async () => {
    await services.core.close();
  });

  /** Starts a long run and resolves once the trainer is past its first step. */
  async function startLongRun(): Promise<{ jobId: string; pid: number; events: FinetuneProgress[] }> {
    const events: FinetuneProgress[] = [];
    services.core.on('finetune.onDidProgress', (progress) => events.push(progress));
    const datasetId = services.store.findDatasetByName(DATASET)!.id;
    const { jobId } = await services.core.call('finetune.start', { datasetId, steps: 100_000, ...QUICK_INPUT, trustCheckpoint: tinyCheckpointSha });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const last = events.filter((event) => event.jobId === jobId).at(-1);
      if (last && last.phase === 'training' && last.step >= 1 && last.trainerPid !== null) return { jobId, pid: last.trainerPid, events };
      if (Date.now() > deadline) throw new Error(`the trainer did not start: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('leaves the models table and the active model unchanged when cancelled mid-run', async () => {
    const before = registrySnapshot(services.store);
    const foldersBefore = await runFolders();
    const { jobId, pid } = await startLongRun();
    expect(alive(pid)).toBe(true);
    expect((await services.core.call('finetune.status', { jobId })).progress?.phase).toBe('training');

    expect(await services.core.call('jobs.cancel', { id: jobId })).toEqual({ cancelled: true });
    const job = await services.jobs.wait(jobId);
    expect(job.state).toBe('cancelled');
    expect(alive(pid)).toBe(false);
    expect(registrySnapshot(services.store)).toEqual(before);
    expect(services.store.getActiveModel()?.id).toBe(tinyId);
    expect(await runFolders()).toEqual(foldersBefore);
    expect((await services.core.call('finetune.status', { jobId })).progress).toMatchObject({ phase: 'cancelled', trainerPid: null });
    // A second Store on the file sees the same: nothing was written behind the studio's back.
    expect(withStore(registrySnapshot)).toEqual(before);
  });

  it('leaves them unchanged when the trainer process is killed (SIGKILL), and says so', async () => {
    const before = registrySnapshot(services.store);
    const foldersBefore = await runFolders();
    const { jobId, pid } = await startLongRun();
    process.kill(pid, 'SIGKILL');
    const job = await services.jobs.wait(jobId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^The trainer was ended by signal SIGKILL at step \d+ of 100000/);
    expect(registrySnapshot(services.store)).toEqual(before);
    expect(services.store.getActiveModel()?.id).toBe(tinyId);
    expect(await runFolders()).toEqual(foldersBefore);
    expect(withStore(registrySnapshot)).toEqual(before);
  });

  it('refuses at once, registering nothing, without a torch Python, training photos or a checkpoint', async () => {
    const before = registrySnapshot(services.store);
    const datasetId = services.store.findDatasetByName(DATASET)!.id;

    // Any program may be named python3: this one leaves a mark, then starts Python without its packages.
    const noTorch = path.join(dir, 'bin', 'python3');
    const ran = path.join(dir, 'bin', 'ran');
    await mkdir(path.dirname(noTorch));
    await writeFile(noTorch, `#!/bin/sh\necho ran >> ${ran}\nexec /usr/bin/python3 -S "$@"\n`);
    await chmod(noTorch, 0o755);
    // A caller cannot name it: the input is refused and nothing runs.
    const named = { datasetId, steps: 5, ...QUICK_INPUT, python: noTorch } as unknown as { datasetId: number };
    await expect(services.core.call('finetune.start', named)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('python') });
    expect(existsSync(ran)).toBe(false);
    // Chosen by the user (DEFUSION_PYTHON): checked, found to be no interpreter of its own, refused with the install steps.
    process.env.DEFUSION_PYTHON = noTorch;
    try {
      await expect(services.core.call('finetune.start', { datasetId, steps: 5, ...QUICK_INPUT, trustCheckpoint: tinyCheckpointSha })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/not a Python interpreter itself: it started \/usr\/bin\/python3[\s\S]*apt-get install python3-torch/),
      });
    } finally {
      delete process.env.DEFUSION_PYTHON;
    }

    const empty = await services.core.call('datasets.create', { name: 'nothing-to-learn' });
    await expect(services.core.call('finetune.start', { datasetId: empty.id, steps: 5 })).rejects.toMatchObject({ code: 'invalid-input' });

    // The fixture with one more protobuf field (model_version = 7): another valid model
    // file, another hash, and no checkpoint next to it.
    const withoutCheckpoint = path.join(dir, 'no-checkpoint.onnx');
    await writeFile(withoutCheckpoint, Buffer.concat([await readFile(TINY_MODEL), Buffer.from([0x28, 0x07])]));
    const { info } = await loadModelFile(withoutCheckpoint);
    const bare = services.store.registerModel({ name: 'bare', version: '1', file: withoutCheckpoint, hash: info.hash });
    expect(bare.id).not.toBe(tinyId);
    services.store.activateModel(bare.id);
    try {
      await expect(services.core.call('finetune.start', { datasetId, steps: 5 })).rejects.toMatchObject({
        code: 'unsupported',
        message: expect.stringContaining(`${path.join(dir, 'no-checkpoint.pt')}`),
      });
    } finally {
      services.store.activateModel(tinyId);
      services.store.models.deleteModel(bare.id);
    }
    expect(registrySnapshot(services.store)).toEqual(before);
    expect(await runFolders()).toEqual([]);
  });

  it('refuses a checkpoint the studio did not make before any Python runs, until the user confirms that very file', async () => {
    const before = registrySnapshot(services.store);
    const datasetId = services.store.findDatasetByName(DATASET)!.id;
    // A model "downloaded from the internet": the fixture's ONNX with one more protobuf
    // field (another hash), and next to it a checkpoint that is a pickle running a command.
    const downloads = path.join(dir, 'Downloads');
    await mkdir(downloads, { recursive: true });
    const model = path.join(downloads, 'fancy-defusionnet.onnx');
    const marker = path.join(downloads, 'pwned');
    await writeFile(model, Buffer.concat([await readFile(TINY_MODEL), Buffer.from([0x28, 0x09])]));
    await writeFile(path.join(downloads, 'fancy-defusionnet.pt'), `cos\nsystem\n(S'touch ${marker}'\ntR.`);
    const { info } = await loadModelFile(model);
    const fancy = services.store.registerModel({ name: 'fancy', version: '1', file: model, hash: info.hash });
    services.store.activateModel(fancy.id);
    try {
      const sha256 = await sha256OfFile(path.join(downloads, 'fancy-defusionnet.pt'));
      const refused = await services.core.call('finetune.start', { datasetId, steps: 5, ...QUICK_INPUT }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'forbidden', details: { checkpoint: path.join(downloads, 'fancy-defusionnet.pt'), sha256 } });
      expect((refused as Error).message).toContain('can run code');
      // Confirming another file (the fixture's) is no confirmation of this one.
      await expect(services.core.call('finetune.start', { datasetId, steps: 5, ...QUICK_INPUT, trustCheckpoint: tinyCheckpointSha })).rejects.toMatchObject({ code: 'forbidden' });
      // The CLI says the same, and how to confirm.
      const cli = await defusion('finetune', '--db', dbPath, '--dataset', DATASET, '--steps', '5', '--device', 'cpu', ...QUICK);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(`--trust-checkpoint ${sha256}`);
      expect(existsSync(marker), 'nothing loaded the pickle').toBe(false);
    } finally {
      services.store.activateModel(tinyId);
      services.store.models.deleteModel(fancy.id);
    }
    expect(registrySnapshot(services.store)).toEqual(before);
    expect(await runFolders()).toEqual([]);
  });
});
