/**
 * Errors that cross the API boundary. Handlers throw `StudioError` with a code the
 * renderer can act on; anything else becomes `internal` and its message is kept.
 */

export type ErrorCode =
  | 'invalid-input'
  | 'not-found'
  | 'forbidden'
  | 'conflict'
  | 'unsupported'
  | 'bad-model'
  | 'bad-image'
  | 'cancelled'
  | 'unavailable'
  | 'internal';

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class StudioError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'StudioError';
  }

  toPayload(): ErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromPayload(payload: ErrorPayload): StudioError {
    return new StudioError(payload.code, payload.message, payload.details);
  }
}

export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof StudioError) {
    return error.toPayload();
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

/** Response envelope shared by both transports. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };
