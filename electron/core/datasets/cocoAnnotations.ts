/**
 * Reading a COCO annotations file back into masks: the images it lists (by file stem)
 * and, per image, the union of its `defocus_blur` segmentations (compressed or
 * uncompressed RLE). When the file has a single category, that one is taken whatever
 * its name. Polygon segmentations are refused per image: rasterising them the way
 * pycocotools does is not worth it for a class that is one region per photo.
 */
import { readFile } from 'node:fs/promises';
import { stemOf } from '../library/ctcugImport';
import { decodeRleString, runCountsToMask } from './cocoRle';
import type { MaskPixels } from './maskPixels';

export interface CocoImage {
  fileName: string;
  width: number;
  height: number;
  /** Null when the image has no annotation of the class. */
  mask: MaskPixels | null;
  /** Why the image's mask could not be read (it is then imported without one). */
  error: string | null;
}

interface RawImage {
  id?: unknown;
  file_name?: unknown;
  width?: unknown;
  height?: unknown;
}

interface RawAnnotation {
  image_id?: unknown;
  category_id?: unknown;
  segmentation?: unknown;
}

function decodeSegmentation(segmentation: unknown, width: number, height: number): MaskPixels {
  if (Array.isArray(segmentation)) throw new Error('polygon segmentations are not supported (use RLE)');
  if (segmentation === null || typeof segmentation !== 'object') throw new Error('segmentation is not an RLE object');
  const { size, counts } = segmentation as { size?: unknown; counts?: unknown };
  if (!Array.isArray(size) || size.length !== 2 || size[0] !== height || size[1] !== width) {
    throw new Error(`wrong size: the RLE is ${JSON.stringify(size)} ([h, w]) but the image is ${height}x${width} ([h, w])`);
  }
  if (typeof counts === 'string') return runCountsToMask(decodeRleString(counts), height, width);
  if (Array.isArray(counts) && counts.every((count) => typeof count === 'number')) return runCountsToMask(counts as number[], height, width);
  throw new Error('RLE counts are neither a string nor a list of numbers');
}

/** Images of the annotations file by file stem; a stem listed twice maps to null. */
export async function readCocoAnnotations(path: string): Promise<Map<string, CocoImage | null>> {
  let document: { images?: unknown; annotations?: unknown; categories?: unknown };
  try {
    document = JSON.parse(await readFile(path, 'utf8')) as typeof document;
  } catch (error) {
    throw new Error(`${path}: not a readable COCO annotations file (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const categories = Array.isArray(document.categories) ? (document.categories as { id?: unknown; name?: unknown }[]) : [];
  const blur = categories.find((category) => category.name === 'defocus_blur') ?? (categories.length === 1 ? categories[0] : undefined);
  if (!blur) throw new Error(`${path}: no 'defocus_blur' category`);

  const images = new Map<unknown, CocoImage>();
  const byStem = new Map<string, CocoImage | null>();
  for (const raw of (Array.isArray(document.images) ? document.images : []) as RawImage[]) {
    if (typeof raw.file_name !== 'string' || typeof raw.width !== 'number' || typeof raw.height !== 'number') continue;
    const image: CocoImage = { fileName: raw.file_name, width: raw.width, height: raw.height, mask: null, error: null };
    images.set(raw.id, image);
    const stem = stemOf(raw.file_name.replace(/\\/g, '/').replace(/^images?\//i, ''));
    byStem.set(stem, byStem.has(stem) ? null : image);
  }
  for (const annotation of (Array.isArray(document.annotations) ? document.annotations : []) as RawAnnotation[]) {
    if (annotation.category_id !== blur.id) continue;
    const image = images.get(annotation.image_id);
    if (!image || image.error !== null) continue;
    try {
      const mask = decodeSegmentation(annotation.segmentation, image.width, image.height);
      if (image.mask === null) {
        image.mask = mask;
      } else {
        for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) image.mask.data[i] = 255;
      }
    } catch (error) {
      image.error = error instanceof Error ? error.message : String(error);
      image.mask = null;
    }
  }
  return byStem;
}
