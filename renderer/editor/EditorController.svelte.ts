/**
 * The mask editor's controller: it owns the document of the open photo (and with it the
 * undo history), the queue of saves, and the commands; it hands pointer input to the
 * tools and pixels to the canvas. MaskEditor.svelte only draws and wires events to it.
 *
 * The shape follows Excalidraw (actions declared once, tools apart from the app, history
 * in the document) with Svelte 5 runes classes for the state, as svelte.dev writes them.
 */
import { untrack } from 'svelte';
import { commandOf } from './commands';
import type { CommandId, CommandTarget } from './commands';
import { EditorCanvas } from './editorCanvas.svelte';
import type { EditorHost, NavigateDirection, ReviewStatus, SaveStatus } from './editorHost';
import { EditorInput } from './editorInput.svelte';
import type { InputTarget } from './editorInput.svelte';
import { EditorState } from './EditorState.svelte';
import { createPhotoGuide, decodeGrayImage, loadPhoto } from './imageBytes';
import { MaskDocument } from './maskDocument';
import { encodeMaskPng } from './png';
import type { Point, Rect } from './rect';
import { SaveQueue } from './saveQueue';
import { exposeEditor, sha256Hex } from './testHook';
import { WholePhotoRefine } from './tools/refine';
import { Toolbox } from './tools/toolbox';
import type { ToolId } from './tools/toolId';

/** Settings the page may change while the editor is open (MaskEditor's props). */
export interface EditorOptions {
  /** Move to the next photo after a status command. */
  readonly advanceOnStatus: boolean;
  /** Compressed undo history cap in bytes (default: the history's own). */
  readonly historyByteCap: number | undefined;
  /** Show the probability layer as soon as the photo has one. */
  readonly showPrediction: boolean;
}

/** How long a finished stroke waits for an idle moment before it is compressed into the history. */
const COMMIT_DELAY_MS = 250;
const NOTICE_MS = 3000;

export class EditorController implements CommandTarget, InputTarget {
  readonly state = new EditorState();
  readonly tools = new Toolbox();
  readonly refine = new WholePhotoRefine();
  readonly canvas: EditorCanvas;
  readonly input: EditorInput;
  readonly #host: EditorHost;
  readonly #options: EditorOptions;
  readonly #saves: SaveQueue;
  /** Bumped by every photo opened: answers for an older one are dropped. */
  #loadToken = 0;
  #loadedPhotoId: number | null = null;
  /** The mask and prediction bytes last applied to the open document (by reference). */
  #applied: { document: MaskDocument | null; mask: Uint8Array | null; prediction: Uint8Array | null } = { document: null, mask: null, prediction: null };
  #guide: ReturnType<typeof createPhotoGuide> | null = null;
  #commitTimer: ReturnType<typeof setTimeout> | undefined;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: EditorHost, options: EditorOptions) {
    this.#host = host;
    this.#options = options;
    this.#saves = new SaveQueue((busy) => (this.state.saving = busy));
    this.canvas = new EditorCanvas(this.state, { beforePaint: () => this.#beforePaint(), toolsOverlay: () => this.input.toolsOverlay() });
    this.input = new EditorInput(this);

    // The threshold tool applies live, one frame at a time, as the slider moves.
    $effect(() => {
      void this.state.threshold;
      if (this.state.tool !== 'threshold') return;
      untrack(() => this.tools.threshold.schedule(this));
    });
  }

  /** Builds the canvas in `stage` (sized to `area`) and listens to it; returns the teardown. */
  mount(stage: HTMLDivElement, area: HTMLDivElement): () => void {
    const unmountCanvas = this.canvas.mount(stage, area);
    const unmountInput = this.input.mount(stage);
    const removeHook = this.#exposeForTests();
    return () => {
      unmountInput();
      removeHook();
      clearTimeout(this.#commitTimer);
      // Leaving the editor must not lose a correction.
      const document = this.state.document;
      if (document?.dirty && this.#loadedPhotoId !== null) void this.#queueSave(document, this.#loadedPhotoId, 'corrected');
      this.#guide?.dispose();
      unmountCanvas();
    };
  }

  // ------------------------------------------------------------------ what tools use

  get document(): MaskDocument {
    return this.state.document!;
  }

  toStage(image: Point): Point {
    return this.canvas.toStage(image);
  }

  markChanged(change: Rect | readonly Rect[] | null): void {
    this.canvas.markChanged(change);
  }

  redrawTools(): void {
    this.canvas.requestDraw({ tools: true });
  }

  redrawMask(): void {
    this.canvas.requestDraw({ mask: true });
  }

  say(message: string): void {
    this.state.notice = message;
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.state.notice = null), NOTICE_MS);
  }

  /**
   * A finished stroke is compressed into the history when the browser is idle, not in
   * the pointerup frame (undo or any other action commits it at once if it comes first).
   */
  commitWhenIdle(): void {
    clearTimeout(this.#commitTimer);
    this.#commitTimer = setTimeout(() => {
      const document = this.state.document;
      if (document?.hasPendingEdit && this.input.idle) document.commitPending();
    }, COMMIT_DELAY_MS);
  }

