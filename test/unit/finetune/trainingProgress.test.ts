/**
 * Live fine-tune state folded from trainer events: step, loss curve, validations, ETA,
 * which events are urgent, and a loss curve that stays bounded over any run length.
 */
import { describe, expect, it } from 'vitest';
import type { LossPoint } from '../../../electron/api/types';
import { parseTrainerLine } from '../../../electron/core/finetune/trainerEvents';
import type { TrainerEvent } from '../../../electron/core/finetune/trainerEvents';
import { thinCurve, TrainingProgress } from '../../../electron/core/finetune/trainingProgress';

function event(line: string): TrainerEvent {
  const parsed = parseTrainerLine(line);
  if (parsed.kind !== 'event') throw new Error(`not an event: ${line}`);
  return parsed.event;
}

function progress(now: { t: number }, maxLossPoints?: number): TrainingProgress {
  return new TrainingProgress(
    { jobId: 'j', datasetId: 3, datasetName: 'cuhk', parentModelId: 1, device: 'cpu', deviceReason: 'no CUDA', python: null, steps: 6, now: () => now.t },
    maxLossPoints,
  );
}

describe('TrainingProgress', () => {
  it('folds a run into step, loss curve, validations, best MAE and ETA', () => {
    const now = { t: 1000 };
    const state = progress(now);
    expect(state.snapshot()).toMatchObject({ phase: 'preparing', step: 0, steps: 6, loss: null, lossCurve: [], validations: [], elapsedSeconds: 0 });
    state.setPhase('training');
    expect(state.apply(event('{"event": "start", "step": 0, "steps": 6, "train_images": 7, "val_images": 1, "device": "cpu"}'))).toBe(true);
    expect(state.apply(event('{"event": "progress", "step": 1, "steps": 6, "loss": 6.2, "lr": 0.0005, "eta_s": 2.5}'))).toBe(false);
    expect(state.apply(event('{"event": "validation", "step": 2, "images": 1, "mae": 0.38, "mean_f": 0.64, "max_f": 0.66, "adaptive_f": 0.0, "iou": 0.54}'))).toBe(true);
    expect(state.apply(event('{"event": "best", "step": 2, "val_mae": 0.38, "path": "best.pt"}'))).toBe(true);
    state.apply(event('{"event": "progress", "step": 2, "steps": 6, "loss": 6.0, "lr": 0.0005, "eta_s": 1.5}'));
    // The same step logged again (validation and log at one step) does not add a point.
    state.apply(event('{"event": "progress", "step": 2, "steps": 6, "loss": 6.0, "lr": 0.0005, "eta_s": 1.5}'));
    state.apply(event('{"event": "progress", "step": 3, "steps": 6, "loss": NaN, "lr": 0.0005, "eta_s": 1.0}'));
    now.t = 4500;
    const snapshot = state.snapshot();
    expect(snapshot).toMatchObject({
      jobId: 'j',
      datasetId: 3,
      phase: 'training',
      deviceReason: 'no CUDA',
      step: 3,
      loss: 6.0,
      trainImages: 7,
      valImages: 1,
      bestValMae: 0.38,
      etaSeconds: 1.0,
      elapsedSeconds: 3.5,
      message: 'step 3 of 6',
    });
    expect(snapshot.lossCurve).toEqual([
      { step: 1, loss: 6.2, lr: 0.0005 },
      { step: 2, loss: 6.0, lr: 0.0005 },
    ]);
    expect(snapshot.validations).toEqual([{ step: 2, images: 1, mae: 0.38, meanF: 0.64, maxF: 0.66, adaptiveF: 0, iou: 0.54 }]);

    expect(state.apply(event('{"event": "done", "step": 6, "steps": 6, "best_val_mae": 0.37, "checkpoint": "last.pt"}'))).toBe(true);
    state.setPhase('exporting', 'exporting');
    expect(state.snapshot()).toMatchObject({ step: 6, bestValMae: 0.37, etaSeconds: null, phase: 'exporting', message: 'exporting' });
  });

  it('snapshots are copies: a later event does not change one already sent', () => {
    const now = { t: 0 };
    const state = progress(now);
    state.apply(event('{"event": "progress", "step": 1, "steps": 6, "loss": 1.0, "lr": 0.1}'));
    const first = state.snapshot();
    state.apply(event('{"event": "progress", "step": 2, "steps": 6, "loss": 0.9, "lr": 0.1}'));
    expect(first.lossCurve).toHaveLength(1);
    expect(state.snapshot().lossCurve).toHaveLength(2);
  });

  it('keeps the loss curve bounded and its last point over a long run', () => {
    const now = { t: 0 };
    const state = progress(now, 100);
    for (let step = 1; step <= 10_000; step++) {
      state.apply({ event: 'progress', step, steps: 10_000, loss: 1 / step, lr: 0.001, valMae: null, valF: null, etaSeconds: null, elapsedSeconds: null });
    }
    const curve = state.snapshot().lossCurve;
    expect(curve.length).toBeLessThanOrEqual(100);
    expect(curve.length).toBeGreaterThanOrEqual(50);
    expect(curve[curve.length - 1]).toEqual({ step: 10_000, loss: 1 / 10_000, lr: 0.001 });
    // Still in step order, spread over the whole run.
    expect(curve.every((point, i) => i === 0 || point.step > curve[i - 1]!.step)).toBe(true);
    expect(curve[0]!.step).toBe(1);
    const gaps = new Set(curve.slice(1, -1).map((point, i) => point.step - curve[i]!.step));
    expect(gaps.size).toBe(1);
  });
});

describe('thinCurve', () => {
  it('keeps every other point, the first one included', () => {
    const points: LossPoint[] = Array.from({ length: 11 }, (_, i) => ({ step: i + 1, loss: i, lr: 0 }));
    expect(thinCurve(points).map((p) => p.step)).toEqual([1, 3, 5, 7, 9, 11]);
  });
});
