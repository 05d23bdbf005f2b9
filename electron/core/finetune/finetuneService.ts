/**
 * Fine-tuning inside the studio: which Python would train (`finetune.python`), starting
 * a fine-tune of the active model on a dataset as a cancellable job (`finetune.start`),
 * its live progress (`finetune.status`, `finetune.onDidProgress`) and, once done, the
 * new model next to its parent (`finetune.results`).
 *
 * Everything that can be checked before training is checked in `start`, so that a
 * missing Python, a model without a checkpoint or a dataset without training photos is
 * an immediate, clear error rather than a job that fails a minute later.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../api/errors';
import type { MethodParsedInput } from '../../api/methods';
import type {
  DeviceRequest,
  FinetuneComparison,
  FinetuneProgress,
  FinetuneResult,
  FinetuneStatus,
  ModelRecord,
  PythonCheck,
  PythonInfo,
  TrainDevice,
} from '../../api/types';
import { loadModelFile, registryEntryOf } from '../detect/modelContract';
import { applicationRoot } from '../detect/modelPath';
import type { JobQueue } from '../jobs/jobQueue';
import type { Store } from '../store/store';
import { buildComparison } from './comparison';
import { FINETUNE_JOB_KIND, runFinetune } from './finetuneJob';
import type { FinetunePlan } from './finetuneJob';
import { requireTrustedCheckpoint } from './checkpointTrust';
import { checkpointOf } from './modelRegistry';
import { checkPython, chosenPythonRefusal } from './pythonFinder';
import { RUNS_FOLDER } from './runFolder';
import { GROUND_TRUTH_STATUSES } from './splitEvaluation';
import { findTrainingPackage } from './trainerProcess';

/** How long a Python that imported torch is trusted without asking again. */
const PYTHON_CACHE_MS = 10 * 60_000;
/** At most this many routine progress events per second per run. */
const DEFAULT_PROGRESS_INTERVAL_MS = 250;

export interface FinetuneServiceOptions {
  store: Store;
  jobs: JobQueue;
  /** The Python chosen for this studio (`--python` of the server or the CLI; the environment variable is read too). */
  python?: string;
  env?: NodeJS.ProcessEnv;
  /** Where run folders go; default `finetune/` next to the database file. */
  runsRoot?: string;
  /** The model to start from when none is active (the one detection would use). */
  fallbackModelPath?: () => string;
  /** Device of the evaluation's inference. */
  evaluationDevice?: DeviceRequest;
  onProgress?: (progress: FinetuneProgress) => void;
  onModelsChanged?: (models: ModelRecord[]) => void;
  progressIntervalMs?: number;
  stopGraceMs?: number;
  probeTimeoutMs?: number;
}

