/**
 * The decisions a fine-tune makes before it trains: the trainer's command line, the
 * schedule's defaults for short and long runs, the new model's version, the device.
 */
import { describe, expect, it } from 'vitest';
import { methodSchemas } from '../../../electron/api/methods';
import type { ModelRecord, PythonInfo } from '../../../electron/api/types';
import { baseVersion, logInterval, nextVersion, trainerArgs, validationInterval, warmupSteps } from '../../../electron/core/finetune/finetuneJob';
import type { FinetunePlan } from '../../../electron/core/finetune/finetuneJob';
import { resolveTrainDevice } from '../../../electron/core/finetune/finetuneService';

function model(id: number, name: string, version: string): ModelRecord {
  return { id, name, version, file: `/m/${id}.onnx`, hash: `h${id}`, metadata: {}, metrics: null, parentId: null, datasetId: null, active: false, createdAt: '' };
}

const PYTHON: PythonInfo = { path: '/usr/bin/python3', source: 'system', torch: '2.3.0', cuda: false };

describe('schedule defaults', () => {
  it('log about 200 loss points, validate four times, warm up a tenth, whatever the length', () => {
    expect([1, 6, 100, 500, 2000, 100_000].map(logInterval)).toEqual([1, 1, 1, 3, 10, 10]);
    expect([1, 6, 100, 500, 2000, 100_000].map(validationInterval)).toEqual([1, 2, 25, 125, 250, 250]);
    expect([1, 6, 100, 500, 2000].map(warmupSteps)).toEqual([0, 0, 10, 50, 100]);
  });
});

describe('nextVersion', () => {
  it('counts on from the base version per dataset, for fine-tunes of fine-tunes too', () => {
    const parent = model(1, 'defusionnet-cuhk', '1.0.0');
    expect(nextVersion([parent], parent, 'My Photos')).toBe('1.0.0-ft.my-photos.1');
    const first = model(2, 'defusionnet-cuhk', '1.0.0-ft.my-photos.1');
    const other = model(3, 'defusionnet-cuhk', '1.0.0-ft.other.7');
    const foreign = model(4, 'another-model', '1.0.0-ft.my-photos.9');
    expect(nextVersion([parent, first, other, foreign], parent, 'My Photos')).toBe('1.0.0-ft.my-photos.2');
    expect(nextVersion([parent, first, other, foreign], first, 'My Photos')).toBe('1.0.0-ft.my-photos.2');
    expect(baseVersion('1.0.0-ft.a.3')).toBe('1.0.0');
    expect(baseVersion('2.1')).toBe('2.1');
  });
});

describe('trainerArgs', () => {
  it('gives the trainer the studio database, the dataset, the parent checkpoint and every setting', () => {
    const settings = methodSchemas['finetune.start'].parse({ datasetId: 4, steps: 40, device: 'cpu', threads: 1 });
    const plan: FinetunePlan = {
      jobId: 'job',
      dbPath: '/data/studio.db',
      dataset: { id: 4, name: 'garden', description: '', createdAt: '', itemCount: 0, counts: { unlabelled: 0, predicted: 0, corrected: 0, reviewed: 0, rejected: 0 }, splits: { train: 0, test: 0 } },
      parent: model(1, 'defusionnet-cuhk', '1.0.0'),
      inputSize: 320,
      parentCheckpoint: '/m/1.pt',
      python: PYTHON,
      device: 'cpu',
      deviceReason: null,
      settings,
      runsRoot: '/data/finetune',
      trainingPackage: '/app/models/training',
      evaluationDevice: 'cpu',
    };
    const args = trainerArgs(plan, '/data/finetune/run');
    const option = (name: string): string | undefined => args[args.indexOf(name) + 1];
    expect(option('--db')).toBe('/data/studio.db');
    expect(option('--dataset')).toBe('garden');
    expect(option('--init')).toBe('/m/1.pt');
    expect(option('--out')).toBe('/data/finetune/run');
    expect(option('--steps')).toBe('40');
    expect(option('--device')).toBe('cpu');
    expect(option('--val-fraction')).toBe('0.1');
    expect(option('--batch-size')).toBe('8');
    expect(option('--crop')).toBe('224');
    expect(option('--lr')).toBe('0.0005');
    expect(option('--warmup')).toBe('4');
    expect(option('--val-every')).toBe('10');
    expect(option('--val-size')).toBe('320');
    expect(option('--threads')).toBe('1');
    expect(option('--log-every')).toBe('1');
    expect(args).toContain('--quiet');
  });
});

describe('resolveTrainDevice', () => {
  it('takes CUDA when asked and there, says why auto falls back to the CPU, refuses CUDA that is not there', () => {
    expect(resolveTrainDevice('cpu', PYTHON)).toEqual({ device: 'cpu', reason: null });
    expect(resolveTrainDevice('auto', { ...PYTHON, cuda: true })).toEqual({ device: 'cuda', reason: null });
    expect(resolveTrainDevice('cuda', { ...PYTHON, cuda: true })).toEqual({ device: 'cuda', reason: null });
    expect(resolveTrainDevice('auto', PYTHON)).toEqual({ device: 'cpu', reason: 'PyTorch 2.3.0 at /usr/bin/python3 sees no CUDA device, so training runs on the CPU.' });
    expect(() => resolveTrainDevice('cuda', PYTHON)).toThrow(/sees no CUDA device/);
  });
});
