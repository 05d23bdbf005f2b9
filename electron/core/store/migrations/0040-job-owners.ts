/**
 * Jobs belong to the process that runs them. Several processes may open one database
 * (the desktop app or `npm run serve`, and the CLI beside it): each writes a row here
 * while it lives, beats on it, and stamps its jobs with that row's id, so that only the
 * jobs of a process that is gone are marked interrupted, never those of one still at work.
 */
import type { Migration } from './types';

export const migration0040: Migration = {
  version: 40,
  name: 'job-owners',
  up(db) {
    db.exec(`
      CREATE TABLE studio_processes (
        -- Random per process start: a reused PID is another id.
        id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        -- 'studio' watches and scans (one per database); 'tool' is a CLI command beside it.
        role TEXT NOT NULL CHECK (role IN ('studio', 'tool')),
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
      );
      -- The studio_processes id of the process that runs the job; NULL for jobs from before.
      ALTER TABLE jobs ADD COLUMN owner TEXT;
      CREATE INDEX jobs_unfinished ON jobs(state, owner);
    `);
  },
};
