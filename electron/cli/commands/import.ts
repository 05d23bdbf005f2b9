/**
 * `defusion import <folder...> --db FILE [--dataset NAME] [--json]`: adds folders to the
 * photo library of a studio database and scans them. A folder in the CTCUG/CUHK layout
 * brings its ground-truth masks in as human annotations.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Job } from '../../api/types';
import { createCoreServices } from '../../core/createCore';
import type { CoreServices } from '../../core/createCore';
import type { FolderImportResult } from '../../core/library/libraryService';
import { DatabaseFromFutureError } from '../../core/store/migrate';
import { parseCommandArgs, reportUsageError, UsageError } from '../args';
import { EXIT_OK, EXIT_SOME_FAILED, defaultStreams } from '../command';
import type { CommandStreams } from '../command';

export const summary = 'add photo folders (and CTCUG/CUHK masks) to a studio database';

export const usage = `Usage: defusion import <folder...> --db FILE [--dataset NAME] [--json]

Adds each folder to the photo library of the database FILE (created if needed) and
scans it: every photo is recorded with its hash, size, EXIF and a thumbnail; files that
cannot be read are listed with the reason.

A folder in the CTCUG/CUHK layout (images/ and gt/, same file stems; optional
train.txt / test.txt) opens images/ as the library folder and brings gt/ in as human
annotations of dataset NAME: each mask becomes an 8-bit grayscale PNG at its photo's
size, 255 = defocus-blurred (the polarity of these datasets), status 'corrected'
(or the status the folder's manifest.json declares). Importing again adds nothing new.

Options:
  --db FILE        the studio database (required)
  --dataset NAME   dataset for the folders' masks (default: each folder's own name);
                   for a folder without masks, its photos join this dataset
  --json           print one JSON document on stdout instead of the summary
  -h, --help       show this help

Exit status: 0 every file imported, 1 some failed (each listed with its reason on
stderr and in --json), 2 usage error.`;

/** One file or folder that did not make it, with an absolute path. */
interface Failure {
  path: string;
  reason: string;
}

interface FolderReport {
  folder: string;
  layout: 'ctcug' | 'plain' | null;
  root: { id: number; path: string } | null;
  photos: { files: number; added: number; changed: number; unchanged: number; moved: number; removed: number; errors: number } | null;
  masks: { dataset: string; datasetId: number; imported: number; unchanged: number; items: number } | null;
  failures: Failure[];
}

function progressLine(job: Job): string {
  const rate = job.rate === null ? '' : `, ${job.rate.toFixed(1)}/s`;
  const eta = job.etaSeconds === null ? '' : `, ${Math.ceil(job.etaSeconds)} s left`;
  return `${job.title}: ${job.done}/${job.total}${rate}${eta}`;
}

async function importOne(services: CoreServices, folder: string, datasetName: string | undefined): Promise<FolderReport> {
  const report: FolderReport = { folder, layout: null, root: null, photos: null, masks: null, failures: [] };
  const { jobId } = await services.library.importFolder(folder, {
    ...(datasetName === undefined ? {} : { datasetName }),
    addPlainPhotosToDataset: true,
  });
  const job = await services.jobs.wait(jobId);
  if (job.state !== 'done') {
    report.failures.push({ path: folder, reason: job.error ?? `import ${job.state}` });
    return report;
  }
  const result = job.result as FolderImportResult;
  report.layout = result.layout;
  report.root = { id: result.root.id, path: result.root.path };
  const { files, added, changed, unchanged, moved, removed, errors, rootError } = result.scan;
  report.photos = { files, added, changed, unchanged, moved, removed, errors };
  if (rootError !== null) report.failures.push({ path: result.root.path, reason: rootError });
  for (const error of services.store.listPhotoErrors(result.root.id, 100_000)) {
    report.failures.push({ path: join(result.root.path, ...error.relPath.split('/')), reason: error.reason });
  }
  if (result.masks) {
    const { datasetName: dataset, datasetId, imported, unchanged: same, items, failures } = result.masks;
    report.masks = { dataset, datasetId, imported, unchanged: same, items };
    for (const failure of failures) report.failures.push({ path: join(folder, ...failure.path.split('/')), reason: failure.reason });
  }
  return report;
}

function describe(report: FolderReport): string {
  const lines = [`${report.folder}${report.layout === 'ctcug' ? ' (CTCUG layout: images/ + gt/)' : ''}`];
  if (report.photos) {
    const p = report.photos;
    lines.push(`  photos: ${p.files - p.errors} of ${p.files} files (${p.added} new, ${p.changed} changed, ${p.unchanged} unchanged, ${p.moved} moved); ${p.removed} gone`);
  }
  if (report.masks) {
    const m = report.masks;
    lines.push(`  masks:  ${m.imported} imported, ${m.unchanged} already there, into dataset "${m.dataset}" (${m.items} photos)`);
  }
  if (report.failures.length > 0) lines.push(`  failed: ${report.failures.length}`);
  return lines.join('\n');
}

export async function run(argv: string[], streams: CommandStreams = defaultStreams()): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommandArgs(argv, {
      db: { type: 'string' },
      dataset: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    }));
    if (values.help) {
      streams.stdout.write(`${usage}\n`);
      return EXIT_OK;
    }
    if (positionals.length === 0) throw new UsageError('no folder to import');
    if (!values.db) throw new UsageError('--db FILE is required');
    if (values.dataset !== undefined && values.dataset.trim() === '') throw new UsageError('--dataset needs a name');
    for (const folder of positionals) {
      const info = await stat(folder).catch(() => null);
      if (!info) throw new UsageError(`${folder}: no such folder`);
      if (!info.isDirectory()) throw new UsageError(`${folder}: not a folder`);
    }
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError('import', usage, error.message, streams);
    throw error;
  }

  const dbPath = resolve(values.db);
  await mkdir(dirname(dbPath), { recursive: true });
  let services: CoreServices;
  try {
    services = await createCoreServices({ dbPath, watch: false, scanOnStart: false, log: (message) => streams.stderr.write(`${message}\n`) });
  } catch (error) {
    if (error instanceof DatabaseFromFutureError) return reportUsageError('import', usage, `${dbPath}: ${error.message}`, streams);
    throw error;
  }

  const showProgress = !values.json && streams.stderr.isTTY === true;
  const stopProgress = showProgress
    ? services.jobs.onDidChange((job) => {
        if (job.state === 'running') streams.stderr.write(`\r\x1b[K${progressLine(job)}`);
        else if (job.state !== 'queued') streams.stderr.write('\r\x1b[K');
      })
    : () => {};

  const reports: FolderReport[] = [];
  try {
    for (const folder of positionals) {
      reports.push(await importOne(services, resolve(folder), values.dataset?.trim()));
    }
  } finally {
    stopProgress();
    await services.core.close();
  }

  const failures = reports.flatMap((report) => report.failures);
  if (values.json) {
    streams.stdout.write(`${JSON.stringify({ db: dbPath, ok: failures.length === 0, folders: reports, failures }, null, 2)}\n`);
  } else {
    streams.stdout.write(`${reports.map(describe).join('\n')}\n`);
  }
  if (failures.length > 0) {
    streams.stderr.write(`defusion import: ${failures.length} ${failures.length === 1 ? 'file' : 'files'} could not be imported:\n`);
    for (const failure of failures) streams.stderr.write(`  ${failure.path}: ${failure.reason}\n`);
    return EXIT_SOME_FAILED;
  }
  return EXIT_OK;
}
