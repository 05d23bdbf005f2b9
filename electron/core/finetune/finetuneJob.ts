/**
 * One fine-tune, as a job: train from the parent model's checkpoint on the dataset's
 * train split, export the best checkpoint to ONNX with its lineage, measure parent and
 * new model on the dataset's test split, and register the new model (not active) with
 * both measurements in one transaction.
 *
 * Nothing reaches the store before the very end: a cancel, a crashed or killed trainer,
 * a failed export or evaluation all leave the registry and the active model as they
 * were, and remove the run folder (or, if even that fails, leave it marked incomplete).
 */
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../api/errors';
import type {
  Dataset,
  DeviceRequest,
  EvaluationMetrics,
  FinetuneResult,
  FinetuneProgress,
  ModelRecord,
  PythonInfo,
  TrainDevice,
} from '../../api/types';
import type { MethodParsedInput } from '../../api/methods';
import { loadModelFile } from '../detect/modelContract';
import type { JobContext } from '../jobs/jobQueue';
import type { Store } from '../store/store';
import { buildComparison } from './comparison';
import { completeRunFolder, createRunFolder, removeRunFolder, slug, TRAINER_LOG } from './runFolder';
import { evaluateModels, groundTruthItems } from './splitEvaluation';
import type { SplitScore } from './splitEvaluation';
import { DEFAULT_STOP_GRACE_MS, describeExit, TrainerProcess } from './trainerProcess';
import type { TrainerExit } from './trainerProcess';
import type { EndEvent, TrainerEvent, ValidationEvent } from './trainerEvents';
import { TrainingProgress } from './trainingProgress';

export const FINETUNE_JOB_KIND = 'finetune';

export type FinetuneSettings = MethodParsedInput<'finetune.start'>;

/** Everything a run needs, decided before it is queued. */
export interface FinetunePlan {
  jobId: string;
  /** The studio's database file; the trainer reads the dataset from it (read-only). */
  dbPath: string;
  dataset: Dataset;
  parent: ModelRecord;
  /** The parent's input size: the new model's too, and the size both are evaluated at. */
  inputSize: number;
  /** The parent's PyTorch checkpoint (the .pt next to its .onnx). */
  parentCheckpoint: string;
  python: PythonInfo;
  device: TrainDevice;
  deviceReason: string | null;
  settings: FinetuneSettings;
  /** Where run folders are made. */
  runsRoot: string;
  /** The folder holding the defusionnet package. */
  trainingPackage: string;
  /** Device of the evaluation's inference (the studio's detection device). */
  evaluationDevice: DeviceRequest;
  stopGraceMs?: number;
}

export interface FinetuneJobDeps {
  store: Store;
  /** Live progress; `urgent` when it should not wait for the next throttled update. */
  onProgress: (progress: FinetuneProgress, urgent: boolean) => void;
}

/** Training steps' share of the log interval: about 200 loss points per run, at least every 10 steps. */
export function logInterval(steps: number): number {
  return Math.min(10, Math.max(1, Math.round(steps / 200)));
}

/** Validation a few times per run (and at its end), at most every 250 steps. */
export function validationInterval(steps: number): number {
  return Math.max(1, Math.min(250, Math.ceil(steps / 4)));
}

/** A short warm-up: the weights are already trained, only the optimiser's moments are new. */
export function warmupSteps(steps: number): number {
  return Math.min(100, Math.floor(steps / 10));
}

/** `1.0.0`, `1.0.0-ft.cuhk.2` → `1.0.0`: fine-tunes of fine-tunes count on from the same base. */
export function baseVersion(version: string): string {
  const at = version.indexOf('-ft.');
  return at < 0 ? version : version.slice(0, at);
}

/** The next free `BASE-ft.DATASET.N` for models of `name`. */
export function nextVersion(models: readonly ModelRecord[], parent: ModelRecord, datasetName: string): string {
  const prefix = `${baseVersion(parent.version)}-ft.${slug(datasetName, 'dataset')}.`;
  let highest = 0;
  for (const model of models) {
    if (model.name !== parent.name || !model.version.startsWith(prefix)) continue;
    const n = Number(model.version.slice(prefix.length));
    if (Number.isInteger(n) && n > highest) highest = n;
  }
  return `${prefix}${highest + 1}`;
}

