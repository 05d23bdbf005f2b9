/**
 * Undo/redo of mask edits as compressed dirty-rectangle diffs.
 *
 * An entry is `{rect, before, after}`: the bytes of the changed bounding box only, each
 * run-length coded (a binary mask shrinks by one to three orders of magnitude). One user
 * gesture is one entry: a stroke from pointerdown to pointerup, a fill, a threshold drag,
 * an invert. Loading a saved mask is never recorded (it replaces the history instead).
 *
 * The count of entries is unbounded within a photo's session; memory is bounded by a
 * byte cap on the compressed entries, which drops the oldest undo steps first. A new
 * edit clears redo, as every editor does.
 */
import type { MaskDiff } from './maskEdit';
import type { MaskRaster } from './maskRaster';
import type { Rect } from './rect';
import { encodeRuns } from './rle';

/** Default cap on the compressed bytes the history keeps (undo and redo together). */
export const DEFAULT_HISTORY_BYTE_CAP = 256 * 1024 * 1024;
/** Bookkeeping cost counted per entry besides its bytes. */
const ENTRY_OVERHEAD_BYTES = 96;

/** One recorded edit, compressed. */
export interface HistoryEntry {
  /** Monotonic id: tells the saved state apart from any later one. */
  readonly id: number;
  /** What the user did ('brush', 'threshold', …), for the UI. */
  readonly label: string;
  readonly rect: Rect;
  /** Where pixels changed inside `rect` (see MaskDiff.areas): what undo and redo repaint. */
  readonly areas: readonly Rect[];
  readonly before: Uint8Array;
  readonly after: Uint8Array;
  /** Compressed bytes plus bookkeeping: what counts against the cap. */
  readonly byteSize: number;
}

export interface HistoryStats {
  undoCount: number;
  redoCount: number;
  /** Compressed bytes held (undo and redo). */
  byteSize: number;
  /** Uncompressed bytes the same entries would hold. */
  rawByteSize: number;
  /** Entries dropped by the byte cap since the last reset. */
  dropped: number;
}

export class MaskHistory {
  readonly byteCap: number;
  #undo: HistoryEntry[] = [];
  #redo: HistoryEntry[] = [];
  #byteSize = 0;
  #rawByteSize = 0;
  #dropped = 0;
  #nextId = 1;

  constructor(options: { byteCap?: number } = {}) {
    this.byteCap = options.byteCap ?? DEFAULT_HISTORY_BYTE_CAP;
  }

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  get canRedo(): boolean {
    return this.#redo.length > 0;
  }

  /** Id of the newest applied entry, 0 when none: the "saved at" marker compares to it. */
  get headId(): number {
    return this.#undo.at(-1)?.id ?? 0;
  }

  /** Label of what undo would revert, for tooltips. */
  get undoLabel(): string | null {
    return this.#undo.at(-1)?.label ?? null;
  }

  get redoLabel(): string | null {
    return this.#redo.at(-1)?.label ?? null;
  }

  stats(): HistoryStats {
    return {
      undoCount: this.#undo.length,
      redoCount: this.#redo.length,
      byteSize: this.#byteSize,
      rawByteSize: this.#rawByteSize,
      dropped: this.#dropped,
    };
  }

  /** Records a finished edit (already applied to the raster) and clears redo. */
  record(diff: MaskDiff, label: string): HistoryEntry {
    const before = encodeRuns(diff.before);
    const after = encodeRuns(diff.after);
    const entry: HistoryEntry = {
      id: this.#nextId++,
      label,
      rect: { ...diff.rect },
      areas: diff.areas.map((area) => ({ ...area })),
      before,
      after,
      byteSize: before.length + after.length + ENTRY_OVERHEAD_BYTES + 16 * diff.areas.length,
    };
    for (const dropped of this.#redo) this.#forget(dropped);
    this.#redo = [];
    this.#undo.push(entry);
    this.#byteSize += entry.byteSize;
    this.#rawByteSize += diff.before.length + diff.after.length;
    this.#enforceCap();
    return entry;
  }

  /** Reverts the newest entry into `raster`; returns the areas to repaint (empty: nothing to undo). */
  undo(raster: MaskRaster): Rect[] {
    const entry = this.#undo.pop();
    if (!entry) return [];
    raster.writeRuns(entry.rect, entry.before);
    this.#redo.push(entry);
    return entry.areas.map((area) => ({ ...area }));
  }

  /** Re-applies the newest undone entry; returns the areas to repaint (empty: nothing to redo). */
  redo(raster: MaskRaster): Rect[] {
    const entry = this.#redo.pop();
    if (!entry) return [];
    raster.writeRuns(entry.rect, entry.after);
    this.#undo.push(entry);
    return entry.areas.map((area) => ({ ...area }));
  }

  /** Forgets everything (a mask was loaded, the photo changed). */
  reset(): void {
    this.#undo = [];
    this.#redo = [];
    this.#byteSize = 0;
    this.#rawByteSize = 0;
    this.#dropped = 0;
  }

  #forget(entry: HistoryEntry): void {
    this.#byteSize -= entry.byteSize;
    this.#rawByteSize -= 2 * entry.rect.width * entry.rect.height;
  }

  #enforceCap(): void {
    // The newest entry always stays, even when it alone exceeds the cap: the gesture the
    // user just made must be undoable.
    // Only `record` calls this, right after clearing redo, so undo holds every entry.
    while (this.#byteSize > this.byteCap && this.#undo.length > 1) {
      const oldest = this.#undo.shift();
      if (!oldest) break;
      this.#forget(oldest);
      this.#dropped++;
    }
  }
}
