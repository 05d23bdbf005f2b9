/**
 * `defusion export --db FILE --dataset NAME --out DIR [--format ctcug|coco]
 * [--status reviewed,corrected] [--force] [--json]`: writes a dataset of a studio
 * database as a folder in the CTCUG / CUHK layout or COCO's, atomically.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { StudioError } from '../../api/errors';
import { ITEM_STATUSES } from '../../api/types';
import type { DatasetExportResult, ExportFormat, ItemStatus, Job } from '../../api/types';
import { createCoreServices } from '../../core/createCore';
import type { CoreServices } from '../../core/createCore';
import { checkDestination } from '../../core/datasets/atomicFolder';
import { isReplaceableExport } from '../../core/datasets/exportManifest';
import { DatabaseFromFutureError } from '../../core/store/migrate';
import { parseCommandArgs, reportUsageError, UsageError } from '../args';
import { EXIT_OK, EXIT_SOME_FAILED, defaultStreams } from '../command';
import type { CommandStreams } from '../command';

export const summary = 'write a dataset as a CTCUG/CUHK or COCO folder (photos upright, masks, splits, manifest)';

export const usage = `Usage: defusion export --db FILE --dataset NAME --out DIR [options]

Writes dataset NAME of the studio database FILE to the folder DIR:
  images/STEM.jpg   the photos, upright (EXIF orientation applied): an upright JPEG is
                    copied byte for byte, anything else re-encoded as JPEG quality 95
  gt/STEM.png       (ctcug) the masks: 8-bit grayscale at the photo's size, 255 = blurred
  annotations.json  (coco) one category "defocus_blur", one RLE segmentation per photo
  train.txt         stems of the train split, one per line (test.txt: the test split)
  manifest.json     source, counts, models involved, per item split, status, annotators
STEM is the photo's file name without extension, made safe for every filesystem;
photos that share one get the first hex digits of their content hash appended.

The folder is written next to DIR and renamed into place at the end, so DIR is either
the old folder or the complete new one. Exporting the same data again gives the same
bytes.

Options:
  --db FILE            the studio database (required; must exist)
  --dataset NAME       the dataset to export (required)
  --out DIR            the folder to write (required; must not exist unless --force)
  --format F           ctcug (default) or coco
  --status LIST        item statuses to export, comma-separated, or 'all'
                       (default: reviewed,corrected; statuses: ${ITEM_STATUSES.join(', ')})
  --coco-rle KIND      compressed (default; pycocotools' string RLE) or uncompressed
  --force              replace DIR if it is an earlier export (or empty); any other
                       folder is never replaced
  --json               print one JSON document on stdout instead of the summary
  -h, --help           show this help

Exit status: 0 every selected item exported, 1 some were left out (each listed with its
reason: no mask, file missing, size changed), 2 usage error (unknown dataset, existing
folder without --force).`;

interface ExportArgs {
  db: string;
  dataset: string;
  out: string;
  format: ExportFormat;
  statuses: ItemStatus[];
  cocoRle: 'compressed' | 'uncompressed';
  force: boolean;
  json: boolean;
}

function parseStatuses(text: string): ItemStatus[] {
  if (text.trim() === 'all') return [...ITEM_STATUSES];
  const statuses = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (statuses.length === 0) throw new UsageError('--status needs at least one status');
  for (const status of statuses) {
    if (!(ITEM_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`--status: unknown status '${status}' (one of ${ITEM_STATUSES.join(', ')}, or all)`);
    }
  }
  return [...new Set(statuses)] as ItemStatus[];
}

/** The command line as checked options; throws UsageError. Null for --help. */
function parseExportArgs(argv: string[]): ExportArgs | null {
  const { values, positionals } = parseCommandArgs(argv, {
    db: { type: 'string' },
    dataset: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string', default: 'ctcug' },
    status: { type: 'string', default: 'reviewed,corrected' },
    'coco-rle': { type: 'string', default: 'compressed' },
    force: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return null;
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.db) throw new UsageError('--db FILE is required');
  if (!values.dataset || values.dataset.trim() === '') throw new UsageError('--dataset NAME is required');
  if (!values.out) throw new UsageError('--out DIR is required');
  if (values.format !== 'ctcug' && values.format !== 'coco') throw new UsageError(`--format must be ctcug or coco, not '${values.format}'`);
  const cocoRle = values['coco-rle'];
  if (cocoRle !== 'compressed' && cocoRle !== 'uncompressed') throw new UsageError(`--coco-rle must be compressed or uncompressed, not '${cocoRle}'`);
  const db = resolve(values.db);
  if (!existsSync(db)) throw new UsageError(`${values.db}: no such database`);
  return {
    db,
    dataset: values.dataset.trim(),
    out: resolve(values.out),
    format: values.format,
    statuses: parseStatuses(values.status),
    cocoRle,
    force: values.force,
    json: values.json,
  };
}

function progressLine(job: Job): string {
  const rate = job.rate === null ? '' : `, ${job.rate.toFixed(1)}/s`;
  const eta = job.etaSeconds === null ? '' : `, ${Math.ceil(job.etaSeconds)} s left`;
  return `${job.title}: ${job.done}/${job.total}${rate}${eta}`;
}

function describe(result: DatasetExportResult): string {
  return [
    `${result.out} (${result.format}): dataset "${result.datasetName}"`,
    `  exported ${result.exported} (train ${result.train}, test ${result.test}, no split ${result.unsplit})`,
    `  images:  ${result.copiedImages} copied as they were, ${result.reencodedImages} re-encoded upright`,
    ...(result.skipped.length + result.failures.length > 0 ? [`  left out: ${result.skipped.length + result.failures.length}`] : []),
  ].join('\n');
}

export async function run(argv: string[], streams: CommandStreams = defaultStreams()): Promise<number> {
  let args: ExportArgs | null;
  try {
    args = parseExportArgs(argv);
    if (args === null) {
      streams.stdout.write(`${usage}\n`);
      return EXIT_OK;
    }
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError('export', usage, error.message, streams);
    throw error;
  }

  let services: CoreServices;
  try {
    services = await createCoreServices({ dbPath: args.db, watch: false, scanOnStart: false, log: (message) => streams.stderr.write(`${message}\n`) });
  } catch (error) {
    const reason = error instanceof DatabaseFromFutureError ? error.message : `not a studio database (${error instanceof Error ? error.message : String(error)})`;
    return reportUsageError('export', usage, `${args.db}: ${reason}`, streams);
  }

  const showProgress = !args.json && streams.stderr.isTTY === true;
  const stopProgress = showProgress
    ? services.jobs.onDidChange((job) => {
        if (job.state === 'running') streams.stderr.write(`\r\x1b[K${progressLine(job)}`);
        else if (job.state !== 'queued') streams.stderr.write('\r\x1b[K');
      })
    : () => {};

  let result: DatasetExportResult;
  try {
    const dataset = services.store.findDatasetByName(args.dataset);
    if (!dataset) {
      const names = services.store.listDatasets().map((d) => `"${d.name}"`);
      return reportUsageError('export', usage, `no dataset named "${args.dataset}" in ${args.db}${names.length > 0 ? ` (there are: ${names.join(', ')})` : ' (it has none)'}`, streams);
    }
    try {
      await checkDestination(args.out, { force: args.force, replaceable: isReplaceableExport });
    } catch (error) {
      if (error instanceof StudioError) return reportUsageError('export', usage, error.message.replace('export with force', 'add --force'), streams);
      throw error;
    }
    const { jobId } = await services.datasets.export({
      datasetId: dataset.id,
      out: args.out,
      format: args.format,
      status: args.statuses,
      force: args.force,
      cocoRle: args.cocoRle,
    });
    const job = await services.jobs.wait(jobId);
    if (job.state !== 'done') {
      streams.stderr.write(`defusion export: ${job.error ?? `export ${job.state}`}\n`);
      return EXIT_SOME_FAILED;
    }
    result = job.result as DatasetExportResult;
  } finally {
    stopProgress();
    await services.core.close();
  }

  const leftOut = [...result.skipped, ...result.failures];
  if (args.json) {
    streams.stdout.write(`${JSON.stringify({ db: args.db, ok: leftOut.length === 0, ...result }, null, 2)}\n`);
  } else {
    streams.stdout.write(`${describe(result)}\n`);
  }
  if (leftOut.length > 0) {
    streams.stderr.write(`defusion export: ${leftOut.length} ${leftOut.length === 1 ? 'item was' : 'items were'} left out:\n`);
    for (const item of leftOut) streams.stderr.write(`  ${item.relPath}: ${item.reason}\n`);
    return EXIT_SOME_FAILED;
  }
  return EXIT_OK;
}
