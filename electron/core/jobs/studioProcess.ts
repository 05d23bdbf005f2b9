/**
 * This process's place among the processes that have one database open. Users run the
 * CLI while the app is open, so several processes share a studio.db; each must leave the
 * others' jobs alone. A process:
 *
 * - writes its row in studio_processes when it opens the database, and beats on it;
 * - stamps its jobs with that row's id (JobQueue's `owner`);
 * - marks interrupted only the unfinished jobs whose process is gone: at start, and on
 *   every beat, so a CLI that was killed mid-import does not leave a job 'running'.
 *
 * A process is gone when, on this machine, no process has its PID any more, or when it
 * has not beaten for STALE_AFTER_MS (a PID the system gave to another program, or a
 * process on another machine sharing the file).
 *
 * Two kinds of process: a `studio` (the desktop app, `npm run serve`) scans at start and
 * watches its folders, and only one may have a database open, so a second says clearly
 * that the studio is open elsewhere; a `tool` (a CLI command) works beside it.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { StudioError } from '../../api/errors';
import type { ProcessRecord, ProcessRole } from '../store/processTables';
import type { Store } from '../store/store';

/** How often a process says it is alive. */
export const HEARTBEAT_MS = 10_000;
/** A process silent this long is gone, whatever its PID says. */
export const STALE_AFTER_MS = 120_000;
/** What a job of a process that is gone says. */
export const INTERRUPTED = 'interrupted: the process running it stopped before the job finished';

export interface StudioProcessOptions {
  role: ProcessRole;
  /** Where background failures (a beat that could not be written) go. */
  onError?: (error: unknown) => void;
  heartbeatMs?: number;
}

/** True when a process with `pid` exists on this machine (EPERM: it exists, owned by someone else). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process of `record` is still at work, seen from this machine at `now`. */
export function isProcessAlive(record: ProcessRecord, now: number, host = os.hostname()): boolean {
  if (now - Date.parse(record.heartbeatAt) > STALE_AFTER_MS) return false;
  return record.host !== host || pidExists(record.pid);
}

export class StudioProcess {
  readonly id = randomUUID();
  readonly role: ProcessRole;
  readonly #store: Store;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #timer: ReturnType<typeof setInterval>;
  #closed = false;

  /**
   * Joins the processes of `store`'s database: clears out the ones that are gone (and
   * marks their jobs interrupted), refuses a second studio, and starts beating.
   */
  static join(store: Store, options: StudioProcessOptions): StudioProcess {
    return new StudioProcess(store, options);
  }

  private constructor(store: Store, options: StudioProcessOptions) {
    this.#store = store;
    this.role = options.role;
    // The store's clock: heartbeats are its timestamps.
    this.#now = () => store.now().getTime();
    this.#onError = options.onError ?? ((error) => console.error('[processes]', error));
    store.transaction(() => {
      this.#sweep();
      if (options.role === 'studio') {
        const other = store.processes.list().find((record) => record.role === 'studio');
        if (other) throw openElsewhere(store.filename, other);
      }
      store.processes.add({ id: this.id, pid: process.pid, host: os.hostname(), role: options.role });
    });
    this.#timer = setInterval(() => this.#beat(), options.heartbeatMs ?? HEARTBEAT_MS);
    // The beat never keeps a finished CLI command alive.
    this.#timer.unref();
  }

  /** Leaves: the row goes, so the next process need not wait for it to go stale. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      this.#store.processes.remove(this.id);
    } catch (error) {
      this.#onError(error);
    }
  }

  #beat(): void {
    if (this.#closed) return;
    try {
      this.#store.transaction(() => {
        // Judged gone by another process (this one was frozen too long): back in, with the same id.
        if (!this.#store.processes.beat(this.id)) {
          this.#store.processes.add({ id: this.id, pid: process.pid, host: os.hostname(), role: this.role });
        }
        this.#sweep();
      });
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Removes the rows of processes that are gone, then marks their unfinished jobs interrupted. */
  #sweep(): void {
    const now = this.#now();
    for (const record of this.#store.processes.list()) {
      if (record.id !== this.id && !isProcessAlive(record, now)) this.#store.processes.remove(record.id);
    }
    this.#store.failOrphanedJobs(INTERRUPTED);
  }
}

function openElsewhere(database: string, other: ProcessRecord): StudioError {
  const where = other.host === os.hostname() ? `process ${other.pid}` : `process ${other.pid} on ${other.host}`;
  return new StudioError(
    'conflict',
    `The studio is already open on ${database} (${where}, since ${other.startedAt}). Close it first, or open another database (--db FILE). ` +
      'The command line (defusion import, export, …) works beside it.',
    { pid: other.pid, host: other.host },
  );
}
