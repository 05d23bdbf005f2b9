/**
 * Detection benchmark: `npx tsx test/bench/detect.ts [--model FILE] [--runs N] [--photos N] [--keep]`
 * (`npm run bench -- detect`). Default model: the bundled one.
 *
 * 1. Model only, 320 x 320, one image: onnxruntime-node over a grid of session settings
 *    (intra-op threads, graph optimisation level, memory pattern, spinning threads),
 *    PyTorch CPU eager on the same weights (the checkpoint `<model>.pt` next to the ONNX
 *    file, timed by the training package's Python in the same run), alternating run by run
 *    with the best onnxruntime setting so that both see the same machine load. fp16 (converted
 *    with onnx) and int8 (onnxruntime's static quantiser, calibrated on other sample photos)
 *    are kept only when their maps stay within 0.005 MAE of fp32. `speedup_vs_pytorch` = PyTorch
 *    time / onnxruntime-node time (p50, fp32: the file the studio runs).
 * 2. End to end per photo (decode, resize, infer, resize back, encode) for generated
 *    1 MP and 12 MP JPEGs: p50/p95 and the share of each stage.
 * 3. Batch throughput over N photos (default 200) through the worker pool, 1 and 2 workers.
 * 4. The model it replaced (`--previous FILE`, default models/previous/): both at 320 x 320
 *    with the best setting, alternating run by run, and both models' held-out metrics as
 *    the current model's card scored them on the same report photos.
 *
 * Writes every figure, the machine and the model to bench-results/detect.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { detectFiles } from '../../electron/core/detect/detectFiles';
import type { PhotoInput } from '../../electron/core/detect/detectFiles';
import { detectPhoto } from '../../electron/core/detect/detectPhoto';
import type { StageTimings } from '../../electron/core/detect/detectPhoto';
import { loadModel, runModel } from '../../electron/core/detect/engine';
import type { LoadedModel, SessionTuning } from '../../electron/core/detect/engine';
import { resolveModelPath } from '../../electron/core/detect/modelPath';
import { decodePhoto, resizeRgb, rgbToChw } from '../../electron/core/detect/preprocess';
import { DetectWorkerPool } from '../../electron/core/detect/workerPool';
import { REPO_ROOT, SAMPLE_IMAGES, writePhoto } from '../unit/detect/fixturePhotos';
import { interpolatedPercentile, round } from './support/benchMath';
import { FP16_SCRIPT, INT8_SCRIPT, TORCH_SCRIPT, python, startTorchServer } from './support/pythonHelpers';

const USAGE = 'usage: npx tsx test/bench/detect.ts [--model FILE] [--previous FILE] [--runs N] [--photos N] [--keep]';
const PREVIOUS_MODEL = path.join('models', 'previous', 'defusionnet-cuhk-0.2.0.onnx');
const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    previous: { type: 'string' },
    runs: { type: 'string', default: '15' },
    photos: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
  },
});
const maxRuns = Number(values.runs);
const batchPhotos = Number(values.photos);
if (!Number.isInteger(maxRuns) || maxRuns < 3 || !Number.isInteger(batchPhotos) || batchPhotos < 1) {
  console.error(USAGE);
  process.exit(2);
}

const SIZE = 320;
/** Each timed setting runs for about this long (at least 3 runs, at most --runs). */
const BUDGET_MS = 2500;
const MAE_TOLERANCE = 0.005;
/** Photos the int8 quantiser calibrates on: none of them is among those its maps are judged on. */
const CALIBRATION_PHOTOS = ['autumn-meadow', 'colourful-cups', 'fig-bowl', 'forest-stream', 'mountain-path', 'rocket-launch'];
const cores = os.availableParallelism();

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

// ---------------------------------------------------------------- statistics

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

interface Timing {
  runs: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  minMs: number;
}

function timing(times: readonly number[]): Timing {
  return {
    runs: times.length,
    p50Ms: round(interpolatedPercentile(times, 50)),
    p95Ms: round(interpolatedPercentile(times, 95)),
    meanMs: round(mean(times)),
    minMs: round(Math.min(...times)),
  };
}

/**
 * Times two runners in pairs, alternating which goes first so that neither always follows
 * the other and both see the same machine load. ratios = second / first, pair by pair.
 */
