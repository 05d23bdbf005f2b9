/**
 * `defusion import <folder...> --db FILE [--dataset NAME] [--polarity P] [--json]`: adds
 * folders to the photo library of a studio database and scans them. A dataset folder
 * (CTCUG, CUHK, DUT-DBD or COCO layout) brings its ground-truth masks in as human
 * annotations, through the datasets importer (core/datasets/importDataset.ts).
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ITEM_STATUSES } from '../../api/types';
import type { DatasetImportResult, ImportLayout, ItemStatus, Job, PolarityDecision, PolarityRequest } from '../../api/types';
import { createCoreServices } from '../../core/createCore';
import type { CoreServices } from '../../core/createCore';
import { detectDatasetLayout } from '../../core/datasets/datasetLayout';
import type { FolderImportResult } from '../../core/library/libraryService';
import { DatabaseFromFutureError } from '../../core/store/migrate';
import { parseCommandArgs, reportUsageError, UsageError } from '../args';
import { EXIT_OK, EXIT_SOME_FAILED, defaultStreams } from '../command';
import type { CommandStreams } from '../command';

export const summary = 'add photo folders (and CTCUG/CUHK/DUT-DBD/COCO datasets) to a studio database';

export const usage = `Usage: defusion import <folder...> --db FILE [--dataset NAME] [--polarity P] [--json]

Adds each folder to the photo library of the database FILE (created if needed) and
scans it: every photo is recorded with its hash, size, EXIF and a thumbnail; files that
cannot be read are listed with the reason.

A dataset folder brings its ground-truth masks in as human annotations of dataset NAME:
  CTCUG   images/ + gt/ (same file stems), optional train.txt, test.txt, manifest.json
          (what 'defusion export' writes)
  CUHK    image/ + gt/ (or train/ and test/ folders each holding such a pair)
  DUT-DBD train_image/ + train_gt/, test_image/ + test_gt/ (any prefix: dut500-source/
          + dut500-gt/)
  COCO    annotations.json (category defocus_blur, RLE) + images/
Each images folder becomes a library folder. Each mask becomes an 8-bit grayscale PNG
at its photo's size, 255 = defocus-blurred, status 'corrected' (or the status the
folder's manifest.json gives). Splits come from train.txt / test.txt, else the folder
names. Importing again adds nothing new.

Datasets disagree on which value marks blur (CUHK: white; DUT-DBD: black in most
copies). With --polarity auto the importer measures it: the photo's mean absolute
Laplacian is lower in a defocused region, so over the first 20 pairs it compares the
white region with the black one, and says what it decided and why.

Bad input is listed and the rest imported: a photo without a mask comes in unlabelled
(warning); a mask of the photo's shape but another size is scaled (warning); a mask
with grey values is thresholded at 128 (warning); a mask of another shape, without a
photo, unreadable, or two files with the same stem are left out (error).

Options:
  --db FILE        the studio database (required)
  --dataset NAME   dataset for the folders' masks (default: each folder's own name);
                   for a folder without masks, its photos join this dataset
  --polarity P     auto (default), blur-white (255 = blurred) or blur-black (0 = blurred)
  --status S       status of the imported masks (default: the manifest's, else corrected)
  --json           print one JSON document on stdout instead of the summary
  -h, --help       show this help

Exit status: 0 every file imported, 1 some failed (each listed with its reason on
stderr and in --json; warnings do not count), 2 usage error.`;

/** One file or folder that did not make it, with an absolute path. */
interface Failure {
  path: string;
  reason: string;
}

interface FolderReport {
  folder: string;
  layout: ImportLayout | 'plain' | null;
  /** The (first) library folder opened; a DUT-DBD folder opens one per split (`roots`). */
  root: { id: number; path: string } | null;
  roots: { id: number; path: string }[];
  photos: { files: number; added: number; changed: number; unchanged: number; moved: number; removed: number; errors: number } | null;
  masks: { dataset: string; datasetId: number; imported: number; unchanged: number; items: number } | null;
  splits: { train: number; test: number; unsplit: number } | null;
  polarity: PolarityDecision | null;
  failures: Failure[];
  warnings: Failure[];
}

interface ImportArgs {
  datasetName: string | undefined;
  polarity: PolarityRequest;
  status: ItemStatus | undefined;
}

function progressLine(job: Job): string {
  const rate = job.rate === null ? '' : `, ${job.rate.toFixed(1)}/s`;
  const eta = job.etaSeconds === null ? '' : `, ${Math.ceil(job.etaSeconds)} s left`;
  return `${job.title}: ${job.done}/${job.total}${rate}${eta}`;
}

