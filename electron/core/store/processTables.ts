/**
 * The processes that have the database open (migration 0040): one row each while it
 * lives, with the time it last said so. Whether a row's process is still alive is the
 * core's question (core/jobs/studioProcess.ts); these are only the rows.
 */
import { camelCaseRow } from './camelCaseRow';
import { StoreTables } from './storeTables';

export type ProcessRole = 'studio' | 'tool';

export interface ProcessRecord {
  id: string;
  pid: number;
  host: string;
  role: ProcessRole;
  startedAt: string;
  heartbeatAt: string;
}

const PROCESS_FIELDS = ['id', 'pid', 'host', 'role', 'started_at', 'heartbeat_at'] as const;

interface ProcessRow {
  id: string;
  pid: number;
  host: string;
  role: ProcessRole;
  started_at: string;
  heartbeat_at: string;
}

export class ProcessTables extends StoreTables {
  list(): ProcessRecord[] {
    return this.sql.all<ProcessRow>('SELECT * FROM studio_processes ORDER BY started_at').map((row) => camelCaseRow(row, PROCESS_FIELDS));
  }

  add(process: Omit<ProcessRecord, 'startedAt' | 'heartbeatAt'>): ProcessRecord {
    const now = this.timestamp();
    this.sql.run(
      'INSERT INTO studio_processes (id, pid, host, role, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)',
      process.id,
      process.pid,
      process.host,
      process.role,
      now,
      now,
    );
    return { ...process, startedAt: now, heartbeatAt: now };
  }

  /** Says the process is still alive; false when its row is gone (another process judged it dead). */
  beat(id: string): boolean {
    return this.sql.run('UPDATE studio_processes SET heartbeat_at = ? WHERE id = ?', this.timestamp(), id).changes === 1;
  }

  remove(id: string): void {
    this.sql.run('DELETE FROM studio_processes WHERE id = ?', id);
  }
}
