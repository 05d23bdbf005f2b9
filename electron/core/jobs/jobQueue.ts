/**
 * Background jobs (library scans, detection runs, exports, fine-tuning): each runs an
 * async function with an AbortSignal and a progress callback. The queue limits how many
 * jobs of a kind run at once, computes rate and ETA, pushes `jobs.onDidChange` (at most
 * a few times per second per job, but always the final state), and persists every job
 * to the store so that the history survives a restart.
 */
import { randomUUID } from 'node:crypto';
import { StudioError } from '../../api/errors';
import { Emitter } from '../../api/event';
import type { Event } from '../../api/event';
import type { Job, JobState } from '../../api/types';
import { RateMeter } from './rateMeter';

/** What a job function receives. */
export interface JobContext {
  /** Aborted when the job is cancelled (or the studio closes): stop soon and return/throw. */
  signal: AbortSignal;
  /** Reports progress; cheap to call for every item (events are throttled). */
  progress(done: number, total: number, message?: string): void;
}

export type JobFunction<R = unknown> = (context: JobContext) => Promise<R>;

export interface JobSpec {
  kind: string;
  title: string;
  /** Kept with the job in the database (JSON-safe). */
  params?: unknown;
}

/** Where jobs are persisted; the Store implements it. */
export interface JobPersistence {
  saveJob(job: Job, params: unknown, owner: string | null): void;
  getJob(id: string): Job | undefined;
  listJobs(limit: number): Job[];
}

export interface JobQueueOptions {
  persistence?: JobPersistence;
  /**
   * The process the jobs belong to (studioProcess.ts), stamped on each persisted job:
   * another process marks them interrupted only once this one is gone.
   */
  owner?: string;
  /** Jobs of a kind that may run at once; kinds not listed get `defaultConcurrency`. */
  concurrency?: Record<string, number>;
  defaultConcurrency?: number;
  /** Most change events per second for one job (state changes are never held back). */
  maxEventsPerSecond?: number;
  /** How often a running job's progress is written to the database. */
  persistIntervalMs?: number;
  /** Window of the rate estimate. */
  rateWindowMs?: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
  newId?: () => string;
  /** Reports errors thrown by event listeners or persistence; defaults to console.error. */
  onError?: (error: unknown) => void;
}

interface Entry {
  job: Job;
  params: unknown;
  run: JobFunction;
  controller: AbortController;
  meter: RateMeter;
  settled: Promise<Job>;
  settle: (job: Job) => void;
  lastEmitAt: number;
  lastPersistAt: number;
  pendingEmit: ReturnType<typeof setTimeout> | null;
}

const FINAL_STATES: ReadonlySet<JobState> = new Set(['done', 'failed', 'cancelled']);

