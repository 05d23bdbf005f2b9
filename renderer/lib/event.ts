/**
 * A typed event with removable listeners, the shape of VS Code's `Event<T>`: the owner
 * keeps the `Emitter` and fires it; others get only `event`, to listen. Listening returns
 * the function that stops it, as the renderer's other `on…` methods do.
 */

export type Event<T> = (listener: (value: T) => void) => () => void;

export class Emitter<T> {
  readonly #listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    // A wrapper per subscription: the same function may listen twice and stop once.
    const entry = (value: T): void => listener(value);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  };

  fire(value: T): void {
    for (const listener of this.#listeners) listener(value);
  }

  dispose(): void {
    this.#listeners.clear();
  }
}
