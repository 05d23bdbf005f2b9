import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, saveWindowState } from '../../../electron/desktop/windowState';

const folders: string[] = [];
function tempFile(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'window-state-'));
  folders.push(folder);
  return path.join(folder, 'sub', 'window-state.json');
}

afterEach(() => {
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
});

describe('window state', () => {
  it('round-trips the size, place and maximised flag', () => {
    const file = tempFile();
    const state = { bounds: { x: 40, y: 50, width: 1200, height: 800 }, maximized: true };
    saveWindowState(file, state);
    expect(loadWindowState(file)).toEqual(state);
  });

  it('falls back to the default for a missing or damaged file', () => {
    const file = tempFile();
    expect(loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
    saveWindowState(file, DEFAULT_WINDOW_STATE);
    writeFileSync(file, '{"bounds": {"x": "left"}');
    expect(loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('keeps a window on a display that still exists, else lets the system place it', () => {
    const display = { x: 0, y: 0, width: 1920, height: 1080 };
    expect(fitToDisplays({ x: 100, y: 100, width: 1000, height: 700 }, [display])).toEqual({ x: 100, y: 100, width: 1000, height: 700 });
    // The second monitor it was on has been unplugged.
    expect(fitToDisplays({ x: 2500, y: 100, width: 1000, height: 700 }, [display])).toEqual({ width: 1000, height: 700 });
    // Never smaller than the minimum.
    expect(fitToDisplays({ x: 10, y: 10, width: 200, height: 100 }, [display])).toMatchObject({ width: 800, height: 560 });
  });
});
