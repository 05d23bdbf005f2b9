/**
 * The editor's keyboard: every command, its default keys, rebinding with conflict
 * detection, JSON for the shell to keep in localStorage, and the help overlay's data.
 *
 * A key combination is written `Ctrl+Shift+z`: modifiers in the fixed order Ctrl, Alt,
 * Shift, then the key (a lower-case letter or digit, or a `KeyboardEvent.key` name such
 * as `ArrowRight`, `Delete`, `[`). `Ctrl` means Ctrl or ⌘. Shift is part of a combination
 * only for letters, digits and named keys: for symbols the character already says it
 * (`?` is Shift+/ on one layout and something else on another).
 *
 * Clashes resolved in the defaults: `1` is 100 % zoom as in most image editors, so the
 * statuses take Alt+1/2/3; `r` is the refine brush and Shift+R refines the whole mask.
 * Space (pan while held) is not a command: it is listed in the help but cannot be rebound.
 */

export type CommandId =
  | 'tool.brush'
  | 'tool.eraser'
  | 'tool.lasso'
  | 'tool.polygon'
  | 'tool.flood'
  | 'tool.threshold'
  | 'tool.predictionBrush'
  | 'tool.refine'
  | 'brush.smaller'
  | 'brush.larger'
  | 'brush.swapMode'
  | 'threshold.lower'
  | 'threshold.raise'
  | 'mask.invert'
  | 'mask.clear'
  | 'mask.refineAll'
  | 'view.toggleOverlay'
  | 'view.toggleOutline'
  | 'view.togglePrediction'
  | 'view.compare'
  | 'view.fit'
  | 'view.actualSize'
  | 'view.zoomIn'
  | 'view.zoomOut'
  | 'view.help'
  | 'edit.undo'
  | 'edit.redo'
  | 'file.save'
  | 'nav.next'
  | 'nav.previous'
  | 'nav.nextUnreviewed'
  | 'nav.previousUnreviewed'
  | 'status.corrected'
  | 'status.reviewed'
  | 'status.skip';

export type CommandGroup = 'Tools' | 'Brush' | 'Mask' | 'View' | 'Edit' | 'Photos';

export interface CommandInfo {
  id: CommandId;
  group: CommandGroup;
  label: string;
  defaults: readonly string[];
}