/** The trainer's command line (after `-m defusionnet.train`). */
export function trainerArgs(plan: FinetunePlan, runDir: string): string[] {
  const s = plan.settings;
  return [
    '--db', plan.dbPath,
    '--dataset', plan.dataset.name,
    '--init', plan.parentCheckpoint,
    '--out', runDir,
    '--steps', String(s.steps),
    '--device', plan.device,
    '--val-fraction', String(s.valFraction),
    '--batch-size', String(s.batchSize),
    '--crop', String(s.crop),
    '--lr', String(s.lr),
    '--warmup', String(s.warmup ?? warmupSteps(s.steps)),
    '--val-every', String(s.valEvery ?? validationInterval(s.steps)),
    '--val-size', String(s.valSize ?? plan.inputSize),
    '--max-side', String(s.maxSide),
    '--threads', String(s.threads),
    '--seed', String(s.seed),
    '--log-every', String(logInterval(s.steps)),
    '--quiet',
  ];
}

/** Registry metrics of a model: its test-split numbers. */
function registryMetrics(metrics: EvaluationMetrics): Record<string, number> {
  const record: Record<string, number> = {
    images: metrics.images,
    mae: metrics.mae,
    meanF: metrics.meanF,
    maxF: metrics.maxF,
    adaptiveF: metrics.adaptiveF,
    iou: metrics.iou,
  };
  if (metrics.auc !== null) record.auc = metrics.auc;
  return record;
}

function cancelledError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new StudioError('cancelled', 'Fine-tune cancelled.');
}

/** The end of stderr, for an error message: the Python exception is its last lines. */
function stderrSummary(exit: TrainerExit): string {
  const tail = exit.stderrTail.slice(-6).join('\n');
  return tail === '' ? '' : `\n${tail}`;
}

