/**
 * `defusion finetune` before any training: its usage errors (exit status 2, with the
 * usage text), a database or dataset that does not exist, and the old/new table it
 * prints for people. The run itself is tested end to end in test/integration.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationMetrics, FinetuneResult, ModelRecord, ModelEvaluation } from '../../../electron/api/types';
import { formatComparison, run } from '../../../electron/cli/commands/finetune';
import { Store } from '../../../electron/core/store/store';

function capture(): { streams: { stdout: Writable; stderr: Writable }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stream = (append: (text: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  return { streams: { stdout: stream((t) => (out += t)), stderr: stream((t) => (err += t)) }, out: () => out, err: () => err };
}

let dir: string;
let dbPath: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-finetune-cli-'));
  dbPath = path.join(dir, 'studio.db');
  const store = Store.open(dbPath, { log: () => {} });
  store.createDataset('garden');
  store.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('defusion finetune usage', () => {
  it('exits 2 with the usage text for missing or bad options', async () => {
    for (const [argv, message] of [
      [[], '--db FILE is required'],
      [['--db', dbPath], '--dataset NAME is required'],
      [['--db', dbPath, '--dataset', 'garden', '--steps', '0'], '--steps must be an integer of at least 1'],
      [['--db', dbPath, '--dataset', 'garden', '--device', 'tpu'], '--device must be auto, cpu or cuda'],
      [['--db', dbPath, '--dataset', 'garden', '--lr', 'fast'], '--lr must be a number'],
      [['--db', dbPath, '--dataset', 'garden', '--frobnicate'], "Unknown option '--frobnicate'"],
      [['--db', path.join(dir, 'none.db'), '--dataset', 'garden'], 'no such database'],
    ] as const) {
      const { streams, err } = capture();
      expect(await run([...argv], streams), argv.join(' ')).toBe(2);
      expect(err()).toContain(message);
      expect(err()).toContain('Usage: defusion finetune');
    }
  });

  it('names the datasets there are when the one asked for is not there, and changes nothing', async () => {
    const { streams, err } = capture();
    expect(await run(['--db', dbPath, '--dataset', 'orchard'], streams)).toBe(2);
    expect(err()).toContain("no dataset 'orchard' in");
    expect(err()).toContain('(datasets: garden)');
  });

  it('prints its help on --help with exit status 0', async () => {
    const { streams, out } = capture();
    expect(await run(['--help'], streams)).toBe(0);
    expect(out()).toContain('--python PATH');
  });
});

describe('formatComparison', () => {
  it('puts old and new side by side with the change and whether it is better', () => {
    const metrics = (mae: number, f: number): EvaluationMetrics => ({ images: 5, mae, meanF: f, maxF: f, maxFThreshold: 0.5, adaptiveF: f, iou: f, auc: null, aucImages: 0 });
    const evaluation = (modelId: number, m: EvaluationMetrics): ModelEvaluation => ({
      id: modelId, modelId, datasetId: 1, split: 'test', metrics: m, curves: { thresholds: [], precision: [], recall: [], fMeasure: [], tpr: [], fpr: [] }, jobId: 'j', createdAt: '',
    });
    const model = (id: number, version: string): ModelRecord => ({
      id, name: 'defusionnet', version, file: `/runs/${version}.onnx`, hash: '', metadata: {}, metrics: null, parentId: id === 2 ? 1 : null, datasetId: 1, active: false, createdAt: '',
    });
    const result = {
      comparison: {
        candidate: model(2, '1.0.0-ft.garden.1'),
        parent: model(1, '1.0.0'),
        datasetId: 1,
        datasetName: 'garden',
        split: 'test',
        candidateEvaluation: evaluation(2, metrics(0.1, 0.8)),
        parentEvaluation: evaluation(1, metrics(0.2, 0.7)),
        delta: null,
        lineage: {},
      },
      steps: 500, checkpointStep: 375, device: 'cpu', python: { path: '/usr/bin/python3', source: 'system', torch: '2', cuda: false },
      trainImages: 90, valImages: 10, testImages: 5, lossCurve: [], validations: [], elapsedSeconds: 60, runDir: '/runs', evaluationFailures: [],
    } satisfies FinetuneResult;
    const text = formatComparison(result);
    expect(text).toContain('Registered defusionnet 1.0.0-ft.garden.1 as model 2 (not active): /runs/1.0.0-ft.garden.1.onnx');
    expect(text).toContain('Trained 500 steps on 90 photos (10 held out for validation) on CPU; exported the step-375 checkpoint.');
    expect(text).toContain("Test split of 'garden', 5 photos (F-measures with beta^2 = 0.3):");
    expect(text).toMatch(/^MAE +0\.2000 +0\.1000 +-0\.1000 \+$/m);
    expect(text).toMatch(/^max F +0\.7000 +0\.8000 +\+0\.1000 \+$/m);
    // No AUC row when the photos have no AUC.
    expect(text).not.toMatch(/^AUC/m);
  });
});
