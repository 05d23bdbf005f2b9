/**
 * Every editor command, declared once: its name, its group and label in the help, its
 * default keys, and what it does. The keymap (shortcuts.ts), the help overlay, the
 * toolbar's tooltips and `runCommand` all read this one list, after Excalidraw's actions.
 *
 * Defaults that needed a choice: `1` is 100 % zoom as in most image editors, so the
 * statuses take Alt+1/2/3; `r` is the refine brush and Shift+R refines the whole mask.
 */
import type { NavigateDirection, ReviewStatus } from './editorHost';
import type { MaskDocument } from './maskDocument';
import type { Rect } from './rect';
import type { ToolId } from './tools/toolId';

/** The editor state a command reads or flips (EditorState has it all). */
export interface CommandState {
  erase: boolean;
  threshold: number;
  overlayVisible: boolean;
  outlineOnly: boolean;
  predictionVisible: boolean;
  helpOpen: boolean;
  readonly hasPrediction: boolean;
  resizeBrush(direction: 1 | -1): void;
}

/** What commands act on: the editor's controller. */
export interface CommandTarget {
  readonly state: CommandState;
  /** Makes `tool` current (with paint or erase when given). */
  chooseTool(tool: ToolId, erase?: boolean): void;
  /** A short message in the status line. */
  say(message: string): void;
  /** Applies a one-shot edit to the mask when editing is allowed, and shows what it changed. */
  edit(apply: (document: MaskDocument) => Rect | null): void;
  refineAll(): void;
  undo(): void;
  redo(): void;
  save(): void;
  navigate(direction: NavigateDirection): void;
  markStatus(status: ReviewStatus): void;
  /** Compare: off, side by side, swipe, off. */
  cycleCompare(): void;
  fit(): void;
  actualSize(): void;
  zoomBy(factor: number): void;
}

export type CommandGroup = 'Tools' | 'Brush' | 'Mask' | 'View' | 'Edit' | 'Photos';

export interface Command {
  id: string;
  group: CommandGroup;
  label: string;
  /** Default key combinations (see shortcuts.ts for how they are written). */
  keys: readonly string[];
  /** Runs again while its key is held (auto-repeat); others run once per press. */
  repeatable?: boolean;
  run(editor: CommandTarget): void;
}

function withPrediction(purpose: string, run: (editor: CommandTarget) => void): (editor: CommandTarget) => void {
  return (editor) => (editor.state.hasPrediction ? run(editor) : editor.say(`This photo has no prediction to ${purpose}.`));
}

function nudgeThreshold(state: CommandState, step: number): void {
  state.threshold = Math.min(255, Math.max(1, state.threshold + step));
}

