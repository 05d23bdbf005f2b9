/**
 * Typed events with removable listeners, after VS Code's base/common/event.ts. The owner
 * of an Emitter fires it; everyone else gets only its `event`, to listen. One
 * implementation serves the core's services, the core's named events, the client the
 * renderer and tests use, and the renderer's own state.
 */

export interface Disposable {
  dispose(): void;
}

/**
 * What listening returns. Calling it stops the listening, as every `on…` in the studio
 * has always done; it is also a Disposable, for code that ends what it holds with
 * dispose().
 */
export type Subscription = (() => void) & Disposable;

export type Event<T> = (listener: (value: T) => void) => Subscription;

export function toSubscription(stop: () => void): Subscription {
  return Object.assign(() => stop(), { dispose: stop });
}

export interface EmitterOptions {
  /**
   * Receives what a listener throws, so that one failing listener stops neither the
   * others nor the code that fired. Without it, the error reaches fire()'s caller.
   */
  onListenerError?: (error: unknown) => void;
}

export class Emitter<T> {
  readonly #listeners = new Set<(value: T) => void>();
  readonly #onListenerError: ((error: unknown) => void) | undefined;

  constructor(options: EmitterOptions = {}) {
    this.#onListenerError = options.onListenerError;
  }

  readonly event: Event<T> = (listener) => {
    // A wrapper per subscription: the same function may listen twice and stop once.
    const entry = (value: T): void => listener(value);
    this.#listeners.add(entry);
    return toSubscription(() => {
      this.#listeners.delete(entry);
    });
  };

  get hasListeners(): boolean {
    return this.#listeners.size > 0;
  }

  fire(value: T): void {
    for (const listener of this.#listeners) {
      if (this.#onListenerError === undefined) {
        listener(value);
        continue;
      }
      try {
        listener(value);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }

  /** Drops every listener. */
  dispose(): void {
    this.#listeners.clear();
  }
}

/**
 * Events by name, typed by a name → payload map (the studio's EventPayloads): an
 * Emitter per name, made when someone first listens to it.
 */
export class NamedEmitters<Payloads> {
  // A Map, not an object: a name that arrives over the wire must not reach a prototype.
  readonly #emitters = new Map<keyof Payloads, Emitter<unknown>>();
  readonly #options: EmitterOptions;

  constructor(options: EmitterOptions = {}) {
    this.#options = options;
  }

  on<E extends keyof Payloads>(name: E, listener: (payload: Payloads[E]) => void): Subscription {
    let emitter = this.#emitters.get(name);
    if (!emitter) {
      emitter = new Emitter<unknown>(this.#options);
      this.#emitters.set(name, emitter);
    }
    return emitter.event(listener as (payload: unknown) => void);
  }

  fire<E extends keyof Payloads>(name: E, payload: Payloads[E]): void {
    this.#emitters.get(name)?.fire(payload);
  }
}
