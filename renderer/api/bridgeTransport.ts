/** The transport of the desktop app: Electron IPC through the preload's `window.studio`. */
import type { Transport } from '../../electron/api/client';
import type { StudioBridge } from './bridge';
import { unwrapEnvelope } from './envelope';

export function createBridgeTransport(bridge: StudioBridge): Transport {
  return {
    call: async (method, input) => unwrapEnvelope(await bridge.call(method, input)),
    subscribe: (listener) => bridge.subscribe(listener),
    resourceUrl: (kind, id, params) => bridge.resourceUrl(kind, id, params),
  };
}