/** Every command in help order. */
export const COMMANDS = [
  { id: 'tool.brush', group: 'Tools', label: 'Brush (paint blur)', keys: ['b'], run: (e) => e.chooseTool('brush', false) },
  { id: 'tool.eraser', group: 'Tools', label: 'Eraser', keys: ['e'], run: (e) => e.chooseTool('brush', true) },
  { id: 'tool.lasso', group: 'Tools', label: 'Lasso fill / cut (Alt = cut)', keys: ['l'], run: (e) => e.chooseTool('lasso') },
  { id: 'tool.polygon', group: 'Tools', label: 'Polygon fill / cut (Alt = cut)', keys: ['p'], run: (e) => e.chooseTool('polygon') },
  { id: 'tool.flood', group: 'Tools', label: 'Flood fill', keys: ['g'], run: (e) => e.chooseTool('flood') },
  { id: 'tool.threshold', group: 'Tools', label: 'Threshold the prediction', keys: ['t'], run: withPrediction('threshold', (e) => e.chooseTool('threshold')) },
  { id: 'tool.predictionBrush', group: 'Tools', label: 'Paint with prediction', keys: ['w'], run: withPrediction('paint with', (e) => e.chooseTool('predictionBrush')) },
  { id: 'tool.refine', group: 'Tools', label: 'Refine brush (snap to edges)', keys: ['r'], run: (e) => e.chooseTool('refine') },
  { id: 'brush.smaller', group: 'Brush', label: 'Smaller brush', keys: ['['], repeatable: true, run: (e) => e.state.resizeBrush(-1) },
  { id: 'brush.larger', group: 'Brush', label: 'Larger brush', keys: [']'], repeatable: true, run: (e) => e.state.resizeBrush(1) },
  { id: 'brush.swapMode', group: 'Brush', label: 'Swap paint / erase', keys: ['x'], run: (e) => (e.state.erase = !e.state.erase) },
  { id: 'threshold.lower', group: 'Brush', label: 'Lower threshold', keys: [','], repeatable: true, run: (e) => nudgeThreshold(e.state, -5) },
  { id: 'threshold.raise', group: 'Brush', label: 'Raise threshold', keys: ['.'], repeatable: true, run: (e) => nudgeThreshold(e.state, 5) },
  { id: 'mask.invert', group: 'Mask', label: 'Invert mask', keys: ['i'], run: (e) => e.edit((document) => document.invert()) },
  { id: 'mask.clear', group: 'Mask', label: 'Clear mask', keys: ['Delete'], run: (e) => e.edit((document) => document.clear()) },
  { id: 'mask.refineAll', group: 'Mask', label: 'Refine the whole mask', keys: ['Shift+r'], run: (e) => e.refineAll() },
  { id: 'view.toggleOverlay', group: 'View', label: 'Show / hide mask', keys: ['o'], run: (e) => (e.state.overlayVisible = !e.state.overlayVisible) },
  { id: 'view.toggleOutline', group: 'View', label: 'Outline only', keys: ['Shift+o'], run: (e) => (e.state.outlineOnly = !e.state.outlineOnly) },
  {
    id: 'view.togglePrediction',
    group: 'View',
    label: 'Show / hide prediction',
    keys: ['m'],
    run: (e) => {
      if (e.state.hasPrediction) e.state.predictionVisible = !e.state.predictionVisible;
    },
  },
  { id: 'view.compare', group: 'View', label: 'Compare: off / side by side / swipe', keys: ['c'], run: withPrediction('compare with', (e) => e.cycleCompare()) },
  { id: 'view.fit', group: 'View', label: 'Fit to window', keys: ['f', '0'], run: (e) => e.fit() },
  { id: 'view.actualSize', group: 'View', label: 'Zoom 100 %', keys: ['1'], run: (e) => e.actualSize() },
  { id: 'view.zoomIn', group: 'View', label: 'Zoom in', keys: ['=', '+'], repeatable: true, run: (e) => e.zoomBy(1.25) },
  { id: 'view.zoomOut', group: 'View', label: 'Zoom out', keys: ['-'], repeatable: true, run: (e) => e.zoomBy(1 / 1.25) },
  { id: 'view.help', group: 'View', label: 'Keyboard help', keys: ['?'], run: (e) => (e.state.helpOpen = !e.state.helpOpen) },
  { id: 'edit.undo', group: 'Edit', label: 'Undo', keys: ['Ctrl+z'], repeatable: true, run: (e) => e.undo() },
  { id: 'edit.redo', group: 'Edit', label: 'Redo', keys: ['Ctrl+Shift+z', 'Ctrl+y'], repeatable: true, run: (e) => e.redo() },
  { id: 'file.save', group: 'Edit', label: 'Save mask', keys: ['Ctrl+s'], run: (e) => e.save() },
  { id: 'nav.next', group: 'Photos', label: 'Next photo', keys: ['ArrowRight'], run: (e) => e.navigate('next') },
  { id: 'nav.previous', group: 'Photos', label: 'Previous photo', keys: ['ArrowLeft'], run: (e) => e.navigate('previous') },
  { id: 'nav.nextUnreviewed', group: 'Photos', label: 'Next unreviewed photo', keys: ['Shift+ArrowRight'], run: (e) => e.navigate('nextUnreviewed') },
  { id: 'nav.previousUnreviewed', group: 'Photos', label: 'Previous unreviewed photo', keys: ['Shift+ArrowLeft'], run: (e) => e.navigate('previousUnreviewed') },
  { id: 'status.corrected', group: 'Photos', label: 'Mark corrected, next', keys: ['Alt+1'], run: (e) => e.markStatus('corrected') },
  { id: 'status.reviewed', group: 'Photos', label: 'Mark reviewed, next', keys: ['Alt+2'], run: (e) => e.markStatus('reviewed') },
  { id: 'status.skip', group: 'Photos', label: 'Skip, next', keys: ['Alt+3'], run: (e) => e.markStatus('skip') },
] as const satisfies readonly Command[];

export type CommandId = (typeof COMMANDS)[number]['id'];

const COMMANDS_BY_ID = new Map<string, Command>(COMMANDS.map((command) => [command.id, command]));

export function isCommandId(value: string): value is CommandId {
  return COMMANDS_BY_ID.has(value);
}

export function commandOf(id: CommandId): Command {
  return COMMANDS_BY_ID.get(id)!;
}
