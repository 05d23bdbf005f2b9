import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../../electron/api/types';
import { JobQueue } from '../../../electron/core/jobs/jobQueue';
import type { JobContext } from '../../../electron/core/jobs/jobQueue';
import { StudioProcess } from '../../../electron/core/jobs/studioProcess';
import type { Store } from '../../../electron/core/store/store';
import { createStore } from '../store/helpers';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued microtasks and promise callbacks run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

let store: Store | undefined;
afterEach(() => {
  vi.useRealTimers();
  store?.close();
  store = undefined;
});

function collect(queue: JobQueue): Job[] {
  const events: Job[] = [];
  queue.onDidChange((job) => events.push(job));
  return events;
}

describe('JobQueue', () => {
  it('runs a job to done, with its result, events and a persisted record', async () => {
    store = createStore();
    const queue = new JobQueue({ persistence: store });
    const events = collect(queue);
    const job = queue.enqueue({ kind: 'scan', title: 'Scan', params: { rootId: 1 } }, async ({ progress }) => {
      progress(1, 2, 'a.jpg');
      progress(2, 2, 'b.jpg');
      return { added: 2 };
    });
    expect(job.state).toBe('queued');
    const final = await queue.wait(job.id);
    expect(final).toMatchObject({ state: 'done', done: 2, total: 2, result: { added: 2 }, error: null, etaSeconds: 0 });
    expect(final.finishedAt).not.toBeNull();
    expect(events.map((e) => e.state)).toEqual(expect.arrayContaining(['queued', 'running', 'done']));
    expect(events[events.length - 1]).toEqual(final);
    expect(store.getJob(job.id)).toMatchObject({ state: 'done', result: { added: 2 }, done: 2 });
    expect(queue.get(job.id)).toEqual(final);
  });

  it('records the error of a failed job', async () => {
    const queue = new JobQueue();
    const job = queue.enqueue({ kind: 'x', title: 'Boom' }, async () => {
      throw new Error('disk full');
    });
    expect(await queue.wait(job.id)).toMatchObject({ state: 'failed', error: 'disk full' });
  });

  it('cancels a queued job before it runs', async () => {
    const queue = new JobQueue();
    const gate = deferred();
    const first = queue.enqueue({ kind: 'scan', title: 'first' }, () => gate.promise);
    const ran = vi.fn(async () => {});
    const second = queue.enqueue({ kind: 'scan', title: 'second' }, ran);
    await flush();
    expect(queue.get(second.id)!.state).toBe('queued');
    expect(queue.cancel(second.id)).toBe(true);
    expect(queue.get(second.id)!.state).toBe('cancelled');
    expect(queue.cancel(second.id)).toBe(false);
    gate.resolve();
    await queue.wait(first.id);
    await flush();
    expect(ran).not.toHaveBeenCalled();
  });

  it('cancels a running job through its signal', async () => {
    const queue = new JobQueue();
    const started = deferred();
    const job = queue.enqueue({ kind: 'scan', title: 'long' }, ({ signal }: JobContext) => {
      started.resolve();
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    await started.promise;
    expect(queue.cancel(job.id)).toBe(true);
    expect(await queue.wait(job.id)).toMatchObject({ state: 'cancelled', error: null });
    expect(queue.cancel('no-such-job')).toBe(false);
  });

  it('limits how many jobs of a kind run at once', async () => {
    const queue = new JobQueue({ concurrency: { scan: 1, detect: 2 } });
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const running = new Set<number>();
    let maxScans = 0;
    const spawnJob = (kind: string, index: number) =>
      queue.enqueue({ kind, title: `${kind}${index}` }, async () => {
        running.add(index);
        if (kind === 'scan') maxScans = Math.max(maxScans, [...running].filter((i) => i < 2).length);
        await gates[index]!.promise;
        running.delete(index);
      });
    const scans = [spawnJob('scan', 0), spawnJob('scan', 1)];
    const detects = [spawnJob('detect', 2), spawnJob('detect', 3)];
    await flush();
    expect([...running].sort()).toEqual([0, 2, 3]);
    expect(queue.get(scans[1]!.id)!.state).toBe('queued');
    gates[0]!.resolve();
    await queue.wait(scans[0]!.id);
    await flush();
    expect(running.has(1)).toBe(true);
    gates.forEach((gate) => gate.resolve());
    await queue.idle();
    expect(maxScans).toBe(1);
    expect(detects.map((d) => queue.get(d.id)!.state)).toEqual(['done', 'done']);
  });

  it('throttles progress events but always delivers the last progress and the final state', async () => {
    vi.useFakeTimers();
    const queue = new JobQueue({ maxEventsPerSecond: 10 });
    const events = collect(queue);
    const gate = deferred();
    let context!: JobContext;
    const job = queue.enqueue({ kind: 'scan', title: 'burst' }, (ctx) => {
      context = ctx;
      return gate.promise;
    });
    await vi.advanceTimersByTimeAsync(0);
    const before = events.length;
    for (let i = 1; i <= 1000; i++) context.progress(i, 1000);
    // A burst of 1000 calls inside one instant: at most one event now, one trailing.
    expect(events.length - before).toBeLessThanOrEqual(1);
    await vi.advanceTimersByTimeAsync(150);
    expect(events.length - before).toBeLessThanOrEqual(2);
    expect(events[events.length - 1]).toMatchObject({ state: 'running', done: 1000, total: 1000 });

    // Over 2 s of steady progress, about 10 events per second.
    const start = events.length;
    for (let t = 0; t < 2000; t += 10) {
      context.progress(1000, 1000, `t${t}`);
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(events.length - start).toBeGreaterThanOrEqual(15);
    expect(events.length - start).toBeLessThanOrEqual(22);

    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(events[events.length - 1]).toMatchObject({ id: job.id, state: 'done' });
  });

  it('reports rate and ETA from recent progress', async () => {
    vi.useFakeTimers();
    const queue = new JobQueue();
    const gate = deferred();
    let context!: JobContext;
    const job = queue.enqueue({ kind: 'scan', title: 'steady' }, (ctx) => {
      context = ctx;
      return gate.promise;
    });
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 1; i <= 30; i++) {
      await vi.advanceTimersByTimeAsync(100);
      context.progress(i * 2, 200); // 20 items per second
    }
    const running = queue.get(job.id)!;
    expect(running.rate).toBeCloseTo(20, 6);
    expect(running.etaSeconds).toBeCloseTo((200 - 60) / 20, 6);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
  });

  it('marks jobs of a process that is gone as failed, and lists history after live jobs', async () => {
    const shared = createStore();
    store = shared;
    const firstProcess = StudioProcess.join(shared, { role: 'studio' });
    const first = new JobQueue({ persistence: store, owner: firstProcess.id });
    const never = first.enqueue({ kind: 'scan', title: 'interrupted' }, () => new Promise(() => {}));
    await flush();
    expect(store.getJob(never.id)!.state).toBe('running');

    // Another process beside it leaves the job alone while its owner lives…
    const tool = StudioProcess.join(shared, { role: 'tool' });
    expect(store.getJob(never.id)!.state).toBe('running');
    tool.close();
    // …and a second studio is refused.
    expect(() => StudioProcess.join(shared, { role: 'studio' })).toThrow(/already open/);

    // The first process is gone (its row with it, as when it closed or was found dead): the studio restarted.
    firstProcess.close();
    const secondProcess = StudioProcess.join(shared, { role: 'studio' });
    const second = new JobQueue({ persistence: store, owner: secondProcess.id });
    expect(second.get(never.id)).toMatchObject({ state: 'failed', error: expect.stringMatching(/interrupted/) });
    const fresh = second.enqueue({ kind: 'scan', title: 'fresh' }, async () => 1);
    await second.wait(fresh.id);
    expect(second.list().map((job) => job.title)).toEqual(['fresh', 'interrupted']);
    await expect(second.wait('missing')).rejects.toThrow(/No job/);
    secondProcess.close();
  });

  it('close() cancels everything, waits for it, and refuses new jobs', async () => {
    const queue = new JobQueue({ concurrency: { scan: 1 } });
    const stopped: string[] = [];
    const job = (title: string) =>
      queue.enqueue({ kind: 'scan', title }, ({ signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => setTimeout(() => {
            stopped.push(title);
            reject(signal.reason);
          }, 20)),
        ),
      );
    const a = job('a');
    const b = job('b');
    await flush();
    await queue.close();
    expect(stopped).toEqual(['a']);
    expect([queue.get(a.id)!.state, queue.get(b.id)!.state]).toEqual(['cancelled', 'cancelled']);
    expect(() => job('c')).toThrow(/closed/);
  });

  it('keeps running when a listener throws', async () => {
    const errors: unknown[] = [];
    const queue = new JobQueue({ onError: (error) => errors.push(error) });
    queue.onDidChange(() => {
      throw new Error('listener bug');
    });
    const job = queue.enqueue({ kind: 'x', title: 'ok' }, async () => 'fine');
    expect(await queue.wait(job.id)).toMatchObject({ state: 'done', result: 'fine' });
    expect(errors.length).toBeGreaterThan(0);
  });
});
