/**
 * "A saved mask is never lost": a writer process saves masks in a loop and is killed
 * with SIGKILL mid-stream; the database file must pass integrity_check and hold every
 * save the writer reported as returned, byte for byte.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/store';

const WRITER = join(import.meta.dirname, 'store-crash.writer.ts');
const TSX = join(import.meta.dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the writer until it has reported `saves` saves, then SIGKILLs it. */
async function killWriterAfter(dbPath: string, saves: number): Promise<Map<number, string>> {
  const child = spawn(process.execPath, [TSX, WRITER, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reported = new Map<number, string>();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let buffered = '';
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));

  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^saved (\d+) ([0-9a-f]{64})$/.exec(line);
        if (match) reported.set(Number(match[1]), match[2]!);
      }
      if (reported.size >= saves && child.exitCode === null) {
        // Killed while it is busy saving the next ones: no chance to clean up.
        child.kill('SIGKILL');
        resolve();
      }
    });
    // After resolve() this is a no-op; before, the writer died on its own.
    child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
  });
  expect(await exit).toBe('SIGKILL');
  // Lines that reached the pipe before the kill are saves that returned too.
  for (const line of buffered.split('\n')) {
    const match = /^saved (\d+) ([0-9a-f]{64})$/.exec(line);
    if (match) reported.set(Number(match[1]), match[2]!);
  }
  return reported;
}

describe('store crash safety', () => {
  it('keeps every returned mask save through a SIGKILL of the writer', async () => {
    dir = await mkdtemp(join(tmpdir(), 'defusion-crash-'));
    const dbPath = join(dir, 'studio.db');

    const firstRun = await killWriterAfter(dbPath, 300);
    // A second writer on the recovered file, killed again: recovery of a WAL left by a
    // killed process must itself be safe to crash after.
    const secondRun = await killWriterAfter(dbPath, 150);
    const reported = new Map([...firstRun, ...secondRun]);
    expect(reported.size).toBeGreaterThanOrEqual(450);

    const store = Store.open(dbPath, { log: () => {} });
    try {
      const db = store._testOnlyDb;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const read = db.prepare('SELECT png FROM mask_versions WHERE id = ?').pluck();
      const lost: number[] = [];
      for (const [id, sha] of reported) {
        const png = read.get(id) as Buffer | undefined;
        if (!png || createHash('sha256').update(png).digest('hex') !== sha) lost.push(id);
      }
      expect(lost).toEqual([]);
      // Every mask points at a version that exists (the pointer moved in the same transaction).
      expect(
        db.prepare('SELECT COUNT(*) FROM masks m LEFT JOIN mask_versions v ON v.id = m.current_version_id WHERE v.id IS NULL').pluck().get(),
      ).toBe(0);
    } finally {
      store.close();
    }
  });
});
