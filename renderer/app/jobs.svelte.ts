/**
 * Background jobs (scans, detection, exports…) with their live progress, kept current by
 * `jobs.onDidChange`. The list starts from `jobs.list` so a reloaded page sees the jobs
 * already running.
 */
/* eslint-disable svelte/prefer-svelte-reactivity --
   The Map and Set here are bookkeeping; the UI reads only the `jobs` array, replaced as
   a whole. */
import type { StudioClient } from '../../electron/api/client';
import { Emitter } from '../../electron/api/event';
import type { Event } from '../../electron/api/event';
import type { Job } from '../../electron/api/types';

/** Finished jobs stay listed this long, so a quick scan's outcome can still be read. */
const KEEP_FINISHED = 5;

export function isActive(job: Job): boolean {
  return job.state === 'queued' || job.state === 'running';
}

export class JobsState {
  readonly #client: StudioClient;
  #byId = new Map<string, Job>();
  readonly #didFinish = new Emitter<Job>();
  readonly #didChange = new Emitter<Job>();
  /** Fires once per job when it reaches done, failed or cancelled. */
  readonly onDidFinish: Event<Job> = this.#didFinish.event;
  /** Fires on every change of any job. */
  readonly onDidChange: Event<Job> = this.#didChange.event;

  /** Jobs to show: every active one, then the most recent finished ones. */
  jobs = $state.raw<Job[]>([]);
  /** Why the last cancel failed, if it did. */
  lastError = $state<string | null>(null);

  constructor(client: StudioClient) {
    this.#client = client;
  }

  get active(): Job[] {
    return this.jobs.filter(isActive);
  }

  /** Subscribes to job events and loads the current list; returns the cleanup. */
  start(): () => void {
    const unsubscribe = this.#client.on('jobs.onDidChange', (job) => this.#upsert(job));
    void this.resync();
    return unsubscribe;
  }

  /** Reloads the whole list (after a reconnect, events may have been missed). */
  async resync(): Promise<void> {
    const jobs = await this.#client.call('jobs.list', {});
    for (const job of jobs) {
      this.#upsert(job);
    }
  }

  async cancel(jobId: string): Promise<void> {
    try {
      await this.#client.call('jobs.cancel', { id: jobId });
      this.lastError = null;
    } catch (error) {
      this.lastError = (error as Error).message;
    }
  }

  #upsert(job: Job): void {
    const previous = this.#byId.get(job.id);
    this.#byId.set(job.id, job);
    this.#publish();
    this.#didChange.fire(job);
    if (!isActive(job) && (previous === undefined || isActive(previous))) {
      this.#didFinish.fire(job);
    }
  }

  #publish(): void {
    const all = [...this.#byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const active = all.filter(isActive);
    const finished = all.filter((job) => !isActive(job)).slice(0, KEEP_FINISHED);
    // Forget what will never be shown again.
    const kept = new Set([...active, ...finished].map((job) => job.id));
    for (const id of this.#byId.keys()) {
      if (!kept.has(id)) {
        this.#byId.delete(id);
      }
    }
    this.jobs = [...active, ...finished];
  }
}
