/**
 * COCO layout: `annotations.json` next to `images/`. One category, `defocus_blur`; per
 * photo one annotation holding its whole blurred region as an RLE segmentation
 * (compressed string RLE as pycocotools writes it, or uncompressed counts), with its
 * area and tight bbox. Photos without any blur still get an annotation (area 0) so that
 * "annotated, nothing blurred" stays distinct from "not annotated". `iscrowd` is 0, as
 * COCO-Stuff stores region classes; ids follow the stem order, so they are stable.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../../api/types';
import { encodeRleString, maskAreaAndBox, maskToRunCounts } from './cocoRle';
import type { FormatWriter } from './exportFormat';
import { stableJson } from './stableJson';

export const COCO_CATEGORY = { id: 1, name: 'defocus_blur', supercategory: 'blur' } as const;

export type CocoRleKind = 'compressed' | 'uncompressed';

interface Collected {
  counts: number[];
  area: number;
  bbox: [number, number, number, number];
  width: number;
  height: number;
}

export function createCocoWriter(folder: string, options: { dataset: Dataset; rle: CocoRleKind; studioVersion: string }): FormatWriter {
  const collected = new Map<string, Collected>();
  return {
    async addItem(item, mask) {
      const { area, bbox } = maskAreaAndBox(mask);
      collected.set(item.stem, { counts: maskToRunCounts(mask), area, bbox, width: mask.width, height: mask.height });
    },
    async dropItem(item) {
      collected.delete(item.stem);
    },
    async finish(written) {
      const images: unknown[] = [];
      const annotations: unknown[] = [];
      written.forEach(({ item }, index) => {
        const entry = collected.get(item.stem)!;
        const id = index + 1;
        images.push({ id, file_name: `${item.stem}.jpg`, width: entry.width, height: entry.height });
        annotations.push({
          id,
          image_id: id,
          category_id: COCO_CATEGORY.id,
          segmentation: {
            size: [entry.height, entry.width],
            counts: options.rle === 'compressed' ? encodeRleString(entry.counts) : entry.counts,
          },
          area: entry.area,
          bbox: entry.bbox,
          iscrowd: 0,
        });
      });
      const created = options.dataset.createdAt;
      const document = {
        info: {
          description: `${options.dataset.name}: defocus blur masks exported by DeFusion Studio`,
          version: options.studioVersion,
          year: Number(created.slice(0, 4)),
          date_created: created,
        },
        licenses: [],
        categories: [COCO_CATEGORY],
        images,
        annotations,
      };
      // Compact: uncompressed counts would take a line each when indented.
      await writeFile(join(folder, 'annotations.json'), stableJson(document, null));
    },
  };
}
