/**
 * `defusion info --db FILE [--json]`: what a studio database holds: photos, masks by
 * status, datasets, models. It never scans, and never creates a database; an existing
 * one from an older studio is brought to the current schema, as any open does.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ITEM_STATUSES } from '../../api/types';
import { DatabaseFromFutureError } from '../../core/store/migrate';
import { Store } from '../../core/store/store';
import { parseCommandArgs, reportUsageError, UsageError } from '../args';
import { EXIT_OK, defaultStreams } from '../command';
import type { CommandStreams } from '../command';

export const summary = 'show what a studio database holds (photos, masks by status, datasets, models)';

export const usage = `Usage: defusion info --db FILE [--json]

Counts of the studio database FILE: photos (in open library folders), unreadable files,
masks by status, datasets with their splits, registered models and predictions.

Options:
  --db FILE    the studio database (required; must exist)
  --json       print one JSON document on stdout
  -h, --help   show this help

Exit status: 0 done, 2 usage error (including a missing or unreadable database).`;

export async function run(argv: string[], streams: CommandStreams = defaultStreams()): Promise<number> {
  let dbPath: string;
  let json: boolean;
  try {
    const { values, positionals } = parseCommandArgs(argv, {
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (values.help) {
      streams.stdout.write(`${usage}\n`);
      return EXIT_OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!values.db) throw new UsageError('--db FILE is required');
    dbPath = resolve(values.db);
    if (!existsSync(dbPath)) throw new UsageError(`${values.db}: no such database`);
    json = values.json;
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError('info', usage, error.message, streams);
    throw error;
  }

  let store: Store;
  try {
    store = Store.open(dbPath, { log: () => {} });
  } catch (error) {
    const reason = error instanceof DatabaseFromFutureError ? error.message : `not a studio database (${error instanceof Error ? error.message : String(error)})`;
    return reportUsageError('info', usage, `${dbPath}: ${reason}`, streams);
  }
  try {
    const counts = store.counts();
    const roots = store.listRoots();
    const datasets = store.listDatasets();
    const models = store.listModels();
    if (json) {
      streams.stdout.write(`${JSON.stringify({ db: dbPath, schemaVersion: store.schemaVersion(), counts, roots, datasets, models }, null, 2)}\n`);
      return EXIT_OK;
    }
    const lines = [
      `database   ${dbPath} (schema ${store.schemaVersion()})`,
      `photos     ${counts.photos} in ${roots.length} open ${roots.length === 1 ? 'folder' : 'folders'}; ${counts.photoErrors} unreadable files`,
      ...roots.map((root) => `             ${root.path}: ${root.photoCount} photos, ${root.errorCount} errors`),
      `masks      ${ITEM_STATUSES.map((status) => `${status} ${counts.masksByStatus[status]}`).join(', ')}`,
      `datasets   ${datasets.length}`,
      ...datasets.map((d) => `             ${d.name}: ${d.itemCount} photos (train ${d.splits.train}, test ${d.splits.test}; ${ITEM_STATUSES.filter((s) => d.counts[s] > 0).map((s) => `${s} ${d.counts[s]}`).join(', ') || 'empty'})`),
      `models     ${models.length}${models.some((m) => m.active) ? ` (active: ${models.filter((m) => m.active).map((m) => `${m.name} ${m.version}`).join('')})` : ''}`,
      `predictions ${counts.predictions}`,
    ];
    streams.stdout.write(`${lines.join('\n')}\n`);
    return EXIT_OK;
  } finally {
    store.close();
  }
}
