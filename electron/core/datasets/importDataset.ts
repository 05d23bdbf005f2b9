/**
 * Imports an annotated dataset folder (datasetLayout.ts) into a dataset of the studio.
 * Builds on the library: each images folder is opened as a library root and scanned by
 * the library's own scan job (hashes, EXIF, thumbnails, per-file errors), then the
 * masks are paired with the photos by file stem, their polarity decided for the whole
 * dataset (polarity.ts), normalised to the mask contract (8-bit, 0 / 255, 255 =
 * blurred, the photo's oriented size) and saved as human annotations, one transaction
 * per photo. Importing the same folder again adds no versions.
 *
 * Bad input never stops the rest: each file that cannot be used is reported with its
 * reason (errors: left out; warnings: imported as described).
 * - unreadable photo: the library scan's reason (error);
 * - image without a mask: imported as an unlabelled item (warning);
 * - mask without a photo, unreadable mask, mask of another aspect ratio (error);
 * - mask of the photo's aspect ratio but another size: scaled, nearest neighbour (warning);
 * - non-binary mask: thresholded at 128 (warning, with the share of grey pixels);
 * - two photos or two masks with the same stem: neither is used (error), since pairing
 *   them would be a guess.
 */
import { readdir, realpath } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { StudioError } from '../../api/errors';
import type { DatasetImportResult, ImportIssue, ItemStatus, Job, MaskAuthor, Photo, PolarityRequest, Split } from '../../api/types';
import type { JobContext, JobQueue } from '../jobs/jobQueue';
import { stemOf } from '../library/ctcugImport';
import type { LibraryService, ScanResult } from '../library/libraryService';
import { walkLibrary } from '../library/walk';
import type { Store } from '../store/store';
import { decodeCocoMask, readCocoAnnotations } from './cocoAnnotations';
import type { CocoImage } from './cocoAnnotations';
import type { DatasetLayout, LayoutPart, ManifestItemInfo } from './datasetLayout';
import { binarise, readGroundTruth } from './groundTruth';
import { blurFraction, encodeMaskPng } from './maskPixels';
import type { MaskPixels } from './maskPixels';
import { decidePolarity } from './polarity';
import type { PolarityPair } from './polarity';

export interface ImportDependencies {
  store: Store;
  library: LibraryService;
  jobs: JobQueue;
}

export interface DatasetImportOptions {
  layout: DatasetLayout;
  /** Default: the folder's name. */
  datasetName?: string | undefined;
  polarity: PolarityRequest;
  /** Status of every imported mask; default: the manifest's per item, else 'corrected'. */
  status?: ItemStatus | undefined;
}

/** Mask files the library does not read; named so that they are reported, not ignored. */
const UNSUPPORTED_MASK_EXTENSIONS = new Set(['bmp', 'gif', 'pgm', 'ppm', 'pbm', 'jp2']);