/** Every command in help order, with its default keys. */
export const COMMANDS: readonly CommandInfo[] = [
  { id: 'tool.brush', group: 'Tools', label: 'Brush (paint blur)', defaults: ['b'] },
  { id: 'tool.eraser', group: 'Tools', label: 'Eraser', defaults: ['e'] },
  { id: 'tool.lasso', group: 'Tools', label: 'Lasso fill / cut (Alt = cut)', defaults: ['l'] },
  { id: 'tool.polygon', group: 'Tools', label: 'Polygon fill / cut (Alt = cut)', defaults: ['p'] },
  { id: 'tool.flood', group: 'Tools', label: 'Flood fill', defaults: ['g'] },
  { id: 'tool.threshold', group: 'Tools', label: 'Threshold the prediction', defaults: ['t'] },
  { id: 'tool.predictionBrush', group: 'Tools', label: 'Paint with prediction', defaults: ['w'] },
  { id: 'tool.refine', group: 'Tools', label: 'Refine brush (snap to edges)', defaults: ['r'] },
  { id: 'brush.smaller', group: 'Brush', label: 'Smaller brush', defaults: ['['] },
  { id: 'brush.larger', group: 'Brush', label: 'Larger brush', defaults: [']'] },
  { id: 'brush.swapMode', group: 'Brush', label: 'Swap paint / erase', defaults: ['x'] },
  { id: 'threshold.lower', group: 'Brush', label: 'Lower threshold', defaults: [','] },
  { id: 'threshold.raise', group: 'Brush', label: 'Raise threshold', defaults: ['.'] },
  { id: 'mask.invert', group: 'Mask', label: 'Invert mask', defaults: ['i'] },
  { id: 'mask.clear', group: 'Mask', label: 'Clear mask', defaults: ['Delete'] },
  { id: 'mask.refineAll', group: 'Mask', label: 'Refine the whole mask', defaults: ['Shift+r'] },
  { id: 'view.toggleOverlay', group: 'View', label: 'Show / hide mask', defaults: ['o'] },
  { id: 'view.toggleOutline', group: 'View', label: 'Outline only', defaults: ['Shift+o'] },
  { id: 'view.togglePrediction', group: 'View', label: 'Show / hide prediction', defaults: ['m'] },
  { id: 'view.compare', group: 'View', label: 'Compare: off / side by side / swipe', defaults: ['c'] },
  { id: 'view.fit', group: 'View', label: 'Fit to window', defaults: ['f', '0'] },
  { id: 'view.actualSize', group: 'View', label: 'Zoom 100 %', defaults: ['1'] },
  { id: 'view.zoomIn', group: 'View', label: 'Zoom in', defaults: ['=', '+'] },
  { id: 'view.zoomOut', group: 'View', label: 'Zoom out', defaults: ['-'] },
  { id: 'view.help', group: 'View', label: 'Keyboard help', defaults: ['?'] },
  { id: 'edit.undo', group: 'Edit', label: 'Undo', defaults: ['Ctrl+z'] },
  { id: 'edit.redo', group: 'Edit', label: 'Redo', defaults: ['Ctrl+Shift+z', 'Ctrl+y'] },
  { id: 'file.save', group: 'Edit', label: 'Save mask', defaults: ['Ctrl+s'] },
  { id: 'nav.next', group: 'Photos', label: 'Next photo', defaults: ['ArrowRight'] },
  { id: 'nav.previous', group: 'Photos', label: 'Previous photo', defaults: ['ArrowLeft'] },
  { id: 'nav.nextUnreviewed', group: 'Photos', label: 'Next unreviewed photo', defaults: ['Shift+ArrowRight'] },
  { id: 'nav.previousUnreviewed', group: 'Photos', label: 'Previous unreviewed photo', defaults: ['Shift+ArrowLeft'] },
  { id: 'status.corrected', group: 'Photos', label: 'Mark corrected, next', defaults: ['Alt+1'] },
  { id: 'status.reviewed', group: 'Photos', label: 'Mark reviewed, next', defaults: ['Alt+2'] },
  { id: 'status.skip', group: 'Photos', label: 'Skip, next', defaults: ['Alt+3'] },
];

/** Held keys and pointer gestures: shown in the help, not rebindable. */
export const GESTURES: readonly { keys: string; label: string }[] = [
  { keys: 'Space + drag', label: 'Pan' },
  { keys: 'Middle button drag', label: 'Pan' },
  { keys: 'Wheel / pinch', label: 'Zoom around the pointer' },
  { keys: 'Alt + drag', label: 'Lasso / polygon cut, brush erases' },
  { keys: 'Enter', label: 'Close the polygon' },
  { keys: 'Backspace', label: 'Remove the last polygon point' },
  { keys: 'Escape', label: 'Cancel the polygon / close help' },
];

const COMMAND_IDS = new Set<string>(COMMANDS.map((command) => command.id));
const MODIFIER_ORDER = ['Ctrl', 'Alt', 'Shift'] as const;
const NAMED_KEYS = new Set([
  'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Enter', 'Escape', 'Backspace', 'Delete', 'Tab',
  'Home', 'End', 'PageUp', 'PageDown', 'Insert', 'F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10', 'F11', 'F12',
]);

export function isCommandId(value: string): value is CommandId {
  return COMMAND_IDS.has(value);
}

/** What a keyboard event carries that matters here (a real KeyboardEvent fits). */
export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** Whether the key takes Shift into its combination (letters, digits, named keys). */
function shiftCounts(key: string): boolean {
  return /^[a-z0-9]$/.test(key) || NAMED_KEYS.has(key);
}

/**
 * The canonical combination of an event, or null for a bare modifier press. With Alt or
 * Ctrl held, letters and digits come from `code` (Alt+1 types '¡' on a Mac keyboard).
 */
