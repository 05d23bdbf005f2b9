/**
 * Fine-tuning as the studio shows it: the Python the trainer would run (or why there is
 * none), the model registry with its lineage, the run in progress (phase, step, loss
 * curve, validations, ETA, from `finetune.onDidProgress`) and, at its end, the new model
 * next to its parent (`finetune.results`), to make it active or discard it.
 *
 * One fine-tune runs at a time in the core; a page loaded while one runs picks it up from
 * the jobs list.
 */
import type { StudioClient } from '../../electron/api/client';
import { StudioError } from '../../electron/api/errors';
import type { MethodInput } from '../../electron/api/methods';
import type { FinetuneComparison, FinetuneProgress, FinetuneResult, Job, ModelRecord, PythonCheck } from '../../electron/api/types';
import { isActive } from '../app/jobs.svelte';
import type { JobsState } from '../app/jobs.svelte';
import type { NoticesState } from '../app/notices.svelte';
import { trackJob } from '../app/trackJob';

/** `Job.kind` of fine-tune jobs (electron/core/finetune/finetuneJob.ts). */
export const FINETUNE_JOB_KIND = 'finetune';

export type FinetuneInput = MethodInput<'finetune.start'>;

export class FinetuneState {
  readonly #client: StudioClient;
  readonly #jobs: JobsState;
  readonly #notices: NoticesState;
  #stopJob: (() => void) | null = null;
  #pythonRequest: Promise<void> | null = null;

  python = $state.raw<PythonCheck | null>(null);
  pythonLoading = $state(false);
  models = $state.raw<ModelRecord[]>([]);
  modelsError = $state<string | null>(null);

  /** The run shown: the one in progress, or the last one of this session. */
  jobId = $state<string | null>(null);
  job = $state.raw<Job | null>(null);
  progress = $state.raw<FinetuneProgress | null>(null);
  result = $state.raw<FinetuneResult | null>(null);
  /** True while finetune.start checks the inputs (probing Python can take seconds). */
  starting = $state(false);
  startError = $state<string | null>(null);

  /** The comparison on screen: the finished run's, or one picked in the registry. */
  comparison = $state.raw<FinetuneComparison | null>(null);
  comparisonLoading = $state(false);

  constructor(client: StudioClient, jobs: JobsState, notices: NoticesState) {
    this.#client = client;
    this.#jobs = jobs;
    this.#notices = notices;
  }

  get running(): boolean {
    return this.job !== null && isActive(this.job);
  }

  get activeModel(): ModelRecord | null {
    return this.models.find((model) => model.active) ?? null;
  }

