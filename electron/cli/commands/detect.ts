/**
 * `defusion detect <files or folders...> --out DIR`: the probability map of every photo
 * at its own size (DIR/<stem>.png, 255 = surely blurred) and, with --masks, the binary
 * mask (DIR/<stem>_mask.png). No database needed.
 *
 * Exit codes: 0 every photo done, 1 some photos failed (each listed with its reason),
 * 2 usage error or no usable model (the message says what is wrong with it).
 */
import { StudioError } from '../../api/errors';
import type { DeviceRequest } from '../../api/types';
import { collectPhotoInputs, detectFiles } from '../../core/detect/detectFiles';
import { DEVICE_LABELS, DEVICE_REQUESTS, isDeviceRequest } from '../../core/detect/devices';
import { isValidSize } from '../../core/detect/modelContract';
import { resolveModelPath } from '../../core/detect/modelPath';
import { DetectWorkerPool, defaultWorkerCount } from '../../core/detect/workerPool';
import { UsageError, parseCommandArgs, reportUsageError } from '../args';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, defaultStreams } from '../command';
import type { CommandStreams } from '../command';

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
  --workers N        inference worker threads (default 2; 1 on a one-core machine)
  --json             print one JSON document with every result on stdout
  -h, --help         show this help

Exit status: 0 all photos done, 1 some failed (each listed), 2 usage error or unusable model.`;

function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

interface DetectArgs {
  inputs: string[];
  out: string;
  model: string | undefined;
  device: DeviceRequest;
  size: number | undefined;
  tile: boolean;
  threshold: number;
  masks: boolean;
  workers: number;
  json: boolean;
}

/** The command line as checked options; throws UsageError. Null for --help. */
function parseDetectArgs(argv: string[]): DetectArgs | null {
  const { values, positionals } = parseCommandArgs(argv, {
    out: { type: 'string' },
    model: { type: 'string' },
    device: { type: 'string', default: 'auto' },
    size: { type: 'string' },
    tile: { type: 'boolean', default: false },
    threshold: { type: 'string' },
    masks: { type: 'boolean', default: false },
    workers: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return null;
  if (positionals.length === 0) throw new UsageError('no photos given');
  if (!values.out) throw new UsageError('--out DIR is required');
  if (!isDeviceRequest(values.device)) throw new UsageError(`--device must be one of ${DEVICE_REQUESTS.join(', ')}, not '${values.device}'`);
  const size = values.size === undefined ? undefined : Number(values.size);
  if (size !== undefined && !isValidSize(size)) throw new UsageError(`--size must be a positive multiple of 32, not '${values.size}'`);
  const threshold = values.threshold === undefined ? 0.5 : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError(`--threshold must be a number in 0..1, not '${values.threshold}'`);
  const workers = values.workers === undefined ? defaultWorkerCount() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`--workers must be a whole number from 1 to 64, not '${values.workers}'`);
  return {
    inputs: positionals,
    out: values.out,
    model: values.model,
    device: values.device,
    size,
    tile: values.tile,
    threshold,
    masks: values.masks,
    workers,
    json: values.json,
  };
}

export async function run(argv: string[], streams: CommandStreams = defaultStreams()): Promise<number> {
  let values: DetectArgs | null;
  try {
    values = parseDetectArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError('detect', usage, error.message, streams);
    throw error;
  }
  if (values === null) {
    streams.stdout.write(`${usage}\n`);
    return EXIT_OK;
  }
  const { size, threshold, workers, device } = values;
  const positionals = values.inputs;

  const json = values.json;
  // With --json, stdout carries only the JSON document; everything for people goes to stderr.
  const say = (line: string): void => {
    (json ? streams.stderr : streams.stdout).write(`${line}\n`);
  };

  let pool: DetectWorkerPool;
  try {
    const modelPath = resolveModelPath(values.model);
    pool = await DetectWorkerPool.start({ modelPath, workers, load: { device } });
  } catch (error) {
    if (error instanceof StudioError) {
      streams.stderr.write(`defusion detect: ${error.message}\n`);
      if (json) streams.stdout.write(`${JSON.stringify({ error: error.toPayload() }, null, 2)}\n`);
      return EXIT_USAGE;
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
      return EXIT_SOME_FAILED;
    }
    return EXIT_OK;
  } finally {
    await pool.close();
  }
}
