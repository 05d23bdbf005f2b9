/**
 * A pool of detection worker threads sharing one model and device. Photos queue up and
 * go to whichever worker is free; the cores are divided among the workers (one
 * onnxruntime thread each on a 2-core machine with 2 workers). A worker that dies (a
 * crash in native code) fails only the photo it held and is replaced.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StudioError } from '../../api/errors';
import type { DetectOptions, PhotoPrediction } from './detectPhoto';
import type { DetectWorkerData, WorkerModel, WorkerRequest, WorkerResponse } from './detectWorker';
import { threadsPerWorker } from './engine';
import type { LoadOptions } from './engine';

/**
 * Workers when none are asked for: two, so that one worker decodes, resizes and encodes
 * (sharp) while the other infers. On the 2-core machine of test/bench/detect.ts (batch
 * of 1-MP photos, other work running), a model of the bundled one's architecture gave
 * 2.3 photos/s with two workers of one thread against 1.1 with one worker of two
 * threads; with the tiny test model, where sharp's stages dominate, both gave 4 to 4.5.
 */
export function defaultWorkerCount(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(2, cores));
}

export interface PoolOptions {
  modelPath: string;
  /** Worker threads (default: defaultWorkerCount()). */
  workers?: number;
  /** Device and session tuning; threads default to the cores divided among the workers. */
  load?: LoadOptions;
}

interface Task {
  id: number;
  photoPath: string;
  options: DetectOptions;
  resolve: (prediction: PhotoPrediction) => void;
  reject: (error: unknown) => void;
}

/**
 * The worker's entry: from the TypeScript sources (tsx, vitest) a bootstrap registers
 * tsx inside the thread; a bundled build ships `detectWorker.js` next to the bundle
 * (scripts/buildElectron.mjs). A CommonJS bundle has no import.meta.url, only __dirname.
 */
export function detectWorkerUrl(moduleUrl: string | undefined = import.meta.url): URL {
  if (moduleUrl === undefined) return pathToFileURL(path.join(__dirname, 'detectWorker.js'));
  return moduleUrl.endsWith('.ts') ? new URL('./detectWorkerBootstrap.mjs', moduleUrl) : new URL('./detectWorker.js', moduleUrl);
}

class PoolWorker {
  readonly ready: Promise<WorkerModel>;
  task: Task | null = null;
  #worker: Worker;
  /** `ready` has resolved or rejected. */
  #settled = false;
  /** Terminated on purpose, or already reported lost. */
  #closing = false;

  constructor(
    data: DetectWorkerData,
    private readonly onDone: (worker: PoolWorker) => void,
    private readonly onLost: (worker: PoolWorker, reason: string) => void,
  ) {
    this.#worker = new Worker(detectWorkerUrl(), { workerData: data });
    this.ready = new Promise<WorkerModel>((resolve, reject) => {
      this.#worker.on('message', (message: WorkerResponse) => {
        switch (message.type) {
          case 'ready':
            this.#settled = true;
            resolve(message.model);
            break;
          case 'load-failed':
            this.#settled = true;
            reject(StudioError.fromPayload(message.error));
            void this.#worker.terminate();
            break;
          case 'result':
          case 'failed':
            this.#finish(message);
            break;
        }
      });
      this.#worker.on('error', (error) => this.#lost(`it failed: ${error.message}`, reject));
      this.#worker.on('exit', (code) => this.#lost(`it exited with code ${code}`, reject));
    });
    // A load failure is reported through `ready`; this keeps it from being "unhandled"
    // when the pool is closed before anyone awaited it.
    this.ready.catch(() => undefined);
  }

  run(task: Task): void {
    this.task = task;
    const request: WorkerRequest = { type: 'detect', id: task.id, photoPath: task.photoPath, options: task.options };
    this.#worker.postMessage(request);
  }

  async terminate(): Promise<void> {
    this.#settled = true;
    this.#closing = true;
    await this.#worker.terminate();
  }

  #finish(message: Extract<WorkerResponse, { type: 'result' | 'failed' }>): void {
    const task = this.task;
    if (!task || task.id !== message.id) return;
    this.task = null;
    if (message.type === 'result') task.resolve(message.prediction);
    else task.reject(StudioError.fromPayload(message.error));
    this.onDone(this);
  }

  #lost(reason: string, rejectReady: (error: unknown) => void): void {
    if (this.#closing) return;
    this.#closing = true;
    if (!this.#settled) {
      this.#settled = true;
      rejectReady(new StudioError('internal', `The detection worker stopped while loading the model: ${reason}`));
    }
    this.onLost(this, reason);
  }
}

