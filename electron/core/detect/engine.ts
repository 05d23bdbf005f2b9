/**
 * Inference sessions: one per (model file, device, threads), created once and reused for
 * every photo. Creating a session checks the file against the contract, starts the best
 * device that works (falling back with reasons) and runs a small probe through it, so a
 * model that loads but breaks the contract at run time is refused before any photo is.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { InferenceSession, Tensor, env } from 'onnxruntime-node';
import { StudioError } from '../../api/errors';
import type { DetectDevice, DeviceFallback, DeviceRequest } from '../../api/types';
import { fallbackSummary, planDevices, shortReason } from './devices';
import { INPUT_NAME, OUTPUT_NAME, checkProbeOutput, loadModelFile } from './modelContract';
import type { ModelInfo } from './modelContract';

/** Session settings the benchmark tunes; the defaults are what it found best on CPU. */
export interface SessionTuning {
  /** Threads inside one operator; default: the cores divided among the pool's workers. */
  intraOpThreads?: number;
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Pre-plans activation buffers for repeated shapes (the input size rarely changes). */
  memoryPattern?: boolean;
  cpuMemArena?: boolean;
  /**
   * Let idle intra-op threads spin instead of sleeping. Off by default: spinning wins a
   * little on an idle machine, but next to the UI, sharp and other processes it burns the
   * cores the others need (on 2 busy cores, 2 threads took 490 ms spinning, 358 ms not).
   */
  spinning?: boolean;
}

export interface LoadOptions extends SessionTuning {
  device?: DeviceRequest;
}

/** A ready session and how it came to be. */
export interface LoadedModel {
  info: ModelInfo;
  session: InferenceSession;
  device: DetectDevice;
  requestedDevice: DeviceRequest;
  fallbacks: DeviceFallback[];
  /** Why `device` is not the first choice, in one sentence; null when it is. */
  fallbackReason: string | null;
  intraOpThreads: number;
}

// onnxruntime's own logger prints a provider that fails to start (no CUDA library, no
// GPU adapter) as an error on stderr; that is an expected fallback, reported by us with
// its reason, and every real failure still arrives as an exception.
env.logLevel = 'fatal';

/** Side of the probe input: big enough for every pooling level of DeFusionNET. */
const PROBE_SIZE = 64;

/** Threads for one of `workers` sessions sharing this machine's cores. */
export function threadsPerWorker(workers: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}

function sessionOptions(device: DetectDevice, tuning: SessionTuning): InferenceSession.SessionOptions {
  return {
    executionProviders: [device],
    graphOptimizationLevel: tuning.graphOptimization ?? 'all',
    intraOpNumThreads: tuning.intraOpThreads ?? threadsPerWorker(1),
    // DeFusionNET is one chain of convolutions: parallel branches would only fight the
    // intra-op threads for the same cores.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableMemPattern: tuning.memoryPattern ?? true,
    enableCpuMemArena: tuning.cpuMemArena ?? true,
    // Errors only: a provider that fails to start is reported by us, with its reason.
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: tuning.spinning ? '1' : '0' } } },
  };
}

/** Runs the model on a [n,3,h,w] batch and returns the [n,1,h,w] probabilities. */
export async function runModel(session: InferenceSession, batch: Float32Array, n: number, h: number, w: number): Promise<Float32Array> {
  const feeds = { [INPUT_NAME]: new Tensor('float32', batch, [n, 3, h, w]) };
  const output = (await session.run(feeds))[OUTPUT_NAME];
  if (!output || !(output.data instanceof Float32Array)) {
    throw new StudioError('bad-model', `The model returned no float32 '${OUTPUT_NAME}' output`);
  }
  return output.data;
}

async function startOn(device: DetectDevice, info: ModelInfo, bytes: Uint8Array, tuning: SessionTuning): Promise<InferenceSession> {
  const session = await InferenceSession.create(bytes, sessionOptions(device, tuning));
  try {
    const dims = [1, 3, PROBE_SIZE, PROBE_SIZE];
    const probe = new Float32Array(3 * PROBE_SIZE * PROBE_SIZE).fill(0.5);
    const output = (await session.run({ [INPUT_NAME]: new Tensor('float32', probe, dims) }))[OUTPUT_NAME];
    if (!output || !(output.data instanceof Float32Array)) {
      throw new StudioError('bad-model', `Model file ${info.path} breaks the model-file contract: its output '${OUTPUT_NAME}' is not float32`, { file: info.path });
    }
    checkProbeOutput(info.path, dims, output.dims, output.data);
    return session;
  } catch (error) {
    await session.release();
    throw error;
  }
}

/**
 * Checks the model file and starts a session on the best device for `options.device`.
 * Throws StudioError('bad-model') when the file breaks the contract or even the CPU
 * cannot run it.
 */
export async function loadModel(modelPath: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const { info, bytes } = await loadModelFile(modelPath);
  const requestedDevice = options.device ?? 'auto';
  const plan = planDevices(requestedDevice);
  const fallbacks: DeviceFallback[] = [...plan.skipped];
  for (const device of plan.candidates) {
    try {
      const session = await startOn(device, info, bytes, options);
      // Skipped and failed devices, reported best first whatever happened to each.
      fallbacks.sort((a, b) => plan.order.indexOf(a.device) - plan.order.indexOf(b.device));
      return {
        info,
        session,
        device,
        requestedDevice,
        fallbacks,
        fallbackReason: fallbackSummary(device, fallbacks),
        intraOpThreads: options.intraOpThreads ?? threadsPerWorker(1),
      };
    } catch (error) {
      // A contract failure is the model's fault, not the device's: no point trying others.
      if (error instanceof StudioError) throw error;
      if (device === 'cpu') {
        throw new StudioError('bad-model', `Model file ${info.path} cannot be run by onnxruntime: ${shortReason(error)}`, { file: info.path });
      }
      fallbacks.push({ device, reason: `failed to start: ${shortReason(error)}` });
    }
  }
  // planDevices always ends with the CPU, which either returned or threw above.
  throw new StudioError('internal', 'no device was tried');
}

/**
 * Keeps loaded models by (file, its size and mtime, device, tuning): asking again for the
 * same model reuses the session; a re-exported file gets a new one.
 */
export class SessionCache {
  readonly #sessions = new Map<string, Promise<LoadedModel>>();

  async get(modelPath: string, options: LoadOptions = {}): Promise<LoadedModel> {
    let version = 'missing';
    try {
      const stats = await stat(modelPath);
      version = `${stats.size}:${stats.mtimeMs}`;
    } catch {
      // loadModel reports the missing file with the contract's message.
    }
    const key = JSON.stringify([modelPath, version, options.device ?? 'auto', options.intraOpThreads ?? null,
      options.graphOptimization ?? null, options.memoryPattern ?? null, options.cpuMemArena ?? null, options.spinning ?? null]);
    let loaded = this.#sessions.get(key);
    if (!loaded) {
      loaded = loadModel(modelPath, options);
      this.#sessions.set(key, loaded);
      // A failed load is not cached: the user may fix the file and try again.
      loaded.catch(() => this.#sessions.delete(key));
    }
    return loaded;
  }

  async releaseAll(): Promise<void> {
    const pending = [...this.#sessions.values()];
    this.#sessions.clear();
    for (const loaded of await Promise.allSettled(pending)) {
      if (loaded.status === 'fulfilled') await loaded.value.session.release();
    }
  }
}
