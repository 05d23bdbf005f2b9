/**
 * The desktop app's local log file: one line per event, appended, rotated at 5 MB.
 * Users attach it to bug reports; it never holds photo content.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

const MAX_BYTES = 5 * 1024 * 1024;

export interface AppLog {
  info(message: string): void;
  error(message: string, error?: unknown): void;
  readonly file: string;
}

export function createAppLog(directory: string): AppLog {
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, 'studio.log');
  function write(level: string, message: string): void {
    try {
      if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > MAX_BYTES) {
        renameSync(file, `${file}.1`);
      }
      appendFileSync(file, `${new Date().toISOString()} ${level} ${message}\n`);
    } catch {
      // Logging must never take the app down.
    }
  }
  return {
    file,
    info: (message) => write('INFO', message),
    error: (message, error) =>
      write('ERROR', error instanceof Error ? `${message}: ${error.stack ?? error.message}` : message),
  };
}
