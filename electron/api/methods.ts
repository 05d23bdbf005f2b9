/**
 * THE contract: every method of the studio API, its input schema and its result type.
 *
 * Both transports (Electron IPC, HTTP on loopback) validate inputs with these schemas
 * before the core sees them: the renderer is untrusted. Add a method here first; the
 * core's handler table, the client proxy and the preload are all typed from this file.
 */
import { z } from 'zod';
import type {
  Dataset,
  DetectStatus,
  Facets,
  Job,
  LibraryRoot,
  MaskVersion,
  ModelRecord,
  Photo,
  PhotoError,
  PhotoPage,
  StoreCounts,
  StudioInfo,
} from './types';

const id = z.number().int().positive();
const photoStatus = z.enum(['none', 'predicted', 'corrected', 'reviewed']);
const itemStatus = z.enum(['unlabelled', 'predicted', 'corrected', 'reviewed', 'rejected']);
/** Absolute or relative filesystem path; never empty, no NUL bytes. */
const fsPath = z.string().min(1).max(4096).refine((value) => !value.includes('\0'), 'path contains a NUL byte');

export const photoQuerySchema = z.object({
  rootId: id.optional(),
  folder: z.string().max(4096).optional(),
  /** Include photos in sub-folders of `folder`. */
  recursive: z.boolean().default(true),
  status: z.array(photoStatus).max(4).optional(),
  camera: z.string().max(256).optional(),
  lens: z.string().max(256).optional(),
  fNumberMin: z.number().nonnegative().optional(),
  fNumberMax: z.number().nonnegative().optional(),
  focalLengthMin: z.number().nonnegative().optional(),
  focalLengthMax: z.number().nonnegative().optional(),
  search: z.string().max(256).optional(),
  includeMissing: z.boolean().default(false),
  sort: z.enum(['name', 'path', 'capturedAt', 'addedAt', 'fNumber', 'focalLength', 'byteSize']).default('path'),
  order: z.enum(['asc', 'desc']).default('asc'),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(1000).default(200),
});
export type PhotoQuery = z.input<typeof photoQuerySchema>;

/** Options of a detection run: model input size (multiple of 32) and tiled mode for big photos. */
const detectRunOptions = {
  size: z.number().int().min(32).max(4096).multipleOf(32).optional(),
  tiled: z.boolean().default(false),
};

/** Method name → input schema. */
export const methodSchemas = {
  'app.info': z.object({}),
  'store.counts': z.object({}),

  'library.open': z.object({ paths: z.array(fsPath).min(1).max(64) }),
  'library.roots': z.object({}),
  'library.close': z.object({ rootId: id }),
  'library.rescan': z.object({ rootId: id.optional() }),
  'library.query': photoQuerySchema,
  'library.photo': z.object({ id }),
  'library.facets': z.object({ rootId: id.optional() }),
  'library.errors': z.object({ rootId: id.optional(), limit: z.number().int().positive().max(10000).default(1000) }),

  'jobs.list': z.object({}),
  'jobs.get': z.object({ id: z.string().min(1).max(64) }),
  'jobs.cancel': z.object({ id: z.string().min(1).max(64) }),

  'datasets.list': z.object({}),
  'datasets.create': z.object({ name: z.string().trim().min(1).max(128), description: z.string().max(4096).default('') }),

  'masks.history': z.object({ photoId: id, datasetId: id }),

  'models.list': z.object({}),

  'detect.status': z.object({}),
  'detect.run': z.union([
    z.object({ photoIds: z.array(id).min(1).max(100_000), ...detectRunOptions }),
    /** `unmasked`: photos with neither a mask nor a prediction yet; `all`: every photo. */
    z.object({ all: z.enum(['unmasked', 'all']), rootId: id.optional(), ...detectRunOptions }),
  ]),
} as const;

export type MethodName = keyof typeof methodSchemas;

/** Method name → result type. */
export interface MethodResults {
  'app.info': StudioInfo;
  'store.counts': StoreCounts;
  'library.open': { roots: LibraryRoot[]; jobId: string };
  'library.roots': LibraryRoot[];
  'library.close': { closed: boolean };
  'library.rescan': { jobId: string };
  'library.query': PhotoPage;
  'library.photo': Photo;
  'library.facets': Facets;
  'library.errors': PhotoError[];
  'jobs.list': Job[];
  'jobs.get': Job;
  'jobs.cancel': { cancelled: boolean };
  'datasets.list': Dataset[];
  'datasets.create': Dataset;
  'masks.history': MaskVersion[];
  'models.list': ModelRecord[];
  'detect.status': DetectStatus;
  'detect.run': { jobId: string };
}

// Every method has a result type and vice versa (compile-time check).
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _methodsMatch: Exact<MethodName, keyof MethodResults> = true;
void _methodsMatch;

/** What callers pass: the schema's input type (defaults may be omitted). */
export type MethodInput<M extends MethodName> = z.input<(typeof methodSchemas)[M]>;
/** What handlers receive: the parsed input, defaults filled in. */
export type MethodParsedInput<M extends MethodName> = z.output<(typeof methodSchemas)[M]>;
export type MethodResult<M extends MethodName> = MethodResults[M];

export function isMethodName(value: string): value is MethodName {
  return Object.prototype.hasOwnProperty.call(methodSchemas, value);
}
