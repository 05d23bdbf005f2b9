/**
 * `POST /api/<method>`: the JSON body is the method's input, the answer its envelope.
 * Inputs are validated by the core (StudioCore.call), never trusted here. Each method
 * reads at most its own body limit, and only while the server has room for it
 * (requestLimits.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJson } from '../api/codec';
import { toErrorPayload } from '../api/errors';
import { isMethodName } from '../api/methods';
import type { StudioCore } from '../core/studioCore';
import { BODY_LIMITS } from './requestLimits';
import type { InFlightLimit } from './requestLimits';
import { sendEnvelope, sendError } from './responses';

class BodyTooLargeError extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function handleMethod(
  core: StudioCore,
  method: string,
  request: IncomingMessage,
  response: ServerResponse,
  inFlight: InFlightLimit,
): Promise<void> {
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    sendError(response, { code: 'invalid-input', message: 'API methods are called with POST' }, 405);
    return;
  }
  if (!isMethodName(method)) {
    sendError(response, { code: 'not-found', message: `Unknown method '${method}'` });
    return;
  }
  // Requiring JSON keeps plain HTML forms (which cannot set this type) from reaching the API.
  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    sendError(response, { code: 'invalid-input', message: 'The body must be application/json' }, 415);
    return;
  }
  const maxBodyBytes = BODY_LIMITS[method];
  const leave = inFlight.tryEnter(maxBodyBytes);
  if (leave === null) {
    response.setHeader('Retry-After', '1');
    response.setHeader('Connection', 'close');
    sendError(response, { code: 'unavailable', message: 'The studio is busy: too many requests at once; try again' }, 503);
    return;
  }
  response.once('close', leave);
  let input: unknown;
  try {
    const text = await readBody(request, maxBodyBytes);
    input = text.trim() === '' ? {} : decodeJson(text);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      response.setHeader('Connection', 'close');
      sendError(response, { code: 'invalid-input', message: `The body is larger than ${maxBodyBytes} bytes` }, 413);
      return;
    }
    sendError(response, { code: 'invalid-input', message: `The body is not valid JSON: ${(error as Error).message}` });
    return;
  }
  try {
    const value = await core.call(method, input);
    sendEnvelope(response, 200, { ok: true, value });
  } catch (error) {
    sendError(response, toErrorPayload(error));
  }
}
