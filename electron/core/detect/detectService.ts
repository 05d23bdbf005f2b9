/**
 * Detection inside the studio: which model and device are in use (`detect.status`), and
 * batch detection over photos of the library as a cancellable background job
 * (`detect.run`) whose predictions are saved in the store, one transaction per photo.
 *
 * The model is the one given to the studio, else the active model of the registry, else
 * the bundled one. Inference runs in a worker pool that starts on first use and stops
 * after a while without work; every model used is registered by its hash, so each
 * prediction says which model made it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../api/errors';
import type { DetectFailure, DetectJobResult, DetectStatus, DeviceRequest, LibraryChange } from '../../api/types';
import type { MethodParsedInput } from '../../api/methods';
import type { JobContext, JobQueue } from '../jobs/jobQueue';
import type { Store } from '../store/store';
import type { DetectOptions } from './detectPhoto';
import { DEVICE_LABELS, fallbackSummary } from './devices';
import { registryEntryOf } from './modelContract';
import { resolveModelPath } from './modelPath';
import { DetectWorkerPool, defaultWorkerCount } from './workerPool';
import type { PoolStatus } from './workerPool';

export const DETECT_JOB_KIND = 'detect';

/** Stop the workers (and free the model's memory) after this long without detection. */
const DEFAULT_IDLE_RELEASE_MS = 10 * 60_000;
/** How often grid badges are told that photos got a prediction while a job runs. */
const CHANGE_FLUSH_MS = 2000;
const QUERY_PAGE = 1000;

export type DetectRunInput = MethodParsedInput<'detect.run'>;

export interface DetectServiceOptions {
  store: Store;
  jobs: JobQueue;
  /** A model file that overrides the registry and the bundled model. */
  modelPath?: string;
  device?: DeviceRequest;
  /** Inference worker threads (default: defaultWorkerCount()). */
  workers?: number;
  idleReleaseMs?: number;
  /** Photos whose grid status changed because they got a prediction. */
  onPhotosChanged?: (change: LibraryChange) => void;
}

interface RunningPool {
  pool: DetectWorkerPool;
  modelPath: string;
  modelId: number;
}

export class DetectService {
  readonly #store: Store;
  readonly #jobs: JobQueue;
  readonly #options: DetectServiceOptions;
  #running: Promise<RunningPool> | null = null;
  #runningPath: string | null = null;
  #lastStatus: PoolStatus | null = null;
  #lastModelId: number | null = null;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #activeJobs = 0;
  #disposed = false;

  constructor(options: DetectServiceOptions) {
    this.#store = options.store;
    this.#jobs = options.jobs;
    this.#options = options;
  }

  /** The model file detection would use now. Throws StudioError('bad-model') when there is none. */
  modelPath(): string {
    if (this.#options.modelPath) return path.resolve(this.#options.modelPath);
    const active = this.#store.getActiveModel();
    if (active && existsSync(active.file)) return active.file;
    return resolveModelPath();
  }

  /**
   * Model and device in use. Starts the workers when they are not running, so that the
   * status bar shows the real device (and any fallback) before the first detection.
   */
  async status(): Promise<DetectStatus> {
    const requestedDevice = this.#options.device ?? 'auto';
    const workers = Math.max(1, this.#options.workers ?? defaultWorkerCount());
    try {
      // Workers stopped for idleness are not restarted just to answer: the device they
      // found for this model is still the one detection will use.
      if (!this.#running && this.#lastStatus && this.#lastStatus.info.path === this.modelPath()) {
        return this.#statusFrom(this.#lastStatus, this.#lastModelId, null);
      }
      const running = await this.#ensurePool();
      if (this.#activeJobs === 0) this.#scheduleIdleRelease();
      return this.#statusFrom(running.pool.status, running.modelId, null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { model: null, requestedDevice, device: null, fallbacks: [], fallbackReason: null, error: message, workers };
    }
  }

  /** Queues a detection job over the chosen photos; returns its id at once. */
  run(input: DetectRunInput): { jobId: string } {
    if (this.#disposed) throw new StudioError('unavailable', 'Detection is shutting down.');
    const title =
      'photoIds' in input
        ? `Detect blur in ${input.photoIds.length} photo${input.photoIds.length === 1 ? '' : 's'}`
        : input.all === 'unmasked'
          ? 'Detect blur in photos without a mask or prediction'
          : 'Detect blur in every photo';
    const job = this.#jobs.enqueue({ kind: DETECT_JOB_KIND, title, params: input }, (context) => this.#runJob(input, context));
    return { jobId: job.id };
  }

  /** Stops the workers. Jobs must have been cancelled first (the job queue's close does). */
  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#clearIdleTimer();
    await this.#stopPool();
  }

  #statusFrom(status: PoolStatus, modelId: number | null, error: string | null): DetectStatus {
    const info = status.info;
    return {
      model: { id: modelId, name: info.name, version: info.version, file: info.path, hash: info.hash, inputSize: info.inputSize, metadata: info.metadata },
      requestedDevice: status.requestedDevice,
      device: status.device,
      fallbacks: status.fallbacks,
      fallbackReason: status.fallbackReason ?? fallbackSummary(status.device, status.fallbacks),
      error,
      workers: status.workers,
    };
  }

  /**
   * The running pool for the model to use now; restarts it when that model changed,
   * unless a job other than the caller is still detecting with it (jobs of this kind run
   * one at a time, so the next job starts on the new model).
   */
  async #ensurePool(jobsOfCaller = 0): Promise<RunningPool> {
    if (this.#disposed) throw new StudioError('unavailable', 'Detection is shutting down.');
    const wanted = this.modelPath();
    if (this.#running && this.#runningPath !== wanted && this.#activeJobs <= jobsOfCaller) {
      await this.#stopPool();
    }
    if (!this.#running) {
      this.#runningPath = wanted;
      const starting = this.#startPool(wanted);
      this.#running = starting;
      starting.catch(() => {
        // A failed start is forgotten so that fixing the file and asking again works.
        if (this.#running === starting) {
          this.#running = null;
          this.#runningPath = null;
        }
      });
    }
    return this.#running;
  }

  async #startPool(modelPath: string): Promise<RunningPool> {
    const pool = await DetectWorkerPool.start({
      modelPath,
      workers: this.#options.workers ?? defaultWorkerCount(),
      load: { device: this.#options.device ?? 'auto' },
    });
    const info = pool.status.info;
    const model = this.#store.registerModel(registryEntryOf(info));
    this.#lastStatus = pool.status;
    this.#lastModelId = model.id;
    return { pool, modelPath, modelId: model.id };
  }

  async #stopPool(): Promise<void> {
    const running = this.#running;
    this.#running = null;
    this.#runningPath = null;
    if (!running) return;
    try {
      await (await running).pool.close();
    } catch {
      // It never started: nothing to stop.
    }
  }

  #clearIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  #scheduleIdleRelease(): void {
    this.#clearIdleTimer();
    if (this.#disposed || this.#activeJobs > 0) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#activeJobs === 0) void this.#stopPool();
    }, this.#options.idleReleaseMs ?? DEFAULT_IDLE_RELEASE_MS);
    // An idle pool must not keep a CLI or a test process alive.
    this.#idleTimer.unref();
  }

