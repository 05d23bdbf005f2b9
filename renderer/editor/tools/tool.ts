/**
 * What a tool is: the gestures of the main pointer button on the canvas, turned into
 * MaskDocument calls. The editor's input (editorInput) handles pan, pinch and the swipe
 * divider itself and hands a tool only the presses meant for the mask; the tool paints
 * and says what changed through its ToolContext.
 */
import type { EditorState } from '../EditorState.svelte';
import type { ToolsOverlay } from '../editorScene';
import type { MaskDocument } from '../maskDocument';
import type { Point, Rect } from '../rect';

/** What a tool may use of the editor. */
export interface ToolContext {
  readonly state: EditorState;
  /** The open document (tools only run while there is one). */
  readonly document: MaskDocument;
  /** Stage (canvas) point of an image point, in the pane that shows the mask. */
  toStage(image: Point): Point;
  /** Repaints what changed: a rectangle, the areas an undo returns, or nothing. */
  markChanged(change: Rect | readonly Rect[] | null): void;
  /** Draws the tools layer (cursor, previews) again in the next frame. */
  redrawTools(): void;
  /** Draws the mask layer again in the next frame. */
  redrawMask(): void;
  /** A short message in the status line. */
  say(message: string): void;
  /** Records the finished stroke into the history once the browser is idle. */
  commitWhenIdle(): void;
}

/** A press of the main button on the mask. */
export interface PointerDown {
  image: Point;
  stage: Point;
  /** Erase / cut instead of paint / fill (the mode, flipped by Alt). */
  erase: boolean;
}

/** A move during a tool's drag. */
export interface PointerMove {
  image: Point;
  /** Every sample the browser merged into this move, in image coordinates (at least `image`). */
  samples(): Point[];
}

/** A path on the tools layer: a polygon or lasso in progress, a refine sweep. */
export type ToolPreview = Pick<ToolsOverlay, 'path' | 'closeHint'>;

/** What the pointer is over, for previews. */
export interface Cursor {
  stage: Point;
  image: Point;
}

export interface Tool {
  /** The pointer shows the brush footprint instead of a cursor. */
  readonly showsBrush: boolean;
  /** The CSS cursor over the canvas (the brush tools draw their own). */
  readonly cursor: 'none' | 'crosshair' | 'default';
  /** Starts what a press does; true when it began a drag that pointerMove and pointerUp continue. */
  pointerDown(context: ToolContext, down: PointerDown): boolean;
  pointerMove(context: ToolContext, move: PointerMove): void;
  /** Ends the drag as the user meant it (the button went up, or a save came first). */
  pointerUp(context: ToolContext): void;
  /** Drops what is in progress, leaving the pixels as they were. */
  cancel(context: ToolContext): void;
  /** The tool was chosen (also when it already was). */
  select?(context: ToolContext): void;
  /** Another tool was chosen. */
  deselect?(context: ToolContext): void;
  /** Work saved for the next animation frame; true when the tools layer must be drawn again. */
  frame?(context: ToolContext): boolean;
  /** Handles a key while the tool has input in progress; true when it took the key. */
  key?(context: ToolContext, key: string): boolean;
  doubleClick?(context: ToolContext): void;
  /** True while the tool holds input that Escape should drop (a polygon's points). */
  readonly holdsInput?: boolean;
  /** The path the tools layer shows for this tool, if any. */
  preview?(context: ToolContext, cursor: Cursor | null): ToolPreview | null;
}
