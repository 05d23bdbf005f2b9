/**
 * Exports a dataset to a folder, atomically (atomicFolder.ts): `images/STEM.jpg`,
 * the format's masks (CTCUG `gt/STEM.png` or COCO `annotations.json`), `train.txt` and
 * `test.txt` listing stems (items without a split are in neither), and `manifest.json`.
 * An item that cannot be written (file missing, size changed) is left out and reported;
 * the rest is exported. Everything written depends only on the data, never on the time
 * or the machine, so exporting the same dataset again gives the same bytes.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DatasetExportResult, ExportFormat, ItemFailure, ItemStatus } from '../../api/types';
import type { JobContext } from '../jobs/jobQueue';
import type { Store } from '../store/store';
import { writeFolderAtomically } from './atomicFolder';
import { createCocoWriter } from './exportCoco';
import type { CocoRleKind } from './exportCoco';
import { createCtcugWriter } from './exportCtcug';
import type { FormatWriter } from './exportFormat';
import { readExportMask, writeExportPhoto } from './exportItems';
import { buildManifest, isReplaceableExport } from './exportManifest';
import type { WrittenItem } from './exportManifest';
import { planExport } from './exportPlan';
import { blurFraction } from './maskPixels';
import { stableJson } from './stableJson';

export interface ExportOptions {
  datasetId: number;
  out: string;
  format: ExportFormat;
  statuses: readonly ItemStatus[];
  force: boolean;
  cocoRle: CocoRleKind;
  studioVersion: string;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function exportDataset(store: Store, options: ExportOptions, context: Pick<JobContext, 'signal' | 'progress'>): Promise<DatasetExportResult> {
  const plan = planExport(store, options.datasetId, options.statuses);
  const out = resolve(options.out);
  const reviews = store.datasets.latestReviews(options.datasetId);

  return writeFolderAtomically(out, { force: options.force, replaceable: isReplaceableExport }, async (folder) => {
    const imagesDir = join(folder, 'images');
    await mkdir(imagesDir);
    const writer: FormatWriter =
      options.format === 'coco'
        ? createCocoWriter(folder, { dataset: plan.dataset, rle: options.cocoRle, studioVersion: options.studioVersion })
        : await createCtcugWriter(folder);

    const written: WrittenItem[] = [];
    const failures: ItemFailure[] = [];
    const total = plan.items.length;
    for (const [index, item] of plan.items.entries()) {
      context.signal.throwIfAborted();
      context.progress(index, total, item.photo.relPath);
      try {
        const mask = await readExportMask(store, item);
        await writer.addItem(item, mask);
        try {
          const image = await writeExportPhoto(item, imagesDir);
          written.push({ item, image, width: mask.width, height: mask.height, blurFraction: blurFraction(mask) });
        } catch (error) {
          await writer.dropItem(item);
          await rm(join(imagesDir, `${item.stem}.jpg`), { force: true });
          throw error;
        }
      } catch (error) {
        failures.push({ photoId: item.photo.id, relPath: item.photo.relPath, reason: errorText(error) });
      }
    }
    context.signal.throwIfAborted();
    await writer.finish(written);

    const listed = (split: 'train' | 'test'): string =>
      written
        .filter(({ item }) => item.split === split)
        .map(({ item }) => `${item.stem}\n`)
        .join('');
    await writeFile(join(folder, 'train.txt'), listed('train'));
    await writeFile(join(folder, 'test.txt'), listed('test'));
    const manifest = buildManifest({ format: options.format, plan, written, reviews, studioVersion: options.studioVersion });
    await writeFile(join(folder, 'manifest.json'), stableJson(manifest));
    context.progress(total, total);

    const count = (split: 'train' | 'test' | null): number => written.filter(({ item }) => item.split === split).length;
    return {
      format: options.format,
      out,
      datasetId: plan.dataset.id,
      datasetName: plan.dataset.name,
      exported: written.length,
      train: count('train'),
      test: count('test'),
      unsplit: count(null),
      copiedImages: written.filter((entry) => entry.image === 'copied').length,
      reencodedImages: written.filter((entry) => entry.image === 'reencoded').length,
      skipped: plan.skipped,
      failures,
    };
  });
}
