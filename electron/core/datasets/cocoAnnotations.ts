/**
 * Reading a COCO annotations file back into masks: the images it lists (by file stem)
 * and, per image, the union of its `defocus_blur` segmentations (compressed or
 * uncompressed RLE). When the file has a single category, that one is taken whatever
 * its name. Polygon segmentations are refused per annotation: rasterising them the way
 * pycocotools does is not worth it for a class that is one region per photo.
 *
 * The file comes from the internet, so nothing in it is decoded at the size it declares.
 * Reading keeps the segmentations as they are; `decodeCocoMask` decodes one image's at a
 * time, at the size of the photo the studio actually read, after checking each
 * annotation's size and bounding its counts by that photo's pixels. A few hundred bytes
 * declaring 40000x40000 masks cost nothing but an error per annotation.
 */
import { readFile, stat } from 'node:fs/promises';
import { stemOf } from '../library/ctcugImport';
import { checkRunCounts, decodeRleString, paintRunCounts } from './cocoRle';
import type { MaskPixels } from './maskPixels';

/** Larger annotation files are refused before they are read: parsing one costs several times its size. */
export const MAX_ANNOTATIONS_BYTES = 128 * 1024 * 1024;

/** One defocus_blur annotation, as the file has it. */
export interface CocoAnnotation {
  /** The annotation's `id`, for messages; null when it has none. */
  id: number | string | null;
  segmentation: unknown;
}

export interface CocoImage {
  fileName: string;
  /** The size the file declares, compared with the photo's before any decoding. */
  width: number;
  height: number;
  /** The image's annotations of the class, not decoded yet. */
  annotations: CocoAnnotation[];
}

/** An image's mask (null: no annotation, or some unusable), and why each unusable annotation is. */
export interface CocoMaskResult {
  mask: MaskPixels | null;
  errors: string[];
}

interface RawImage {
  id?: unknown;
  file_name?: unknown;
  width?: unknown;
  height?: unknown;
}

interface RawAnnotation {
  id?: unknown;
  image_id?: unknown;
  category_id?: unknown;
  segmentation?: unknown;
}

function isSide(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** The run counts of one segmentation, checked against a width x height photo before any pixel exists. */
function segmentationCounts(segmentation: unknown, width: number, height: number): number[] {
  if (Array.isArray(segmentation)) throw new Error('polygon segmentations are not supported (use RLE)');
  if (segmentation === null || typeof segmentation !== 'object') throw new Error('segmentation is not an RLE object');
  const { size, counts } = segmentation as { size?: unknown; counts?: unknown };
  if (!Array.isArray(size) || size.length !== 2 || size[0] !== height || size[1] !== width) {
    const declared = JSON.stringify(size)?.slice(0, 60) ?? String(size);
    throw new Error(`wrong size: the RLE is ${declared} ([h, w]) but the photo is ${height}x${width} ([h, w])`);
  }
  const pixels = width * height;
  let runs: number[];
  if (typeof counts === 'string') runs = decodeRleString(counts, pixels);
  else if (Array.isArray(counts)) runs = counts as number[];
  else throw new Error('RLE counts are neither a string nor a list of numbers');
  checkRunCounts(runs, pixels);
  return runs;
}

/**
 * The union of an image's annotations at the photo's size (`width` x `height`), or one
 * message per annotation that cannot be used (then no mask: a partial union would be a
 * wrong mask). Memory is one mask of the photo's size, whatever the file declares.
 */
export function decodeCocoMask(image: CocoImage, width: number, height: number): CocoMaskResult {
  const checked: number[][] = [];
  const errors: string[] = [];
  for (const [index, annotation] of image.annotations.entries()) {
    try {
      checked.push(segmentationCounts(annotation.segmentation, width, height));
    } catch (error) {
      const name = annotation.id === null ? `annotation ${index + 1} of ${image.annotations.length}` : `annotation ${annotation.id}`;
      errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (errors.length > 0) return { mask: null, errors };
  if (checked.length === 0) return { mask: null, errors: [] };
  const mask: MaskPixels = { width, height, data: new Uint8Array(width * height) };
  for (const counts of checked) paintRunCounts(counts, mask);
  return { mask, errors: [] };
}

/** Images of the annotations file by file stem; a stem listed twice maps to null. */
export async function readCocoAnnotations(path: string): Promise<Map<string, CocoImage | null>> {
  let document: { images?: unknown; annotations?: unknown; categories?: unknown };
  try {
    const { size } = await stat(path);
    if (size > MAX_ANNOTATIONS_BYTES) throw new Error(`it is ${Math.round(size / 1024 / 1024)} MB, more than the ${MAX_ANNOTATIONS_BYTES / 1024 / 1024} MB the studio reads`);
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
    if (typeof raw.file_name !== 'string' || !isSide(raw.width) || !isSide(raw.height)) continue;
    const image: CocoImage = { fileName: raw.file_name, width: raw.width, height: raw.height, annotations: [] };
    images.set(raw.id, image);
    const stem = stemOf(raw.file_name.replace(/\\/g, '/').replace(/^images?\//i, ''));
    byStem.set(stem, byStem.has(stem) ? null : image);
  }
  for (const annotation of (Array.isArray(document.annotations) ? document.annotations : []) as RawAnnotation[]) {
    if (annotation === null || typeof annotation !== 'object' || annotation.category_id !== blur.id) continue;
    const id = typeof annotation.id === 'number' || typeof annotation.id === 'string' ? annotation.id : null;
    images.get(annotation.image_id)?.annotations.push({ id, segmentation: annotation.segmentation });
  }
  return byStem;
}