async function importPlain(services: CoreServices, folder: string, datasetName: string | undefined): Promise<FolderReport> {
  const report: FolderReport = { folder, layout: null, root: null, roots: [], photos: null, masks: null, splits: null, polarity: null, failures: [], warnings: [] };
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
  report.roots = [report.root];
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

/** A dataset folder, through the datasets importer. */
async function importDatasetFolder(services: CoreServices, folder: string, args: ImportArgs): Promise<FolderReport> {
  const report: FolderReport = { folder, layout: null, root: null, roots: [], photos: null, masks: null, splits: null, polarity: null, failures: [], warnings: [] };
  const { jobId } = await services.datasets.import({ path: folder, datasetName: args.datasetName, polarity: args.polarity, status: args.status });
  const job = await services.jobs.wait(jobId);
  if (job.state !== 'done') {
    report.failures.push({ path: folder, reason: job.error ?? `import ${job.state}` });
    return report;
  }
  const result = job.result as DatasetImportResult;
  report.layout = result.layout;
  report.roots = result.roots;
  report.root = result.roots[0] ?? null;
  report.photos = result.photos;
  report.masks = { dataset: result.datasetName, datasetId: result.datasetId, ...result.masks };
  report.splits = result.splits;
  report.polarity = result.polarity;
  for (const issue of result.issues) (issue.severity === 'error' ? report.failures : report.warnings).push({ path: issue.path, reason: issue.reason });
  return report;
}

async function importOne(services: CoreServices, folder: string, args: ImportArgs): Promise<FolderReport> {
  return (await detectDatasetLayout(folder)) ? importDatasetFolder(services, folder, args) : importPlain(services, folder, args.datasetName);
}

const LAYOUT_NAMES: Record<ImportLayout, string> = {
  ctcug: 'CTCUG layout: images/ + gt/',
  cuhk: 'CUHK layout: image/ + gt/',
  'dut-dbd': 'DUT-DBD layout: one images/gt pair per split',
  coco: 'COCO layout: annotations.json + images/',
};

function describe(report: FolderReport): string {
  const layout = report.layout === null || report.layout === 'plain' ? '' : ` (${LAYOUT_NAMES[report.layout]})`;
  const lines = [`${report.folder}${layout}`];
  if (report.photos) {
    const p = report.photos;
    lines.push(`  photos: ${p.files - p.errors} of ${p.files} files (${p.added} new, ${p.changed} changed, ${p.unchanged} unchanged, ${p.moved} moved); ${p.removed} gone`);
  }
  if (report.masks) {
    const m = report.masks;
    lines.push(`  masks:  ${m.imported} imported, ${m.unchanged} already there, into dataset "${m.dataset}" (${m.items} photos)`);
  }
  if (report.splits) lines.push(`  splits: train ${report.splits.train}, test ${report.splits.test}, none ${report.splits.unsplit}`);
  if (report.polarity) lines.push(`  polarity: ${report.polarity.reason}`);
  if (report.warnings.length > 0) lines.push(`  warnings: ${report.warnings.length}`);
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
      polarity: { type: 'string', default: 'auto' },
      status: { type: 'string' },
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
    if (values.polarity !== 'auto' && values.polarity !== 'blur-white' && values.polarity !== 'blur-black') {
      throw new UsageError(`--polarity must be auto, blur-white or blur-black, not '${values.polarity}'`);
    }
    if (values.status !== undefined && !(ITEM_STATUSES as readonly string[]).includes(values.status)) {
      throw new UsageError(`--status must be one of ${ITEM_STATUSES.join(', ')}, not '${values.status}'`);
    }
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
      reports.push(
        await importOne(services, resolve(folder), {
          datasetName: values.dataset?.trim(),
          polarity: values.polarity as PolarityRequest,
          status: values.status as ItemStatus | undefined,
        }),
      );
    }
  } finally {
    stopProgress();
    await services.core.close();
  }

  const failures = reports.flatMap((report) => report.failures);
  const warnings = reports.flatMap((report) => report.warnings);
  if (values.json) {
    streams.stdout.write(`${JSON.stringify({ db: dbPath, ok: failures.length === 0, folders: reports, failures, warnings }, null, 2)}\n`);
  } else {
    streams.stdout.write(`${reports.map(describe).join('\n')}\n`);
  }
  if (warnings.length > 0) {
    streams.stderr.write(`defusion import: ${warnings.length} ${warnings.length === 1 ? 'file was' : 'files were'} imported with a warning:\n`);
    for (const warning of warnings) streams.stderr.write(`  ${warning.path}: ${warning.reason}\n`);
  }
  if (failures.length > 0) {
    streams.stderr.write(`defusion import: ${failures.length} ${failures.length === 1 ? 'file' : 'files'} could not be imported:\n`);
    for (const failure of failures) streams.stderr.write(`  ${failure.path}: ${failure.reason}\n`);
    return EXIT_SOME_FAILED;
  }
  return EXIT_OK;
}
