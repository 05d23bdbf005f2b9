/**
 * Pointer, wheel and key input on the canvas. Pointer input is read from the stage's
 * element, not through Konva hit testing. The view's own gestures are handled here (pan
 * with Space or the middle button, pinch with two fingers, the swipe divider, wheel zoom);
 * a press of the main button on the mask goes to the current tool, which keeps the drag
 * it starts until the button goes up. Keys that are not a tool's go to the keymap.
 */
import type { EditorCanvas } from './editorCanvas.svelte';
import type { ToolsOverlay } from './editorScene';
import { commandOf } from './commands';
import type { CommandId } from './commands';
import type { Point } from './rect';
import type { WholePhotoRefine } from './tools/refine';
import type { Cursor, Tool, ToolContext } from './tools/tool';
import type { Toolbox } from './tools/toolbox';
import { panBy, wheelZoomFactor, zoomAround } from '../lib/viewport';
import type { Viewport } from '../lib/viewport';

/** What the input drives: the editor, which is also the context its tools run in. */
export interface InputTarget extends ToolContext {
  readonly canvas: EditorCanvas;
  readonly tools: Toolbox;
  readonly refine: WholePhotoRefine;
  runCommand(command: CommandId): void;
}

type Gesture = 'none' | 'tool' | 'pan' | 'pinch' | 'swipe';

/** How near (CSS pixels) a press must be to the swipe divider to drag it. */
const DIVIDER_GRIP = 8;

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  // A range slider keeps arrow keys for itself; text and number fields keep everything.
  return target instanceof HTMLInputElement && target.type !== 'range' && target.type !== 'color' && target.type !== 'checkbox';
}

function midpoint(a: Point, b: Point): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

export class EditorInput {
  /** Space is held: a drag pans. */
  spaceHeld = $state(false);
  /** The pointer on the stage, or null when it left (zooms keep this point still). */
  cursorStage: Point | null = null;
  #gesture: Gesture = 'none';
  /** The tool whose drag is in progress (it keeps it even if another tool is chosen meanwhile). */
  #gestureTool: Tool | null = null;
  #gestureStart: { point: Point; view: Viewport; distance: number } | null = null;
  // Positions of the pointers down (two make a pinch); read by handlers, never rendered.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #pointers = new Map<number, Point>();
  #host: HTMLDivElement | null = null;
  readonly #target: InputTarget;

  constructor(target: InputTarget) {
    this.#target = target;
  }

  /** True while no drag is in progress. */
  get idle(): boolean {
    return this.#gesture === 'none';
  }

  /** The CSS cursor over the canvas. */
  get cursor(): string {
    return this.spaceHeld ? 'grab' : this.#target.tools.get(this.#target.state.tool).cursor;
  }

