/**
 * Jobs as persisted: their last saved state, so that the history survives a restart.
 * The live queue (rate, ETA, cancelling) is core/jobs/jobQueue.ts.
 */
import type { Job, JobState } from '../../api/types';
import { camelCaseRow } from './camelCaseRow';
import { StoreTables } from './storeTables';

interface JobRow {
  id: string;
  kind: string;
  title: string;
  state: JobState;
  params: string;
  done: number;
  total: number;
  message: string | null;
  error: string | null;
  result: string | null;
  created_at: string;
  finished_at: string | null;
}

const JOB_FIELDS = [
  'id', 'kind', 'title', 'state', 'done', 'total', 'rate', 'eta_seconds', 'message', 'error', 'created_at', 'finished_at', 'result',
] as const;

/** A persisted job; rate and ETA only mean something while it runs, so they are null. */
function toJob(row: JobRow): Job {
  return {
    ...camelCaseRow({ ...row, rate: null, eta_seconds: null }, JOB_FIELDS),
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
  };
}

export class JobTables extends StoreTables {
  /** Persists a job's current state (insert or update); `owner` is the studio_processes id of the process running it. */
  save(job: Job, params: unknown = {}, owner: string | null = null): void {
    this.sql.run(
      `INSERT INTO jobs (id, kind, title, state, params, done, total, message, error, result, created_at, finished_at, owner)
       VALUES (:id, :kind, :title, :state, :params, :done, :total, :message, :error, :result, :createdAt, :finishedAt, :owner)
       ON CONFLICT (id) DO UPDATE SET
         state = excluded.state, done = excluded.done, total = excluded.total, message = excluded.message,
         error = excluded.error, result = excluded.result, finished_at = excluded.finished_at`,
      {
        id: job.id,
        kind: job.kind,
        title: job.title,
        state: job.state,
        params: JSON.stringify(params ?? {}),
        done: job.done,
        total: job.total,
        message: job.message,
        error: job.error,
        result: job.result === undefined || job.result === null ? null : JSON.stringify(job.result),
        createdAt: job.createdAt,
        finishedAt: job.finishedAt,
        owner,
      },
    );
  }

  get(id: string): Job | undefined {
    const row = this.sql.get<JobRow>('SELECT * FROM jobs WHERE id = ?', id);
    return row ? toJob(row) : undefined;
  }

  /** Most recent jobs first. */
  list(limit = 100): Job[] {
    return this.sql.all<JobRow>('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?', limit).map(toJob);
  }

  /**
   * Jobs left queued or running by a process that is gone can never finish: marks them
   * failed. A job's process is gone when its row in studio_processes is (jobs from
   * before owners were kept have none). Returns how many were marked.
   */
  failOrphaned(reason: string): number {
    return this.sql.run(
      `UPDATE jobs SET state = 'failed', error = ?, finished_at = ?
       WHERE state IN ('queued', 'running') AND (owner IS NULL OR owner NOT IN (SELECT id FROM studio_processes))`,
      reason,
      this.timestamp(),
    ).changes;
  }
}
