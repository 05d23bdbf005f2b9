/**
 * `defusion finetune --db FILE --dataset NAME`: the studio's fine-tune, headless. Trains
 * the active model on the dataset's train split, exports and registers the new model
 * (not active) and measures old and new model on the test split, exactly as the studio's
 * Fine-tune button does (the same core, the same job).
 *
 * Exit codes: 0 a new model was registered, 1 the run failed or was cancelled (Ctrl-C),
 * 2 usage error (also: no such database or dataset, invalid options).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../api/errors';
import type { MethodInput } from '../../api/methods';
import type { EvaluationMetrics, FinetuneProgress, FinetuneResult, ModelRecord, ValidationPoint } from '../../api/types';
import { createCoreServices } from '../../core/createCore';
import type { CoreServices } from '../../core/createCore';
import { DatabaseFromFutureError } from '../../core/store/migrate';
import { UsageError, parseCommandArgs, reportUsageError } from '../args';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, defaultStreams } from '../command';
import type { CommandStreams } from '../command';

export const summary = 'fine-tune the active model on a dataset and register the new version';

export const usage = `Usage: defusion finetune --db FILE --dataset NAME [--steps N] [--device auto|cpu|cuda]
                        [--python PATH] [--json] [training options]

Trains the active model of the database FILE (from the PyTorch checkpoint next to its
.onnx file) on the train split of dataset NAME: photos whose mask is corrected or
reviewed. The best checkpoint is exported to ONNX with its lineage, the new model is
measured next to the old one on the dataset's test split (MAE, F-measures with
beta^2 = 0.3, IoU, AUC) and registered in FILE, not active: the studio's Models panel
(or its API, models.activate) makes it the one detection uses.

Python: --python PATH, else the DEFUSION_PYTHON environment variable, else the first
python3 / python on PATH that imports torch, else /usr/bin/python3.

A checkpoint the studio neither ships nor made (the .pt next to a downloaded model) is
refused: loading one can run code hidden in it. --trust-checkpoint SHA256 loads it when
its SHA-256 is the one given (the refusal names it).

Options:
  --db FILE           the studio database (required; must exist)
  --dataset NAME      the dataset to learn from (required)
  --steps N           optimiser steps (default 500)
  --device D          auto (CUDA when PyTorch has it), cpu or cuda (default auto)
  --python PATH       the Python interpreter to train with
  --trust-checkpoint SHA256
                      load the parent's checkpoint although the studio did not make it
  --json              one JSON object per line on stdout: start, progress, validation,
                      then done (model id, old and new metrics) or failed
Training options:
  --batch-size N      photos per step (default 8)
  --crop N            training input side: photos are squeezed to N x N, a multiple of 32 (default 224)
  --lr X              peak learning rate (default 0.0005)
  --val-fraction X    share of the training photos held out for validation (default 0.1)
  --val-every N       validate every N steps (default: four times per run)
  --val-size N        validation input side (default: the model's input size)
  --max-side N        photos are held in memory at most this large (default 640)
  --threads N         CPU threads of the trainer (default 0 = all cores)
  --seed N            seed of the run (default 0)
  --eval-size N       input side of the test evaluation (default: the model's input size)
  -h, --help          show this help

Exit status: 0 a new model was registered, 1 the run failed or was cancelled, 2 usage error.`;

interface Values {
  db: string;
  dataset: string;
  json: boolean;
  input: Omit<MethodInput<'finetune.start'>, 'datasetId'>;
  /** --python, resolved. */
  python?: string;
}

function integerOption(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name} must be an integer of at least ${min}, not '${text}'`);
  return Number(text);
}

function numberOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, not '${text}'`);
  return value;
}

