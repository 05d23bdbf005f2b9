/**
 * Remembers the main window's size and place between runs (a JSON file in the user's
 * app-data folder). Pure Node: main.ts feeds it Electron's bounds and displays.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Bounds;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = {
  bounds: { x: -1, y: -1, width: 1400, height: 900 },
  maximized: false,
};

const MIN_WIDTH = 800;
const MIN_HEIGHT = 560;

export function loadWindowState(file: string): WindowState {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowState>;
    const bounds = parsed.bounds;
    if (
      bounds &&
      [bounds.x, bounds.y, bounds.width, bounds.height].every((value) => Number.isFinite(value))
    ) {
      return { bounds, maximized: Boolean(parsed.maximized) };
    }
  } catch {
    // First run, or a damaged file: the default is the right answer either way.
  }
  return DEFAULT_WINDOW_STATE;
}

export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, file);
}

/**
 * Keeps a remembered window on a display that still exists (a monitor may have been
 * unplugged since) and at least the minimum size; returns undefined x/y to let the
 * system centre it when it is off every display.
 */
export function fitToDisplays(bounds: Bounds, displays: readonly Bounds[]): Partial<Bounds> & { width: number; height: number } {
  const width = Math.max(MIN_WIDTH, bounds.width);
  const height = Math.max(MIN_HEIGHT, bounds.height);
  const visible = displays.some(
    (display) =>
      bounds.x + 64 <= display.x + display.width &&
      bounds.x + width - 64 >= display.x &&
      bounds.y >= display.y - 8 &&
      bounds.y + 32 <= display.y + display.height,
  );
  return visible ? { x: bounds.x, y: bounds.y, width, height } : { width, height };
}

export const WINDOW_MINIMUM = { width: MIN_WIDTH, height: MIN_HEIGHT };
