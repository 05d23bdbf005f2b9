import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../renderer/editor/commands';
import { Keymap, comboFromEvent, formatCombo, normalizeCombo } from '../../../renderer/editor/shortcuts';
import type { KeyLike } from '../../../renderer/editor/shortcuts';

function key(keyName: string, modifiers: Partial<KeyLike> = {}): KeyLike {
  return { key: keyName, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...modifiers };
}

describe('keymap', () => {
  it('binds every command by default, with no conflicts', () => {
    const keymap = new Keymap();
    expect(keymap.conflicts()).toEqual([]);
    for (const command of COMMANDS) expect(keymap.keysOf(command.id).length, command.id).toBeGreaterThan(0);
    expect(keymap.match(key('b'))).toBe('tool.brush');
    expect(keymap.match(key('Z', { ctrlKey: true, shiftKey: true }))).toBe('edit.redo');
    expect(keymap.match(key('y', { ctrlKey: true }))).toBe('edit.redo');
    expect(keymap.match(key('z', { metaKey: true }))).toBe('edit.undo');
    expect(keymap.match(key('?', { shiftKey: true }))).toBe('view.help');
    expect(keymap.match(key('ArrowRight', { shiftKey: true }))).toBe('nav.nextUnreviewed');
    expect(keymap.match(key('1'))).toBe('view.actualSize');
    // Alt+1 types '¡' on a Mac: the physical key decides.
    expect(keymap.match(key('¡', { altKey: true, code: 'Digit1' }))).toBe('status.corrected');
    expect(keymap.match(key('R', { shiftKey: true }))).toBe('mask.refineAll');
    expect(keymap.match(key('r'))).toBe('tool.refine');
    expect(keymap.match(key('Shift'))).toBeNull();
  });

  it('detects conflicts when rebinding, and takes the key away only when forced', () => {
    const keymap = new Keymap();
    const refused = keymap.bind('tool.lasso', 'b');
    expect(refused).toEqual({ ok: false, conflicts: ['tool.brush'], combo: 'b' });
    expect(keymap.match(key('b'))).toBe('tool.brush');
    const forced = keymap.bind('tool.lasso', 'B', { force: true, replace: true });
    expect(forced.ok).toBe(true);
    expect(keymap.match(key('b'))).toBe('tool.lasso');
    expect(keymap.keysOf('tool.brush')).toEqual([]);
    expect(keymap.keysOf('tool.lasso')).toEqual(['b']);
    expect(keymap.conflicts()).toEqual([]);
    expect(keymap.bind('tool.brush', 'Hyper+q').ok).toBe(false);
  });

  it('round-trips through JSON, keeping only what differs from the defaults', () => {
    const keymap = new Keymap();
    keymap.bind('tool.flood', 'Shift+F', { replace: true });
    keymap.bind('file.save', 'Ctrl+Alt+s');
    const json = keymap.serialize();
    expect(JSON.parse(json)).toEqual({ version: 1, bindings: { 'tool.flood': ['Shift+f'], 'file.save': ['Ctrl+s', 'Ctrl+Alt+s'] } });
    const restored = Keymap.parse(json);
    expect(restored.keysOf('tool.flood')).toEqual(['Shift+f']);
    expect(restored.match(key('s', { ctrlKey: true, altKey: true }))).toBe('file.save');
    expect(restored.keysOf('tool.brush')).toEqual(['b']);
  });

  it('survives damaged or hostile stored JSON', () => {
    for (const text of [null, '', '{', '[]', '{"version":2}', '{"version":1,"bindings":{"nope":["q"],"tool.brush":"b"}}']) {
      const keymap = Keymap.parse(text);
      expect(keymap.conflicts()).toEqual([]);
      expect(keymap.keysOf('tool.brush')).toEqual(['b']);
    }
    // A key claimed by two commands: the later claim loses it.
    const keymap = Keymap.parse('{"version":1,"bindings":{"tool.lasso":["b"]}}');
    expect(keymap.conflicts()).toEqual([]);
    expect(keymap.match(key('b'))).toBe('tool.brush');
  });

  it('lists every command in the help, grouped, in display form', () => {
    const sections = new Keymap().helpSections();
    const entries = sections.flatMap((section) => section.entries);
    expect(entries).toHaveLength(COMMANDS.length);
    expect(entries.find((entry) => entry.id === 'edit.redo')!.keys).toEqual(['Ctrl+Shift+Z', 'Ctrl+Y']);
    expect(entries.find((entry) => entry.id === 'nav.next')!.keys).toEqual(['→']);
  });

  it('normalises written and pressed combinations the same way', () => {
    expect(normalizeCombo('shift+ctrl+Z')).toBe('Ctrl+Shift+z');
    expect(normalizeCombo('Shift+?')).toBe('?');
    expect(normalizeCombo('ctrl++')).toBe('Ctrl++');
    expect(normalizeCombo('arrowleft')).toBe('ArrowLeft');
    expect(normalizeCombo('')).toBeNull();
    expect(comboFromEvent(key(' '))).toBe('Space');
    expect(comboFromEvent(key('{', { shiftKey: true }))).toBe('{');
    expect(formatCombo('Ctrl++')).toBe('Ctrl++');
  });
});
