/**
 * The editor's keyboard: key combinations, the keymap with rebinding and conflict
 * detection, JSON for the shell to keep in localStorage, and the help overlay's data.
 * The commands themselves and their default keys are declared in commands.ts.
 *
 * A key combination is written `Ctrl+Shift+z`: modifiers in the fixed order Ctrl, Alt,
 * Shift, then the key (a lower-case letter or digit, or a `KeyboardEvent.key` name such
 * as `ArrowRight`, `Delete`, `[`). `Ctrl` means Ctrl or ⌘. Shift is part of a combination
 * only for letters, digits and named keys: for symbols the character already says it
 * (`?` is Shift+/ on one layout and something else on another).
 *
 * Space (pan while held) is not a command: it is listed in the help but cannot be rebound.
 */
import { COMMANDS, commandOf, isCommandId } from './commands';
import type { CommandGroup, CommandId } from './commands';

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

const MODIFIER_ORDER = ['Ctrl', 'Alt', 'Shift'] as const;
const NAMED_KEYS = new Set([
  'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Enter', 'Escape', 'Backspace', 'Delete', 'Tab',
  'Home', 'End', 'PageUp', 'PageDown', 'Insert', 'F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10', 'F11', 'F12',
]);

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
    this.#bindings.set(command, []);
    for (const combo of commandOf(command).keys) this.bind(command, combo, { force: true });
  }

  resetAll(): void {
    this.#bindings.clear();
    for (const command of COMMANDS) this.#bindings.set(command.id, [...command.keys]);
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
      const same = keys.length === command.keys.length && keys.every((key, i) => key === command.keys[i]);
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