/** Loaded model, device and workers of a running pool. */
export interface PoolStatus extends WorkerModel {
  workers: number;
}

export class DetectWorkerPool {
  readonly #data: DetectWorkerData;
  readonly #workers: PoolWorker[] = [];
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;
  #model: WorkerModel;

  private constructor(data: DetectWorkerData, workers: PoolWorker[], model: WorkerModel) {
    this.#data = data;
    this.#model = model;
    for (const worker of workers) this.#workers.push(worker);
  }

  /**
   * Starts the workers and loads the model in each. Rejects with the model's
   * StudioError ('bad-model' naming the file) when it cannot be loaded.
   */
  static async start(options: PoolOptions): Promise<DetectWorkerPool> {
    const count = Math.max(1, Math.floor(options.workers ?? defaultWorkerCount()));
    const data: DetectWorkerData = {
      modelPath: options.modelPath,
      load: { ...options.load, intraOpThreads: options.load?.intraOpThreads ?? threadsPerWorker(count) },
    };
    let pool: DetectWorkerPool | null = null;
    const workers: PoolWorker[] = [];
    // Workers report back through the pool, which exists only once all have loaded.
    const onDone = (worker: PoolWorker): void => {
      if (pool) pool.#dispatch(worker);
    };
    const onLost = (worker: PoolWorker, reason: string): void => {
      if (pool) pool.#replace(worker, reason);
    };
    for (let i = 0; i < count; i++) workers.push(new PoolWorker(data, onDone, onLost));
    // Wait for every worker to settle before terminating any: terminating a worker while
    // it is still loading onnxruntime's native module can take the whole process down.
    const settled = await Promise.allSettled(workers.map((worker) => worker.ready));
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw failure.reason;
    }
    const first = settled[0] as PromiseFulfilledResult<Awaited<PoolWorker['ready']>>;
    pool = new DetectWorkerPool(data, workers, first.value);
    return pool;
  }

  get status(): PoolStatus {
    return { ...this.#model, workers: this.#workers.length };
  }

  /** Photos waiting for a free worker. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Detects one photo on the next free worker. */
  detect(photoPath: string, options: DetectOptions = {}): Promise<PhotoPrediction> {
    if (this.#closed) return Promise.reject(new StudioError('unavailable', 'The detection pool is closed'));
    return new Promise<PhotoPrediction>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, photoPath, options, resolve, reject });
      const idle = this.#workers.find((worker) => worker.task === null);
      if (idle) this.#dispatch(idle);
    });
  }

  /** Rejects every photo still waiting (running ones finish). Returns how many. */
  cancelPending(reason = 'Detection was cancelled'): number {
    const cancelled = this.#queue.splice(0);
    for (const task of cancelled) task.reject(new StudioError('cancelled', reason));
    return cancelled.length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.cancelPending('The detection pool was closed');
    const workers = this.#workers.splice(0);
    for (const worker of workers) {
      worker.task?.reject(new StudioError('cancelled', 'The detection pool was closed'));
      worker.task = null;
    }
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  #dispatch(worker: PoolWorker): void {
    if (this.#closed || worker.task !== null) return;
    const task = this.#queue.shift();
    if (task) worker.run(task);
  }

  /** A worker died: fail its photo, start a fresh one in its place. */
  #replace(worker: PoolWorker, reason: string): void {
    const index = this.#workers.indexOf(worker);
    if (index < 0 || this.#closed) return;
    const task = worker.task;
    worker.task = null;
    task?.reject(new StudioError('internal', `The detection worker stopped (${reason}) while detecting ${task.photoPath}`));
    const fresh = new PoolWorker(
      this.#data,
      (done) => this.#dispatch(done),
      (lost, why) => this.#replace(lost, why),
    );
    this.#workers[index] = fresh;
    fresh.ready.then(
      () => this.#dispatch(fresh),
      (error: unknown) => {
        // The model loaded before, so this is not the model's fault; stop using the slot.
        this.#workers.splice(this.#workers.indexOf(fresh), 1);
        if (this.#workers.length === 0) {
          this.cancelPending(`No detection worker could be restarted: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    );
  }
}
