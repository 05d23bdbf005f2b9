/**
 * `GET /files/<kind>/<id>?…`: photo, thumbnail, mask and prediction bytes for `<img src>`.
 * The request carries the token as a Bearer header, or the URL is signed for exactly this
 * resource (electron/api/browserAuth.ts). The core decides what may be served (only
 * photos under an open library root).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toErrorPayload } from '../api/errors';
import { isResourceKind } from '../api/resources';
import type { StudioCore } from '../core/studioCore';
import { send, sendText, statusForError } from './responses';
import { checkResourceSignature, resourceParams, securityHeaders } from './security';

export async function handleResource(
  core: StudioCore,
  segments: string[],
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
  /** The key the URL must be signed with; null when the Bearer header already proved the token. */
  signatureKey: Buffer | null,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    sendText(response, 405, 'Resources are read with GET');
    return;
  }
  const [kind, idText, ...rest] = segments;
  if (kind === undefined || idText === undefined || rest.length > 0 || !isResourceKind(kind)) {
    sendText(response, 404, 'No such resource');
    return;
  }
  const id = /^[1-9]\d{0,15}$/.test(idText) ? Number(idText) : NaN;
  if (!Number.isSafeInteger(id)) {
    sendText(response, 400, 'The resource id must be a positive integer');
    return;
  }
  if (signatureKey !== null) {
    const refusal = checkResourceSignature(signatureKey, kind, id, url);
    if (refusal !== null) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      sendText(response, 401, refusal);
      return;
    }
  }
  const params = resourceParams(url);
  try {
    const resource = await core.resource(kind, id, params);
    // Masks change as they are edited, so the browser revalidates; the ETag makes that cheap.
    const etag = `"${createHash('sha1').update(resource.bytes).digest('base64url')}"`;
    const headers = {
      'Content-Type': resource.mimeType,
      'Cache-Control': 'private, no-cache',
      ETag: etag,
    };
    if (request.headers['if-none-match'] === etag) {
      send(response, 304, new Uint8Array(0), headers);
      return;
    }
    if (request.method === 'HEAD') {
      response.writeHead(200, { ...securityHeaders(), ...headers, 'Content-Length': resource.bytes.byteLength });
      response.end();
      return;
    }
    send(response, 200, resource.bytes, headers);
  } catch (error) {
    const payload = toErrorPayload(error);
    sendText(response, statusForError(payload.code), payload.message);
  }
}
