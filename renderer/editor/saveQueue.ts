/**
 * Saves run one at a time, in the order they were asked for: a later save of a mask never
 * lands before an earlier one, whatever the network does.
 */
export class SaveQueue {
  #chain: Promise<unknown> = Promise.resolve();
  #inFlight = 0;
  readonly #onBusyChange: (busy: boolean) => void;

  /** `onBusyChange(true)` when a save is queued, `(false)` when the last one has ended. */
  constructor(onBusyChange: (busy: boolean) => void) {
    this.#onBusyChange = onBusyChange;
  }

  /** True while a save is queued or running. */
  get busy(): boolean {
    return this.#inFlight > 0;
  }

  /** Runs `save` after every save queued before it; resolves with its answer. */
  enqueue(save: () => Promise<boolean>): Promise<boolean> {
    this.#inFlight++;
    this.#onBusyChange(true);
    const run = this.#chain.then(async () => {
      try {
        return await save();
      } finally {
        this.#inFlight--;
        if (this.#inFlight === 0) this.#onBusyChange(false);
      }
    });
    this.#chain = run;
    return run;
  }

  /** Resolves once every save queued so far has ended. */
  async idle(): Promise<void> {
    await this.#chain;
  }
}
