/**
 * Runs one module of the training package (`defusionnet.train`, `.export`) as a child
 * process, isolated (isolatedPython.ts): stdout is read line by line as trainer events,
 * the end of stderr is kept for the error message, and everything goes to a log file
 * next to the run.
 *
 * Stopping is polite first: SIGTERM lets the trainer finish its step and save a
 * checkpoint; a trainer that has not exited after the grace period gets SIGKILL, so a
 * cancel always ends in bounded time.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StudioError } from '../../api/errors';
import { applicationRoot } from '../detect/modelPath';
import { isolatedModuleArgs } from './isolatedPython';
import { LineSplitter, parseTrainerLine } from './trainerEvents';
import type { TrainerLine } from './trainerEvents';

/** How long a trainer may take to save and exit after SIGTERM before it is killed. */
export const DEFAULT_STOP_GRACE_MS = 15_000;
/** Lines of stderr kept for the message of a failed run. */
const STDERR_TAIL_LINES = 30;

export interface TrainerExit {
  /** Exit status, null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether stop() was called (a cancel), as opposed to a crash or a kill from outside. */
  stopRequested: boolean;
  /** The process could not be started at all (spawn error). */
  spawnError: string | null;
  stderrTail: string[];
}

export interface TrainerProcessOptions {
  python: string;
  /** `defusionnet.train`, `defusionnet.export`. */
  module: string;
  args: readonly string[];
  /** The folder holding the `defusionnet` package; put on the module path and used as the working folder. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Every stdout line, read. */
  onLine?: (line: TrainerLine) => void;
  /** Appends stdout and stderr here. */
  logFile?: string;
}

/** The folder that holds the training package (models/training), from the sources or a packaged app. */
export function findTrainingPackage(): string {
  const roots: string[] = [];
  const resources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resources) roots.push(resources);
  const root = applicationRoot();
  if (root) roots.push(root);
  for (const candidate of roots.map((dir) => path.join(dir, 'models', 'training'))) {
    if (existsSync(path.join(candidate, 'defusionnet', 'train.py'))) return candidate;
  }
  throw new StudioError(
    'unavailable',
    `The training package models/training/defusionnet was not found (looked in ${roots.join(', ') || 'no folder'}); fine-tuning needs it.`,
  );
}

/** Says how a process ended, for messages: "exit status 1", "signal SIGKILL". */
export function describeExit(exit: TrainerExit): string {
  if (exit.spawnError) return `could not be started: ${exit.spawnError}`;
  return exit.signal ? `was ended by signal ${exit.signal}` : `exited with status ${exit.code}`;
}

export class TrainerProcess {
  readonly #child: ChildProcessByStdio<null, Readable, Readable>;
  readonly #log: WriteStream | null;
  readonly #stderrTail: string[] = [];
  #stopRequested = false;
  #spawnError: string | null = null;
  #killTimer: ReturnType<typeof setTimeout> | null = null;
  /** Resolves once the process has exited and its output has been read. */
  readonly exited: Promise<TrainerExit>;

  private constructor(options: TrainerProcessOptions) {
    this.#log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : null;
    // The log is a convenience: failing to write it must not fail the run.
    this.#log?.on('error', () => {});
    this.#child = spawn(options.python, isolatedModuleArgs(options.cwd, options.module, options.args), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });

    const stdout = new LineSplitter();
    const stderr = new LineSplitter();
    const onStdout = (lines: string[]): void => {
      for (const line of lines) {
        this.#log?.write(`${line}\n`);
        if (line.trim() !== '') options.onLine?.(parseTrainerLine(line));
      }
    };
    const onStderr = (lines: string[]): void => {
      for (const line of lines) {
        this.#log?.write(`[stderr] ${line}\n`);
        if (line.trim() === '') continue;
        this.#stderrTail.push(line);
        if (this.#stderrTail.length > STDERR_TAIL_LINES) this.#stderrTail.shift();
      }
    };
    this.#child.stdout.setEncoding('utf8');
    this.#child.stderr.setEncoding('utf8');
    this.#child.stdout.on('data', (chunk: string) => onStdout(stdout.push(chunk)));
    this.#child.stderr.on('data', (chunk: string) => onStderr(stderr.push(chunk)));

    this.exited = new Promise<TrainerExit>((resolve) => {
      let settled = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (settled) return;
        settled = true;
        onStdout(stdout.flush());
        onStderr(stderr.flush());
        if (this.#killTimer) clearTimeout(this.#killTimer);
        const exit: TrainerExit = {
          code,
          signal,
          stopRequested: this.#stopRequested,
          spawnError: this.#spawnError,
          stderrTail: [...this.#stderrTail],
        };
        if (this.#log) this.#log.end(() => resolve(exit));
        else resolve(exit);
      };
      this.#child.on('error', (error) => {
        // Only a failed spawn leaves no 'close' to wait for; kill errors come here too.
        if (this.#child.pid === undefined) {
          this.#spawnError = error.message;
          finish(null, null);
        }
      });
      // 'close' (not 'exit'): stdout and stderr have been read to their end.
      this.#child.on('close', (code, signal) => finish(code, signal));
    });
  }

  static start(options: TrainerProcessOptions): TrainerProcess {
    return new TrainerProcess(options);
  }

  get pid(): number | null {
    return this.#child.pid ?? null;
  }

  /** SIGTERM now, SIGKILL after `graceMs` if it is still running; resolves with its exit. */
  stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<TrainerExit> {
    if (!this.#stopRequested && this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#stopRequested = true;
      this.#child.kill('SIGTERM');
      this.#killTimer = setTimeout(() => {
        if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
      }, graceMs);
    }
    return this.exited;
  }
}
