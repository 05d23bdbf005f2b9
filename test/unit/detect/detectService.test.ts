/**
 * Which model the studio detects with and what `detect.status` says about it: the model
 * given at start wins, else the registry's active model, else the bundled one; a bad or
 * missing model is reported as the status's error instead of throwing.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DetectService } from '../../../electron/core/detect/detectService';
import { BUNDLED_MODEL, findBundledModel } from '../../../electron/core/detect/modelPath';
import { defaultWorkerCount } from '../../../electron/core/detect/workerPool';
import { JobQueue } from '../../../electron/core/jobs/jobQueue';
import { Store } from '../../../electron/core/store/store';
import { FIXTURE_MODELS, TINY_MODEL } from './fixturePhotos';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function service(modelPath?: string): { detect: DetectService; store: Store } {
  const store = Store.open(':memory:', { log: () => {} });
  const jobs = new JobQueue({ persistence: store, onError: () => {} });
  const detect = new DetectService({ store, jobs, modelPath, device: 'cpu' });
  cleanups.push(() => store.close(), () => jobs.close(), () => detect.dispose());
  return { detect, store };
}

describe('DetectService', () => {
  it('reports the model given at start, registered by hash, and the device', async () => {
    const { detect, store } = service(TINY_MODEL);
    const status = await detect.status();
    expect(status).toMatchObject({ device: 'cpu', requestedDevice: 'cpu', error: null, workers: defaultWorkerCount(), fallbacks: [] });
    expect(status.model).toMatchObject({ name: 'defusionnet-tiny-fixture', file: TINY_MODEL, inputSize: 64 });
    const registered = store.listModels();
    expect(registered).toHaveLength(1);
    expect(registered[0]).toMatchObject({ id: status.model!.id, hash: status.model!.hash, name: 'defusionnet-tiny-fixture' });
    expect(registered[0]!.metadata.contract).toBe('defusion-model/1');
  });

  it('uses the active model of the registry when none is given', async () => {
    const { detect, store } = service();
    const model = store.registerModel({ name: 'tiny', version: '0.0.1', file: TINY_MODEL, hash: 'not-the-real-hash' });
    store.activateModel(model.id);
    expect(detect.modelPath()).toBe(TINY_MODEL);
    expect((await detect.status()).model!.file).toBe(TINY_MODEL);
  });

  it('falls back to the bundled model, or says that it is missing', async () => {
    const { detect } = service();
    const bundled = findBundledModel();
    if (bundled) {
      expect(detect.modelPath()).toBe(bundled);
    } else {
      const status = await detect.status();
      expect(status.model).toBeNull();
      expect(status.device).toBeNull();
      expect(status.error).toContain(`The bundled model ${BUNDLED_MODEL} is missing`);
    }
  });

  it('reports a bad model as the status\'s error', async () => {
    const bad = path.join(FIXTURE_MODELS, 'wrong-output.onnx');
    const { detect } = service(bad);
    const status = await detect.status();
    expect(status.model).toBeNull();
    expect(status.error).toContain(`Model file ${bad} breaks the model-file contract`);
  });
});