function parse(argv: string[]): Values | 'help' {
  const { values, positionals } = parseCommandArgs(argv, {
    db: { type: 'string' },
    dataset: { type: 'string' },
    steps: { type: 'string' },
    device: { type: 'string' },
    python: { type: 'string' },
    'trust-checkpoint': { type: 'string' },
    json: { type: 'boolean', default: false },
    'batch-size': { type: 'string' },
    crop: { type: 'string' },
    lr: { type: 'string' },
    'val-fraction': { type: 'string' },
    'val-every': { type: 'string' },
    'val-size': { type: 'string' },
    'max-side': { type: 'string' },
    threads: { type: 'string' },
    seed: { type: 'string' },
    'eval-size': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.db) throw new UsageError('--db FILE is required');
  if (!values.dataset || values.dataset.trim() === '') throw new UsageError('--dataset NAME is required');
  const device = values.device ?? 'auto';
  if (device !== 'auto' && device !== 'cpu' && device !== 'cuda') throw new UsageError(`--device must be auto, cpu or cuda, not '${device}'`);
  const input: Values['input'] = { device };
  const set = <K extends keyof Values['input']>(key: K, value: Values['input'][K] | undefined): void => {
    if (value !== undefined) input[key] = value;
  };
  set('steps', integerOption('steps', values.steps, 1));
  set('trustCheckpoint', values['trust-checkpoint']?.trim().toLowerCase());
  set('batchSize', integerOption('batch-size', values['batch-size'], 1));
  set('crop', integerOption('crop', values.crop, 32));
  set('lr', numberOption('lr', values.lr));
  set('valFraction', numberOption('val-fraction', values['val-fraction']));
  set('valEvery', integerOption('val-every', values['val-every'], 1));
  set('valSize', integerOption('val-size', values['val-size'], 32));
  set('maxSide', integerOption('max-side', values['max-side'], 64));
  set('threads', integerOption('threads', values.threads, 0));
  set('seed', integerOption('seed', values.seed, 0));
  set('evalSize', integerOption('eval-size', values['eval-size'], 32));
  // The user at the terminal names the Python: it becomes this run's studio setting, never an API input.
  const python = values.python === undefined ? undefined : path.resolve(values.python);
  return { db: values.db, dataset: values.dataset.trim(), json: values.json, input, ...(python === undefined ? {} : { python }) };
}

function modelJson(model: ModelRecord | null): Record<string, unknown> | null {
  return model && { id: model.id, name: model.name, version: model.version, file: model.file, parentId: model.parentId, datasetId: model.datasetId, active: model.active };
}

const METRIC_ROWS: { key: keyof EvaluationMetrics; label: string; better: 'lower' | 'higher' }[] = [
  { key: 'mae', label: 'MAE', better: 'lower' },
  { key: 'meanF', label: 'mean F (at 0.5)', better: 'higher' },
  { key: 'maxF', label: 'max F', better: 'higher' },
  { key: 'adaptiveF', label: 'adaptive F', better: 'higher' },
  { key: 'iou', label: 'IoU (at 0.5)', better: 'higher' },
  { key: 'auc', label: 'AUC', better: 'higher' },
];

/** The old/new table, for people. */
export function formatComparison(result: FinetuneResult): string {
  const { comparison } = result;
  const old = comparison.parentEvaluation?.metrics ?? null;
  const next = comparison.candidateEvaluation?.metrics ?? null;
  const lines = [
    `Registered ${comparison.candidate.name} ${comparison.candidate.version} as model ${comparison.candidate.id} (not active): ${comparison.candidate.file}`,
    `Trained ${result.steps} steps on ${result.trainImages} photos (${result.valImages} held out for validation) on ${result.device.toUpperCase()}; exported the step-${result.checkpointStep} checkpoint.`,
  ];
  if (!old || !next) {
    lines.push(`Not evaluated: dataset '${comparison.datasetName ?? ''}' has no test photo with a corrected or reviewed mask.`);
    return lines.join('\n');
  }
  const parentLabel = comparison.parent ? `${comparison.parent.version}` : 'old';
  lines.push('', `Test split of '${comparison.datasetName ?? ''}', ${next.images} photos (F-measures with beta^2 = 0.3):`);
  lines.push(`${'metric'.padEnd(18)}${parentLabel.padStart(14)}${comparison.candidate.version.padStart(Math.max(14, comparison.candidate.version.length + 2))}${'change'.padStart(10)}`);
  for (const row of METRIC_ROWS) {
    const a = old[row.key];
    const b = next[row.key];
    if (typeof a !== 'number' || typeof b !== 'number') continue;
    const change = b - a;
    const better = row.better === 'lower' ? change < 0 : change > 0;
    const sign = change === 0 ? ' ' : better ? '+' : '-';
    lines.push(`${row.label.padEnd(18)}${a.toFixed(4).padStart(14)}${b.toFixed(4).padStart(Math.max(14, comparison.candidate.version.length + 2))}${`${change >= 0 ? '+' : ''}${change.toFixed(4)}`.padStart(10)} ${sign}`);
  }
  lines.push('(+ better, - worse)');
  return lines.join('\n');
}

function validationJson(point: ValidationPoint): Record<string, unknown> {
  return { event: 'validation', ...point };
}

function formatEta(seconds: number | null): string {
  if (seconds === null) return '';
  const s = Math.max(0, Math.round(seconds));
  return `, ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} left`;
}

export async function run(argv: string[], streams: CommandStreams = defaultStreams()): Promise<number> {
  let values: Values;
  try {
    const parsed = parse(argv);
    if (parsed === 'help') {
      streams.stdout.write(`${usage}\n`);
      return EXIT_OK;
    }
    values = parsed;
    if (!existsSync(values.db)) throw new UsageError(`${values.db}: no such database (import photos into it first: defusion import)`);
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError('finetune', usage, error.message, streams);
    throw error;
  }

  const line = (object: Record<string, unknown>): void => {
    if (values.json) streams.stdout.write(`${JSON.stringify(object)}\n`);
  };
  const say = (text: string): void => {
    streams.stderr.write(`${text}\n`);
  };

  let services: CoreServices;
  try {
    services = await createCoreServices({
      dbPath: path.resolve(values.db),
      watch: false,
      scanOnStart: false,
      // The test evaluation runs inference: on the CPU when training does, so a CPU run
      // never probes GPU runtimes it was not asked to use.
      device: values.input.device === 'cpu' ? 'cpu' : 'auto',
      ...(values.python === undefined ? {} : { python: values.python }),
      log: (message) => say(message),
    });
  } catch (error) {
    if (error instanceof DatabaseFromFutureError) {
      say(`defusion finetune: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }

  let stopSignal: (() => void) | null = null;
  try {
    const dataset = services.store.findDatasetByName(values.dataset);
    if (!dataset) {
      const names = services.store.listDatasets().map((d) => d.name);
      return reportUsageError('finetune', usage, `no dataset '${values.dataset}' in ${values.db}${names.length > 0 ? ` (datasets: ${names.join(', ')})` : ' (it has no datasets)'}`, streams);
    }

    let started = false;
    let lastStep = -1;
    let lastPhase = '';
    let validations = 0;
    const unsubscribe = services.core.on('finetune.onDidProgress', (progress: FinetuneProgress) => {
      if (!started) {
        started = true;
        line({
          event: 'start', jobId: progress.jobId, dataset: { id: progress.datasetId, name: progress.datasetName }, parentModelId: progress.parentModelId,
          device: progress.device, deviceReason: progress.deviceReason, python: progress.python, steps: progress.steps,
        });
        if (progress.python) say(`Python: ${progress.python.path} (torch ${progress.python.torch}${progress.python.cuda ? ', CUDA' : ''})`);
        say(`Device: ${progress.device.toUpperCase()}${progress.deviceReason ? ` (${progress.deviceReason})` : ''}`);
      }
      for (const point of progress.validations.slice(validations)) {
        line(validationJson(point));
        say(`validation at step ${point.step}: MAE ${point.mae.toFixed(4)}, mean F ${point.meanF.toFixed(4)} on ${point.images} photo(s)`);
      }
      validations = progress.validations.length;
      if (progress.step === lastStep && progress.phase === lastPhase) return;
      lastStep = progress.step;
      lastPhase = progress.phase;
      line({
        event: 'progress', phase: progress.phase, step: progress.step, steps: progress.steps, loss: progress.loss,
        etaSeconds: progress.etaSeconds, elapsedSeconds: progress.elapsedSeconds, trainerPid: progress.trainerPid, message: progress.message,
      });
      if (progress.phase === 'training' && progress.step > 0) {
        say(`step ${progress.step}/${progress.steps}${progress.loss === null ? '' : `, loss ${progress.loss.toFixed(4)}`}${formatEta(progress.etaSeconds)}`);
      } else if (progress.message) {
        say(`${progress.phase}: ${progress.message}`);
      }
    });

    let jobId: string;
    try {
      ({ jobId } = await services.core.call('finetune.start', { ...values.input, datasetId: dataset.id }));
    } catch (error) {
      unsubscribe();
      const message = error instanceof Error ? error.message : String(error);
      line({ event: 'failed', error: message });
      say(`defusion finetune: ${message}`);
      const untrusted = error instanceof StudioError && error.code === 'forbidden' ? (error.details as { sha256?: string } | undefined)?.sha256 : undefined;
      if (untrusted) say(`If you trust it, run again with --trust-checkpoint ${untrusted}`);
      return error instanceof StudioError && error.code === 'invalid-input' ? EXIT_USAGE : EXIT_SOME_FAILED;
    }

    // Ctrl-C cancels the run (the trainer saves and stops, nothing is registered); a second one kills.
    const onSignal = (): void => {
      say('cancelling the fine-tune…');
      services.jobs.cancel(jobId);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    stopSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };

    const job = await services.jobs.wait(jobId);
    unsubscribe();
    if (job.state !== 'done') {
      const message = job.state === 'cancelled' ? 'cancelled; nothing was registered' : (job.error ?? job.state);
      line({ event: job.state === 'cancelled' ? 'cancelled' : 'failed', jobId, error: message });
      say(`defusion finetune: ${message}`);
      return EXIT_SOME_FAILED;
    }
    const result = job.result as FinetuneResult;
    const { comparison } = result;
    line({
      event: 'done',
      jobId,
      model: modelJson(comparison.candidate),
      parent: modelJson(comparison.parent),
      dataset: { id: comparison.datasetId, name: comparison.datasetName },
      split: comparison.split,
      metrics: { old: comparison.parentEvaluation?.metrics ?? null, new: comparison.candidateEvaluation?.metrics ?? null },
      delta: comparison.delta,
      lineage: comparison.lineage,
      steps: result.steps,
      checkpointStep: result.checkpointStep,
      trainImages: result.trainImages,
      valImages: result.valImages,
      testImages: result.testImages,
      device: result.device,
      elapsedSeconds: result.elapsedSeconds,
      runDir: result.runDir,
      evaluationFailures: result.evaluationFailures,
    });
    if (!values.json) streams.stdout.write(`${formatComparison(result)}\n`);
    for (const failure of result.evaluationFailures) say(`not evaluated: ${failure.relPath}: ${failure.reason}`);
    return EXIT_OK;
  } finally {
    stopSignal?.();
    await services.core.close();
  }
}