/** One photo with where its mask is. */
interface Pair {
  part: LayoutPart;
  stem: string;
  photo: Photo;
  photoPath: string;
  gtPath: string | null;
  coco: CocoImage | null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function percent(part: number, whole: number): string {
  const value = (100 * part) / whole;
  return `${value < 0.1 ? value.toPrecision(1) : value.toFixed(1)} %`;
}

/** Waits for a job the import started, mirroring its progress and passing a cancel on. */
async function followJob(jobs: JobQueue, jobId: string, context: Pick<JobContext, 'signal' | 'progress'>, label: string): Promise<Job> {
  const stop = jobs.onDidChange((job) => {
    if (job.id === jobId && job.state === 'running') context.progress(job.done, job.total, `${label}: ${job.message ?? ''}`.trim());
  });
  const cancel = (): void => {
    jobs.cancel(jobId);
  };
  context.signal.addEventListener('abort', cancel, { once: true });
  try {
    return await jobs.wait(jobId);
  } finally {
    stop();
    context.signal.removeEventListener('abort', cancel);
  }
}

function groupByStem<T>(entries: readonly T[], stem: (entry: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const entry of entries) {
    const key = stem(entry);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(entry);
  }
  return groups;
}

export async function importDataset(
  deps: ImportDependencies,
  options: DatasetImportOptions,
  context: Pick<JobContext, 'signal' | 'progress'>,
): Promise<DatasetImportResult> {
  const { store, library, jobs } = deps;
  const { layout } = options;
  const issues: ImportIssue[] = [];
  const error = (path: string, reason: string): void => void issues.push({ path, severity: 'error', reason });
  const warning = (path: string, reason: string): void => void issues.push({ path, severity: 'warning', reason });

  // 1. The photos: the library scans each images folder as a root.
  const imageDirs = await Promise.all(layout.parts.map((part) => realpath(part.imagesDir)));
  const { roots, jobId } = await library.open(imageDirs);
  const scanJob = await followJob(jobs, jobId, context, 'scanning photos');
  context.signal.throwIfAborted();
  if (scanJob.state !== 'done') throw new StudioError('internal', `Scanning the photos failed: ${scanJob.error ?? scanJob.state}`);
  const scan = scanJob.result as ScanResult;
  const photos = { files: 0, added: 0, changed: 0, unchanged: 0, moved: 0, removed: 0, errors: 0 };
  for (const summary of scan.roots) {
    for (const key of Object.keys(photos) as (keyof typeof photos)[]) photos[key] += summary[key];
    if (summary.rootError !== null) error(summary.path, summary.rootError);
  }
  const rootByDir = new Map(imageDirs.map((dir) => [dir, roots.find((root) => root.path === dir)!]));
  for (const root of new Set(rootByDir.values())) {
    for (const failure of store.listPhotoErrors(root.id, 1_000_000)) error(join(root.path, ...failure.relPath.split('/')), failure.reason);
  }

  // 2. Pairing photos with masks, part by part.
  const coco = layout.kind === 'coco' && layout.annotationsPath !== null ? await readCocoAnnotations(layout.annotationsPath) : null;
  const pairs: Pair[] = [];
  for (const [index, part] of layout.parts.entries()) {
    context.signal.throwIfAborted();
    const root = rootByDir.get(imageDirs[index]!)!;
    const byStem = groupByStem(store.listPresentPhotos(root.id), (photo) => stemOf(photo.relPath));
    const masks = part.gtDir === null ? null : await listMasks(part.gtDir, error);
    for (const [stem, group] of byStem) {
      const photoPath = (photo: Photo): string => join(root.path, ...photo.relPath.split('/'));
      if (group.length > 1) {
        const names = group.map((photo) => photo.relPath).join(', ');
        for (const photo of group) error(photoPath(photo), `duplicate stem "${stem}" (${names}): neither is paired with a mask or added to the dataset`);
        for (const file of masks?.get(stem) ?? []) error(file, `not used: several photos have the stem "${stem}"`);
        masks?.delete(stem);
        continue;
      }
      const photo = group[0]!;
      const pair: Pair = { part, stem, photo, photoPath: photoPath(photo), gtPath: null, coco: null };
      if (masks !== null) {
        const files = masks.get(stem);
        if (files === undefined) warning(pair.photoPath, 'image without a mask: imported as an unlabelled item');
        else if (files.length === 1) pair.gtPath = files[0]!;
        // Duplicate masks were reported by listMasks; the photo comes in unlabelled.
        masks.delete(stem);
      } else if (coco !== null) {
        const entry = coco.get(stem);
        if (entry === undefined) warning(pair.photoPath, 'not listed in annotations.json: imported as an unlabelled item');
        else if (entry === null) error(pair.photoPath, `annotations.json lists two images with the stem "${stem}": its mask is not used`);
        else if (entry.width !== photo.width || entry.height !== photo.height) {
          error(pair.photoPath, `wrong size: annotations.json says ${entry.width}x${entry.height} but the photo is ${photo.width}x${photo.height}`);
        } else if (entry.annotations.length === 0) warning(pair.photoPath, 'no defocus_blur annotation: imported as an unlabelled item');
        else pair.coco = entry;
        coco.delete(stem);
      }
      pairs.push(pair);
    }
    for (const [stem, files] of masks ?? []) {
      for (const file of files) {
        if (files.length === 1) error(file, `no photo ${relative(layout.folder, part.imagesDir) || '.'}/${stem}.* was imported for this mask`);
      }
    }
  }
  for (const [stem, entry] of coco ?? []) {
    if (entry !== null) error(join(layout.folder, 'images', entry.fileName), `listed in annotations.json as "${stem}" but no such photo was imported`);
  }

  // 3. Every paired photo joins the dataset, with its split.
  const dataset = store.ensureDataset(options.datasetName ?? basename(layout.folder), `Imported from ${layout.folder}`);
  const manifestItem = (stem: string): ManifestItemInfo | undefined => layout.manifest?.items.get(stem);
  const splitOf = (pair: Pair): Split | null =>
    layout.splits.get(pair.stem) ?? layout.splits.get(basename(pair.stem)) ?? manifestItem(pair.stem)?.split ?? pair.part.split;
  store.transaction(() => {
    for (const pair of pairs) {
      const split = splitOf(pair);
      store.addDatasetItem(dataset.id, pair.photo.id, split === null ? {} : { split });
    }
  });

  // 4. Polarity, decided once for the dataset.
  const polarityPairs: PolarityPair[] = pairs
    .filter((pair) => pair.gtPath !== null)
    .map((pair) => ({ stem: pair.stem, photoPath: pair.photoPath, gtPath: pair.gtPath!, width: pair.photo.width, height: pair.photo.height }));
  context.progress(0, pairs.length, 'deciding the masks\' polarity');
  const polarity = await decidePolarity({
    request: options.polarity,
    kind: layout.kind,
    manifestPolarity: layout.manifest?.polarity ?? null,
    pairs: polarityPairs,
    signal: context.signal,
  });
  const blurIsWhite = polarity.polarity === 'blur-white';

  // 5. The masks.
  let imported = 0;
  let unchanged = 0;
  for (const [index, pair] of pairs.entries()) {
    context.signal.throwIfAborted();
    context.progress(index, pairs.length, pair.photo.relPath);
    let mask: MaskPixels | null = null;
    if (pair.gtPath !== null) {
      try {
        const truth = await readGroundTruth(pair.gtPath, pair.photo.width, pair.photo.height);
        if (truth.scaledFrom !== null) {
          warning(pair.gtPath, `scaled from ${truth.scaledFrom.width}x${truth.scaledFrom.height} to its photo's ${pair.photo.width}x${pair.photo.height} (nearest neighbour)`);
        }
        if (truth.nonBinary > 0) {
          warning(pair.gtPath, `not binary: ${percent(truth.nonBinary, truth.gray.length)} of its pixels are neither 0 nor 255; thresholded at 128`);
        }
        mask = { width: truth.width, height: truth.height, data: binarise(truth.gray, blurIsWhite) };
      } catch (failure) {
        error(pair.gtPath, errorText(failure));
      }
    } else if (pair.coco !== null) {
      // Decoded here, one photo at a time and at the photo's size: never at the size the file declares.
      const decoded = decodeCocoMask(pair.coco, pair.photo.width, pair.photo.height);
      for (const reason of decoded.errors) error(pair.photoPath, `its annotation cannot be used: ${reason}`);
      if (decoded.mask !== null) {
        const data = blurIsWhite ? decoded.mask.data : binarise(decoded.mask.data, false);
        mask = { width: decoded.mask.width, height: decoded.mask.height, data };
      }
    }
    if (mask === null) continue;

    const info = manifestItem(pair.stem);
    const status = options.status ?? info?.status ?? layout.manifest?.status ?? 'corrected';
    const author: MaskAuthor = info?.author === 'model' ? 'model' : 'human';
    const png = await encodeMaskPng(mask);
    const current = store.getCurrentMask(pair.photo.id, dataset.id);
    if (current && sameBytes(current.png, png) && current.version.status === status) {
      unchanged++;
    } else {
      store.saveMaskVersion({
        photoId: pair.photo.id,
        datasetId: dataset.id,
        png,
        author,
        authorName: author === 'model' ? null : (info?.author ?? `import: ${layout.folder}`),
        status,
        blurFraction: blurFraction(mask),
      });
      imported++;
    }
    if (info?.comment) store.datasets.setComment(dataset.id, pair.photo.id, info.comment);
  }
  context.progress(pairs.length, pairs.length);

  const splits = { train: 0, test: 0, unsplit: 0 };
  for (const pair of pairs) {
    const split = store.getDatasetItem(dataset.id, pair.photo.id)?.split ?? null;
    if (split === null) splits.unsplit++;
    else splits[split]++;
  }
  return {
    folder: layout.folder,
    layout: layout.kind,
    datasetId: dataset.id,
    datasetName: dataset.name,
    roots: [...new Set(rootByDir.values())].map((root) => ({ id: root.id, path: root.path })),
    photos,
    masks: { imported, unchanged, items: pairs.length },
    splits,
    polarity,
    issues,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/**
 * The mask files of a gt folder by stem (relative, '/'-separated, no extension). Files
 * the walk cannot read, duplicate stems and formats the studio cannot decode are
 * reported through `error`; duplicates stay in the map (so their photo is known to have
 * masks) but are not used.
 */
async function listMasks(gtDir: string, error: (path: string, reason: string) => void): Promise<Map<string, string[]>> {
  const files: { relPath: string; absPath: string }[] = [];
  for await (const entry of walkLibrary(gtDir)) {
    if (entry.kind === 'file') files.push(entry);
    else error(entry.absPath, entry.reason);
  }
  try {
    for (const name of await readdir(gtDir, { recursive: true })) {
      const extension = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
      if (UNSUPPORTED_MASK_EXTENSIONS.has(extension)) error(join(gtDir, name), `unreadable mask: .${extension} files are not read; convert the masks to PNG`);
    }
  } catch {
    // The walk above has reported what cannot be read.
  }
  const byStem = groupByStem(files, (file) => stemOf(file.relPath));
  const result = new Map<string, string[]>();
  for (const [stem, group] of byStem) {
    if (group.length > 1) {
      const names = group.map((file) => file.relPath).join(', ');
      for (const file of group) error(file.absPath, `duplicate mask stem "${stem}" (${names}): neither is used`);
    }
    result.set(stem, group.map((file) => file.absPath));
  }
  return result;
}