  /** Subscribes to progress and registry events, and finds a run already going; returns the cleanup. */
  start(): () => void {
    const offProgress = this.#client.on('finetune.onDidProgress', (progress) => {
      if (this.jobId === null || (progress.jobId !== this.jobId && !this.running)) this.#follow(progress.jobId);
      if (progress.jobId === this.jobId) this.progress = progress;
    });
    const offModels = this.#client.on('models.onDidChange', (models) => {
      this.models = models;
    });
    void this.#adoptRunning();
    return () => {
      offProgress();
      offModels();
      this.#stopJob?.();
    };
  }

  /** Loads what the view shows the first time it opens (Python is probed once). */
  async load(): Promise<void> {
    await Promise.all([this.loadModels(), this.#pythonRequest ?? this.checkPython()]);
  }

  async loadModels(): Promise<void> {
    try {
      this.models = await this.#client.call('models.list', {});
      this.modelsError = null;
    } catch (error) {
      this.modelsError = (error as Error).message;
    }
  }

  /** Asks the core which Python (with torch) fine-tuning would run. */
  checkPython(): Promise<void> {
    const request = (async () => {
      this.pythonLoading = true;
      try {
        this.python = await this.#client.call('finetune.python', {});
      } catch (error) {
        this.python = { python: null, error: (error as Error).message, tried: [] };
      } finally {
        this.pythonLoading = false;
      }
    })();
    this.#pythonRequest = request;
    return request;
  }

  /** Whether the Python can be chosen here: the desktop app's file dialog. Browser mode sets it when the server starts. */
  readonly canChoosePython = typeof window.studio?.pickPython === 'function';

  /** Lets the user pick the Python in the desktop app's file dialog; the core checks it and keeps it when it is one. */
  async choosePython(): Promise<void> {
    const check = await window.studio?.pickPython?.();
    if (check) this.python = check;
  }

  /**
   * Starts a run; false (with `startError`) when the core refused it. A parent checkpoint
   * the studio did not make is loaded only once the user confirms that very file (its
   * SHA-256, which the refusal names); the question is the browser's own dialog.
   */
  async begin(input: FinetuneInput): Promise<boolean> {
    this.starting = true;
    this.startError = null;
    try {
      let jobId: string;
      try {
        ({ jobId } = await this.#client.call('finetune.start', input));
      } catch (error) {
        const sha256 = error instanceof StudioError && error.code === 'forbidden' ? (error.details as { sha256?: unknown } | undefined)?.sha256 : undefined;
        if (typeof sha256 !== 'string' || !window.confirm(`${error instanceof Error ? error.message : ''}\n\nFine-tune from it anyway?`)) throw error;
        ({ jobId } = await this.#client.call('finetune.start', { ...input, trustCheckpoint: sha256 }));
      }
      this.comparison = null;
      this.#follow(jobId);
      return true;
    } catch (error) {
      this.startError = (error as Error).message;
      return false;
    } finally {
      this.starting = false;
    }
  }

  async cancel(): Promise<void> {
    if (this.jobId) await this.#jobs.cancel(this.jobId);
  }

  /** Shows a registered model next to its parent. */
  async showComparison(modelId: number): Promise<void> {
    this.comparisonLoading = true;
    try {
      this.comparison = await this.#client.call('finetune.results', { modelId });
    } catch (error) {
      this.#notices.show(`Could not read the comparison: ${(error as Error).message}`);
    } finally {
      this.comparisonLoading = false;
    }
  }

  async activate(modelId: number): Promise<void> {
    try {
      await this.#client.call('models.activate', { id: modelId });
      await this.loadModels();
      if (this.comparison?.candidate.id === modelId) await this.showComparison(modelId);
    } catch (error) {
      this.#notices.show(`Could not make the model active: ${(error as Error).message}`);
    }
  }

  async discard(modelId: number): Promise<void> {
    try {
      await this.#client.call('models.discard', { id: modelId });
      if (this.comparison?.candidate.id === modelId) this.comparison = null;
      await this.loadModels();
    } catch (error) {
      this.#notices.show(`Could not discard the model: ${(error as Error).message}`);
    }
  }

  /** Shows this job's run from now on. */
  #follow(jobId: string): void {
    if (this.jobId === jobId) return;
    this.#stopJob?.();
    this.jobId = jobId;
    this.job = null;
    this.progress = null;
    this.result = null;
    this.#stopJob = trackJob(this.#client, this.#jobs, jobId, (job) => {
      if (this.jobId !== jobId) return;
      this.job = job;
      if (!isActive(job)) void this.#finished(jobId);
    });
    void this.#client
      .call('finetune.status', { jobId })
      .then((status) => {
        if (this.jobId !== jobId) return;
        if (status.progress && (!this.progress || status.progress.elapsedSeconds >= this.progress.elapsedSeconds)) this.progress = status.progress;
      })
      .catch(() => {
        // The events carry the progress as well.
      });
  }

  async #finished(jobId: string): Promise<void> {
    try {
      const status = await this.#client.call('finetune.status', { jobId });
      if (this.jobId !== jobId) return;
      if (status.progress) this.progress = status.progress;
      this.result = status.result;
      if (status.result) this.comparison = status.result.comparison;
    } catch (error) {
      if (this.jobId === jobId) this.#notices.show(`Could not read the fine-tune's result: ${(error as Error).message}`);
    }
    await this.loadModels();
  }

  async #adoptRunning(): Promise<void> {
    try {
      const jobs = await this.#client.call('jobs.list', {});
      const running = jobs.find((job) => job.kind === FINETUNE_JOB_KIND && isActive(job));
      if (running && this.jobId === null) this.#follow(running.id);
    } catch {
      // The jobs panel reports a core that cannot be reached.
    }
  }
}
