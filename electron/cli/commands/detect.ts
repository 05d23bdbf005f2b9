/**
 * `defusion detect <files or folders...> --out DIR`: the probability map of every photo
 * at its own size (DIR/<stem>.png, 255 = surely blurred) and, with --masks, the binary
 * mask (DIR/<stem>_mask.png). No database needed.
 *
 * Exit codes: 0 every photo done, 1 some photos failed (each listed with its reason),
 * 2 usage error or no usable model (the message says what is wrong with it).
 */
import { parseArgs } from 'node:util';
import { StudioError } from '../../api/errors';
import { collectPhotoInputs, detectFiles } from '../../core/detect/detectFiles';
import { DEVICE_LABELS, DEVICE_REQUESTS, isDeviceRequest } from '../../core/detect/devices';
import { resolveModelPath } from '../../core/detect/modelPath';
import { isValidSize } from '../../core/detect/modelContract';
import { DetectWorkerPool } from '../../core/detect/workerPool';
import type { DeviceRequest } from '../../api/types';

export const summary = 'detect defocus blur in photos and write probability maps (and masks)';

export const usage = `Usage: defusion detect <files or folders...> --out DIR [options]

Writes DIR/<stem>.png: the 8-bit probability map of defocus blur at the photo's own size
(after EXIF orientation; 255 = surely blurred). Folders are searched recursively and
their sub-folders are mirrored under DIR.

Options:
  --out DIR          output folder (required; created if needed)
  --model FILE       ONNX model (default: the bundled models/defusionnet-cuhk.onnx)
  --device NAME      ${DEVICE_REQUESTS.join('|')} (default auto: the best that starts)
  --size N           model input size, a multiple of 32 (default: the model's own, else 320)
  --tile             overlapping tiles at a higher resolution: sharper boundaries on big photos
  --threshold T      mask threshold in 0..1 (default 0.5; implies nothing without --masks)
  --masks            also write DIR/<stem>_mask.png, the binary mask (0/255) at --threshold
  --workers N        inference worker threads (default 1)
  --json             print one JSON document with every result on stdout
  -h, --help         show this help

Exit status: 0 all photos done, 1 some failed (each listed), 2 usage error or unusable model.`;

interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

function usageError(streams: Streams, message: string): number {
  streams.stderr.write(`defusion detect: ${message}\n\n${usage}\n`);
  return 2;
}

function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export async function run(argv: string[], streams: Streams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        model: { type: 'string' },
        device: { type: 'string', default: 'auto' },
        size: { type: 'string' },
        tile: { type: 'boolean', default: false },
        threshold: { type: 'string' },
        masks: { type: 'boolean', default: false },
        workers: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return usageError(streams, error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    streams.stdout.write(`${usage}\n`);
    return 0;
  }
  if (positionals.length === 0) return usageError(streams, 'no photos given');
  if (!values.out) return usageError(streams, '--out DIR is required');
  const device = values.device;
  if (!isDeviceRequest(device)) return usageError(streams, `--device must be one of ${DEVICE_REQUESTS.join(', ')}, not '${device}'`);
  const size = values.size === undefined ? undefined : Number(values.size);
  if (size !== undefined && !isValidSize(size)) return usageError(streams, `--size must be a positive multiple of 32, not '${values.size}'`);
  const threshold = values.threshold === undefined ? 0.5 : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) return usageError(streams, `--threshold must be a number in 0..1, not '${values.threshold}'`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) return usageError(streams, `--workers must be a whole number from 1 to 64, not '${values.workers}'`);

  const json = values.json;
  // With --json, stdout carries only the JSON document; everything for people goes to stderr.
  const say = (line: string): void => {
    (json ? streams.stderr : streams.stdout).write(`${line}\n`);
  };

  let pool: DetectWorkerPool;
  try {
    const modelPath = resolveModelPath(values.model);
    pool = await DetectWorkerPool.start({ modelPath, workers, load: { device: device as DeviceRequest } });
  } catch (error) {
    if (error instanceof StudioError) {
      streams.stderr.write(`defusion detect: ${error.message}\n`);
      if (json) streams.stdout.write(`${JSON.stringify({ error: error.toPayload() }, null, 2)}\n`);
      return 2;
    }
    throw error;
  }

  try {
    const status = pool.status;
    const model = status.info;
    say(`Model: ${model.name} ${model.version} (${model.path})`);
    say(`Device: ${DEVICE_LABELS[status.device]} (asked: ${status.requestedDevice}; ${status.workers} worker(s) x ${status.intraOpThreads} thread(s))`);
    if (status.fallbackReason) say(`Fallback: ${status.fallbackReason}`);

    const collected = await collectPhotoInputs(positionals);
    const total = collected.photos.length;
    say(`Photos: ${total} → ${values.out}${values.tile ? ' (tiled)' : ''}`);
    const startedAt = performance.now();
    const tty = streams.stderr.isTTY === true;
    const result = await detectFiles(pool, collected.photos, {
      outDir: values.out,
      detect: { size, tiles: values.tile, maskThreshold: values.masks ? threshold : null },
      onProgress: (done, all, input, failure) => {
        const elapsed = (performance.now() - startedAt) / 1000;
        const rate = elapsed > 0 ? done / elapsed : 0;
        const eta = rate > 0 ? (all - done) / rate : null;
        const line = `[${done}/${all}] ${rate.toFixed(2)} img/s, ETA ${formatSeconds(eta)}  ${failure ? `FAILED ${input}` : input}`;
        if (tty) streams.stderr.write(`\r\x1b[K${line}${done === all ? '\n' : ''}`);
        else streams.stderr.write(`${line}\n`);
      },
    });
    const failures = [...collected.failures, ...result.failures];
    const imagesPerSecond = result.seconds > 0 ? result.results.length / result.seconds : null;

    if (json) {
      streams.stdout.write(`${JSON.stringify({
        model: { name: model.name, version: model.version, file: model.path, hash: model.hash, inputSize: model.inputSize, metadata: model.metadata },
        device: status.device,
        requestedDevice: status.requestedDevice,
        fallbacks: status.fallbacks,
        fallbackReason: status.fallbackReason,
        workers: status.workers,
        outDir: values.out,
        options: { size: size ?? model.inputSize, tiled: values.tile, masks: values.masks, threshold },
        results: result.results.map((item) => ({ input: item.input, output: item.output, mask: item.mask, ...item.prediction })),
        failures,
        seconds: result.seconds,
        imagesPerSecond,
      }, null, 2)}\n`);
    }
    say(`Detected ${result.results.length} of ${total + collected.failures.length} photo(s) in ${result.seconds.toFixed(1)} s` +
      (imagesPerSecond === null ? '' : ` (${imagesPerSecond.toFixed(2)} img/s)`));
    if (failures.length > 0) {
      streams.stderr.write(`Failed (${failures.length}):\n${failures.map((failure) => `  ${failure.input}: ${failure.reason}\n`).join('')}`);
      return 1;
    }
    return 0;
  } finally {
    await pool.close();
  }
}