export async function runFinetune(plan: FinetunePlan, deps: FinetuneJobDeps, context: JobContext): Promise<FinetuneResult> {
  const { store } = deps;
  const { signal } = context;
  const { settings } = plan;
  const started = Date.now();
  const grace = plan.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  const progress = new TrainingProgress({
    jobId: plan.jobId,
    datasetId: plan.dataset.id,
    datasetName: plan.dataset.name,
    parentModelId: plan.parent.id,
    device: plan.device,
    deviceReason: plan.deviceReason,
    python: plan.python,
    steps: settings.steps,
  });
  const report = (urgent: boolean): void => deps.onProgress(progress.snapshot(), urgent);
  const phase = (name: Parameters<TrainingProgress['setPhase']>[0], message: string | null): void => {
    progress.setPhase(name, message);
    context.progress(progress.step, progress.steps, message ?? undefined);
    report(true);
  };

  let running: TrainerProcess | null = null;
  const onAbort = (): void => {
    void running?.stop(grace);
  };
  signal.addEventListener('abort', onAbort);
  let runDir: string | null = null;
  try {
    if (signal.aborted) throw cancelledError(signal);
    phase('preparing', `fine-tuning ${plan.parent.name} ${plan.parent.version} on ${plan.dataset.name}`);
    runDir = await createRunFolder(plan.runsRoot, plan.dataset.name);
    const logFile = path.join(runDir, TRAINER_LOG);

    // ---- train
    let end: EndEvent | null = null;
    let bestValidation: ValidationEvent | null = null;
    let lastValidation: ValidationEvent | null = null;
    let bestStep: number | null = null;
    const onTrainerEvent = (event: TrainerEvent): void => {
      if (event.event === 'done' || event.event === 'stopped') end = event;
      if (event.event === 'validation') lastValidation = event;
      if (event.event === 'best') {
        bestStep = event.step;
        bestValidation = lastValidation;
      }
      const urgent = progress.apply(event);
      context.progress(progress.step, progress.steps, progress.snapshot().message ?? undefined);
      report(urgent);
    };
    phase('training', 'starting the trainer');
    running = TrainerProcess.start({
      python: plan.python.path,
      module: 'defusionnet.train',
      args: trainerArgs(plan, runDir),
      cwd: plan.trainingPackage,
      logFile,
      onLine: (line) => {
        if (line.kind === 'event') onTrainerEvent(line.event);
      },
    });
    progress.setTrainerPid(running.pid);
    report(true);
    const trained = await running.exited;
    running = null;
    progress.setTrainerPid(null);
    if (signal.aborted) throw cancelledError(signal);
    const finished = end as EndEvent | null;
    if (trained.code !== 0 || trained.signal !== null || trained.spawnError) {
      throw new StudioError('internal', `The trainer ${describeExit(trained)} at step ${progress.step} of ${settings.steps}.${stderrSummary(trained)}`);
    }
    if (!finished || finished.event !== 'done') {
      throw new StudioError(
        'internal',
        `The trainer stopped at step ${progress.step} of ${settings.steps} before the end of its schedule${finished ? ' (it was told to stop from outside the studio)' : ' without saying why'}.${stderrSummary(trained)}`,
      );
    }

    // ---- export
    const checkpoint = path.join(runDir, 'best.pt');
    const version = nextVersion(store.listModels(), plan.parent, plan.dataset.name);
    const stem = slug(`${plan.parent.name}-${version}`, 'model');
    const onnxFile = path.join(runDir, `${stem}.onnx`);
    const modelCheckpoint = path.join(runDir, `${stem}.pt`);
    const checkpointStep = (bestStep as number | null) ?? finished.step;
    const best = bestValidation as ValidationEvent | null;
    const validationMetrics: Record<string, number> = {};
    if (best) {
      for (const [key, value] of Object.entries({ val_mae: best.mae, val_mean_f: best.meanF, val_max_f: best.maxF, val_adaptive_f: best.adaptiveF, val_iou: best.iou })) {
        if (value !== null) validationMetrics[key] = value;
      }
    }
    const metricsFile = path.join(runDir, 'validation-metrics.json');
    await writeFile(metricsFile, `${JSON.stringify({ metrics: validationMetrics }, null, 2)}\n`);
    const lineage: Record<string, string> = {
      finetune_parent_id: String(plan.parent.id),
      finetune_parent_name: plan.parent.name,
      finetune_parent_version: plan.parent.version,
      finetune_parent_hash: plan.parent.hash,
      finetune_dataset: plan.dataset.name,
      finetune_dataset_id: String(plan.dataset.id),
      finetune_split: 'train',
      finetune_steps: String(finished.step),
      finetune_checkpoint_step: String(checkpointStep),
      finetune_train_images: String(progress.trainImages ?? 0),
      finetune_val_images: String(progress.valImages ?? 0),
      finetune_device: plan.device,
      finetune_batch_size: String(settings.batchSize),
      finetune_crop: String(settings.crop),
      finetune_lr: String(settings.lr),
      finetune_seed: String(settings.seed),
      finetune_job: plan.jobId,
    };
    phase('exporting', `exporting the step-${checkpointStep} checkpoint to ONNX`);
    let exported = false;
    running = TrainerProcess.start({
      python: plan.python.path,
      module: 'defusionnet.export',
      args: [
        '--checkpoint', checkpoint,
        '--out', onnxFile,
        '--name', plan.parent.name,
        '--version', version,
        '--input-size', String(plan.inputSize),
        '--training-data', `studio dataset '${plan.dataset.name}' (train split, ${progress.trainImages ?? 0} photos), fine-tuned from ${plan.parent.name} ${plan.parent.version}`,
        '--metrics', metricsFile,
        ...Object.entries(lineage).flatMap(([key, value]) => ['--meta', `${key}=${value}`]),
      ],
      cwd: plan.trainingPackage,
      logFile,
      onLine: (line) => {
        if (line.kind === 'event' && line.event.event === 'exported') exported = true;
      },
    });
    const exportExit = await running.exited;
    running = null;
    if (signal.aborted) throw cancelledError(signal);
    if (exportExit.code !== 0 || exportExit.signal !== null || exportExit.spawnError || !exported) {
      throw new StudioError('internal', `The ONNX export ${exported ? describeExit(exportExit) : `${describeExit(exportExit)} without writing the model`}.${stderrSummary(exportExit)}`);
    }
    // The studio's own contract check: a file it cannot run is never registered.
    const { info } = await loadModelFile(onnxFile);
    await copyFile(checkpoint, modelCheckpoint);

    // ---- evaluate, parent and new model on the same test photos
    const { items, failures: unusable } = groundTruthItems(store, plan.dataset.id, 'test');
    phase('evaluating', `measuring both models on ${items.length} test photo${items.length === 1 ? '' : 's'}`);
    const evaluation = await evaluateModels([plan.parent.file, onnxFile], items, {
      size: settings.evalSize ?? plan.inputSize,
      device: plan.evaluationDevice,
      signal,
      onProgress: (done, total) => context.progress(progress.steps, progress.steps, `evaluating: ${done} of ${total} test photos`),
    });
    if (signal.aborted) throw cancelledError(signal);
    const scores: SplitScore[] | null = evaluation.scores;
    const evaluationFailures = [...unusable, ...evaluation.failures];

    // ---- register: the files are final first, so a registered model never points at a half-made folder
    phase('registering', `registering ${plan.parent.name} ${version}`);
    await completeRunFolder(runDir, [modelCheckpoint, onnxFile]);
    const registered = store.transaction(() => {
      if (store.models.getByHash(info.hash)) {
        throw new StudioError('conflict', `A model with the hash of ${onnxFile} is already registered.`);
      }
      const model = store.registerModel({
        name: info.name,
        version: info.version,
        file: onnxFile,
        hash: info.hash,
        metadata: {
          ...info.metadata,
          metrics_source: scores
            ? `test split of dataset '${plan.dataset.name}' (${scores[1]!.metrics.images} photos); F with beta^2 = 0.3: meanF at 0.5, maxF over 256 thresholds, adaptiveF at twice the mean`
            : `not evaluated: dataset '${plan.dataset.name}' has no test photo with a corrected or reviewed mask`,
        },
        metrics: scores ? registryMetrics(scores[1]!.metrics) : null,
        parentId: plan.parent.id,
        datasetId: plan.dataset.id,
      });
      if (scores) {
        store.models.saveEvaluation({ modelId: plan.parent.id, datasetId: plan.dataset.id, split: 'test', ...scores[0]!, jobId: plan.jobId });
        store.models.saveEvaluation({ modelId: model.id, datasetId: plan.dataset.id, split: 'test', ...scores[1]!, jobId: plan.jobId });
      }
      return model;
    });
    const done = runDir;
    runDir = null;

    progress.setPhase('done', `registered ${registered.name} ${registered.version} (not active)`);
    report(true);
    return {
      comparison: buildComparison(store, registered),
      steps: finished.step,
      checkpointStep,
      device: plan.device,
      python: plan.python,
      trainImages: progress.trainImages ?? 0,
      valImages: progress.valImages ?? 0,
      testImages: scores ? scores[1]!.metrics.images : 0,
      lossCurve: progress.lossCurve,
      validations: progress.validations,
      elapsedSeconds: Math.round((Date.now() - started) / 100) / 10,
      runDir: done,
      evaluationFailures,
    };
  } catch (error) {
    const cancelled = signal.aborted;
    progress.setTrainerPid(null);
    progress.setPhase(cancelled ? 'cancelled' : 'failed', error instanceof Error ? error.message : String(error));
    report(true);
    throw cancelled ? cancelledError(signal) : error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    // A trainer still running here means an unexpected error above: it must not outlive the job.
    if (running) await (running as TrainerProcess).stop(grace);
    progress.setTrainerPid(null);
    if (runDir) await removeRunFolder(runDir);
  }
}
