/**
 * The registry side of fine-tuning on a real SQLite file and real model files: stored
 * evaluations, removing a model (never the active one), activating a candidate only when
 * its file is the one that was measured, and discarding that removes the studio's own
 * run folder but never a model file the user brought.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/api/errors';
import type { EvaluationCurves, EvaluationMetrics, ModelRecord } from '../../../electron/api/types';
import { loadModelFile } from '../../../electron/core/detect/modelContract';
import { checkpointOf, ModelRegistry } from '../../../electron/core/finetune/modelRegistry';
import { createRunFolder, INCOMPLETE_MARKER, isInside } from '../../../electron/core/finetune/runFolder';
import { Store } from '../../../electron/core/store/store';
import { TINY_MODEL } from '../detect/fixturePhotos';
import { fakePng } from '../store/helpers';

const METRICS: EvaluationMetrics = { images: 2, mae: 0.2, meanF: 0.7, maxF: 0.8, maxFThreshold: 0.4, adaptiveF: 0.6, iou: 0.5, auc: 0.9, aucImages: 2 };
const CURVES: EvaluationCurves = { thresholds: [0, 1], precision: [0.5, 1], recall: [1, 0], fMeasure: [0.6, 0], tpr: [1, 0], fpr: [1, 0] };

let dir: string;
let store: Store;
let runsRoot: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-registry-'));
  runsRoot = path.join(dir, 'finetune');
  store = Store.open(path.join(dir, 'studio.db'), { log: () => {} });
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Copies the tiny model (and its checkpoint) into `folder` and registers it. */
async function registerCopy(folder: string, name: string, extra: Partial<Parameters<Store['registerModel']>[0]> = {}): Promise<ModelRecord> {
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${name}.onnx`);
  await copyFile(TINY_MODEL, file);
  await copyFile(checkpointOf(TINY_MODEL), checkpointOf(file));
  const { info } = await loadModelFile(file);
  return store.registerModel({ name, version: '1', file, hash: info.hash, metadata: info.metadata, ...extra });
}

/** Writes model-like files that differ from every other model (the registry keys models by hash). */
async function registerOther(folder: string, name: string, extra: Partial<Parameters<Store['registerModel']>[0]> = {}): Promise<ModelRecord> {
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${name}.onnx`);
  await writeFile(file, `weights of ${name}`);
  await writeFile(checkpointOf(file), `checkpoint of ${name}`);
  return store.registerModel({ name, version: '1', file, hash: `hash-of-${name}`, ...extra });
}

describe('ModelTables', () => {
  it('stores evaluations per model, dataset, split and job, newest first', () => {
    const dataset = store.createDataset('garden');
    const a = store.registerModel({ name: 'a', version: '1', file: '/a.onnx', hash: 'ha' });
    const b = store.registerModel({ name: 'b', version: '1', file: '/b.onnx', hash: 'hb', parentId: a.id, datasetId: dataset.id });
    expect(b).toMatchObject({ parentId: a.id, datasetId: dataset.id, active: false });
    const first = store.models.saveEvaluation({ modelId: a.id, datasetId: dataset.id, split: 'test', metrics: METRICS, curves: CURVES, jobId: 'j1' });
    const second = store.models.saveEvaluation({ modelId: a.id, datasetId: dataset.id, split: 'test', metrics: { ...METRICS, mae: 0.1 }, curves: CURVES, jobId: 'j2' });
    expect(first).toMatchObject({ modelId: a.id, datasetId: dataset.id, split: 'test', metrics: METRICS, curves: CURVES, jobId: 'j1' });
    expect(store.models.latestEvaluation(a.id, dataset.id, 'test')?.id).toBe(second.id);
    expect(store.models.latestEvaluation(a.id, dataset.id, 'train')).toBeUndefined();
    expect(store.models.evaluationOfJob(a.id, 'j1')?.id).toBe(first.id);
    expect(store.models.listEvaluations(a.id).map((e) => e.id)).toEqual([second.id, first.id]);
    expect(store.models.getByHash('hb')?.id).toBe(b.id);
  });

  it('deletes a model with its evaluations and predictions; masks and children keep theirs without it; the active one is refused', () => {
    const dataset = store.createDataset('garden');
    const root = store.addRoot('/photos');
    const photo = store.upsertPhoto(root.id, 'a.jpg', 1, { hash: 'p1', byteSize: 1, width: 4, height: 4, format: 'jpeg', capturedAt: null, camera: null, lens: null, fNumber: null, focalLength: null });
    store.addDatasetItem(dataset.id, photo.id);
    const parent = store.registerModel({ name: 'a', version: '1', file: '/a.onnx', hash: 'ha' });
    const candidate = store.registerModel({ name: 'a', version: '1-ft', file: '/b.onnx', hash: 'hb', parentId: parent.id, datasetId: dataset.id });
    const child = store.registerModel({ name: 'a', version: '1-ft-ft', file: '/c.onnx', hash: 'hc', parentId: candidate.id });
    store.savePrediction({ photoId: photo.id, modelId: candidate.id, png: fakePng(1), width: 4, height: 4, meanProbability: 0.5, uncertainty: 0.5, device: 'cpu', durationMs: 1 });
    const version = store.saveMaskVersion({ photoId: photo.id, datasetId: dataset.id, png: fakePng(2), author: 'model', modelId: candidate.id, status: 'predicted', blurFraction: 0.5 });
    store.models.saveEvaluation({ modelId: candidate.id, datasetId: dataset.id, split: 'test', metrics: METRICS, curves: CURVES });
    store.activateModel(parent.id);

    expect(() => store.models.deleteModel(parent.id)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => store.models.deleteModel(999)).toThrow(expect.objectContaining({ code: 'not-found' }));
    expect(store.models.deleteModel(candidate.id).id).toBe(candidate.id);
    expect(store.getModel(candidate.id)).toBeUndefined();
    expect(store.models.listEvaluations(candidate.id)).toEqual([]);
    expect(store.getPrediction(photo.id, candidate.id)).toBeUndefined();
    expect(store.getMaskVersion(version.id)?.version.modelId).toBeNull();
    expect(store.getModel(child.id)?.parentId).toBeNull();
    expect(store.getActiveModel()?.id).toBe(parent.id);
  });
});

