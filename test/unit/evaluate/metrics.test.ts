/**
 * The studio's metrics against the training package's own (models/training/defusionnet/
 * metrics.py), run by /usr/bin/python3 on the very same arrays: real predictions of the
 * tiny model on the sample library's photos against their ground truth, plus the edge
 * cases (all blurred, all sharp, values exactly on a threshold, float maps). AUC, which
 * metrics.py does not compute, is checked against the Mann-Whitney statistic in numpy.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectPhoto } from '../../../electron/core/detect/detectPhoto';
import { loadModel } from '../../../electron/core/detect/engine';
import { LEVELS, MetricAccumulator, fMeasure, isAdaptivePositive } from '../../../electron/core/evaluate/metrics';
import { readGray, resizeGray } from '../../../electron/core/evaluate/evaluateFolders';
import { REPO_ROOT, SAMPLE_GT, SAMPLE_IMAGES, TINY_MODEL, seededRandom } from '../detect/fixturePhotos';

interface Case {
  name: string;
  probability: Float32Array;
  gt: Uint8Array;
}

const PYTHON = '/usr/bin/python3';

/** Reads the cases back in numpy and scores them with metrics.py; prints JSON. */
const PYTHON_SCRIPT = String.raw`
import json, sys
import numpy as np
from defusionnet.metrics import MetricAccumulator

folder, names = sys.argv[1], sys.argv[2:]
acc = MetricAccumulator()
aucs = []
for name in names:
    prob = np.fromfile(f'{folder}/{name}.f32', dtype='<f4').astype(np.float64)
    gt = np.fromfile(f'{folder}/{name}.u8', dtype=np.uint8)
    acc.add(prob, gt)
    # AUC as the Mann-Whitney statistic on the 8-bit levels, ties counted half.
    truth = gt > 127
    levels = np.clip(np.round(np.clip(prob, 0, 1) * 255), 0, 255).astype(np.int64)
    pos = np.bincount(levels[truth], minlength=256).astype(np.float64)
    neg = np.bincount(levels[~truth], minlength=256).astype(np.float64)
    if pos.sum() == 0 or neg.sum() == 0:
        aucs.append(None)
    else:
        below = np.concatenate([[0.0], np.cumsum(neg)[:-1]])
        aucs.append(float((pos * (below + 0.5 * neg)).sum() / (pos.sum() * neg.sum())))
print(json.dumps({
    'summary': acc.summary(),
    'mae': acc.mae, 'mean_f': acc.f_at_half, 'adaptive_f': acc.adaptive_f, 'iou': acc.iou,
    'f_curve': np.mean(acc.f_curves, axis=0).tolist(),
    'auc': aucs,
}))
`;

interface PythonResult {
  summary: { images: number; mae: number; mean_f: number; max_f: number; adaptive_f: number; iou: number };
  mae: number[];
  mean_f: number[];
  adaptive_f: number[];
  iou: number[];
  f_curve: number[];
  auc: (number | null)[];
}

