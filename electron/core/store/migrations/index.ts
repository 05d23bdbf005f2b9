import { migration0010 } from './0010-initial-schema';
import { migration0020 } from './0020-dataset-reviews';
import { migration0030 } from './0030-model-evaluations';
import { migration0040 } from './0040-job-owners';
import type { Migration } from './types';

/** Every migration, in order. Append only: a released migration never changes. */
export const MIGRATIONS: readonly Migration[] = [migration0010, migration0020, migration0030, migration0040];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
export type { Migration } from './types';