export function comboFromEvent(event: KeyLike): string | null {
  if (['Control', 'Alt', 'Shift', 'Meta', 'AltGraph', 'CapsLock'].includes(event.key)) return null;
  let key = event.key;
  const code = event.code ?? '';
  if ((event.altKey || event.ctrlKey || event.metaKey) && /^(Key[A-Z]|Digit[0-9])$/.test(code)) {
    key = code.slice(-1);
  }
  if (key === ' ') key = 'Space';
  if (key.length === 1) key = key.toLowerCase();
  const parts: string[] = [];
  if (event.ctrlKey || event.metaKey) parts.push('Ctrl');
  if (event.altKey) parts.push('Alt');
  if (event.shiftKey && shiftCounts(key)) parts.push('Shift');
  parts.push(key);
  return parts.join('+');
}

/** Normalises a written combination (`shift+ctrl+Z` → `Ctrl+Shift+z`); null if malformed. */
export function normalizeCombo(text: string): string | null {
  const raw = text.trim();
  if (raw === '') return null;
  // A trailing '+' is the plus key itself ('Ctrl++').
  const parts = raw.endsWith('+') ? [...raw.slice(0, -1).split('+').filter((p) => p !== ''), '+'] : raw.split('+');
  const key = parts.pop()!;
  const modifiers = new Set<string>();
  for (const part of parts) {
    const name = part.trim().toLowerCase();
    if (name === 'ctrl' || name === 'control' || name === 'cmd' || name === 'meta' || name === 'mod') modifiers.add('Ctrl');
    else if (name === 'alt' || name === 'option') modifiers.add('Alt');
    else if (name === 'shift') modifiers.add('Shift');
    else return null;
  }
  let name = key.trim() === '' ? key : key.trim();
  if (name.length === 1) name = name.toLowerCase();
  else if (name.toLowerCase() === 'space') name = 'Space';
  else {
    const named = [...NAMED_KEYS].find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (!named) return null;
    name = named;
  }
  if (name === ' ') name = 'Space';
  if (!shiftCounts(name)) modifiers.delete('Shift');
  return [...MODIFIER_ORDER.filter((m) => modifiers.has(m)), name].join('+');
}

/** A combination as the help shows it: `Ctrl+Shift+Z`, `→`. */
export function formatCombo(combo: string): string {
  const arrows: Record<string, string> = { ArrowLeft: '←', ArrowRight: '→', ArrowUp: '↑', ArrowDown: '↓' };
  return combo
    .split(/\+(?=.)/)
    .map((part) => arrows[part] ?? (part.length === 1 ? part.toUpperCase() : part))
    .join('+');
}

export interface BindResult {
  ok: boolean;
  /** Commands that already used the combination (they lose it when forced). */
  conflicts: CommandId[];
  /** Normalised combination, null when the text was not a valid one. */
  combo: string | null;
}

export interface HelpSection {
  group: CommandGroup;
  entries: { id: CommandId; label: string; keys: string[] }[];
}

/** Serialised form: only commands whose keys differ from the defaults. */
export interface KeymapJson {
  version: 1;
  bindings: Partial<Record<CommandId, string[]>>;
}

export class Keymap {
  readonly #bindings = new Map<CommandId, string[]>();

  constructor() {
    this.resetAll();
  }

  /** The keys bound to a command, canonical form. */
  keysOf(command: CommandId): readonly string[] {
    return this.#bindings.get(command) ?? [];
  }

  /** The command a combination triggers, or null. */
  commandFor(combo: string | null): CommandId | null {
    if (combo === null) return null;
    for (const [command, keys] of this.#bindings) {
      if (keys.includes(combo)) return command;
    }
    return null;
  }

  /** The command an event triggers, or null. */
  match(event: KeyLike): CommandId | null {
    return this.commandFor(comboFromEvent(event));
  }

