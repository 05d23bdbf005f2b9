/**
 * Builds the StudioCore that every transport drives (Electron IPC, the loopback HTTP
 * server, the CLI, the tests): the store, the job queue and the library, one handler
 * per API method, events and binary resources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../api/errors';
import { Emitter, NamedEmitters } from '../api/event';
import type { EventName, EventPayloads, StudioEvent } from '../api/events';
import { isMethodName, methodSchemas } from '../api/methods';
import type { MethodName, MethodResult } from '../api/methods';
import type { ResourceKind } from '../api/resources';
import type { DeviceRequest } from '../api/types';
import { AnnotationService } from './annotate/annotationService';
import { DatasetService } from './datasets/datasetService';
import { DetectService } from './detect/detectService';
import { FinetuneService } from './finetune/finetuneService';
import { ModelRegistry } from './finetune/modelRegistry';
import { JobQueue } from './jobs/jobQueue';
import { StudioProcess } from './jobs/studioProcess';
import { LibraryService, SCAN_JOB_KIND } from './library/libraryService';
import type { ProcessRole } from './store/processTables';
import { Store } from './store/store';
import type { MethodHandlers, Resource, StudioCore } from './studioCore';

export interface CoreOptions {
  /** Database file (created if missing), or ':memory:'. */
  dbPath: string;
  /** The sample library folder; default `<package root>/datasets/sample`. */
  sampleLibrary?: string;
  /** With no open root, import the sample library (photos, and its masks as dataset 'sample'). */
  openSampleIfEmpty?: boolean;
  /** Reported by app.info; default: package.json's version. */
  version?: string;
  /** Watch open roots for changes (default true). */
  watch?: boolean;
  /**
   * What this process is among those sharing the database (jobs/studioProcess.ts): a
   * `studio` (the app, `npm run serve`) must be the only one; a `tool` (a CLI command)
   * works beside it. Default: a studio when it watches, else a tool.
   */
  role?: ProcessRole;
  /** Rescan the open roots at start, to notice what changed while the studio was closed (default true). */
  scanOnStart?: boolean;
  /** Slow-query and background error log; default console.warn. */
  log?: (message: string) => void;
  /** Detection model file; default: the registry's active model, else the bundled one. */
  modelPath?: string;
  /** Detection device (default auto). */
  device?: DeviceRequest;
  /** Detection worker threads (default: two, one on a one-core machine). */
  detectWorkers?: number;
  /** The DEFUSION_PYTHON setting: the Python fine-tuning runs (else the environment variable, else PATH). */
  python?: string;
  /** Folder of fine-tune runs; default `finetune/` next to the database file. */
  finetuneRunsDir?: string;
}

/** The core and the services behind it, for in-process callers (CLI, tests, benchmarks). */
export interface CoreServices {
  core: StudioCore;
  store: Store;
  jobs: JobQueue;
  library: LibraryService;
  detect: DetectService;
  datasets: DatasetService;
  finetune: FinetuneService;
  modelRegistry: ModelRegistry;
  sampleLibrary: string;
  version: string;
}

/** The folder holding this package's package.json (works from sources and from a build). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'defusion-studio') return dir;
      } catch {
        // Not ours; keep climbing.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('The defusion-studio package root was not found.');
    dir = parent;
  }
}

export function defaultSampleLibrary(): string {
  return join(packageRoot(), 'datasets', 'sample');
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Parses a numeric resource parameter ('12' → 12); absent → undefined. */
function intParam(params: Record<string, string>, name: string): number | undefined {
  const text = params[name];
  if (text === undefined || text === '') return undefined;
  if (!/^[1-9]\d{0,15}$/.test(text)) throw new StudioError('invalid-input', `${name} must be a positive integer, got "${text}".`);
  return Number(text);
}

export async function createCore(options: CoreOptions): Promise<StudioCore> {
  return (await createCoreServices(options)).core;
}