  #beforePaint(): boolean {
    let toolsChanged = false;
    for (const tool of this.tools.all) {
      if (tool.frame?.(this)) toolsChanged = true;
    }
    return toolsChanged;
  }

  // ------------------------------------------------------------------ loading

  /** A new photo: the old mask is saved if dirty, then a fresh document is built. */
  open(id: number, url: string, width: number, height: number, mask: Uint8Array | null, prediction: Uint8Array | null): void {
    const state = this.state;
    const previous = state.document;
    // A refine still running is finished by the save (savePoint), or dropped with its document.
    if (previous && this.#loadedPhotoId !== null && previous.dirty) void this.#queueSave(previous, this.#loadedPhotoId, 'corrected');
    this.refine.drop(state);
    this.input.cancel();
    const token = ++this.#loadToken;
    this.#loadedPhotoId = id;
    state.ready = false;
    state.loadError = null;
    state.hasPrediction = false;
    state.hasSavedMask = false;
    const historyByteCap = this.#options.historyByteCap;
    const document = new MaskDocument(width, height, historyByteCap === undefined ? {} : { historyByteCap });
    state.follow(document);
    this.#guide?.dispose();
    this.#guide = null;
    this.canvas.open();
    // The bytes the page already handed over (its inputs effect repeats this, harmlessly).
    void this.applyInputs(id, mask, prediction);
    loadPhoto(url)
      .then((image) => {
        if (token !== this.#loadToken) return;
        this.#guide = createPhotoGuide(image, width, height);
        document.setGuide(this.#guide);
        this.canvas.setPhoto(image);
      })
      .catch(() => {
        if (token === this.#loadToken) state.loadError = 'The photo could not be loaded.';
      });
  }

  /**
   * The mask and prediction bytes for the open photo. They may arrive after the photo
   * (the page fetches them) and may be handed again later (the page re-reading what was
   * just saved): only what changed is decoded, and a mask replaces the document only while
   * nobody has edited it, so a late answer never wipes a correction.
   */
  async applyInputs(id: number, maskBytes: Uint8Array | null, predictionBytes: Uint8Array | null): Promise<void> {
    const state = this.state;
    const document = state.document;
    if (!document || id !== this.#loadedPhotoId) return;
    const applied = this.#applied;
    const first = applied.document !== document;
    const maskChanged = first || applied.mask !== maskBytes;
    const predictionChanged = first || applied.prediction !== predictionBytes;
    if (!maskChanged && !predictionChanged) return;
    this.#applied = { document, mask: maskBytes, prediction: predictionBytes };
    const token = this.#loadToken;
    const { width, height } = document;
    try {
      const [maskPixels, probability] = await Promise.all([
        maskChanged && maskBytes ? decodeGrayImage(maskBytes, width, height, 'nearest') : Promise.resolve(null),
        predictionChanged && predictionBytes ? decodeGrayImage(predictionBytes, width, height, 'bilinear') : Promise.resolve(null),
      ]);
      if (token !== this.#loadToken || document !== state.document) return;
      if (predictionChanged) this.#applyPrediction(document, probability);
      const pristine = !document.dirty && !document.history.canUndo && !document.history.canRedo;
      if (pristine && (maskChanged || !state.hasSavedMask)) {
        if (maskPixels) document.load(maskPixels);
        else if (document.prediction) document.loadFromPrediction(state.threshold);
        else document.load(null);
        state.hasSavedMask = maskPixels !== null;
        this.markChanged(document.raster.bounds);
      } else if (maskPixels) {
        // The document has edits: they win over bytes handed in afterwards.
        state.hasSavedMask = true;
      }
      state.ready = true;
      this.redrawMask();
    } catch (error) {
      if (token === this.#loadToken) {
        state.loadError = `The mask could not be read: ${(error as Error).message}`;
        state.ready = true;
      }
    }
  }

  #applyPrediction(document: MaskDocument, probability: Uint8Array | null): void {
    const state = this.state;
    document.setPrediction(probability);
    state.hasPrediction = probability !== null;
    if (probability && this.#options.showPrediction) state.predictionVisible = true;
    if (!probability) {
      // Nothing to compare with or paint from on this photo.
      state.compare = 'off';
      state.predictionVisible = false;
      if (state.tool === 'threshold' || state.tool === 'predictionBrush') state.tool = 'brush';
    }
    this.canvas.setPrediction(probability);
  }

  // ------------------------------------------------------------------ saving

  /**
   * Encodes the mask now and hands it to the page after the saves before it. Encoding at
   * once from the live raster takes the exact pixels of this moment without a 24 MB copy;
   * strokes made while the save travels still count as unsaved afterwards (the save
   * point is taken now too).
   */
  #queueSave(document: MaskDocument, id: number, status: SaveStatus): Promise<boolean> {
    const point = document.savePoint();
    const png = encodeMaskPng(document.width, document.height, document.raster.data);
    return this.#saves.enqueue(async () => {
      const state = this.state;
      try {
        await this.#host.save(png, status, id);
        document.markSaved(point);
        if (document === state.document) {
          state.hasSavedMask = true;
          state.lastSavedAt = Date.now();
          state.saveError = null;
        }
        return true;
      } catch (error) {
        if (document === state.document) state.saveError = `Not saved: ${(error as Error).message}`;
        return false;
      }
    });
  }

  /** Saves if there is anything to save; resolves false only when a save failed. */
  #saveIfNeeded(status: SaveStatus, force = false): Promise<boolean> {
    const document = this.state.document;
    if (!document || this.#loadedPhotoId === null || !this.state.ready) return Promise.resolve(true);
    this.#finishGestures();
    if (!force && !document.dirty) return Promise.resolve(true);
    return this.#queueSave(document, this.#loadedPhotoId, status);
  }

  /** Finishes whatever is in progress before a save or a status. */
  #finishGestures(): void {
    this.input.finishToolGesture();
    this.refine.finish(this);
  }

  /** Saves unsaved changes and waits for every save; false when one failed. */
  async flush(): Promise<boolean> {
    const ok = await this.#saveIfNeeded('corrected');
    await this.#saves.idle();
    return ok && this.state.saveError === null;
  }

  /** True while the mask has changes that no save has taken yet. */
  isDirty(): boolean {
    return (this.state.document?.dirty ?? false) || this.#saves.busy;
  }

  /** The autosave timer's tick: saves only between gestures and saves. */
  autosave(): void {
    const document = this.state.document;
    const id = this.#loadedPhotoId;
    if (document?.dirty && !document.strokeActive && this.input.idle && !this.#saves.busy && id !== null) void this.#queueSave(document, id, 'corrected');
  }

  /** The user rebound a key: the page keeps the keymap. */
  keymapChanged(): void {
    this.state.keymapRevision++;
    this.#host.keymapChanged(this.state.keymap.serialize());
  }

  // ------------------------------------------------------------------ commands

  runCommand(command: CommandId): void {
    commandOf(command).run(this);
  }

  chooseTool(tool: ToolId, erase?: boolean): void {
    const state = this.state;
    if (state.document && tool !== state.tool) this.tools.get(state.tool).deselect?.(this);
    state.tool = tool;
    if (erase !== undefined) state.erase = erase;
    this.redrawTools();
    if (state.document) this.tools.get(tool).select?.(this);
  }

  edit(apply: (document: MaskDocument) => Rect | null): void {
    const document = this.state.document;
    if (this.state.canEdit && document) this.markChanged(apply(document));
  }

  refineAll(): void {
    const document = this.state.document;
    if (!this.state.canEdit || !document) return;
    if (!document.hasGuide) return this.say('The photo is still loading.');
    this.refine.start(this);
  }

  undo(): void {
    const document = this.state.document;
    if (!this.state.canEdit || !document) return;
    this.tools.polygon.cancel(this);
    this.markChanged(document.undo());
  }

  redo(): void {
    const document = this.state.document;
    if (this.state.canEdit && document) this.markChanged(document.redo());
  }

  save(): void {
    void this.#saveIfNeeded('corrected', !this.state.hasSavedMask).then((ok) => ok && this.say('Saved.'));
  }

  async navigate(direction: NavigateDirection): Promise<void> {
    if (await this.#saveIfNeeded('corrected')) this.#host.navigate(direction);
  }

  async markStatus(status: ReviewStatus): Promise<void> {
    const state = this.state;
    const document = state.document;
    const id = this.#loadedPhotoId;
    if (!document || id === null || !state.ready) return;
    this.#finishGestures();
    let ok: boolean;
    if (status === 'skip') {
      ok = await this.#saveIfNeeded('corrected');
      if (ok) this.#host.setStatus('skip', id);
    } else if (document.dirty || !state.hasSavedMask) {
      // New pixels (or the model's guess, never stored yet): the save carries the status.
      ok = await this.#queueSave(document, id, status);
    } else {
      this.#host.setStatus(status, id);
      ok = true;
    }
    if (ok && this.#options.advanceOnStatus) this.#host.navigate('next');
  }

  cycleCompare(): void {
    const order = ['off', 'side-by-side', 'swipe'] as const;
    this.state.compare = order[(order.indexOf(this.state.compare) + 1) % order.length]!;
  }

  fit(): void {
    this.canvas.fit();
  }

  actualSize(): void {
    this.canvas.actualSize(this.canvas.anchor(this.input.cursorStage));
  }

  zoomBy(factor: number): void {
    this.canvas.zoomBy(factor, this.canvas.anchor(this.input.cursorStage));
  }

  // ------------------------------------------------------------------ test hook

  #exposeForTests(): () => void {
    const { state, canvas } = this;
    const saves = this.#saves;
    return exposeEditor({
      state,
      get historySize() {
        return state.document?.history.stats().byteSize ?? 0;
      },
      historyStats: () => state.document?.history.stats() ?? null,
      get renders() {
        return canvas.renders;
      },
      get paintedPixels() {
        return canvas.paintedPixels;
      },
      get timings() {
        return { ...canvas.timings };
      },
      _testOnlyMaskBytes: () => state.document?.raster.data.slice() ?? null,
      _testOnlyMaskDigest: async () => (state.document ? sha256Hex(state.document.raster.data) : null),
      _testOnlyOverlay: (points) => canvas.probeOverlay(points),
      imageToClient: (x, y) => canvas.imageToClient(x, y),
      async whenIdle() {
        await saves.idle();
        await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
      },
    });
  }
}
