/**
 * `manifest.json` of an export: where the data came from, counts, the models whose
 * predictions were corrected, and per item its split, status, annotators and review.
 * Only data from the database goes in (no export time, no absolute paths), so the same
 * dataset exports to the same bytes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetReview, ExportFormat, ItemStatus, ModelRecord, Split } from '../../api/types';
import { ITEM_STATUSES } from '../../api/types';
import type { ExportPlan, PlannedItem } from './exportPlan';
import { EXPORT_JPEG_QUALITY } from './exportItems';

/** Who wrote an export, as its manifest says (`source.application`). */
export const EXPORT_APPLICATION = 'DeFusion Studio';

/**
 * Whether `folder` may be replaced by an export: it is empty, or an earlier export (its
 * manifest.json names this application). Anything else is someone's data.
 */
export async function isReplaceableExport(folder: string): Promise<boolean> {
  try {
    if ((await readdir(folder)).length === 0) return true;
    const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as { source?: { application?: unknown } };
    return manifest.source?.application === EXPORT_APPLICATION;
  } catch {
    return false;
  }
}

/** The mask contract, as the manifest states it. */
export const MASK_DESCRIPTION = '8-bit grayscale PNG at the photo size (EXIF orientation applied); 255 = defocus-blurred, 0 = in focus';

/** One exported item, as it was written. */
export interface WrittenItem {
  item: PlannedItem;
  image: 'copied' | 'reencoded';
  width: number;
  height: number;
  blurFraction: number;
}

export interface ManifestItem {
  stem: string;
  split: Split | null;
  status: ItemStatus;
  comment: string | null;
  source: string;
  photoHash: string;
  width: number;
  height: number;
  blurFraction: number;
  image: 'copied' | 'reencoded';
  author: string | null;
  annotators: string[];
  models: number[];
  annotatedAt: string | null;
  review: { decision: string; reviewer: string | null; comment: string | null; at: string } | null;
}

/** Rounds for the manifest: enough digits to be useful, few enough to be stable text. */
function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function modelEntry(model: ModelRecord): Record<string, unknown> {
  return { id: model.id, name: model.name, version: model.version, hash: model.hash };
}

export function buildManifest(options: {
  format: ExportFormat;
  plan: ExportPlan;
  written: readonly WrittenItem[];
  reviews: ReadonlyMap<number, DatasetReview>;
  studioVersion: string;
}): Record<string, unknown> {
  const { plan, written } = options;
  const byStatus = Object.fromEntries(ITEM_STATUSES.map((status) => [status, 0])) as Record<ItemStatus, number>;
  const splits = { train: 0, test: 0, unsplit: 0 };
  for (const { item } of written) {
    byStatus[item.status]++;
    if (item.split === null) splits.unsplit++;
    else splits[item.split]++;
  }
  const statuses = new Set(written.map(({ item }) => item.status));
  const items: ManifestItem[] = written.map(({ item, image, width, height, blurFraction }) => {
    const review = options.reviews.get(item.photo.id);
    return {
      stem: item.stem,
      split: item.split,
      status: item.status,
      comment: item.comment,
      source: item.photo.relPath,
      photoHash: item.photo.hash,
      width,
      height,
      blurFraction: round6(blurFraction),
      image,
      author: item.maskAuthor === 'human' ? item.maskAuthorName : item.maskAuthor === 'model' ? 'model' : null,
      annotators: item.annotators,
      models: item.modelIds,
      annotatedAt: item.maskCreatedAt,
      review: review ? { decision: review.decision, reviewer: review.reviewer, comment: review.comment, at: review.createdAt } : null,
    };
  });
  return {
    layout: options.format,
    name: plan.dataset.name,
    description: plan.dataset.description,
    mask: MASK_DESCRIPTION,
    polarity: 'blur-white',
    source: {
      application: EXPORT_APPLICATION,
      version: options.studioVersion,
      dataset: plan.dataset.name,
      datasetCreatedAt: plan.dataset.createdAt,
      statuses: [...plan.statuses].sort(),
    },
    images: {
      format: 'jpeg',
      orientation: 'applied: every photo is stored upright',
      reencodedQuality: EXPORT_JPEG_QUALITY,
      copied: written.filter((entry) => entry.image === 'copied').length,
      reencoded: written.filter((entry) => entry.image === 'reencoded').length,
    },
    counts: { items: written.length, ...splits, byStatus },
    models: plan.models.map(modelEntry),
    annotation: {
      // The library's own CTCUG import reads one status for the whole folder.
      ...(statuses.size === 1 ? { status: [...statuses][0] } : {}),
      annotators: [...new Set(written.flatMap(({ item }) => item.annotators))].sort(),
    },
    items,
  };
}
