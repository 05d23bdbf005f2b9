/**
 * What an export format adds to the common part of an export (images/, train.txt,
 * test.txt, manifest.json): CTCUG writes one PNG per mask, COCO one annotations file.
 */
import type { PlannedItem } from './exportPlan';
import type { WrittenItem } from './exportManifest';
import type { MaskPixels } from './maskPixels';

export interface FormatWriter {
  /** Writes (or collects) the item's mask; throws to leave the item out. */
  addItem(item: PlannedItem, mask: MaskPixels): Promise<void>;
  /** Undoes addItem for an item that failed afterwards. */
  dropItem(item: PlannedItem): Promise<void>;
  /** Writes what depends on every item, in the order of `written`. */
  finish(written: readonly WrittenItem[]): Promise<void>;
}
