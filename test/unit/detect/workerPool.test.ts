/**
 * The worker pool with real worker threads: photos spread over two workers, a photo
 * that cannot be read fails alone with its reason, a bad model is refused at start,
 * and pending photos can be cancelled.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DetectWorkerPool } from '../../../electron/core/detect/workerPool';
import { FIXTURE_MODELS, TINY_MODEL, writePhoto } from './fixturePhotos';

let dir: string;
const photos: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-pool-'));
  for (let i = 0; i < 4; i++) photos.push(await writePhoto(path.join(dir, `p${i}.jpg`), { width: 160 + 16 * i, height: 120, seed: i }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DetectWorkerPool', () => {
  it('detects on two workers, one failure does not stop the others', async () => {
    const pool = await DetectWorkerPool.start({ modelPath: TINY_MODEL, workers: 2, load: { device: 'cpu' } });
    try {
      expect(pool.status).toMatchObject({ device: 'cpu', workers: 2, intraOpThreads: 1 });
      expect(pool.status.info.name).toBe('defusionnet-tiny-fixture');
      const corrupt = path.join(dir, 'corrupt.jpg');
      await writeFile(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
      const settled = await Promise.allSettled([...photos, corrupt].map((photo) => pool.detect(photo)));
      for (let i = 0; i < photos.length; i++) {
        const result = settled[i]!;
        expect(result.status).toBe('fulfilled');
        if (result.status === 'fulfilled') expect([result.value.width, result.value.height]).toEqual([160 + 16 * i, 120]);
      }
      const failure = settled[photos.length]!;
      expect(failure.status).toBe('rejected');
      if (failure.status === 'rejected') {
        expect(failure.reason).toMatchObject({ code: 'bad-image' });
        expect((failure.reason as Error).message).toContain(corrupt);
      }
    } finally {
      await pool.close();
    }
  });

  it('refuses a bad model at start with the contract\'s message', async () => {
    const bad = path.join(FIXTURE_MODELS, 'wrong-output.onnx');
    await expect(DetectWorkerPool.start({ modelPath: bad, workers: 2 })).rejects.toMatchObject({
      code: 'bad-model',
      message: expect.stringContaining(`Model file ${bad} breaks the model-file contract`),
    });
  });

  it('cancels photos still waiting for a worker', async () => {
    const pool = await DetectWorkerPool.start({ modelPath: TINY_MODEL, workers: 1, load: { device: 'cpu' } });
    try {
      const running = pool.detect(photos[0]!);
      const waiting = [pool.detect(photos[1]!), pool.detect(photos[2]!)].map((photo) => photo.then(() => null, (error: unknown) => error));
      expect(pool.pending).toBe(2);
      expect(pool.cancelPending()).toBe(2);
      await expect(running).resolves.toMatchObject({ width: 160 });
      for (const error of await Promise.all(waiting)) expect(error).toMatchObject({ code: 'cancelled' });
    } finally {
      await pool.close();
    }
    await expect(pool.detect(photos[0]!)).rejects.toMatchObject({ code: 'unavailable' });
  });
});