describe('ModelRegistry', () => {
  function registry(changes: ModelRecord[][] = [], busy: number | null = null): ModelRegistry {
    return new ModelRegistry({
      store,
      runsRoot: () => runsRoot,
      busy: (id) => (id === busy ? 'being fine-tuned' : null),
      onModelsChanged: (models) => changes.push(models),
    });
  }

  it('activates a candidate whose file is the one registered, and tells listeners', async () => {
    const changes: ModelRecord[][] = [];
    const candidate = await registerCopy(await createRunFolder(runsRoot, 'garden'), 'candidate');
    const active = await registry(changes).activate(candidate.id);
    expect(active).toMatchObject({ id: candidate.id, active: true });
    expect(store.getActiveModel()?.id).toBe(candidate.id);
    expect(changes.at(-1)?.find((model) => model.id === candidate.id)?.active).toBe(true);
  });

  it('refuses to activate a model whose file is gone or changed since it was measured', async () => {
    const folder = path.join(dir, 'user');
    const measured = await registerCopy(folder, 'measured');
    // A registry row whose hash is not that of the file now at its path.
    const tampered = store.registerModel({ name: 'x', version: '1', file: measured.file, hash: 'not-the-hash' });
    await expect(registry().activate(tampered.id)).rejects.toMatchObject({ code: 'conflict' });
    const gone = store.registerModel({ name: 'y', version: '1', file: path.join(folder, 'gone.onnx'), hash: 'gone' });
    await expect(registry().activate(gone.id)).rejects.toMatchObject({ code: 'not-found' });
    await expect(registry().activate(12345)).rejects.toBeInstanceOf(StudioError);
    expect(store.getActiveModel()).toBeUndefined();
  });

  it('discards a candidate with its whole run folder, but never the active model or the parent of a running fine-tune', async () => {
    const parent = await registerCopy(path.join(dir, 'user'), 'parent');
    store.activateModel(parent.id);
    const runDir = await createRunFolder(runsRoot, 'garden');
    await writeFile(path.join(runDir, 'trainer.log'), 'log\n');
    const candidate = await registerOther(runDir, 'candidate', { parentId: parent.id });
    const changes: ModelRecord[][] = [];

    await expect(registry().discard(parent.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/active model/) });
    await expect(registry([], candidate.id).discard(candidate.id)).rejects.toMatchObject({ code: 'conflict', message: 'being fine-tuned' });
    expect(existsSync(candidate.file)).toBe(true);

    const result = await registry(changes).discard(candidate.id);
    expect(result.discarded.id).toBe(candidate.id);
    expect(result.removedFiles.sort()).toEqual(
      [candidate.file, checkpointOf(candidate.file), path.join(runDir, 'trainer.log'), path.join(runDir, INCOMPLETE_MARKER)].sort(),
    );
    expect(result.keptFiles).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
    expect(store.getModel(candidate.id)).toBeUndefined();
    expect(changes.at(-1)?.map((model) => model.id)).toEqual([parent.id]);
    // The parent's own files are untouched.
    expect(existsSync(parent.file) && existsSync(checkpointOf(parent.file))).toBe(true);
  });

  it('discards a model the user brought from the registry only, keeping its files', async () => {
    const brought = await registerOther(path.join(dir, 'user'), 'brought');
    const result = await registry().discard(brought.id);
    expect(result.removedFiles).toEqual([]);
    expect(result.keptFiles).toEqual([brought.file, checkpointOf(brought.file)]);
    expect(existsSync(brought.file)).toBe(true);
    expect(store.getModel(brought.id)).toBeUndefined();
    expect(isInside(runsRoot, brought.file)).toBe(false);
  });
});

describe('run folders', () => {
  it('are made fresh and marked incomplete', async () => {
    const a = await createRunFolder(runsRoot, 'Mes Photos / été', new Date('2025-06-01T12:00:00Z'));
    const b = await createRunFolder(runsRoot, 'Mes Photos / été', new Date('2025-06-01T12:00:00Z'));
    expect(a).not.toBe(b);
    expect(path.basename(a)).toMatch(/^20250601-120000-mes-photos-ete-[0-9a-f]{6}$/);
    expect(existsSync(path.join(a, INCOMPLETE_MARKER))).toBe(true);
    expect(isInside(runsRoot, a)).toBe(true);
    expect(isInside(runsRoot, runsRoot)).toBe(false);
    expect(isInside(runsRoot, path.join(runsRoot, '..', 'x'))).toBe(false);
  });
});
