/**
 * The trainer's JSON-line protocol as train.py and export.py print it: every event with
 * its fields, Python's NaN, lines that are not events, and a byte stream cut anywhere.
 */
import { describe, expect, it } from 'vitest';
import { LineSplitter, parseTrainerLine } from '../../../electron/core/finetune/trainerEvents';

describe('parseTrainerLine', () => {
  it('reads every event train.py prints, in camelCase', () => {
    expect(parseTrainerLine('{"event": "start", "step": 0, "steps": 6, "config": {"width": 0.125}, "parameters": 342155, "train_images": 7, "val_images": 1, "sharp_images": 0, "device": "cpu", "threads": 1, "resumed": false}')).toEqual({
      kind: 'event',
      event: { event: 'start', step: 0, steps: 6, trainImages: 7, valImages: 1, device: 'cpu', threads: 1, parameters: 342155, resumed: false },
    });
    expect(parseTrainerLine('{"event": "progress", "step": 120, "steps": 6000, "loss": 0.41, "lr": 0.0009, "val_mae": 0.18, "val_f": 0.81, "eta_s": 5400.0, "elapsed_s": 300.1}')).toEqual({
      kind: 'event',
      event: { event: 'progress', step: 120, steps: 6000, loss: 0.41, lr: 0.0009, valMae: 0.18, valF: 0.81, etaSeconds: 5400, elapsedSeconds: 300.1 },
    });
    expect(parseTrainerLine('{"event": "validation", "step": 2, "images": 1, "mae": 0.38, "mean_f": 0.64, "max_f": 0.66, "adaptive_f": 0.0, "iou": 0.54}')).toEqual({
      kind: 'event',
      event: { event: 'validation', step: 2, images: 1, mae: 0.38, meanF: 0.64, maxF: 0.66, adaptiveF: 0, iou: 0.54 },
    });
    expect(parseTrainerLine('{"event": "checkpoint", "step": 2, "path": "/r/last.pt", "reason": "validation"}')).toEqual({
      kind: 'event',
      event: { event: 'checkpoint', step: 2, path: '/r/last.pt', reason: 'validation' },
    });
    expect(parseTrainerLine('{"event": "best", "step": 2, "val_mae": 0.38, "path": "/r/best.pt"}')).toEqual({
      kind: 'event',
      event: { event: 'best', step: 2, valMae: 0.38, path: '/r/best.pt' },
    });
    expect(parseTrainerLine('{"event": "done", "step": 6, "steps": 6, "best_val_mae": 0.37, "elapsed_s": 4.5, "checkpoint": "/r/last.pt"}')).toEqual({
      kind: 'event',
      event: { event: 'done', step: 6, steps: 6, bestValMae: 0.37, elapsedSeconds: 4.5, checkpoint: '/r/last.pt' },
    });
    expect(parseTrainerLine('{"event": "stopped", "step": 3, "steps": 6, "best_val_mae": null, "elapsed_s": 2.0, "checkpoint": "/r/last.pt"}')).toEqual({
      kind: 'event',
      event: { event: 'stopped', step: 3, steps: 6, bestValMae: null, elapsedSeconds: 2, checkpoint: '/r/last.pt' },
    });
    expect(parseTrainerLine('{"event": "exported", "path": "/r/m.onnx", "metadata": {"name": "m", "version": "1"}}')).toEqual({
      kind: 'event',
      event: { event: 'exported', path: '/r/m.onnx', metadata: { name: 'm', version: '1' } },
    });
  });

  it('gives null for the NaN and Infinity Python writes for non-finite floats, and leaves strings alone', () => {
    const line = parseTrainerLine('{"event": "progress", "step": 5, "steps": 10, "loss": NaN, "lr": 0.001, "val_mae": null, "val_f": null, "eta_s": Infinity, "elapsed_s": 1.0}');
    expect(line).toMatchObject({ kind: 'event', event: { event: 'progress', loss: null, etaSeconds: null } });
    const text = parseTrainerLine('{"event": "done", "step": 6, "steps": 6, "best_val_mae": NaN, "elapsed_s": 1.0, "checkpoint": "/runs/NaN-Infinity/last.pt"}');
    expect(text).toMatchObject({ kind: 'event', event: { bestValMae: null, checkpoint: '/runs/NaN-Infinity/last.pt' } });
  });

  it('keeps lines that are no event as text, and says what is wrong with a bad event', () => {
    expect(parseTrainerLine('UserWarning: something')).toEqual({ kind: 'text', text: 'UserWarning: something' });
    expect(parseTrainerLine('{"event": "progress", "step": 1')).toEqual({ kind: 'text', text: '{"event": "progress", "step": 1' });
    expect(parseTrainerLine('[1, 2]')).toEqual({ kind: 'text', text: '[1, 2]' });
    const unknown = parseTrainerLine('{"event": "epoch", "n": 1}');
    expect(unknown).toMatchObject({ kind: 'unknown', reason: 'unknown event "epoch"' });
    const bad = parseTrainerLine('{"event": "progress", "step": -1, "steps": 6, "loss": 0.5, "lr": 0.001}');
    expect(bad.kind).toBe('unknown');
    expect(bad.kind === 'unknown' && bad.reason).toMatch(/^step: /);
    const missing = parseTrainerLine('{"event": "start", "step": 0, "steps": 6}');
    expect(missing.kind === 'unknown' && missing.reason).toMatch(/train_images/);
  });
});

describe('LineSplitter', () => {
  it('joins lines cut across chunks, CRLF split between chunks included', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('{"a": 1}\n{"b"')).toEqual(['{"a": 1}']);
    expect(splitter.push(': 2}\r')).toEqual([]);
    expect(splitter.push('\nlast')).toEqual(['{"b": 2}']);
    expect(splitter.flush()).toEqual(['last']);
    expect(splitter.flush()).toEqual([]);
  });

  it('gives every line of a stream cut at every position, whatever the cut', () => {
    const text = '{"event": "start"}\r\nwarning\n\n{"event": "done"}\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const splitter = new LineSplitter();
      const lines = [...splitter.push(text.slice(0, cut)), ...splitter.push(text.slice(cut)), ...splitter.flush()];
      expect(lines, `cut at ${cut}`).toEqual(['{"event": "start"}', 'warning', '', '{"event": "done"}']);
    }
  });
});