  /** Photo ids of the job, fixed before the first detection (detecting changes statuses). */
  #selectPhotos(input: DetectRunInput): number[] {
    if ('photoIds' in input) return [...new Set(input.photoIds)];
    const ids: number[] = [];
    for (let offset = 0; ; offset += QUERY_PAGE) {
      const page = this.#store.queryPhotos({
        rootId: input.rootId,
        recursive: true,
        status: input.all === 'unmasked' ? ['none'] : undefined,
        includeMissing: false,
        sort: 'path',
        order: 'asc',
        offset,
        limit: QUERY_PAGE,
      });
      for (const photo of page.photos) ids.push(photo.id);
      if (page.photos.length < QUERY_PAGE) break;
    }
    return ids;
  }

  async #runJob(input: DetectRunInput, context: JobContext): Promise<DetectJobResult> {
    this.#activeJobs++;
    this.#clearIdleTimer();
    try {
      return await this.#detectPhotos(input, context);
    } finally {
      this.#activeJobs--;
      this.#scheduleIdleRelease();
    }
  }

  async #detectPhotos(input: DetectRunInput, { signal, progress }: JobContext): Promise<DetectJobResult> {
    const { pool, modelId } = await this.#ensurePool(1);
    const status = pool.status;
    const ids = this.#selectPhotos(input);
    const total = ids.length;
    progress(0, total, `${status.info.name} ${status.info.version} on ${DEVICE_LABELS[status.device]}`);
    const detectOptions: DetectOptions = { size: input.size, tiles: input.tiled };
    const failed: DetectFailure[] = [];
    let detected = 0;
    let done = 0;
    let next = 0;
    const started = performance.now();

    // Grid badges: photos that got a prediction, per root, told every few seconds.
    const changed = new Map<number, number>();
    let lastFlush = performance.now();
    const flush = (): void => {
      for (const [rootId, count] of changed) {
        this.#options.onPhotosChanged?.({ rootId, added: 0, removed: 0, changed: count, moved: 0, errors: 0 });
      }
      changed.clear();
      lastFlush = performance.now();
    };

    const detectOne = async (photoId: number): Promise<void> => {
      const location = this.#store.getPhotoLocation(photoId);
      if (!location) {
        failed.push({ photoId, relPath: '', reason: 'the photo does not exist' });
        return;
      }
      const { photo, rootPath, rootOpen } = location;
      if (!rootOpen || photo.missing) {
        failed.push({ photoId, relPath: photo.relPath, reason: rootOpen ? 'the file is missing' : 'the photo is not in an open library folder' });
        return;
      }
      const absPath = path.join(rootPath, ...photo.relPath.split('/'));
      try {
        const prediction = await pool.detect(absPath, detectOptions);
        const timings = prediction.timings;
        this.#store.savePrediction({
          photoId,
          modelId,
          png: prediction.probabilityPng,
          width: prediction.width,
          height: prediction.height,
          meanProbability: prediction.meanProbability,
          uncertainty: prediction.uncertainty,
          device: status.device,
          durationMs: timings.decode + timings.resize + timings.infer + timings.resizeBack + timings.encode,
        });
        detected++;
        changed.set(photo.rootId, (changed.get(photo.rootId) ?? 0) + 1);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failed.push({ photoId, relPath: photo.relPath, reason: message.replace(`${absPath}: `, '') });
      }
    };

    // Two photos per worker in flight, so that no worker waits while a result is saved.
    const lane = async (): Promise<void> => {
      while (next < ids.length && !signal.aborted) {
        const photoId = ids[next++]!;
        await detectOne(photoId);
        done++;
        progress(done, total);
        if (performance.now() - lastFlush >= CHANGE_FLUSH_MS) flush();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(ids.length, status.workers * 2) }, lane));
    } finally {
      flush();
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      modelId,
      device: status.device,
      fallbackReason: status.fallbackReason,
      detected,
      failed,
      skipped: total - done,
      imagesPerSecond: seconds > 0 && detected > 0 ? detected / seconds : null,
    };
  }
}
