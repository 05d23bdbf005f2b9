/**
 * Runs the real `defusion` command line as a child process, as a user would, for the
 * integration tests: exit code, stdout and stderr.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'defusion.js');
const PEAK_MEMORY_REPORTER = pathToFileURL(join(import.meta.dirname, '..', 'fixtures', 'reportPeakMemory.mjs')).href;

export interface CliRun {
  /** Exit code; null when the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A run measured from outside and inside: wall time, and the process's peak resident memory. */
export interface MeasuredCliRun extends CliRun {
  seconds: number;
  /** MiB, as the kernel counted it for the process; NaN when it was killed before it could say. */
  peakMiB: number;
  /** It was still running after the time limit and was killed. */
  timedOut: boolean;
}

function runNode(nodeArgs: string[], args: string[], timeoutMs: number): Promise<CliRun & { timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

export async function defusion(...args: string[]): Promise<CliRun> {
  const { code, stdout, stderr } = await runNode([], args, 24 * 3600_000);
  return { code, stdout, stderr };
}

/** Runs `defusion args…`, killed after `timeoutMs`, and reports its time and peak memory. */
export async function defusionMeasured(args: string[], timeoutMs: number): Promise<MeasuredCliRun> {
  const started = performance.now();
  const run = await runNode(['--import', PEAK_MEMORY_REPORTER], args, timeoutMs);
  const seconds = (performance.now() - started) / 1000;
  const match = /\npeak-rss-kb (\d+)\n$/.exec(run.stderr);
  const peakMiB = match ? Number(match[1]) / 1024 : Number.NaN;
  return { ...run, stderr: match ? run.stderr.slice(0, match.index) : run.stderr, seconds, peakMiB };
}