async function alternate(first: () => Promise<number>, second: () => Promise<number>, pairs: number): Promise<{ first: number[]; second: number[]; ratios: number[] }> {
  const firstTimes: number[] = [];
  const secondTimes: number[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      firstTimes.push(await first());
      secondTimes.push(await second());
    } else {
      secondTimes.push(await second());
      firstTimes.push(await first());
    }
  }
  return { first: firstTimes, second: secondTimes, ratios: secondTimes.map((time, i) => time / firstTimes[i]!) };
}

/** Runs `once` twice to warm up, then for BUDGET_MS (3..maxRuns runs); returns the run times. */
async function timeRuns(once: () => Promise<unknown>): Promise<number[]> {
  await once();
  const first = performance.now();
  await once();
  const firstMs = performance.now() - first;
  const runs = Math.max(3, Math.min(maxRuns, Math.ceil(BUDGET_MS / Math.max(1, firstMs))));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  return times;
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

// ---------------------------------------------------------------- 1. model only

interface SettingResult extends Timing {
  intraOpThreads: number;
  graphOptimization: string;
  memoryPattern: boolean;
  spinning: boolean;
}

async function modelOnly(modelPath: string, work: string): Promise<Record<string, unknown>> {
  // A real photo as input, so that the output can be compared with PyTorch's.
  const photo = await decodePhoto(path.join(SAMPLE_IMAGES, 'astronaut.jpg'));
  const input = rgbToChw(await resizeRgb(photo, SIZE, SIZE), SIZE, SIZE);
  const inputPath = path.join(work, 'input.f32');
  await writeFile(inputPath, Buffer.from(input.buffer));

  // One thread: every optimisation level, with and without the memory pattern. All the
  // cores: the two strongest levels, and spinning threads on and off.
  const settings: SessionTuning[] = [];
  for (const graphOptimization of ['disabled', 'basic', 'extended', 'all'] as const) {
    for (const memoryPattern of [true, false]) settings.push({ intraOpThreads: 1, graphOptimization, memoryPattern, spinning: false });
  }
  if (cores > 1) {
    for (const graphOptimization of ['extended', 'all'] as const) {
      for (const memoryPattern of [true, false]) {
        for (const spinning of [false, true]) settings.push({ intraOpThreads: cores, graphOptimization, memoryPattern, spinning });
      }
    }
  }
  const results: SettingResult[] = [];
  let onnxOutput: Float32Array | null = null;
  for (const setting of settings) {
    const model = await loadModel(modelPath, { device: 'cpu', ...setting });
    try {
      const times = await timeRuns(async () => runModel(model.session, input, 1, SIZE, SIZE));
      const result = { intraOpThreads: setting.intraOpThreads!, graphOptimization: setting.graphOptimization!, memoryPattern: setting.memoryPattern!, spinning: setting.spinning!, ...timing(times) };
      results.push(result);
      log(`  onnxruntime threads=${result.intraOpThreads} opt=${result.graphOptimization} memPattern=${result.memoryPattern} spinning=${result.spinning}: p50 ${result.p50Ms} ms`);
      onnxOutput ??= await runModel(model.session, input, 1, SIZE, SIZE);
    } finally {
      await model.session.release();
    }
  }
  const best = results.reduce((a, b) => (b.p50Ms < a.p50Ms ? b : a));
  const bestTuning: SessionTuning = {
    intraOpThreads: best.intraOpThreads,
    graphOptimization: best.graphOptimization as SessionTuning['graphOptimization'],
    memoryPattern: best.memoryPattern,
    spinning: best.spinning,
  };

  // PyTorch eager on the same weights. Its threads are tuned first (best against best);
  // then the two engines alternate run by run, so that both see the same machine load
  // while other processes come and go.
  const checkpoint = modelPath.replace(/\.onnx$/i, '.pt');
  const model = await loadModel(modelPath, { device: 'cpu', ...bestTuning });
  let pytorch: Record<string, unknown> = { skipped: `no checkpoint ${checkpoint} next to the model` };
  let torchOutput: Float32Array | null = null;
  let ortTimes: number[] = [];
  let pairedRatioMedian: number | null = null;
  const sampleOutputs: Float32Array[] = [];
  const sampleInputs: Float32Array[] = [];
  const ortOnce = async (): Promise<number> => {
    const start = performance.now();
    await runModel(model.session, input, 1, SIZE, SIZE);
    return performance.now() - start;
  };
  try {
    if (existsSync(checkpoint)) {
      const outputPath = path.join(work, 'torch-output.f32');
      const threadList = [...new Set([1, cores])].join(',');
      const tuned = python(TORCH_SCRIPT, [checkpoint, inputPath, outputPath, String(SIZE), String(maxRuns), threadList, String(BUDGET_MS)], cores);
      if (!tuned.ok) {
        pytorch = { skipped: `PyTorch could not run the checkpoint: ${tuned.stderr.trim().split('\n').pop()}` };
      } else {
        const parsed = JSON.parse(tuned.stdout.trim().split('\n').pop()!) as { results: { threads: number; times_ms: number[] }[]; torch: string };
        const settings = parsed.results.map((result) => ({ threads: result.threads, ...timing(result.times_ms) }));
        for (const setting of settings) log(`  PyTorch eager threads=${setting.threads}: p50 ${setting.p50Ms} ms`);
        const threads = settings.reduce((a, b) => (b.p50Ms < a.p50Ms ? b : a)).threads;
        const bytes = await readFile(outputPath);
        torchOutput = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

        const server = await startTorchServer(checkpoint, inputPath, SIZE, threads);
        try {
          await server.run();
          await ortOnce();
          const first = (await server.run()) + (await ortOnce());
          const pairs = Math.max(5, Math.min(2 * maxRuns, Math.ceil((3 * BUDGET_MS) / first)));
          const paired = await alternate(ortOnce, () => server.run(), pairs);
          ortTimes = paired.first;
          const torchTimes = paired.second;
          const ratios = paired.ratios;
          pairedRatioMedian = round(interpolatedPercentile(ratios, 50), 3);
          pytorch = { checkpoint, version: parsed.torch, mode: 'eager, torch.no_grad()', threads, settings, ...timing(torchTimes) };
        } finally {
          server.close();
        }
      }
    }
    if (ortTimes.length === 0) ortTimes = await timeRuns(ortOnce);
    for (const name of ['coffee', 'forest-path', 'moss-one-stands-out', 'evening-boats']) {
      const sample = await decodePhoto(path.join(SAMPLE_IMAGES, `${name}.jpg`));
      const tensor = rgbToChw(await resizeRgb(sample, SIZE, SIZE), SIZE, SIZE);
      sampleInputs.push(tensor);
      sampleOutputs.push(await runModel(model.session, tensor, 1, SIZE, SIZE));
    }
  } finally {
    await model.session.release();
  }
  const final = timing(ortTimes);
  log(`  alternating run by run: onnxruntime p50 ${final.p50Ms} ms, PyTorch p50 ${(pytorch as Partial<Timing>).p50Ms ?? '-'} ms (median pair ratio ${pairedRatioMedian ?? '-'})`);
  const parity = torchOutput && onnxOutput
    ? { maxAbsDiff: maxAbsDiff(onnxOutput, torchOutput), mae: meanAbsDiff(onnxOutput, torchOutput) }
    : null;

  // Reduced precision, kept only within MAE_TOLERANCE of the fp32 maps.
  const variants: Record<string, unknown> = {};
  type Judged = Timing & { mae: number; accepted: boolean };
  /** Times a converted model file and compares its maps with fp32's on the sample photos. */
  const judge = async (label: string, file: string, note: string): Promise<Judged> => {
    const converted = await loadModel(file, { device: 'cpu', ...bestTuning });
    try {
      const times = await timeRuns(async () => runModel(converted.session, input, 1, SIZE, SIZE));
      const maes: number[] = [];
      for (const [i, tensor] of sampleInputs.entries()) maes.push(meanAbsDiff(await runModel(converted.session, tensor, 1, SIZE, SIZE), sampleOutputs[i]!));
      const mae = mean(maes);
      const judged = { ...timing(times), mae, accepted: mae <= MAE_TOLERANCE };
      variants[label] = { ...judged, fileBytes: readFileSync(file).length, note: `${note}MAE of the probability maps against fp32 over ${maes.length} sample photos; accepted when <= ${MAE_TOLERANCE}` };
      log(`  ${label}: p50 ${judged.p50Ms} ms, MAE vs fp32 ${mae.toExponential(2)} (${judged.accepted ? 'accepted' : 'refused'})`);
      return judged;
    } finally {
      await converted.session.release();
    }
  };

  const fp16Path = path.join(work, 'model-fp16.onnx');
  const converted = python(FP16_SCRIPT, [modelPath, fp16Path], cores);
  let fp16: Judged | null = null;
  if (!converted.ok) {
    variants.fp16 = { skipped: `conversion failed: ${converted.stderr.trim().split('\n').pop()}` };
  } else {
    try {
      fp16 = await judge('fp16', fp16Path, '');
    } catch (error) {
      variants.fp16 = { skipped: `onnxruntime could not run the fp16 model: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  // int8, calibrated on other photos than those its maps are judged on.
  const calibration: string[] = [];
  for (const name of CALIBRATION_PHOTOS) {
    const photo = await decodePhoto(path.join(SAMPLE_IMAGES, `${name}.jpg`));
    const file = path.join(work, `calibration-${name}.f32`);
    await writeFile(file, Buffer.from(rgbToChw(await resizeRgb(photo, SIZE, SIZE), SIZE, SIZE).buffer));
    calibration.push(file);
  }
  const int8Path = path.join(work, 'model-int8.onnx');
  const quantised = python(INT8_SCRIPT, [modelPath, int8Path, String(SIZE), ...calibration], cores);
  let int8: Judged | null = null;
  if (!quantised.ok) {
    variants.int8 = { skipped: (quantised.stdout.trim() || quantised.stderr.trim().split('\n').pop() || 'the quantiser failed').replace(/^missing: /, '') };
  } else {
    int8 = await judge('int8', int8Path, `static QDQ, u8 activations, s8 per-channel weights, calibrated on ${CALIBRATION_PHOTOS.join(', ')}; `);
  }

  // A reduced precision is worth shipping only when clearly faster, not when it wins by the noise.
  const candidates = [
    { precision: 'fp32', p50Ms: final.p50Ms },
    ...[['fp16', fp16], ['int8', int8]].flatMap(([precision, variant]) => {
      const figures = variant as (Timing & { accepted: boolean }) | null;
      return figures && figures.accepted && figures.p50Ms < final.p50Ms * 0.95 ? [{ precision: precision as string, p50Ms: figures.p50Ms }] : [];
    }),
  ];
  const fastest = candidates.reduce((a, b) => (b.p50Ms < a.p50Ms ? b : a));
  const chosen = {
    ...fastest,
    note: 'the fastest variant within the MAE tolerance (a reduced precision must be at least 5% faster); the studio runs the model file as given (fp32)',
  };
  const torchP50 = (pytorch as Partial<Timing>).p50Ms;
  return {
    inputSize: SIZE,
    onnxruntime: { settings: results, best: { ...bestTuning, ...best }, alternatingWithPytorch: final },
    pytorch,
    parity,
    variants,
    chosen,
    // What the studio runs: the fp32 file with the best setting, interleaved with PyTorch.
    speedupVsPytorch: torchP50 === undefined ? null : round(torchP50 / final.p50Ms, 3),
    pairedRatioMedian,
    speedupVsPytorchChosenVariant: torchP50 === undefined ? null : round(torchP50 / chosen.p50Ms, 3),
    bestTuning,
  };
}

// ---------------------------------------------------------------- 2. end to end

const STAGES: (keyof StageTimings)[] = ['decode', 'resize', 'infer', 'resizeBack', 'encode'];

async function endToEnd(model: LoadedModel, files: string[], runs: number): Promise<Record<string, unknown>> {
  await detectPhoto(model, files[0]!, { size: SIZE });
  const totals: number[] = [];
  const stages: Record<keyof StageTimings, number[]> = { decode: [], resize: [], infer: [], resizeBack: [], encode: [] };
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const prediction = await detectPhoto(model, files[i % files.length]!, { size: SIZE });
    totals.push(performance.now() - start);
    for (const stage of STAGES) stages[stage].push(prediction.timings[stage]);
  }
  const sumTotal = totals.reduce((a, b) => a + b, 0);
  const metadata = await sharp(files[0]!).metadata();
  return {
    width: metadata.width,
    height: metadata.height,
    megapixels: round(((metadata.width ?? 0) * (metadata.height ?? 0)) / 1e6, 2),
    ...timing(totals),
    stages: Object.fromEntries(STAGES.map((stage) => [stage, { p50Ms: round(interpolatedPercentile(stages[stage], 50)), share: round(stages[stage].reduce((a, b) => a + b, 0) / sumTotal, 3) }])),
    note: 'share = time in the stage / whole time per photo (the rest: file reads, PNG handling between stages)',
  };
}

// ---------------------------------------------------------------- 3. batch

async function batch(modelPath: string, photos: PhotoInput[], workers: number, tuning: SessionTuning, out: string): Promise<Record<string, unknown>> {
  const startedAt = performance.now();
  const pool = await DetectWorkerPool.start({
    modelPath,
    workers,
    // The best graph settings; threads are the cores divided among the workers.
    load: { device: 'cpu', graphOptimization: tuning.graphOptimization, memoryPattern: tuning.memoryPattern, spinning: tuning.spinning },
  });
  const startMs = performance.now() - startedAt;
  try {
    const result = await detectFiles(pool, photos, { outDir: out, detect: { size: SIZE } });
    if (result.failures.length > 0) throw new Error(`batch failures: ${JSON.stringify(result.failures.slice(0, 3))}`);
    return {
      workers,
      threadsPerWorker: pool.status.intraOpThreads,
      photos: photos.length,
      seconds: round(result.seconds, 2),
      imagesPerSecond: round(photos.length / result.seconds, 2),
      poolStartMs: round(startMs, 0),
    };
  } finally {
    await pool.close();
  }
}

// ---------------------------------------------------------------- 4. the previous model

/** The model card beside a model file (`<name>.json`), when there is one. */
function cardOf(modelPath: string): Record<string, unknown> | null {
  const file = modelPath.replace(/\.onnx$/i, '.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
}

async function versusPrevious(modelPath: string, previousPath: string, tuning: SessionTuning): Promise<Record<string, unknown>> {
  const photo = await decodePhoto(path.join(SAMPLE_IMAGES, 'astronaut.jpg'));
  const input = rgbToChw(await resizeRgb(photo, SIZE, SIZE), SIZE, SIZE);
  const current = await loadModel(modelPath, { device: 'cpu', ...tuning });
  const previous = await loadModel(previousPath, { device: 'cpu', ...tuning });
  try {
    const once = async (model: LoadedModel): Promise<number> => {
      const start = performance.now();
      await runModel(model.session, input, 1, SIZE, SIZE);
      return performance.now() - start;
    };
    // Two warm-up runs each, then pairs.
    for (let i = 0; i < 2; i++) {
      await once(current);
      await once(previous);
    }
    const first = (await once(current)) + (await once(previous));
    const pairs = Math.max(5, Math.min(2 * maxRuns, Math.ceil((3 * BUDGET_MS) / first)));
    const paired = await alternate(() => once(previous), () => once(current), pairs);
    const previousTimes = paired.first;
    const currentTimes = paired.second;
    const ratios = paired.ratios;
    const card = cardOf(modelPath) as { metrics?: Record<string, unknown> } | null;
    const metrics = card?.metrics ?? {};
    return {
      inputSize: SIZE,
      current: { name: current.info.name, version: current.info.version, ...timing(currentTimes), heldOut: metrics.model ?? null },
      previous: { file: previousPath, name: previous.info.name, version: previous.info.version, ...timing(previousTimes), heldOut: metrics.previous_model ?? null },
      timeRatioMedian: round(interpolatedPercentile(ratios, 50), 3),
      heldOutPhotos: metrics.split ?? null,
      note: 'time ratio = current / previous, run by run, alternating; held-out metrics from the current model card (both scored on the same report photos)',
    };
  } finally {
    await current.session.release();
    await previous.session.release();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const modelPath = resolveModelPath(values.model);
  const work = await mkdtemp(path.join(os.tmpdir(), 'defusion-bench-detect-'));
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  try {
    const probe = await loadModel(modelPath, { device: 'cpu' });
    const info = probe.info;
    await probe.session.release();
    log(`Model: ${info.name} ${info.version} (${modelPath}); ${cores} cores; load average ${loadBefore.map((v) => v.toFixed(2)).join(' ')}`);

    log('1. Model only, 320 x 320');
    const model = await modelOnly(modelPath, work);
    const tuning = model.bestTuning as SessionTuning;

    log('2. End to end per photo');
    const photoDir = path.join(work, 'photos');
    await mkdir(photoDir);
    const onePhotos: string[] = [];
    for (let i = 0; i < 4; i++) onePhotos.push(await writePhoto(path.join(photoDir, `1mp-${i}.jpg`), { width: 1152, height: 864, seed: 100 + i }));
    const twelvePhotos: string[] = [];
    for (let i = 0; i < 2; i++) twelvePhotos.push(await writePhoto(path.join(photoDir, `12mp-${i}.jpg`), { width: 4000, height: 3000, seed: 200 + i }));
    const engine = await loadModel(modelPath, { device: 'cpu', ...tuning });
    let perPhoto: Record<string, unknown>;
    try {
      perPhoto = {
        '1MP': await endToEnd(engine, onePhotos, Math.max(8, maxRuns + 5)),
        '12MP': await endToEnd(engine, twelvePhotos, Math.max(5, Math.ceil(maxRuns / 2))),
      };
    } finally {
      await engine.session.release();
    }
    for (const [label, figures] of Object.entries(perPhoto)) log(`  ${label}: p50 ${(figures as Timing).p50Ms} ms, p95 ${(figures as Timing).p95Ms} ms`);

    log(`3. Batch of ${batchPhotos} photos through the worker pool`);
    const batchDir = path.join(work, 'batch');
    await mkdir(batchDir);
    const distinct: string[] = [];
    for (let i = 0; i < Math.min(10, batchPhotos); i++) distinct.push(await writePhoto(path.join(batchDir, `src-${i}.jpg`), { width: 1152, height: 864, seed: 300 + i }));
    const photos: PhotoInput[] = [];
    for (let i = 0; i < batchPhotos; i++) {
      const file = path.join(batchDir, `photo-${String(i).padStart(4, '0')}.jpg`);
      await copyFile(distinct[i % distinct.length]!, file);
      photos.push({ absPath: file, outStem: `photo-${String(i).padStart(4, '0')}` });
    }
    const batches = [];
    for (const workers of [...new Set([1, Math.min(2, Math.max(1, cores))])]) {
      const result = await batch(modelPath, photos, workers, tuning, path.join(work, `out-${workers}`));
      log(`  ${workers} worker(s): ${result.imagesPerSecond} images/s`);
      batches.push(result);
    }

    const previousPath = path.resolve(REPO_ROOT, values.previous ?? PREVIOUS_MODEL);
    let previousModel: Record<string, unknown> | null = null;
    if (existsSync(previousPath)) {
      log(`4. Against the previous model (${path.relative(REPO_ROOT, previousPath)})`);
      previousModel = await versusPrevious(modelPath, previousPath, tuning);
      log(`  time ratio current / previous: ${previousModel.timeRatioMedian as number}`);
    } else {
      log(`4. No previous model at ${previousPath}; skipped`);
    }

    const ortVersion = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
    const report = {
      speedup_vs_pytorch: model.speedupVsPytorch,
      generatedAt: startedAt,
      machine: {
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores,
        memoryGiB: round(os.totalmem() / 2 ** 30, 1),
        platform: `${os.platform()}/${os.arch()}`,
        node: process.version,
        onnxruntimeNode: ortVersion,
        sharp: sharp.versions.sharp,
        loadAverageBefore: loadBefore.map((v) => round(v)),
        loadAverageAfter: os.loadavg().map((v) => round(v)),
      },
      model: {
        file: modelPath,
        name: info.name,
        version: info.version,
        hash: info.hash,
        parameters: info.parameters,
        metadataInputSize: info.inputSize,
      },
      modelOnly: model,
      endToEnd: { inputSize: SIZE, tuning, ...perPhoto },
      batch: { inputSize: SIZE, photoSize: '1152 x 864 JPEG', results: batches },
      previousModel,
    };
    const outDir = path.join(REPO_ROOT, 'bench-results');
    await mkdir(outDir, { recursive: true });
    const outFile = path.join(outDir, 'detect.json');
    await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
    log(`speedup_vs_pytorch: ${report.speedup_vs_pytorch} → ${outFile}`);
  } finally {
    if (values.keep) log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

await main();
