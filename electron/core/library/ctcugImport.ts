/**
 * Annotated folders in the CTCUG / CUHK layout: `images/NAME.jpg` with `gt/NAME.png`
 * (same stem), optionally `train.txt` / `test.txt` listing stems and a `manifest.json`.
 * The ground-truth masks come in as human annotations of the photos found in `images/`,
 * converted to the studio's mask contract: 8-bit grayscale PNG at the photo's own pixel
 * size, 255 = defocus-blurred (the polarity of these datasets), nothing in between.
 */
import sharp from 'sharp';
import type { ItemStatus, Split } from '../../api/types';
import type { DatasetLayout } from '../datasets/datasetLayout';
import type { Store } from '../store/store';
import { walkLibrary } from './walk';

/** A folder with one images/ + gt/ pair, as the library imports it (datasets/datasetLayout.ts finds it). */
export interface CtcugLayout {
  /** The annotated folder (holds images/ and gt/). */
  folder: string;
  imagesDir: string;
  gtDir: string;
  /** Split per stem, from train.txt / test.txt. */
  splits: Map<string, Split>;
  /** Split of stems not listed (a folder named train/ or test/), else null. */
  defaultSplit: Split | null;
  /** Annotation status the folder's manifest declares (e.g. the sample's 'reviewed'). */
  manifestStatus: ItemStatus | null;
}

/** A gt file (or the folder) that could not be brought in, relative to the folder. */
export interface MaskImportFailure {
  path: string;
  reason: string;
}

export interface MaskImportResult {
  datasetId: number;
  datasetName: string;
  /** Masks saved as a new version. */
  imported: number;
  /** Masks identical to the current version, left as they were. */
  unchanged: number;
  /** Photos of the folder in the dataset (with or without a mask). */
  items: number;
  failures: MaskImportFailure[];
}

export interface MaskImportOptions {
  datasetName: string;
  /** Item status of imported masks; defaults to the manifest's, else 'corrected'. */
  status?: ItemStatus;
  authorName?: string;
  signal?: AbortSignal;
  progress?: (done: number, total: number, message?: string) => void;
}

/** 'a/b.jpg' → 'a/b'. */
export function stemOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  const dot = relPath.lastIndexOf('.');
  return dot > slash + 1 ? relPath.slice(0, dot) : relPath;
}

/**
 * The one-pair CTCUG / CUHK layout of a dataset layout, or null for layouts the library
 * does not import itself (COCO, DUT-DBD's inverted masks, folders split into parts):
 * those go through the dataset importer.
 */
export function ctcugLayoutOf(layout: DatasetLayout | null): CtcugLayout | null {
  const part = layout?.parts.length === 1 ? layout.parts[0]! : null;
  if (!layout || !part || part.gtDir === null || (layout.kind !== 'ctcug' && layout.kind !== 'cuhk')) return null;
  return {
    folder: layout.folder,
    imagesDir: part.imagesDir,
    gtDir: part.gtDir,
    splits: layout.splits,
    defaultSplit: part.split,
    manifestStatus: layout.manifest?.status ?? null,
  };
}

/** A mask file turned into the studio's binary mask at `width` x `height`. */
export interface BinaryMask {
  png: Uint8Array;
  /** Fraction of pixels marked blurred (255). */
  blurFraction: number;
}

/**
 * Reads a ground-truth image of any bit depth and channel layout (gray, RGB, RGBA,
 * 16-bit) and returns the binary mask: transparency counts as 0, gray >= 128 is blurred.
 * A mask of another size but the same aspect ratio is scaled (nearest neighbour, so it
 * stays binary); a different aspect ratio is refused: it belongs to another photo.
 */
