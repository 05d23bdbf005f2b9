/**
 * The transport of browser mode: `POST /api/<method>` for calls, the `/api/events`
 * WebSocket for events (reconnecting with backoff), `/files/…` URLs for image bytes.
 *
 * The token comes from the page URL (`?token=`) and is then removed from the address bar,
 * so it does not linger in history or screenshots. After a reload the page has no token
 * in hand; the HttpOnly cookie the server set on first load authenticates it instead.
 */
import type { Transport } from '../../electron/api/client';
import { decodeJson, encodeJson } from '../../electron/api/codec';
import { StudioError } from '../../electron/api/errors';
import type { StudioEvent } from '../../electron/api/events';
import { isEnvelope, unwrapEnvelope } from './envelope';

export interface HttpTransport extends Transport {
  /** Called with true when the event socket (re)connects and false when it drops. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}

export interface HttpTransportOptions {
  /** The server's origin, e.g. `http://127.0.0.1:5173`. */
  origin: string;
  token: string | null;
}

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5_000;

/** Reads `?token=` from the page URL and removes it from the address bar. */
export function takeTokenFromAddressBar(location: Location, history: History): string | null {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token !== null) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  return token;
}

export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const { origin, token } = options;
  const eventListeners = new Set<(event: StudioEvent) => void>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let socket: WebSocket | null = null;
  let reconnectDelay = RECONNECT_MIN_MS;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let everConnected = false;

  function notifyConnection(connected: boolean): void {
    for (const listener of connectionListeners) {
      listener(connected);
    }
  }

  function withToken(url: URL): URL {
    if (token !== null) {
      url.searchParams.set('token', token);
    }
    return url;
  }

  function connect(): void {
    const url = withToken(new URL('/api/events', origin));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const current = new WebSocket(url);
    socket = current;
    current.onopen = () => {
      reconnectDelay = RECONNECT_MIN_MS;
      everConnected = true;
      notifyConnection(true);
    };
    current.onmessage = (message: MessageEvent) => {
      if (typeof message.data !== 'string') {
        return;
      }
      const event = decodeJson(message.data) as StudioEvent;
      for (const listener of eventListeners) {
        listener(event);
      }
    };
    current.onclose = () => {
      if (socket !== current) {
        return;
      }
      socket = null;
      if (everConnected) {
        notifyConnection(false);
      }
      if (eventListeners.size > 0) {
        reconnectTimer = setTimeout(() => {
          reconnectTimer = null;
          connect();
        }, reconnectDelay);
        reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
      }
    };
  }

  function disconnect(): void {
    if (reconnectTimer !== null) {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
    const current = socket;
    socket = null;
    current?.close();
  }

  return {
    async call(method, input) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (token !== null) {
        headers.Authorization = `Bearer ${token}`;
      }
      let response: Response;
      try {
        response = await fetch(new URL(`/api/${method}`, origin), {
          method: 'POST',
          headers,
          body: encodeJson(input ?? {}),
          credentials: 'same-origin',
          cache: 'no-store',
        });
      } catch (error) {
        throw new StudioError('unavailable', `The studio server is not reachable (${(error as Error).message})`);
      }
      const text = await response.text();
      let envelope: unknown;
      try {
        envelope = decodeJson(text);
      } catch {
        envelope = null;
      }
      if (!isEnvelope(envelope)) {
        throw new StudioError('internal', `Unexpected answer from the server (HTTP ${response.status})`);
      }
      return unwrapEnvelope(envelope);
    },

    subscribe(listener) {
      eventListeners.add(listener);
      if (socket === null && reconnectTimer === null) {
        connect();
      }
      return () => {
        eventListeners.delete(listener);
        if (eventListeners.size === 0) {
          disconnect();
        }
      };
    },

    resourceUrl(kind, id, params) {
      const url = new URL(`/files/${kind}/${id}`, origin);
      for (const [key, value] of Object.entries(params ?? {})) {
        url.searchParams.set(key, String(value));
      }
      withToken(url);
      return url.pathname + url.search;
    },

    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}
