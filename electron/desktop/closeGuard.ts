/**
 * What happens when the desktop window is asked to close (window button, Ctrl+Q, the OS
 * logging out): the page may hold a mask with unsaved strokes, and a renderer torn down
 * mid-save loses them. The window's first close is held back, the page is asked to save
 * (it encodes the PNG and calls masks.save), and only its answer lets the window go:
 *
 * - saved (or nothing to save): close;
 * - the save failed: ask the user whether to close anyway, the failure's message in hand;
 * - no answer in time (a hung or crashed page): close; there is nothing left to ask.
 *
 * Electron-free so that it runs under plain Node; electron/main.ts wires it to the window.
 */

/** The page's answer to "save before closing". */
export type SaveAnswer = { kind: 'saved' } | { kind: 'failed'; message: string } | { kind: 'no-answer' };

export interface CloseGuardOptions {
  /** Asks the page to save what it holds; resolves with its answer (see `answerWithin`). */
  askPageToSave(): Promise<SaveAnswer>;
  /** Asks the user whether to close although the save failed; true = close anyway. */
  confirmCloseUnsaved(message: string): Promise<boolean>;
  /** Closes the window for real (the guard lets this close through). */
  closeWindow(): void;
}

export class CloseGuard {
  readonly #options: CloseGuardOptions;
  #state: 'open' | 'asking' | 'cleared' = 'open';

  constructor(options: CloseGuardOptions) {
    this.#options = options;
  }

  /**
   * The window's 'close' event: true lets it close now; false means it was held back
   * (the caller prevents the event) and the guard closes it itself once the page answered.
   */
  onClose(): boolean {
    if (this.#state === 'cleared') return true;
    if (this.#state === 'asking') return false;
    this.#state = 'asking';
    void this.#askThenClose();
    return false;
  }

  async #askThenClose(): Promise<void> {
    let answer: SaveAnswer;
    try {
      answer = await this.#options.askPageToSave();
    } catch (error) {
      answer = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    if (answer.kind === 'failed' && !(await this.#options.confirmCloseUnsaved(answer.message))) {
      // The user stays: the next close asks the page again.
      this.#state = 'open';
      return;
    }
    this.#state = 'cleared';
    this.#options.closeWindow();
  }
}

/**
 * `answer` as a SaveAnswer that settles within `ms`: true = saved, false = failed, a
 * rejection = failed with its message, no answer in time = no-answer.
 */
export function answerWithin(answer: Promise<boolean>, ms: number): Promise<SaveAnswer> {
  return new Promise<SaveAnswer>((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'no-answer' }), ms);
    answer.then(
      (saved) => {
        clearTimeout(timer);
        resolve(saved ? { kind: 'saved' } : { kind: 'failed', message: 'The mask could not be saved.' });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
  });
}
