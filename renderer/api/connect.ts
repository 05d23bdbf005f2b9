/**
 * Picks the transport at start: Electron's `window.studio` when the preload provided it,
 * HTTP + WebSocket otherwise. The rest of the renderer only sees the StudioClient.
 */
import { createClient } from '../../electron/api/client';
import type { StudioClient } from '../../electron/api/client';
import { createBridgeTransport } from './bridgeTransport';
import { createHttpTransport, takeTokenFromAddressBar } from './httpTransport';

export interface Connection {
  client: StudioClient;
  transport: 'electron' | 'http';
  /** Called with false when events stop arriving and true when they resume. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}

export function connectToStudio(): Connection {
  if (window.studio) {
    return {
      client: createClient(createBridgeTransport(window.studio)),
      transport: 'electron',
      onConnectionChange: () => () => {},
    };
  }
  const token = takeTokenFromAddressBar(window.location, window.history, window.sessionStorage);
  const transport = createHttpTransport({ origin: window.location.origin, token });
  return {
    client: createClient(transport),
    transport: 'http',
    onConnectionChange: (listener) => transport.onConnectionChange(listener),
  };
}
