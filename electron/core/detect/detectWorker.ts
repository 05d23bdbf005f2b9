/**
 * A detection worker thread: loads one model on one device (from `workerData`), then
 * detects photos one at a time as the pool sends them. Decoding, inference, resizing and
 * PNG encoding all happen here, so the main thread (the UI's IPC, the server) only ever
 * receives finished PNG bytes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StudioError, toErrorPayload } from '../../api/errors';
import type { ErrorPayload } from '../../api/errors';
import { PhotoReadError } from '../library/photoReadError';
import { detectPhoto } from './detectPhoto';
import type { DetectOptions, PhotoPrediction } from './detectPhoto';
import { loadModel } from './engine';
import type { LoadOptions, LoadedModel } from './engine';
import type { ModelInfo } from './modelContract';
import type { DetectDevice, DeviceFallback, DeviceRequest } from '../../api/types';

export interface DetectWorkerData {
  modelPath: string;
  load: LoadOptions;
}

/** The loaded model as the pool reports it (the session itself stays in the worker). */
export interface WorkerModel {
  info: ModelInfo;
  device: DetectDevice;
  requestedDevice: DeviceRequest;
  fallbacks: DeviceFallback[];
  fallbackReason: string | null;
  intraOpThreads: number;
}

export type WorkerRequest = { type: 'detect'; id: number; photoPath: string; options: DetectOptions };

export type WorkerResponse =
  | { type: 'ready'; model: WorkerModel }
  | { type: 'load-failed'; error: ErrorPayload }
  | { type: 'result'; id: number; prediction: PhotoPrediction }
  | { type: 'failed'; id: number; error: ErrorPayload };

/** Errors as they cross the thread boundary; an unreadable photo is 'bad-image'. */
export function workerErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof PhotoReadError) {
    return { code: 'bad-image', message: error.message, details: { reason: error.reason, readCode: error.code } };
  }
  if (error instanceof StudioError) return error.toPayload();
  return toErrorPayload(error);
}

function summary(model: LoadedModel): WorkerModel {
  return {
    info: model.info,
    device: model.device,
    requestedDevice: model.requestedDevice,
    fallbacks: model.fallbacks,
    fallbackReason: model.fallbackReason,
    intraOpThreads: model.intraOpThreads,
  };
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('detectWorker.ts runs as a worker thread');
  const data = workerData as DetectWorkerData;
  const post = (message: WorkerResponse): void => port.postMessage(message);
  let model: LoadedModel;
  try {
    model = await loadModel(data.modelPath, data.load);
  } catch (error) {
    post({ type: 'load-failed', error: workerErrorPayload(error) });
    return;
  }
  port.on('message', (request: WorkerRequest) => {
    detectPhoto(model, request.photoPath, request.options).then(
      (prediction) => post({ type: 'result', id: request.id, prediction }),
      (error: unknown) => post({ type: 'failed', id: request.id, error: workerErrorPayload(error) }),
    );
  });
  post({ type: 'ready', model: summary(model) });
}

void serve();