export async function readBinaryMask(path: string, width: number, height: number): Promise<BinaryMask> {
  const input = sharp(path, { failOn: 'truncated' });
  const metadata = await input.metadata();
  const maskWidth = metadata.autoOrient?.width ?? metadata.width;
  const maskHeight = metadata.autoOrient?.height ?? metadata.height;
  if (!maskWidth || !maskHeight) throw new Error('not an image');
  if (Math.abs(maskWidth / maskHeight - width / height) > 0.02 * (width / height)) {
    throw new Error(`the mask is ${maskWidth}x${maskHeight} but its photo is ${width}x${height}`);
  }
  let pipeline = input.autoOrient().flatten({ background: '#000000' }).toColorspace('b-w');
  if (maskWidth !== width || maskHeight !== height) {
    pipeline = pipeline.resize(width, height, { fit: 'fill', kernel: 'nearest' });
  }
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || info.width !== width || info.height !== height) {
    throw new Error(`unexpected decoded mask layout ${info.width}x${info.height}x${info.channels}`);
  }
  let blurred = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= 128) {
      data[i] = 255;
      blurred++;
    } else {
      data[i] = 0;
    }
  }
  const png = await sharp(data, { raw: { width, height, channels: 1 } })
    .toColorspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
  return { png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), blurFraction: blurred / data.length };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/**
 * Brings the folder's masks into dataset `datasetName` as human annotations of the
 * photos the library found under the root `rootId` (= layout.imagesDir). Every present
 * photo of the root joins the dataset, with its split; each gt file whose photo exists
 * becomes the photo's current mask, unless that mask already has the same bytes
 * (importing twice adds no versions).
 */
export async function importCtcugMasks(store: Store, layout: CtcugLayout, rootId: number, options: MaskImportOptions): Promise<MaskImportResult> {
  const status = options.status ?? layout.manifestStatus ?? 'corrected';
  const dataset = store.ensureDataset(options.datasetName, `Imported from ${layout.folder}`);
  const failures: MaskImportFailure[] = [];

  const photosByStem = new Map<string, { id: number; width: number; height: number }>();
  for (const photo of store.listPresentPhotos(rootId)) {
    const stem = stemOf(photo.relPath);
    if (!photosByStem.has(stem)) photosByStem.set(stem, { id: photo.id, width: photo.width, height: photo.height });
  }
  store.transaction(() => {
    for (const [stem, photo] of photosByStem) {
      store.addDatasetItem(dataset.id, photo.id, { split: layout.splits.get(stem) ?? layout.defaultSplit });
    }
  });

  const gtFiles: { relPath: string; absPath: string }[] = [];
  for await (const entry of walkLibrary(layout.gtDir, options.signal ? { signal: options.signal } : {})) {
    if (entry.kind === 'file') gtFiles.push(entry);
    else failures.push({ path: `gt/${entry.relPath}`, reason: entry.reason });
  }

  let imported = 0;
  let unchanged = 0;
  for (const [index, file] of gtFiles.entries()) {
    options.signal?.throwIfAborted();
    options.progress?.(index, gtFiles.length, `gt/${file.relPath}`);
    const stem = stemOf(file.relPath);
    const photo = photosByStem.get(stem);
    if (!photo) {
      failures.push({ path: `gt/${file.relPath}`, reason: `no photo images/${stem}.* was imported for this mask` });
      continue;
    }
    let mask: BinaryMask;
    try {
      mask = await readBinaryMask(file.absPath, photo.width, photo.height);
    } catch (error) {
      failures.push({ path: `gt/${file.relPath}`, reason: `unusable mask: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    const current = store.getCurrentMask(photo.id, dataset.id);
    if (current && sameBytes(current.png, mask.png) && current.version.status === status) {
      unchanged++;
      continue;
    }
    store.saveMaskVersion({
      photoId: photo.id,
      datasetId: dataset.id,
      png: mask.png,
      author: 'human',
      authorName: options.authorName ?? `import: ${layout.folder}`,
      status,
      blurFraction: mask.blurFraction,
    });
    imported++;
  }
  options.progress?.(gtFiles.length, gtFiles.length);
  return { datasetId: dataset.id, datasetName: dataset.name, imported, unchanged, items: photosByStem.size, failures };
}