export function isFinalState(state: JobState): boolean {
  return FINAL_STATES.has(state);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class JobQueue {
  readonly #entries = new Map<string, Entry>();
  readonly #waiting: Entry[] = [];
  readonly #runningByKind = new Map<string, number>();
  readonly #didChange: Emitter<Job>;
  /** Fires on every change of every job. */
  readonly onDidChange: Event<Job>;
  readonly #persistence: JobPersistence | undefined;
  readonly #concurrency: Record<string, number>;
  readonly #defaultConcurrency: number;
  readonly #minEmitGapMs: number;
  readonly #persistIntervalMs: number;
  readonly #rateWindowMs: number;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #onError: (error: unknown) => void;
  readonly #owner: string | null;
  #closed = false;

  constructor(options: JobQueueOptions = {}) {
    this.#persistence = options.persistence;
    this.#concurrency = options.concurrency ?? {};
    this.#defaultConcurrency = options.defaultConcurrency ?? 1;
    this.#minEmitGapMs = 1000 / (options.maxEventsPerSecond ?? 10);
    this.#persistIntervalMs = options.persistIntervalMs ?? 1000;
    this.#rateWindowMs = options.rateWindowMs ?? 5000;
    this.#now = options.now ?? (() => Date.now());
    this.#newId = options.newId ?? (() => randomUUID());
    this.#onError = options.onError ?? ((error) => console.error('[jobs]', error));
    this.#didChange = new Emitter<Job>({ onListenerError: this.#onError });
    this.onDidChange = this.#didChange.event;
    this.#owner = options.owner ?? null;
  }


  /** Queues a job; it starts as soon as its kind has a free slot. Returns its first state. */
  enqueue<R>(spec: JobSpec, run: JobFunction<R>): Job {
    if (this.#closed) {
      throw new StudioError('unavailable', 'The job queue is closed.');
    }
    const now = this.#now();
    const job: Job = {
      id: this.#newId(),
      kind: spec.kind,
      title: spec.title,
      state: 'queued',
      done: 0,
      total: 0,
      rate: null,
      etaSeconds: null,
      message: null,
      error: null,
      createdAt: new Date(now).toISOString(),
      finishedAt: null,
      result: null,
    };
    let settle!: (job: Job) => void;
    const settled = new Promise<Job>((resolve) => (settle = resolve));
    const entry: Entry = {
      job,
      params: spec.params ?? {},
      run: run as JobFunction,
      controller: new AbortController(),
      meter: new RateMeter(this.#rateWindowMs),
      settled,
      settle,
      lastEmitAt: Number.NEGATIVE_INFINITY,
      lastPersistAt: now,
      pendingEmit: null,
    };
    this.#entries.set(job.id, entry);
    this.#waiting.push(entry);
    this.#changed(entry, { force: true, persist: true });
    // Start on a later tick so that callers get the id before the first 'running' event.
    queueMicrotask(() => this.#pump());
    return { ...job };
  }

  /** A job of this session, or one from the database's history. */
  get(id: string): Job | undefined {
    const entry = this.#entries.get(id);
    return entry ? { ...entry.job } : this.#persistence?.getJob(id);
  }

  /** This session's jobs (newest first), then earlier ones from the database. */
  list(limit = 100): Job[] {
    const live = [...this.#entries.values()].map((entry) => ({ ...entry.job })).reverse();
    const liveIds = new Set(live.map((job) => job.id));
    const history = (this.#persistence?.listJobs(limit) ?? []).filter((job) => !liveIds.has(job.id));
    return [...live, ...history].slice(0, limit);
  }

  /** Resolves with the job's final state (done, failed or cancelled). */
  wait(id: string): Promise<Job> {
    const entry = this.#entries.get(id);
    if (!entry) {
      const stored = this.#persistence?.getJob(id);
      return stored ? Promise.resolve(stored) : Promise.reject(new StudioError('not-found', `No job ${id}.`));
    }
    return entry.settled;
  }

  /**
   * Cancels a queued job at once, or signals a running one to stop (it becomes
   * 'cancelled' when its function returns). False when the job is unknown or finished.
   */
  cancel(id: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry || isFinalState(entry.job.state) || entry.controller.signal.aborted) {
      return false;
    }
    entry.controller.abort(new StudioError('cancelled', `${entry.job.title}: cancelled`));
    const waitingIndex = this.#waiting.indexOf(entry);
    if (waitingIndex >= 0) {
      this.#waiting.splice(waitingIndex, 1);
      this.#finish(entry, 'cancelled', null, null);
    } else {
      entry.job.message = 'cancelling…';
      this.#changed(entry, { force: true, persist: false });
    }
    return true;
  }

  /** Waits until no job is queued or running. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.#entries.values()].filter((entry) => !isFinalState(entry.job.state));
      if (pending.length === 0) {
        return;
      }
      await Promise.all(pending.map((entry) => entry.settled));
    }
  }

  /** Refuses new jobs, cancels every queued and running one, and waits for them to stop. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#entries.values()) {
      this.cancel(entry.job.id);
    }
    await this.idle();
  }

  #pump(): void {
    for (let i = 0; i < this.#waiting.length; ) {
      const entry = this.#waiting[i]!;
      const kind = entry.job.kind;
      const running = this.#runningByKind.get(kind) ?? 0;
      if (running < (this.#concurrency[kind] ?? this.#defaultConcurrency)) {
        this.#waiting.splice(i, 1);
        this.#runningByKind.set(kind, running + 1);
        void this.#start(entry);
      } else {
        i++;
      }
    }
  }

  async #start(entry: Entry): Promise<void> {
    const { job, controller } = entry;
    job.state = 'running';
    entry.meter.record(this.#now(), 0);
    this.#changed(entry, { force: true, persist: true });

    const context: JobContext = {
      signal: controller.signal,
      progress: (done, total, message) => {
        if (isFinalState(job.state)) {
          return;
        }
        job.done = done;
        job.total = total;
        if (message !== undefined) {
          job.message = message;
        }
        const now = this.#now();
        entry.meter.record(now, done);
        const estimate = entry.meter.estimate(total);
        job.rate = estimate.rate;
        job.etaSeconds = estimate.etaSeconds;
        this.#changed(entry, { force: false, persist: now - entry.lastPersistAt >= this.#persistIntervalMs });
      },
    };

    try {
      const result = await entry.run(context);
      if (controller.signal.aborted) {
        this.#finish(entry, 'cancelled', null, null);
      } else {
        this.#finish(entry, 'done', result ?? null, null);
      }
    } catch (error) {
      if (controller.signal.aborted) {
        this.#finish(entry, 'cancelled', null, null);
      } else {
        this.#finish(entry, 'failed', null, errorMessage(error));
      }
    } finally {
      this.#runningByKind.set(job.kind, (this.#runningByKind.get(job.kind) ?? 1) - 1);
      this.#pump();
    }
  }

  #finish(entry: Entry, state: JobState, result: unknown, error: string | null): void {
    const { job } = entry;
    job.state = state;
    job.result = result;
    job.error = error;
    job.finishedAt = new Date(this.#now()).toISOString();
    job.etaSeconds = state === 'done' ? 0 : null;
    if (state === 'cancelled') {
      job.message = 'cancelled';
    }
    this.#changed(entry, { force: true, persist: true });
    entry.settle({ ...job });
  }

  /**
   * Emits (now, or once the throttle gap has passed) and persists when asked. A pending
   * trailing emit always carries the latest state, so the last progress is never lost.
   */
  #changed(entry: Entry, { force, persist }: { force: boolean; persist: boolean }): void {
    if (persist && this.#persistence) {
      entry.lastPersistAt = this.#now();
      try {
        this.#persistence.saveJob(entry.job, entry.params, this.#owner);
      } catch (error) {
        this.#onError(error);
      }
    }
    const now = this.#now();
    const wait = entry.lastEmitAt + this.#minEmitGapMs - now;
    if (force || wait <= 0) {
      this.#emit(entry);
      return;
    }
    if (!entry.pendingEmit) {
      entry.pendingEmit = setTimeout(() => {
        entry.pendingEmit = null;
        this.#emit(entry);
      }, wait);
    }
  }

  #emit(entry: Entry): void {
    if (entry.pendingEmit) {
      clearTimeout(entry.pendingEmit);
      entry.pendingEmit = null;
    }
    entry.lastEmitAt = this.#now();
    this.#didChange.fire({ ...entry.job });
  }
}