let dir: string;
const cases: Case[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-metrics-'));
  // Real predictions of the tiny model on real sample photos, at the GT's resolution.
  const model = await loadModel(TINY_MODEL, { device: 'cpu', intraOpThreads: 1 });
  try {
    for (const name of ['astronaut', 'coffee', 'forest-path', 'moss-one-stands-out', 'grey-architecture']) {
      const prediction = await detectPhoto(model, path.join(SAMPLE_IMAGES, `${name}.jpg`));
      const gt = await readGray(path.join(SAMPLE_GT, `${name}.png`));
      const map = await readGray(prediction.probabilityPng);
      const atGtSize = map.width === gt.width && map.height === gt.height ? map : await resizeGray(map, gt.width, gt.height);
      cases.push({ name, probability: Float32Array.from(atGtSize.pixels, (v) => v / 255), gt: gt.pixels });
    }
  } finally {
    await model.session.release();
  }
  const random = seededRandom(42);
  const n = 64 * 48;
  const noisy = Float32Array.from({ length: n }, () => random());
  cases.push({ name: 'all-blurred', probability: noisy, gt: new Uint8Array(n).fill(255) });
  cases.push({ name: 'all-sharp', probability: noisy, gt: new Uint8Array(n) });
  // Exactly 0.5 and exact halves of 8-bit levels: the rounding rules must agree.
  const ties = Float32Array.from({ length: n }, (_, i) => [0.5, 0.25, 0.75, 1 / 510, 0][i % 5]!);
  cases.push({ name: 'ties', probability: ties, gt: Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 255 : 0)) });
  // Mostly blurred: twice the mean is above 1, where the adaptive rule turns to the sharp class.
  const mostlyBlurredGt = Uint8Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0 : 255));
  cases.push({ name: 'mostly-blurred', gt: mostlyBlurredGt,
    probability: Float32Array.from(mostlyBlurredGt, (v) => (v > 127 ? 0.6 : 0.2) + 0.3 * random()) });
  const empty = new Float32Array(n);
  cases.push({ name: 'predicts-nothing', probability: empty, gt: Uint8Array.from({ length: n }, (_, i) => (i < n / 2 ? 255 : 0)) });
  for (const item of cases) {
    await writeFile(path.join(dir, `${item.name}.f32`), Buffer.from(item.probability.buffer, item.probability.byteOffset, item.probability.byteLength));
    await writeFile(path.join(dir, `${item.name}.u8`), item.gt);
  }
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runPython(): PythonResult {
  const result = spawnSync(PYTHON, ['-c', PYTHON_SCRIPT, dir, ...cases.map((item) => item.name)], {
    cwd: path.join(REPO_ROOT, 'models/training'),
    env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'models/training') },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr || result.error?.message}`);
  return JSON.parse(result.stdout) as PythonResult;
}

describe('metrics', () => {
  it('match metrics.py image by image and overall, and the AUC matches Mann-Whitney', () => {
    expect(cases.length).toBe(10);
    const python = runPython();
    const accumulator = new MetricAccumulator();
    const images = cases.map((item) => accumulator.add(item.probability, item.gt));
    images.forEach((image, i) => {
      expect(image.mae, cases[i]!.name).toBeCloseTo(python.mae[i]!, 10);
      expect(image.meanF, cases[i]!.name).toBeCloseTo(python.mean_f[i]!, 10);
      expect(image.adaptiveF, cases[i]!.name).toBeCloseTo(python.adaptive_f[i]!, 10);
      expect(image.iou, cases[i]!.name).toBeCloseTo(python.iou[i]!, 10);
      if (python.auc[i] === null) expect(image.auc, cases[i]!.name).toBeNull();
      else expect(image.auc!, cases[i]!.name).toBeCloseTo(python.auc[i]!, 10);
    });
    const summary = accumulator.summary();
    expect(summary.images).toBe(python.summary.images);
    expect(summary.mae).toBeCloseTo(python.summary.mae, 10);
    expect(summary.meanF).toBeCloseTo(python.summary.mean_f, 10);
    expect(summary.maxF).toBeCloseTo(python.summary.max_f, 10);
    expect(summary.adaptiveF).toBeCloseTo(python.summary.adaptive_f, 10);
    expect(summary.iou).toBeCloseTo(python.summary.iou, 10);
    const curve = accumulator.curves().fMeasure;
    expect(curve).toHaveLength(LEVELS);
    curve.forEach((value, t) => expect(value).toBeCloseTo(python.f_curve[t]!, 10));
    // The real predictions are neither perfect nor constant: the comparison means something.
    expect(summary.mae).toBeGreaterThan(0.01);
    expect(summary.auc).not.toBeNull();
  });

  it('scores a perfect prediction as perfect', () => {
    const gt = Uint8Array.from({ length: 100 }, (_, i) => (i < 30 ? 255 : 0));
    const accumulator = new MetricAccumulator();
    const image = accumulator.add({ levels: gt }, gt);
    expect(image).toEqual({ mae: 0, meanF: 1, adaptiveF: 1, maxF: 1, iou: 1, auc: 1 });
    const curves = accumulator.curves();
    // ROC: all true positives before any false one.
    expect(curves.tpr[255]).toBe(1);
    expect(curves.fpr[255]).toBe(0);
    expect(curves.tpr[0]).toBe(1);
    expect(curves.fpr[0]).toBe(1);
  });

  it('gives adaptive F meaning on a mostly blurred photo, where twice the mean exceeds 1', () => {
    // 75 % blurred and predicted right (0.9 / 0.1): mean 0.7. A threshold clamped to 1
    // selected nothing and scored F 0; the rule on the sharp minority scores it 1.
    const gt = Uint8Array.from({ length: 400 }, (_, i) => (i % 20 >= 5 ? 255 : 0));
    const map = Float32Array.from(gt, (v) => (v > 127 ? 0.9 : 0.1));
    const image = new MetricAccumulator().add(map, gt);
    expect(image.adaptiveF).toBeCloseTo(1, 12);
    expect(isAdaptivePositive(0.45, 0.7)).toBe(true); // above 2 x 0.7 - 1 = 0.4
    expect(isAdaptivePositive(0.35, 0.7)).toBe(false);
    expect(isAdaptivePositive(0.45, 0.2)).toBe(true); // at or above 2 x 0.2
    expect(isAdaptivePositive(0.35, 0.2)).toBe(false);
  });

  it('uses beta^2 = 0.3 and refuses mismatched sizes', () => {
    expect(fMeasure(0.5, 1)).toBeCloseTo((1.3 * 0.5) / (0.3 * 0.5 + 1), 12);
    expect(fMeasure(0, 0)).toBe(0);
    expect(() => new MetricAccumulator().add(new Float32Array(3), new Uint8Array(4))).toThrow('differ in size');
    expect(() => new MetricAccumulator().summary()).toThrow('no images were evaluated');
  });
});
