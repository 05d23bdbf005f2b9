/**
 * The mask editor's reactive state (Svelte 5 runes): the tool and its settings, how the
 * overlays look, the view, and what the toolbar shows about the document (dirty, undo and
 * redo counts, saving).
 *
 * Pixels never live in $state (a deep proxy over 24 MB would be ruinous): the document,
 * its raster and history are plain fields, and the state follows the document's
 * `onDidChange` (`revision` moves with its pixels), which is all the UI needs to react to.
 */
import type { CompareMode } from './editorScene';
import type { MaskDocument } from './maskDocument';
import { Keymap } from './shortcuts';
import { TOOL_LABELS } from './tools/toolId';
import type { ToolId } from './tools/toolId';
import type { Viewport } from '../lib/viewport';

export const MIN_BRUSH_SIZE = 1;
export const MAX_BRUSH_SIZE = 1000;

export class EditorState {
  tool = $state<ToolId>('brush');
  /** Brush, lasso, polygon and flood fill remove blur instead of adding it. */
  erase = $state(false);
  /** Brush diameter in photo pixels. */
  brushSize = $state(40);
  /** 0..1; shapes the paint-with-prediction brush (a binary brush has no soft edge). */
  hardness = $state(1);
  /** Probability cut (0..255) for threshold and paint-with-prediction. */
  threshold = $state(128);

  overlayColor = $state('#ff3b30');
  overlayOpacity = $state(0.45);
  overlayVisible = $state(true);
  outlineOnly = $state(false);
  predictionVisible = $state(false);
  predictionColor = $state('#2f8cff');
  predictionOpacity = $state(0.6);
  compare = $state<CompareMode>('off');
  /** Divider position of the swipe compare, 0..1 of the width. */
  swipe = $state(0.5);

  view = $state.raw<Viewport>({ zoom: 1, x: 0, y: 0 });
  /** The zoom at which the photo fits (the minimap shows when zoomed past it). */
  fitZoom = $state(1);
  helpOpen = $state(false);

  /** False while a photo, its mask and prediction load. */
  ready = $state(false);
  loadError = $state<string | null>(null);
  hasPrediction = $state(false);
  /** A saved mask exists for this photo (loaded, or saved in this session). */
  hasSavedMask = $state(false);
  dirty = $state(false);
  saving = $state(false);
  /** A whole-photo refine's progress (0..1) while it runs, else null; editing waits for it. */
  refineProgress = $state<number | null>(null);
  saveError = $state<string | null>(null);
  /** A short message in the status line ("Saved.", why a tool cannot start), cleared after a while. */
  notice = $state<string | null>(null);
  lastSavedAt = $state<number | null>(null);
  undoCount = $state(0);
  redoCount = $state(0);
  undoLabel = $state<string | null>(null);
  redoLabel = $state<string | null>(null);
  /** Compressed bytes the history holds. */
  historyBytes = $state(0);
  /** Bumped on every pixel change. */
  revision = $state(0);
  /** Bumped when the keymap changes (it is a plain object, not state). */
  keymapRevision = $state(0);

  /** Plain fields: never proxied. */
  document: MaskDocument | null = null;
  keymap: Keymap = new Keymap();
  #stopFollowing: (() => void) | null = null;
  #readPending = false;

  /** Brush radius in photo pixels. */
  get brushRadius(): number {
    return Math.max(0.5, this.brushSize / 2);
  }

  /** The mask takes edits: loaded, no help over it, no whole-photo refine running. */
  get canEdit(): boolean {
    return this.ready && !this.helpOpen && this.refineProgress === null;
  }

  /** Name of the active tool as the toolbar says it. */
  get toolLabel(): string {
    if (this.tool === 'brush' && this.erase) return 'Eraser';
    return TOOL_LABELS[this.tool];
  }

  /**
   * Shows `document` from now on: what the toolbar says about it (dirty, undo and redo,
   * history size, revision) is read now and again after each of its changes.
   */
  follow(document: MaskDocument | null): void {
    this.#stopFollowing?.();
    this.document = document;
    this.#stopFollowing = document ? document.onDidChange(() => this.#readSoon()) : null;
    this.#read(document);
  }

  /**
   * Reads the document once the code that changed it is done: a stroke changes it on
   * every pointer sample, several times a frame, and the toolbar needs one reading.
   */
  #readSoon(): void {
    if (this.#readPending) return;
    this.#readPending = true;
    queueMicrotask(() => {
      this.#readPending = false;
      this.#read(this.document);
    });
  }

  #read(document: MaskDocument | null): void {
    if (!document) {
      this.dirty = false;
      this.undoCount = 0;
      this.redoCount = 0;
      this.undoLabel = null;
      this.redoLabel = null;
      this.historyBytes = 0;
      return;
    }
    const stats = document.history.stats();
    // An open edit (a stroke not yet compressed into the history) already counts as a
    // step, and it will clear redo when it is recorded.
    const open = document.hasOpenEdit;
    this.dirty = document.dirty;
    this.undoCount = stats.undoCount + (open ? 1 : 0);
    this.redoCount = open ? 0 : stats.redoCount;
    this.undoLabel = document.history.undoLabel;
    this.redoLabel = document.history.redoLabel;
    this.historyBytes = stats.byteSize;
    this.revision = document.revision;
  }

  /** Grows or shrinks the brush by about 15 %, as `[` and `]` do. */
  resizeBrush(direction: 1 | -1): void {
    const step = Math.max(1, Math.round(this.brushSize * 0.15));
    this.brushSize = Math.min(MAX_BRUSH_SIZE, Math.max(MIN_BRUSH_SIZE, this.brushSize + direction * step));
  }

  setKeymap(keymap: Keymap): void {
    this.keymap = keymap;
    this.keymapRevision++;
  }
}