export async function createCoreServices(options: CoreOptions): Promise<CoreServices> {
  const log = options.log ?? ((message: string) => console.warn(message));
  const store = Store.open(options.dbPath, { log: (message) => log(`[store] ${message}`) });
  const sampleLibrary = resolve(options.sampleLibrary ?? defaultSampleLibrary());
  const version = options.version ?? packageVersion();
  const onError = (error: unknown): void => log(`[core] ${error instanceof Error ? error.message : String(error)}`);

  let studioProcess: StudioProcess;
  try {
    studioProcess = StudioProcess.join(store, { role: options.role ?? ((options.watch ?? true) ? 'studio' : 'tool'), onError });
  } catch (error) {
    store.close();
    throw error;
  }
  const jobs = new JobQueue({ persistence: store, owner: studioProcess.id, concurrency: { [SCAN_JOB_KIND]: 1 }, onError });
  const library = new LibraryService({ store, jobs, watch: options.watch ?? true, onError });

  // A listener that throws is logged; the others and the service that fired still run.
  const events = new NamedEmitters<EventPayloads>({ onListenerError: onError });
  const anyEvent = new Emitter<StudioEvent>({ onListenerError: onError });
  function emit<E extends EventName>(name: E, payload: EventPayloads[E]): void {
    events.fire(name, payload);
    anyEvent.fire({ name, payload });
  }
  jobs.onDidChange((job) => emit('jobs.onDidChange', job));
  library.onDidChange((change) => emit('library.onDidChange', change));
  const detect = new DetectService({
    store,
    jobs,
    modelPath: options.modelPath,
    device: options.device,
    workers: options.detectWorkers,
    onPhotosChanged: (change) => emit('library.onDidChange', change),
  });

  const datasets = new DatasetService({ store, jobs, library, studioVersion: version });
  const annotation = new AnnotationService({ store, onPhotosChanged: (change) => emit('library.onDidChange', change) });

  const finetune = new FinetuneService({
    store,
    jobs,
    python: options.python,
    runsRoot: options.finetuneRunsDir,
    fallbackModelPath: () => detect.modelPath(),
    evaluationDevice: options.device,
    onProgress: (progress) => emit('finetune.onDidProgress', progress),
    onModelsChanged: (models) => emit('models.onDidChange', models),
  });
  const modelRegistry = new ModelRegistry({
    store,
    runsRoot: () => finetune.runsRoot(),
    busy: (modelId) => finetune.busyReason(modelId),
    onModelsChanged: (models) => emit('models.onDidChange', models),
  });

  const handlers: MethodHandlers = {
    'app.info': () => ({
      version,
      dbPath: store.filename,
      schemaVersion: store.schemaVersion(),
      sampleLibrary,
      roots: store.listRoots(),
      counts: store.counts(),
    }),
    'store.counts': () => store.counts(),

    'library.open': (input) => library.open(input.paths),
    'library.roots': () => store.listRoots(),
    'library.close': async (input) => ({ closed: await library.close(input.rootId) }),
    'library.rescan': (input) => library.rescan(input.rootId),
    'library.query': (input) => store.queryPhotos(input),
    'library.photo': (input) => {
      const photo = store.getPhoto(input.id);
      if (!photo) throw new StudioError('not-found', `Photo ${input.id} does not exist.`);
      return photo;
    },
    'library.facets': (input) => store.facets(input.rootId),
    'library.errors': (input) => store.listPhotoErrors(input.rootId, input.limit),

    'jobs.list': () => jobs.list(),
    'jobs.get': (input) => {
      const job = jobs.get(input.id);
      if (!job) throw new StudioError('not-found', `No job ${input.id}.`);
      return job;
    },
    'jobs.cancel': (input) => ({ cancelled: jobs.cancel(input.id) }),

    'datasets.list': () => store.listDatasets(),
    'datasets.create': (input) => store.createDataset(input.name, input.description),
    'datasets.get': (input) => datasets.get(input.datasetId),
    'datasets.update': (input) => datasets.update(input),
    'datasets.delete': (input) => datasets.delete(input.datasetId),
    'datasets.addPhotos': (input) => datasets.addPhotos(input),
    'datasets.removePhotos': (input) => datasets.removePhotos(input),
    'datasets.items': (input) => datasets.items(input),
    'datasets.split': (input) => datasets.split(input),
    'datasets.setStatus': (input) => datasets.setStatus(input),
    'datasets.stats': (input) => datasets.stats(input),
    'datasets.review': (input) => datasets.review(input),
    'datasets.reviews': (input) => datasets.reviews(input),
    'datasets.nextToReview': (input) => datasets.nextToReview(input),
    'datasets.quality': (input) => datasets.quality(input),
    'datasets.uncertain': (input) => datasets.uncertain(input),
    'datasets.nextUncertain': (input) => datasets.nextUncertain(input),
    'datasets.export': (input) => datasets.export(input),
    'datasets.import': (input) => datasets.import(input),

    'masks.history': (input) => store.listMaskHistory(input.photoId, input.datasetId),
    'masks.save': (input) => annotation.save(input),
    'masks.setStatus': (input) => annotation.setStatus(input),
    'masks.current': (input) => annotation.currentMask(input),
    'predictions.current': (input) => annotation.prediction(input),
    'library.walk': (input) => annotation.walk(input),

    'models.list': () => store.listModels(),
    'models.activate': (input) => modelRegistry.activate(input.id),
    'models.discard': (input) => modelRegistry.discard(input.id),

    'finetune.python': () => finetune.python(),
    'finetune.start': (input) => finetune.start(input),
    'finetune.status': (input) => finetune.status(input.jobId),
    'finetune.results': (input) => finetune.results(input.modelId),

    'detect.status': () => detect.status(),
    'detect.run': (input) => detect.run(input),
  };

  let closing: Promise<void> | null = null;
  function assertOpen(): void {
    if (closing) throw new StudioError('unavailable', 'The studio is shutting down.');
  }

  /** Mask and prediction bytes come from the store; the photo's root must still be open. */
  function requireOpenPhoto(id: number): void {
    const location = store.getPhotoLocation(id);
    if (!location) throw new StudioError('not-found', `Photo ${id} does not exist.`);
    if (!location.rootOpen) throw new StudioError('forbidden', `Photo ${id} is not in an open library folder.`);
  }

  const core: StudioCore = {
    async call<M extends MethodName>(method: M, input: unknown): Promise<MethodResult<M>> {
      assertOpen();
      if (!isMethodName(method)) throw new StudioError('not-found', `Unknown method ${String(method)}.`);
      const parsed = methodSchemas[method].safeParse(input ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ');
        throw new StudioError('invalid-input', `Invalid input for ${method}: ${issues}`, parsed.error.issues);
      }
      const handler = handlers[method] as (input: unknown) => Promise<MethodResult<M>> | MethodResult<M>;
      return handler(parsed.data);
    },

    on: (name, listener) => events.on(name, listener),

    onAny: (listener) => anyEvent.event(({ name, payload }) => listener(name, payload)),

    /**
     * - photo: id = photo id; `maxSide` scales the long side down.
     * - thumbnail: id = photo id.
     * - mask: id = photo id; `datasetId` picks the dataset (default: the most recent
     *   mask of any dataset), `version` a mask version id from masks.history.
     * - prediction: id = photo id; `modelId` (default: the active model's, else the latest).
     */
    async resource(kind: ResourceKind, id: number, params: Record<string, string>): Promise<Resource> {
      assertOpen();
      switch (kind) {
        case 'photo': {
          const image = await library.displayImage(id, intParam(params, 'maxSide'));
          return { bytes: image.bytes, mimeType: image.mimeType };
        }
        case 'thumbnail': {
          const thumbnail = await library.thumbnail(id);
          return { bytes: thumbnail.bytes, mimeType: thumbnail.mimeType };
        }
        case 'mask': {
          requireOpenPhoto(id);
          const versionId = intParam(params, 'version');
          const datasetId = intParam(params, 'datasetId');
          const mask =
            versionId !== undefined
              ? store.getMaskVersion(versionId)
              : datasetId !== undefined
                ? store.getCurrentMask(id, datasetId)
                : store.getLatestMask(id);
          if (!mask || mask.version.photoId !== id) throw new StudioError('not-found', `Photo ${id} has no such mask.`);
          return { bytes: mask.png, mimeType: 'image/png' };
        }
        case 'prediction': {
          requireOpenPhoto(id);
          const prediction = store.getPrediction(id, intParam(params, 'modelId'));
          if (!prediction) throw new StudioError('not-found', `Photo ${id} has no prediction.`);
          return { bytes: prediction.png, mimeType: 'image/png' };
        }
        default:
          throw new StudioError('not-found', `Unknown resource kind ${String(kind)}.`);
      }
    },

    close(): Promise<void> {
      closing ??= (async () => {
        await jobs.close();
        finetune.dispose();
        await detect.dispose();
        await library.dispose();
        studioProcess.close();
        store.close();
      })();
      return closing;
    },
  };

  try {
    if (options.openSampleIfEmpty && store.listRoots().length === 0 && existsSync(sampleLibrary)) {
      await library.importFolder(sampleLibrary, { datasetName: 'sample' });
    } else if (options.scanOnStart ?? true) {
      if (store.listRoots().length > 0) library.rescan();
    }
    library.watchOpenRoots();
  } catch (error) {
    await core.close();
    throw error;
  }

  return { core, store, jobs, library, detect, datasets, finetune, modelRegistry, sampleLibrary, version };
}