  /**
   * Binds `text` to `command` in addition to its other keys (or instead of them with
   * `replace`). A combination used by another command is a conflict: refused unless
   * `force`, which takes it away from the other command.
   */
  bind(command: CommandId, text: string, options: { replace?: boolean; force?: boolean } = {}): BindResult {
    const combo = normalizeCombo(text);
    if (combo === null) return { ok: false, conflicts: [], combo: null };
    const conflicts = [...this.#bindings]
      .filter(([other, keys]) => other !== command && keys.includes(combo))
      .map(([other]) => other);
    if (conflicts.length > 0 && !options.force) return { ok: false, conflicts, combo };
    for (const other of conflicts) {
      this.#bindings.set(other, this.keysOf(other).filter((key) => key !== combo));
    }
    const keys = options.replace ? [] : this.keysOf(command).filter((key) => key !== combo);
    this.#bindings.set(command, [...keys, combo]);
    return { ok: true, conflicts, combo };
  }

  /** Removes one combination from a command. */
  unbind(command: CommandId, combo: string): void {
    this.#bindings.set(command, this.keysOf(command).filter((key) => key !== combo));
  }

  /** Back to the default keys for one command (others that took them lose them). */
  reset(command: CommandId): void {
    const info = COMMANDS.find((c) => c.id === command)!;
    this.#bindings.set(command, []);
    for (const combo of info.defaults) this.bind(command, combo, { force: true });
  }

  resetAll(): void {
    this.#bindings.clear();
    for (const command of COMMANDS) this.#bindings.set(command.id, [...command.defaults]);
  }

  /** Every combination bound to more than one command (empty for a consistent keymap). */
  conflicts(): { combo: string; commands: CommandId[] }[] {
    const byCombo = new Map<string, CommandId[]>();
    for (const [command, keys] of this.#bindings) {
      for (const combo of keys) byCombo.set(combo, [...(byCombo.get(combo) ?? []), command]);
    }
    return [...byCombo].filter(([, commands]) => commands.length > 1).map(([combo, commands]) => ({ combo, commands }));
  }

  /** What the help overlay lists, grouped, in display form. */
  helpSections(): HelpSection[] {
    const sections: HelpSection[] = [];
    for (const command of COMMANDS) {
      let section = sections.find((s) => s.group === command.group);
      if (!section) {
        section = { group: command.group, entries: [] };
        sections.push(section);
      }
      section.entries.push({ id: command.id, label: command.label, keys: this.keysOf(command.id).map(formatCombo) });
    }
    return sections;
  }

  toJSON(): KeymapJson {
    const bindings: Partial<Record<CommandId, string[]>> = {};
    for (const command of COMMANDS) {
      const keys = this.keysOf(command.id);
      const same = keys.length === command.defaults.length && keys.every((key, i) => key === command.defaults[i]);
      if (!same) bindings[command.id] = [...keys];
    }
    return { version: 1, bindings };
  }

  serialize(): string {
    return JSON.stringify(this.toJSON());
  }

  /**
   * Reads what `serialize` wrote. Whatever cannot be trusted is dropped, not thrown:
   * unknown commands, malformed combinations, and a key claimed twice (the later claim
   * loses), so a damaged localStorage entry never leaves the editor without keys.
   */
  static parse(text: string | null | undefined): Keymap {
    const keymap = new Keymap();
    if (!text) return keymap;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return keymap;
    }
    if (!json || typeof json !== 'object' || (json as { version?: unknown }).version !== 1) return keymap;
    const bindings = (json as { bindings?: unknown }).bindings;
    if (!bindings || typeof bindings !== 'object') return keymap;
    const overridden = Object.entries(bindings as Record<string, unknown>).filter(
      (entry): entry is [CommandId, unknown] => isCommandId(entry[0]),
    );
    // Clear every overridden command first so a key moved between two commands is free.
    for (const [command] of overridden) keymap.#bindings.set(command, []);
    for (const [command, keys] of overridden) {
      if (!Array.isArray(keys)) {
        keymap.reset(command);
        continue;
      }
      for (const key of keys) {
        if (typeof key === 'string') keymap.bind(command, key);
      }
    }
    return keymap;
  }
}
