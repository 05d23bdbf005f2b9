/**
 * Which links the desktop app hands to the user's browser. `shell.openExternal` starts
 * whatever program the system has for a URL's scheme, so a page that could open any URL
 * could start programs. Only https links to the few sites the studio itself points to
 * are opened, and only right after the user clicked or typed in the window: a page
 * cannot open one by itself, in a loop, or from a timer.
 */

/** The sites the studio links to: installing PyTorch for fine-tuning. */
export const EXTERNAL_LINK_ORIGINS: readonly string[] = ['https://pytorch.org'];

/** How long after the user's last click or key press a link may open (Chromium's own user activation lasts 5 s). */
export const USER_GESTURE_WINDOW_MS = 5_000;

/** True for an https URL on an allowed origin, without credentials in it. */
export function isAllowedExternalLink(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && EXTERNAL_LINK_ORIGINS.includes(parsed.origin);
}

/** Input event types (Electron's `input-event`) that only a person at the machine makes. */
const GESTURES = new Set(['mouseDown', 'mouseUp', 'keyDown', 'rawKeyDown', 'char']);

/**
 * The time of the user's last click or key press in one web contents, as main sees the
 * input events the system delivers (a page's script cannot make those).
 */
export class UserGestureClock {
  #last = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Records an input event of `type` (Electron's InputEvent.type). */
  note(type: string): void {
    if (GESTURES.has(type)) this.#last = this.now();
  }

  /** True within USER_GESTURE_WINDOW_MS of the last gesture. */
  isRecent(): boolean {
    return this.now() - this.#last <= USER_GESTURE_WINDOW_MS;
  }
}
