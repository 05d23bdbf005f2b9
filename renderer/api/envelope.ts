/** Turns an envelope back into a value or a thrown StudioError, as the client expects. */
import { StudioError } from '../../electron/api/errors';
import type { Envelope } from '../../electron/api/errors';

export function unwrapEnvelope(envelope: Envelope<unknown>): unknown {
  if (envelope.ok) {
    return envelope.value;
  }
  throw StudioError.fromPayload(envelope.error);
}

/** True for something shaped like an envelope (answers that are not JSON envelopes are transport failures). */
export function isEnvelope(value: unknown): value is Envelope<unknown> {
  if (value === null || typeof value !== 'object') {
    return false;
  }
  const record = value as Record<string, unknown>;
  return (record.ok === true && 'value' in record) || (record.ok === false && typeof record.error === 'object' && record.error !== null);
}
