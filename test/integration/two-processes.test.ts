/**
 * Issue 13, item 5: two processes on one database. A second core used to mark the
 * first one's running jobs interrupted, and both ran scanners and watchers.
 *
 * The real processes: the studio (`npm run serve`) scans a large folder, a long job,
 * while the real `defusion import` and `defusion export` run on the same studio.db. The
 * job ends done, every row of both sides is there, and a second studio on that database
 * says clearly that it is open elsewhere. Then a CLI import is killed (SIGKILL) in the
 * middle of its scan: its job, and only its, is marked interrupted.
 */
import { spawn } from 'node:child_process';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, PhotoPage } from '../../electron/api/types';
import buildRendererIfStale from '../e2e/globalSetup';
import { callApi } from '../e2e/studioApi';
import { startStudioServer } from '../e2e/studioServer';
import type { StudioServer } from '../e2e/studioServer';
import { makeDefocusedPhoto, leftPart, makeJpeg, writeMask } from '../unit/datasets/fixtures';
import { defusion } from './defusionCli';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Enough photos that the studio's scan outlasts the CLI's start, import and export. */
const BIG_FOLDER_PHOTOS = 600;

let dir: string;
let db: string;
let server: StudioServer;

function jobRows(): { id: string; kind: string; state: string; error: string | null; owner: string | null }[] {
  const database = new Database(db, { readonly: true });
  try {
    return database.prepare('SELECT id, kind, state, error, owner FROM jobs ORDER BY created_at').all() as never;
  } finally {
    database.close();
  }
}

function count(sql: string): number {
  const database = new Database(db, { readonly: true });
  try {
    return (database.prepare(sql).get() as { n: number }).n;
  } finally {
    database.close();
  }
}

