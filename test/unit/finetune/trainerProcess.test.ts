/**
 * The trainer child process, with real Python modules that speak the trainer's protocol
 * but need no torch: lines read as events, a log written, a polite stop (SIGTERM, the
 * module saves and says 'stopped'), a stubborn module killed after the grace period, a
 * crash with its traceback, and an interpreter that does not exist.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeExit, TrainerProcess } from '../../../electron/core/finetune/trainerProcess';
import type { TrainerLine } from '../../../electron/core/finetune/trainerEvents';

const PYTHON = '/usr/bin/python3';

let dir: string;

const TRAINER = `
import json, signal, sys, time
stop = {'flag': False}
signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
steps = int(sys.argv[1])
print(json.dumps({'event': 'start', 'step': 0, 'steps': steps, 'train_images': 3, 'val_images': 1, 'device': 'cpu'}), flush=True)
print('a warning for people', file=sys.stderr, flush=True)
step = 0
while step < steps and not stop['flag']:
    time.sleep(0.02)
    step += 1
    print(json.dumps({'event': 'progress', 'step': step, 'steps': steps, 'loss': 1.0 / step, 'lr': 0.001}), flush=True)
print(json.dumps({'event': 'done' if step >= steps else 'stopped', 'step': step, 'steps': steps, 'checkpoint': 'last.pt'}), flush=True)
`;

const STUBBORN = `
import json, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(json.dumps({'event': 'start', 'step': 0, 'steps': 9, 'train_images': 1, 'val_images': 0, 'device': 'cpu'}), flush=True)
time.sleep(60)
`;

const CRASHING = `
import sys
print('{"event": "progress", "step": 1, "steps": 2, "loss": 0.5, "lr": 0.1}', flush=True)
raise RuntimeError('CUDA out of memory')
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-trainer-'));
  await mkdir(path.join(dir, 'fake'));
  await writeFile(path.join(dir, 'fake', '__init__.py'), '');
  await writeFile(path.join(dir, 'fake', 'trainer.py'), TRAINER);
  await writeFile(path.join(dir, 'fake', 'stubborn.py'), STUBBORN);
  await writeFile(path.join(dir, 'fake', 'crashing.py'), CRASHING);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function start(module: string, args: string[] = [], logFile?: string): { trainer: TrainerProcess; lines: TrainerLine[] } {
  const lines: TrainerLine[] = [];
  const trainer = TrainerProcess.start({ python: PYTHON, module, args, cwd: dir, onLine: (line) => lines.push(line), ...(logFile ? { logFile } : {}) });
  return { trainer, lines };
}

describe('TrainerProcess', () => {
  it('reads each stdout line as an event, keeps stderr, writes the log, and reports a clean exit', async () => {
    const logFile = path.join(dir, 'run.log');
    const { trainer, lines } = start('fake.trainer', ['5'], logFile);
    expect(trainer.pid).toBeGreaterThan(0);
    const exit = await trainer.exited;
    expect(exit).toEqual({ code: 0, signal: null, stopRequested: false, spawnError: null, stderrTail: ['a warning for people'] });
    const events = lines.map((line) => (line.kind === 'event' ? line.event.event : line.kind));
    expect(events).toEqual(['start', 'progress', 'progress', 'progress', 'progress', 'progress', 'done']);
    const log = await readFile(logFile, 'utf8');
    expect(log).toContain('{"event": "done", "step": 5');
    expect(log).toContain('[stderr] a warning for people');
    expect(describeExit(exit)).toBe('exited with status 0');
  });

  it('stops politely: SIGTERM, the module finishes its step and says stopped', async () => {
    const { trainer, lines } = start('fake.trainer', ['100000']);
    await waitFor(() => lines.some((line) => line.kind === 'event' && line.event.event === 'progress'));
    const exit = await trainer.stop(10_000);
    expect(exit).toMatchObject({ code: 0, signal: null, stopRequested: true });
    const last = lines[lines.length - 1];
    expect(last?.kind === 'event' && last.event.event).toBe('stopped');
    // A second stop is harmless and answers the same exit.
    await expect(trainer.stop()).resolves.toEqual(exit);
  });

  it('kills a trainer that ignores SIGTERM once the grace period is over', async () => {
    const { trainer, lines } = start('fake.stubborn');
    await waitFor(() => lines.length > 0);
    const started = Date.now();
    const exit = await trainer.stop(300);
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL', stopRequested: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(describeExit(exit)).toBe('was ended by signal SIGKILL');
  });

  it('reports a crash with the end of its traceback', async () => {
    const { trainer, lines } = start('fake.crashing');
    const exit = await trainer.exited;
    expect(exit.code).toBe(1);
    expect(exit.stopRequested).toBe(false);
    expect(exit.stderrTail[exit.stderrTail.length - 1]).toBe('RuntimeError: CUDA out of memory');
    expect(lines).toHaveLength(1);
  });

  it('says when the interpreter cannot be started at all', async () => {
    const trainer = TrainerProcess.start({ python: path.join(dir, 'no-such-python'), module: 'fake.trainer', args: [], cwd: dir });
    const exit = await trainer.exited;
    expect(exit.spawnError).toMatch(/ENOENT/);
    expect(describeExit(exit)).toMatch(/^could not be started: /);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
