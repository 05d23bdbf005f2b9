/**
 * Writing responses: every one carries the security headers; API answers are always the
 * envelope of errors.ts, so the client reads the outcome from the body whatever the status.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { encodeJson } from '../api/codec';
import type { Envelope, ErrorCode, ErrorPayload } from '../api/errors';
import { securityHeaders } from './security';

/** HTTP status of each error code; the envelope in the body says the rest. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  'invalid-input': 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unsupported: 422,
  'bad-model': 422,
  'bad-image': 422,
  cancelled: 409,
  unavailable: 503,
  internal: 500,
};

export function statusForError(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

/** Sends a body with the security headers plus `headers`. */
export function send(response: ServerResponse, status: number, body: string | Uint8Array, headers: OutgoingHttpHeaders): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, {
    ...securityHeaders(),
    'Content-Length': bytes.byteLength,
    ...headers,
  });
  response.end(bytes);
}

/** Sends an API envelope (JSON, never cached). */
export function sendEnvelope(response: ServerResponse, status: number, envelope: Envelope<unknown>): void {
  send(response, status, encodeJson(envelope), {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
}

/** Sends an error envelope with the status of its code (or `status` when given). */
export function sendError(response: ServerResponse, error: ErrorPayload, status = statusForError(error.code)): void {
  sendEnvelope(response, status, { ok: false, error });
}

/** Plain-text answer for non-API routes (static files, resources). */
export function sendText(response: ServerResponse, status: number, text: string): void {
  send(response, status, `${text}\n`, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
  });
}