beforeAll(async () => {
  buildRendererIfStale();
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-two-processes-'));
  db = path.join(dir, 'studio.db');
  for (let i = 0; i < BIG_FOLDER_PHOTOS; i++) {
    await makeJpeg(path.join(dir, 'big', `folder-${Math.floor(i / 100)}`, `photo-${String(i).padStart(4, '0')}.jpg`), { width: 256, height: 192, seed: i + 1 });
  }
  // Another folder, for the CLI import that is killed half-way.
  for (let i = 0; i < 200; i++) await makeJpeg(path.join(dir, 'more', `more-${i}.jpg`), { width: 256, height: 192, seed: 5000 + i });
  // A small CTCUG dataset for the CLI: photos with true defocus and their masks.
  for (let i = 0; i < 6; i++) {
    const mask = await makeDefocusedPhoto(path.join(dir, 'dataset', 'images', `item${i}.jpg`), { width: 160, height: 120, shape: leftPart(0.3 + i * 0.05), seed: 50 + i });
    await writeMask(path.join(dir, 'dataset', 'gt', `item${i}.png`), mask, 160, 120);
  }
  server = await startStudioServer(['--db', db, '--no-sample']);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the studio and the CLI on one database', () => {
  it('a long job in the studio ends done while the CLI imports and exports beside it, and no row is lost', async () => {
    const opened = await callApi(server.url, 'library.open', { paths: [path.join(dir, 'big')] });
    // The studio's scan is under way…
    await expect.poll(async () => (await callApi(server.url, 'jobs.get', { id: opened.jobId })).state, { timeout: 60_000 }).toBe('running');

    // …when the CLI imports a dataset into the same database, and exports it. Meanwhile
    // the job's row is read every 20 ms: no process may mark it interrupted, not even for
    // the second before the studio writes its progress again.
    const seen = new Set<string>();
    const sampler = setInterval(() => {
      const row = jobRows().find((candidate) => candidate.id === opened.jobId);
      seen.add(`${row?.state} ${row?.error ?? ''}`.trim());
    }, 20);
    const imported = await defusion('import', path.join(dir, 'dataset'), '--db', db, '--dataset', 'beside', '--json');
    expect(imported.code, `${imported.stderr}\n${imported.stdout.slice(0, 3000)}`).toBe(0);
    const exported = await defusion('export', '--db', db, '--dataset', 'beside', '--out', path.join(dir, 'export'), '--json');
    expect(exported.code, exported.stderr).toBe(0);
    clearInterval(sampler);
    expect([...seen]).toEqual(['running']);
    const during = (await callApi(server.url, 'jobs.get', { id: opened.jobId })).state;
    expect(during, 'the CLI ran while the scan was still going (else this test tests nothing)').toBe('running');

    // The studio's job ends done: no process took it for interrupted.
    let job: Job;
    for (;;) {
      job = await callApi(server.url, 'jobs.get', { id: opened.jobId });
      if (job.state !== 'running' && job.state !== 'queued') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(job.state, job.error ?? '').toBe('done');

    // Every row of both sides is there.
    const page: PhotoPage = await callApi(server.url, 'library.query', { limit: 1 });
    expect(page.total).toBe(BIG_FOLDER_PHOTOS + 6);
    expect(count('SELECT count(*) AS n FROM photos')).toBe(BIG_FOLDER_PHOTOS + 6);
    expect(count("SELECT count(*) AS n FROM mask_versions v JOIN masks m ON m.id = v.mask_id JOIN datasets d ON d.id = m.dataset_id WHERE d.name = 'beside'")).toBe(6);
    expect((await readdir(path.join(dir, 'export', 'gt'))).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `item${i}.png`));
    const jobs = jobRows();
    expect(jobs.filter((row) => row.state !== 'done'), JSON.stringify(jobs)).toEqual([]);
    // The CLI's jobs and the studio's belong to different processes.
    expect(new Set(jobs.map((row) => row.owner)).size).toBeGreaterThanOrEqual(2);
  });

  it('a second studio on the same database says that the studio is open elsewhere', async () => {
    const second = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'electron/server/main.ts'), '--no-open', '--no-sample', '--db', db], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    second.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    second.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => second.on('close', resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/The studio is already open on .*studio\.db \(process \d+, since /);
    expect(output).not.toContain('Studio: http');
    // The first studio carries on.
    expect((await callApi(server.url, 'app.info', {})).counts.photos).toBe(BIG_FOLDER_PHOTOS + 6);
  });

  it("a CLI killed in the middle of its import leaves its job interrupted, and only its", async () => {
    const before = new Map(jobRows().map((row) => [row.id, row.state]));
    const cli = spawn(process.execPath, [path.join(projectRoot, 'bin', 'defusion.js'), 'import', path.join(dir, 'more'), '--db', db], { stdio: 'ignore' });
    // Killed once its job is in the database, running.
    const started = Date.now();
    let killedJob: string | undefined;
    while (killedJob === undefined && Date.now() - started < 60_000) {
      killedJob = jobRows().find((row) => !before.has(row.id) && row.state === 'running')?.id;
      if (killedJob === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(killedJob, 'the CLI started its job').toBeDefined();
    cli.kill('SIGKILL');
    await new Promise((resolve) => cli.on('close', resolve));
    expect(jobRows().find((row) => row.id === killedJob)?.state).toBe('running');

    // The studio, beating every 10 s, finds its owner gone.
    await expect.poll(() => jobRows().find((row) => row.id === killedJob)?.state, { timeout: 45_000, interval: 500 }).toBe('failed');
    const after = jobRows();
    expect(after.find((row) => row.id === killedJob)).toMatchObject({ state: 'failed', error: expect.stringContaining('interrupted') });
    for (const row of after.filter((candidate) => before.has(candidate.id))) expect(row.state, row.id).toBe(before.get(row.id));
    // The studio reports it so (its history is the database's).
    expect(await callApi(server.url, 'jobs.get', { id: killedJob! })).toMatchObject({ state: 'failed' });
  });
});
