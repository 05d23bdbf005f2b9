/**
 * The trainer's progress protocol (models/training/defusionnet/train.py and export.py):
 * one JSON object per line on stdout, `{"event": "progress", "step": 120, ...}`. This
 * module splits the byte stream into lines and turns each line into a typed event with
 * camelCase fields, checking every field it relies on. A line that is not such an
 * object (a library's warning printed to stdout, a half-written line of a killed
 * process) is kept as text, never fatal: the run is judged by its exit status and its
 * last event, not by one odd line.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();
const real = z.number();
/** Python's json writes NaN for a non-finite float; the line parser turns it into null. */
const realOrNull = z.number().nullable();

const startSchema = z.object({
  event: z.literal('start'),
  step: count,
  steps: count,
  train_images: count,
  val_images: count,
  device: z.string(),
  threads: count.optional(),
  parameters: count.optional(),
  resumed: z.boolean().optional(),
});

const progressSchema = z.object({
  event: z.literal('progress'),
  step: count,
  steps: count,
  loss: realOrNull,
  lr: real,
  val_mae: realOrNull.optional(),
  val_f: realOrNull.optional(),
  eta_s: realOrNull.optional(),
  elapsed_s: real.optional(),
});

const validationSchema = z.object({
  event: z.literal('validation'),
  step: count,
  images: count,
  mae: realOrNull,
  mean_f: realOrNull,
  max_f: realOrNull,
  adaptive_f: realOrNull,
  iou: realOrNull,
});

const checkpointSchema = z.object({ event: z.literal('checkpoint'), step: count, path: z.string(), reason: z.string() });
const bestSchema = z.object({ event: z.literal('best'), step: count, val_mae: real, path: z.string() });
const endSchema = z.object({
  event: z.enum(['done', 'stopped']),
  step: count,
  steps: count,
  best_val_mae: realOrNull.optional(),
  elapsed_s: real.optional(),
  checkpoint: z.string(),
});
const exportedSchema = z.object({ event: z.literal('exported'), path: z.string(), metadata: z.record(z.string(), z.string()) });

export interface StartEvent {
  event: 'start';
  step: number;
  steps: number;
  trainImages: number;
  valImages: number;
  device: string;
  threads: number | null;
  parameters: number | null;
  resumed: boolean;
}

export interface ProgressEvent {
  event: 'progress';
  step: number;
  steps: number;
  /** Smoothed training loss (exponential moving average); null if it was not finite. */
  loss: number | null;
  lr: number;
  valMae: number | null;
  valF: number | null;
  etaSeconds: number | null;
  elapsedSeconds: number | null;
}

export interface ValidationEvent {
  event: 'validation';
  step: number;
  images: number;
  mae: number | null;
  meanF: number | null;
  maxF: number | null;
  adaptiveF: number | null;
  iou: number | null;
}

export interface CheckpointEvent {
  event: 'checkpoint';
  step: number;
  path: string;
  reason: string;
}

export interface BestEvent {
  event: 'best';
  step: number;
  valMae: number;
  path: string;
}

/** `done`: the schedule ran to its last step; `stopped`: a signal or a time budget ended it early. */
export interface EndEvent {
  event: 'done' | 'stopped';
  step: number;
  steps: number;
  bestValMae: number | null;
  elapsedSeconds: number | null;
  checkpoint: string;
}

/** export.py's one line. */
export interface ExportedEvent {
  event: 'exported';
  path: string;
  metadata: Record<string, string>;
}

export type TrainerEvent = StartEvent | ProgressEvent | ValidationEvent | CheckpointEvent | BestEvent | EndEvent | ExportedEvent;

/** One line of trainer output, read. */
export type TrainerLine =
  | { kind: 'event'; event: TrainerEvent }
  /** Not a JSON object: a warning or a message for people. */
  | { kind: 'text'; text: string }
  /** A JSON object with an `event` this studio does not know (a newer trainer), or with bad fields. */
  | { kind: 'unknown'; text: string; reason: string };

/** Why a JSON line is not a usable event. */
class Invalid {
  constructor(readonly reason: string) {}
}

