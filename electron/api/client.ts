/**
 * The one client of the studio API. It knows nothing about the transport: the renderer
 * builds it over Electron IPC (window.studio) or over HTTP + WebSocket (browser mode),
 * the tests over HTTP, and all get the same typed `studio.call(...)`.
 */
import { NamedEmitters } from './event';
import type { Subscription } from './event';
import type { EventName, EventPayloads, StudioEvent } from './events';
import type { MethodInput, MethodName, MethodResult } from './methods';
import type { ResourceKind } from './resources';

/** What a transport must provide. */
export interface Transport {
  call(method: MethodName, input: unknown): Promise<unknown>;
  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: StudioEvent) => void): () => void;
  /** URL the renderer can put in <img src> / fetch for photo, thumbnail, mask… bytes. */
  resourceUrl(kind: ResourceKind, id: number, params?: Record<string, string | number>): string;
}

export interface StudioClient {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): Subscription;
  resourceUrl: Transport['resourceUrl'];
}

export function createClient(transport: Transport): StudioClient {
  const events = new NamedEmitters<EventPayloads>();
  let unsubscribe: (() => void) | null = null;

  // The transport's one subscription is made when the first listener comes.
  function ensureSubscribed(): void {
    if (unsubscribe) {
      return;
    }
    unsubscribe = transport.subscribe((event) => events.fire(event.name, event.payload));
  }

  return {
    call: <M extends MethodName>(method: M, input: MethodInput<M>) =>
      transport.call(method, input) as Promise<MethodResult<M>>,
    on(name, listener) {
      ensureSubscribed();
      return events.on(name, listener);
    },
    resourceUrl: (kind, id, params) => transport.resourceUrl(kind, id, params),
  };
}