  /** Listens on the stage element; returns the removal. */
  mount(host: HTMLDivElement): () => void {
    this.#host = host;
    const onWheel = (event: WheelEvent): void => this.#wheel(event);
    // Wheel must be non-passive to keep the page from scrolling.
    host.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      host.removeEventListener('wheel', onWheel);
      this.#host = null;
    };
  }

  focus(): void {
    this.#host?.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------------ pointer

  pointerDown(event: PointerEvent): void {
    const target = this.#target;
    const { state, canvas, tools } = target;
    const host = this.#host;
    if (!canvas.mounted || !state.document || !host) return;
    host.focus({ preventScroll: true });
    const point = canvas.stagePoint(event);
    this.#pointers.set(event.pointerId, point);
    host.setPointerCapture(event.pointerId);
    this.cursorStage = point;

    if (this.#pointers.size === 2) {
      // A second finger: whatever the first started becomes a pinch.
      this.cancel();
      const [a, b] = [...this.#pointers.values()] as [Point, Point];
      this.#gesture = 'pinch';
      this.#gestureStart = { point: midpoint(a, b), view: state.view, distance: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)) };
      return;
    }
    if (event.button === 1 || (event.button === 0 && this.spaceHeld)) {
      event.preventDefault();
      this.#gesture = 'pan';
      this.#gestureStart = { point, view: state.view, distance: 0 };
      canvas.requestDraw({ tools: true });
      return;
    }
    if (event.button !== 0 || !state.canEdit) return;
    if (state.compare === 'swipe' && Math.abs(point.x - canvas.stageWidth * state.swipe) < DIVIDER_GRIP) {
      this.#gesture = 'swipe';
      return;
    }
    const tool = tools.get(state.tool);
    const down = { image: canvas.toImage(point), stage: point, erase: state.erase !== event.altKey };
    if (tool.pointerDown(target, down)) {
      this.#gesture = 'tool';
      this.#gestureTool = tool;
    }
  }

  pointerMove(event: PointerEvent): void {
    const target = this.#target;
    const { state, canvas } = target;
    if (!canvas.mounted) return;
    const point = canvas.stagePoint(event);
    const pointers = this.#pointers;
    if (pointers.has(event.pointerId)) pointers.set(event.pointerId, point);
    this.cursorStage = point;
    const start = this.#gestureStart;
    switch (this.#gesture) {
      case 'pinch': {
        const [a, b] = [...pointers.values()] as [Point, Point];
        if (!a || !b || !start) break;
        const centre = midpoint(a, b);
        const ratio = Math.hypot(a.x - b.x, a.y - b.y) / start.distance;
        const zoomed = zoomAround(start.view, start.view.zoom * ratio, canvas.toPane(start.point));
        canvas.setView(panBy(zoomed, centre.x - start.point.x, centre.y - start.point.y));
        break;
      }
      case 'pan':
        if (start) canvas.setView(panBy(start.view, point.x - start.point.x, point.y - start.point.y));
        break;
      case 'tool':
        this.#gestureTool?.pointerMove(target, {
          image: canvas.toImage(point),
          samples: () => {
            // Every sample the browser merged into this event, not just the last one.
            const merged = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
            return (merged.length > 0 ? merged : [event]).map((sample) => canvas.toImage(canvas.stagePoint(sample)));
          },
        });
        break;
      case 'swipe':
        state.swipe = Math.min(1, Math.max(0, point.x / canvas.stageWidth));
        break;
    }
    canvas.requestDraw({ tools: true });
  }

  pointerUp(event: PointerEvent): void {
    this.#pointers.delete(event.pointerId);
    if (this.#host?.hasPointerCapture(event.pointerId)) this.#host.releasePointerCapture(event.pointerId);
    this.#finish();
  }

  pointerLeave(): void {
    if (this.#gesture === 'none') {
      this.cursorStage = null;
      this.#target.canvas.requestDraw({ tools: true });
    }
  }

  doubleClick(): void {
    const target = this.#target;
    const { state, tools } = target;
    tools.get(state.tool).doubleClick?.(target);
  }

  #wheel(event: WheelEvent): void {
    const { canvas } = this.#target;
    if (!canvas.mounted) return;
    event.preventDefault();
    canvas.zoomBy(wheelZoomFactor(event.deltaY, event.deltaMode), canvas.toPane(canvas.stagePoint(event)));
  }

  /** Ends a tool's drag as the user meant it, before a save or a photo change. */
  finishToolGesture(): void {
    if (this.#gesture === 'tool') this.#finish();
  }

  /** Ends the current gesture as the user meant it (pointerup). */
  #finish(): void {
    const target = this.#target;
    const { state, canvas } = target;
    const ended = this.#gesture;
    const tool = this.#gestureTool;
    const pointers = this.#pointers;
    this.#gesture = pointers.size > 0 && ended === 'pinch' ? 'pan' : 'none';
    this.#gestureTool = null;
    if (this.#gesture === 'pan' && pointers.size > 0) {
      const remaining = [...pointers.values()][0]!;
      this.#gestureStart = { point: remaining, view: state.view, distance: 0 };
    }
    if (!state.document) return;
    if (ended === 'tool') tool?.pointerUp(target);
    canvas.requestDraw({ tools: true });
  }

  /** Drops whatever is in progress (Escape, a second finger, a new photo). */
  cancel(): void {
    const target = this.#target;
    const { state, canvas, tools } = target;
    if (this.#gesture === 'tool' && state.document) this.#gestureTool?.cancel(target);
    this.#gestureTool = null;
    this.#gesture = 'none';
    tools.polygon.cancel(target);
    canvas.requestDraw({ tools: true });
  }

  // ------------------------------------------------------------------ keys

  keyDown(event: KeyboardEvent): void {
    const target = this.#target;
    const { state, canvas, tools, refine } = target;
    if (state.helpOpen || isTyping(event.target)) return;
    if (event.key === ' ') {
      // Space pans while held; it must not click a focused toolbar button.
      event.preventDefault();
      if (!this.spaceHeld) {
        this.spaceHeld = true;
        canvas.requestDraw({ tools: true });
      }
      return;
    }
    if (refine.running && event.key === 'Escape') {
      event.preventDefault();
      refine.cancel(target);
      return;
    }
    const holding = tools.all.filter((tool) => tool.holdsInput);
    if (this.#gesture === 'tool' || holding.length > 0) {
      if (event.key === 'Escape') {
        event.preventDefault();
        this.cancel();
        return;
      }
      if (holding.some((tool) => tool.key?.(target, event.key))) {
        event.preventDefault();
        return;
      }
    }
    if (event.target instanceof HTMLInputElement && event.target.type === 'range' && event.key.startsWith('Arrow')) return;
    const command = state.keymap.match(event);
    if (!command) return;
    event.preventDefault();
    if (event.repeat && !commandOf(command).repeatable) return;
    this.#target.runCommand(command);
  }

  keyUp(event: KeyboardEvent): void {
    if (event.key === ' ') {
      this.spaceHeld = false;
      this.#target.canvas.requestDraw({ tools: true });
    }
  }

  // ------------------------------------------------------------------ tools layer

  /** The brush footprint under the pointer and the path of a tool in progress. */
  toolsOverlay(): ToolsOverlay {
    const target = this.#target;
    const { state, canvas, tools } = target;
    const overlay: ToolsOverlay = { cursor: null, path: null, closeHint: false };
    const stage = this.cursorStage;
    const cursor: Cursor | null = stage ? { stage, image: canvas.toImage(stage) } : null;
    if (cursor && tools.get(state.tool).showsBrush && this.#gesture !== 'pan' && this.#gesture !== 'pinch' && !this.spaceHeld) {
      overlay.cursor = { image: cursor.image, radius: state.brushRadius };
    }
    for (const tool of tools.all) {
      const preview = tool.preview?.(target, cursor);
      if (preview) return { ...overlay, ...preview };
    }
    return overlay;
  }
}