interface ProgressChannel {
  latest: FinetuneProgress;
  lastEmitAt: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export class FinetuneService {
  readonly #options: FinetuneServiceOptions;
  readonly #store: Store;
  readonly #progress = new Map<string, ProgressChannel>();
  readonly #running = new Map<string, FinetunePlan>();
  readonly #pythonCache = new Map<string, { info: PythonInfo; at: number }>();
  /** The Python chosen for this studio (`--python`, or the desktop app's dialog). */
  #pythonSetting: string | undefined;

  constructor(options: FinetuneServiceOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#pythonSetting = options.python;
  }

  /** The folder of run folders; null while the database lives in memory. */
  runsRoot(): string | null {
    if (this.#options.runsRoot) return path.resolve(this.#options.runsRoot);
    const file = this.#store.filename;
    if (file === '' || file === ':memory:') return null;
    return path.join(path.dirname(path.resolve(file)), RUNS_FOLDER);
  }

  /** Why a model cannot be discarded now (it is the parent of a running fine-tune), or null. */
  busyReason(modelId: number): string | null {
    for (const plan of this.#running.values()) {
      if (plan.parent.id === modelId) return `Model ${modelId} is being fine-tuned (job ${plan.jobId}); cancel that job first.`;
    }
    return null;
  }

  #pythonKey(): string {
    const env = this.#options.env ?? process.env;
    return JSON.stringify([this.#pythonSetting ?? null, env.DEFUSION_PYTHON ?? null, env.PATH ?? null]);
  }

  /** The interpreter that would train, or why there is none (with install steps). */
  async python(): Promise<PythonCheck> {
    const check = await checkPython({
      setting: this.#pythonSetting,
      env: this.#options.env,
      ...(this.#options.probeTimeoutMs ? { timeoutMs: this.#options.probeTimeoutMs } : {}),
    });
    if (check.python) this.#pythonCache.set(this.#pythonKey(), { info: check.python, at: Date.now() });
    return check;
  }

  /**
   * Makes `file` the Python of this studio when it is an absolute, local path to a real
   * Python interpreter that imports torch; otherwise keeps the one before and says why.
   * Not an API method: only the desktop app's file dialog (electron/main.ts) calls it.
   */
  async choosePython(file: string): Promise<PythonCheck> {
    const refusal = chosenPythonRefusal(file);
    if (refusal !== null) throw new StudioError('invalid-input', refusal);
    const check = await checkPython({
      setting: file,
      env: this.#options.env,
      ...(this.#options.probeTimeoutMs ? { timeoutMs: this.#options.probeTimeoutMs } : {}),
    });
    if (check.python) {
      this.#pythonSetting = file;
      this.#pythonCache.set(this.#pythonKey(), { info: check.python, at: Date.now() });
    }
    return check;
  }

  async #findPython(): Promise<PythonInfo> {
    const cached = this.#pythonCache.get(this.#pythonKey());
    if (cached && Date.now() - cached.at < PYTHON_CACHE_MS && existsSync(cached.info.path)) return cached.info;
    const check = await this.python();
    if (!check.python) throw new StudioError('unavailable', check.error ?? 'No Python with PyTorch was found.', { tried: check.tried });
    return check.python;
  }

  /** Where checkpoints load without asking: the models the studio ships, and its own runs. */
  #trustedCheckpointFolders(runsRoot: string): string[] {
    const folders = [runsRoot];
    const root = applicationRoot();
    if (root) folders.push(path.join(root, 'models'));
    const resources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
    if (resources) folders.push(path.join(resources, 'models'));
    return folders;
  }

  /** The model to start from: the active one, else the one detection would use. */
  async #parentModel(): Promise<{ parent: ModelRecord; inputSize: number; checkpoint: string }> {
    const active = this.#store.getActiveModel();
    const file = active ? active.file : this.#options.fallbackModelPath?.();
    if (!file) throw new StudioError('not-found', 'No model is active: activate the model to fine-tune first.');
    const { info } = await loadModelFile(file);
    let parent = active;
    if (parent && parent.hash !== info.hash) {
      throw new StudioError('conflict', `The file of the active model (${file}) changed after it was registered; activate it again before fine-tuning.`);
    }
    parent ??= this.#store.models.getByHash(info.hash) ?? this.#store.registerModel(registryEntryOf(info));
    const checkpoint = checkpointOf(parent.file);
    if (!existsSync(checkpoint)) {
      throw new StudioError(
        'unsupported',
        `${parent.name} ${parent.version} cannot be fine-tuned: training starts from its PyTorch checkpoint ${checkpoint}, next to ${parent.file}, and that file is missing.`,
        { model: parent.id, checkpoint },
      );
    }
    return { parent, inputSize: info.inputSize, checkpoint };
  }

  /** Checks everything that can be checked now, then queues the run. */
  async start(input: MethodParsedInput<'finetune.start'>): Promise<{ jobId: string }> {
    const dbFile = this.#store.filename;
    const runsRoot = this.runsRoot();
    if (!runsRoot || dbFile === '' || dbFile === ':memory:') {
      throw new StudioError('unsupported', 'Fine-tuning needs the studio database in a file: the trainer reads the dataset from it.');
    }
    const dataset = this.#store.getDataset(input.datasetId);
    if (!dataset) throw new StudioError('not-found', `Dataset ${input.datasetId} does not exist.`);
    const items = this.#store.listDatasetItems(dataset.id);
    const trainable = items.filter((item) => item.split === 'train' && GROUND_TRUTH_STATUSES.includes(item.status)).length;
    if (trainable === 0) {
      const train = items.filter((item) => item.split === 'train').length;
      throw new StudioError(
        'invalid-input',
        `Dataset '${dataset.name}' has no photo to learn from: the trainer takes train-split items whose mask is corrected or reviewed, and its ${train} train item${train === 1 ? '' : 's'} have none. Correct or review masks, or split the dataset, first.`,
      );
    }
    const trainingPackage = findTrainingPackage();
    const { parent, inputSize, checkpoint } = await this.#parentModel();
    await requireTrustedCheckpoint(checkpoint, this.#trustedCheckpointFolders(runsRoot), input.trustCheckpoint);
    const python = await this.#findPython();
    const { device, reason } = resolveTrainDevice(input.device, python);

    let jobId = '';
    const plan: Omit<FinetunePlan, 'jobId'> = {
      dbPath: path.resolve(dbFile),
      dataset,
      parent,
      inputSize,
      parentCheckpoint: checkpoint,
      python,
      device,
      deviceReason: reason,
      settings: input,
      runsRoot,
      trainingPackage,
      evaluationDevice: this.#options.evaluationDevice ?? 'auto',
      ...(this.#options.stopGraceMs === undefined ? {} : { stopGraceMs: this.#options.stopGraceMs }),
    };
    const job = this.#options.jobs.enqueue(
      {
        kind: FINETUNE_JOB_KIND,
        title: `Fine-tune ${parent.name} ${parent.version} on ${dataset.name} (${input.steps} steps, ${device.toUpperCase()})`,
        params: { ...input, python: python.path, parentModelId: parent.id },
      },
      async (context) => {
        const running: FinetunePlan = { ...plan, jobId };
        this.#running.set(jobId, running);
        try {
          const result = await runFinetune(running, { store: this.#store, onProgress: (progress, urgent) => this.#report(progress, urgent) }, context);
          this.#options.onModelsChanged?.(this.#store.listModels());
          return result;
        } finally {
          this.#running.delete(jobId);
        }
      },
    );
    // The job function runs on a later tick, after this assignment.
    jobId = job.id;
    return { jobId };
  }

  /** A fine-tune job: its state, its progress while this studio runs it, its result once done. */
  status(jobId: string): FinetuneStatus {
    const job = this.#options.jobs.get(jobId);
    if (!job || job.kind !== FINETUNE_JOB_KIND) throw new StudioError('not-found', `No fine-tune job ${jobId}.`);
    return {
      job,
      progress: this.#progress.get(jobId)?.latest ?? null,
      result: job.state === 'done' ? (job.result as FinetuneResult | null) : null,
    };
  }

  /** A fine-tuned model next to its parent, from the registry and the stored evaluations. */
  results(modelId: number): FinetuneComparison {
    const model = this.#store.getModel(modelId);
    if (!model) throw new StudioError('not-found', `Model ${modelId} does not exist.`);
    return buildComparison(this.#store, model);
  }

  /** Stops pending progress events (the job queue's close has stopped the runs). */
  dispose(): void {
    for (const channel of this.#progress.values()) {
      if (channel.timer) clearTimeout(channel.timer);
      channel.timer = null;
    }
  }

  /** Throttles routine progress; urgent updates (phases, validations, the end) go out at once. */
  #report(progress: FinetuneProgress, urgent: boolean): void {
    const interval = this.#options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    let channel = this.#progress.get(progress.jobId);
    if (!channel) {
      channel = { latest: progress, lastEmitAt: Number.NEGATIVE_INFINITY, timer: null };
      this.#progress.set(progress.jobId, channel);
    }
    channel.latest = progress;
    const emit = (): void => {
      if (channel.timer) clearTimeout(channel.timer);
      channel.timer = null;
      channel.lastEmitAt = Date.now();
      this.#options.onProgress?.(channel.latest);
    };
    const wait = channel.lastEmitAt + interval - Date.now();
    if (urgent || wait <= 0) emit();
    else channel.timer ??= setTimeout(emit, wait);
  }
}

/** The device to train on for a request, and why when it is not what was asked. */
export function resolveTrainDevice(request: 'auto' | TrainDevice, python: PythonInfo): { device: TrainDevice; reason: string | null } {
  if (request === 'cuda' && !python.cuda) {
    throw new StudioError(
      'unavailable',
      `PyTorch ${python.torch} at ${python.path} sees no CUDA device (torch.cuda.is_available() is False): train on the CPU, or install a CUDA build of PyTorch.`,
    );
  }
  if (request === 'auto') {
    return python.cuda
      ? { device: 'cuda', reason: null }
      : { device: 'cpu', reason: `PyTorch ${python.torch} at ${python.path} sees no CUDA device, so training runs on the CPU.` };
  }
  return { device: request, reason: null };
}