function toEvent(value: Record<string, unknown>): TrainerEvent | Invalid {
  const parse = <S extends z.ZodType>(schema: S): z.output<S> | Invalid => {
    const result = schema.safeParse(value);
    return result.success
      ? result.data
      : new Invalid(result.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; '));
  };
  switch (value.event) {
    case 'start': {
      const e = parse(startSchema);
      return e instanceof Invalid ? e : {
        event: 'start', step: e.step, steps: e.steps, trainImages: e.train_images, valImages: e.val_images, device: e.device,
        threads: e.threads ?? null, parameters: e.parameters ?? null, resumed: e.resumed ?? false,
      };
    }
    case 'progress': {
      const e = parse(progressSchema);
      return e instanceof Invalid ? e : {
        event: 'progress', step: e.step, steps: e.steps, loss: e.loss, lr: e.lr, valMae: e.val_mae ?? null, valF: e.val_f ?? null,
        etaSeconds: e.eta_s ?? null, elapsedSeconds: e.elapsed_s ?? null,
      };
    }
    case 'validation': {
      const e = parse(validationSchema);
      return e instanceof Invalid ? e : {
        event: 'validation', step: e.step, images: e.images, mae: e.mae, meanF: e.mean_f, maxF: e.max_f, adaptiveF: e.adaptive_f, iou: e.iou,
      };
    }
    case 'checkpoint': {
      const e = parse(checkpointSchema);
      return e instanceof Invalid ? e : { event: 'checkpoint', step: e.step, path: e.path, reason: e.reason };
    }
    case 'best': {
      const e = parse(bestSchema);
      return e instanceof Invalid ? e : { event: 'best', step: e.step, valMae: e.val_mae, path: e.path };
    }
    case 'done':
    case 'stopped': {
      const e = parse(endSchema);
      return e instanceof Invalid ? e : {
        event: e.event, step: e.step, steps: e.steps, bestValMae: e.best_val_mae ?? null, elapsedSeconds: e.elapsed_s ?? null, checkpoint: e.checkpoint,
      };
    }
    case 'exported': {
      const e = parse(exportedSchema);
      return e instanceof Invalid ? e : { event: 'exported', path: e.path, metadata: e.metadata };
    }
    default:
      return new Invalid(`unknown event ${JSON.stringify(value.event)}`);
  }
}

/**
 * JSON.parse that also takes the NaN and Infinity Python's json module writes for
 * non-finite floats (as null: "no number"). The replacement only runs when plain
 * parsing failed, and only on tokens in value position (after ':', ',' or '['), so a
 * path like 'runs/NaN-test' in the same line stays as it is.
 */
function parseJsonLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    const repaired = line.replace(/([:,[]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1null');
    if (repaired === line) throw error;
    return JSON.parse(repaired);
  }
}

/** Reads one line of trainer output (without its line break). */
export function parseTrainerLine(line: string): TrainerLine {
  const text = line.trim();
  if (!text.startsWith('{')) return { kind: 'text', text };
  let value: unknown;
  try {
    value = parseJsonLine(text);
  } catch {
    return { kind: 'text', text };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'text', text };
  const event = toEvent(value as Record<string, unknown>);
  return event instanceof Invalid ? { kind: 'unknown', text, reason: event.reason } : { kind: 'event', event };
}

/**
 * Splits a text stream into lines: chunks may end mid-line (or mid-CRLF), and the last
 * line may come without a line break when the process exits.
 */
export class LineSplitter {
  #pending = '';

  /** The complete lines in `chunk` (with what was pending before it). */
  push(chunk: string): string[] {
    this.#pending += chunk;
    const parts = this.#pending.split(/\r?\n/);
    this.#pending = parts.pop() ?? '';
    // A CR at a chunk's end may be the first half of a CRLF: keep it until the next chunk.
    return parts;
  }

  /** What is left once the stream has ended: a last line without a break, if any. */
  flush(): string[] {
    const rest = this.#pending.replace(/\r$/, '');
    this.#pending = '';
    return rest === '' ? [] : [rest];
  }
}
