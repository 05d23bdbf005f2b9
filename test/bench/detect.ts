/**
 * Detection benchmark: `npx tsx test/bench/detect.ts [--model FILE] [--runs N] [--photos N] [--keep]`
 * (`npm run bench -- detect`). Default model: the bundled one.
 *
 * 1. Model only, 320 x 320, one image: onnxruntime-node over a grid of session settings
 *    (intra-op threads, graph optimisation level, memory pattern, spinning threads),
 *    PyTorch CPU eager on the same weights (the checkpoint `<model>.pt` next to the ONNX
 *    file, timed by /usr/bin/python3 in the same run), alternating run by run with the
 *    best onnxruntime setting so that both see the same machine load. fp16 is tried (converted with
 *    python3-onnx) and kept only when its maps stay within 0.005 MAE of fp32; int8 is
 *    tried only when a dynamic quantiser is installed. `speedup_vs_pytorch` = PyTorch
 *    time / onnxruntime-node time (p50, fp32: the file the studio runs).
 * 2. End to end per photo (decode, resize, infer, resize back, encode) for generated
 *    1 MP and 12 MP JPEGs: p50/p95 and the share of each stage.
 * 3. Batch throughput over N photos (default 200) through the worker pool, 1 and 2 workers.
 *
 * Writes every figure, the machine and the model to bench-results/detect.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
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
import { interpolatedPercentile, round } from './benchMath';

const USAGE = 'usage: npx tsx test/bench/detect.ts [--model FILE] [--runs N] [--photos N] [--keep]';
const { values } = parseArgs({
  options: {
    model: { type: 'string' },
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
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const TRAINING = path.join(REPO_ROOT, 'models', 'training');
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

// ---------------------------------------------------------------- python helpers

/** Times the checkpoint in PyTorch eager on the CPU and saves its output for parity. */
const TORCH_SCRIPT = String.raw`
import json, math, sys, time
import numpy as np
import torch
from defusionnet.export import build_export_module
from defusionnet.train import load_checkpoint

checkpoint, input_path, output_path, size, max_runs, thread_list, budget_ms = sys.argv[1:8]
size, max_runs, budget_ms = int(size), int(max_runs), float(budget_ms)
module = build_export_module(load_checkpoint(checkpoint))
x = torch.from_numpy(np.fromfile(input_path, dtype='<f4').reshape(1, 3, size, size).copy())
results = []
with torch.no_grad():
    for threads in [int(t) for t in thread_list.split(',')]:
        torch.set_num_threads(threads)
        module(x)
        start = time.perf_counter()
        y = module(x)
        first_ms = (time.perf_counter() - start) * 1000
        runs = max(3, min(max_runs, math.ceil(budget_ms / max(first_ms, 1))))
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            y = module(x)
            times.append((time.perf_counter() - start) * 1000)
        results.append({'threads': threads, 'times_ms': times})
y.numpy().astype('<f4').tofile(output_path)
print(json.dumps({'results': results, 'torch': torch.__version__}))
`;

/**
 * fp32 → fp16 weights and activations, with float32 input and output kept (the model-file
 * contract) by a Cast at each end. Float tensors that must stay float32 (Resize roi and
 * scales) are left alone.
 */
const FP16_SCRIPT = String.raw`
import sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

source, target = sys.argv[1:3]
model = onnx.load(source)
graph = model.graph
keep_float = {node.input[i] for node in graph.node if node.op_type == 'Resize' for i in (1, 2) if i < len(node.input)}
for init in graph.initializer:
    if init.data_type == TensorProto.FLOAT and init.name not in keep_float:
        init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name))
for node in graph.node:
    if node.op_type == 'Constant' and not set(node.output) & keep_float:
        for attribute in node.attribute:
            if attribute.name == 'value' and attribute.t.data_type == TensorProto.FLOAT:
                attribute.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attribute.t).astype(np.float16), attribute.t.name))
image, blur = graph.input[0].name, graph.output[0].name
for node in graph.node:
    node.input[:] = [image + '_fp16' if name == image else blur + '_fp16' if name == blur else name for name in node.input]
    node.output[:] = [blur + '_fp16' if name == blur else name for name in node.output]
graph.node.insert(0, helper.make_node('Cast', [image], [image + '_fp16'], to=TensorProto.FLOAT16, name='image_to_fp16'))
graph.node.append(helper.make_node('Cast', [blur + '_fp16'], [blur], to=TensorProto.FLOAT, name='blur_to_fp32'))
del graph.value_info[:]
entry = model.metadata_props.add()
entry.key, entry.value = 'precision', 'float16'
onnx.save(model, target)
print(len(graph.initializer))
`;

/** Whether a dynamic int8 quantiser is installed for python3 (onnxruntime's). */
const INT8_PROBE = String.raw`
import onnx
try:
    from onnxruntime.quantization import quantize_dynamic  # noqa: F401
    print('available')
except ImportError as error:
    print('missing: onnx ' + onnx.__version__ + ' (python3-onnx) has no quantiser, and onnxruntime.quantization is not installed: ' + str(error))
`;

function python(script: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const result = spawnSync(PYTHON, ['-c', script, ...args], {
    cwd: TRAINING,
    env: { ...process.env, PYTHONPATH: TRAINING, OMP_NUM_THREADS: String(cores) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ok: result.status === 0, stdout: result.stdout ?? '', stderr: result.stderr || result.error?.message || '' };
}

/** Keeps the checkpoint loaded and times one forward pass per 'run' line on stdin. */
const TORCH_SERVER_SCRIPT = String.raw`
import sys, time
import numpy as np
import torch
from defusionnet.export import build_export_module
from defusionnet.train import load_checkpoint

checkpoint, input_path, size, threads = sys.argv[1:5]
torch.set_num_threads(int(threads))
module = build_export_module(load_checkpoint(checkpoint))
x = torch.from_numpy(np.fromfile(input_path, dtype='<f4').reshape(1, 3, int(size), int(size)).copy())
with torch.no_grad():
    module(x)
    print('ready', flush=True)
    for line in sys.stdin:
        if line.strip() != 'run':
            break
        start = time.perf_counter()
        module(x)
        print((time.perf_counter() - start) * 1000, flush=True)
`;

interface TorchServer {
  /** One timed forward pass (ms). */
  run(): Promise<number>;
  close(): void;
}

async function startTorchServer(checkpoint: string, inputPath: string, threads: number): Promise<TorchServer> {
  const child = spawn(PYTHON, ['-c', TORCH_SERVER_SCRIPT, checkpoint, inputPath, String(SIZE), String(threads)], {
    cwd: TRAINING,
    env: { ...process.env, PYTHONPATH: TRAINING },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) {
      // stderr may still be arriving when stdout closes.
      await exited;
      throw new Error(`the PyTorch process stopped: ${stderr.trim().split('\n').pop()}`);
    }
    return line.value;
  };
  if ((await next()) !== 'ready') throw new Error('the PyTorch process did not start');
  return {
    async run() {
      child.stdin.write('run\n');
      return Number(await next());
    },
    close() {
      child.stdin.end('quit\n');
    },
  };
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
      const tuned = python(TORCH_SCRIPT, [checkpoint, inputPath, outputPath, String(SIZE), String(maxRuns), threadList, String(BUDGET_MS)]);
      if (!tuned.ok) {
        pytorch = { skipped: `PyTorch could not run the checkpoint: ${tuned.stderr.trim().split('\n').pop()}` };
      } else {
        const parsed = JSON.parse(tuned.stdout.trim().split('\n').pop()!) as { results: { threads: number; times_ms: number[] }[]; torch: string };
        const settings = parsed.results.map((result) => ({ threads: result.threads, ...timing(result.times_ms) }));
        for (const setting of settings) log(`  PyTorch eager threads=${setting.threads}: p50 ${setting.p50Ms} ms`);
        const threads = settings.reduce((a, b) => (b.p50Ms < a.p50Ms ? b : a)).threads;
        const bytes = await readFile(outputPath);
        torchOutput = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

        const server = await startTorchServer(checkpoint, inputPath, threads);
        try {
          await server.run();
          await ortOnce();
          const first = (await server.run()) + (await ortOnce());
          const pairs = Math.max(5, Math.min(2 * maxRuns, Math.ceil((3 * BUDGET_MS) / first)));
          const torchTimes: number[] = [];
          const ratios: number[] = [];
          for (let i = 0; i < pairs; i++) {
            // Alternate which engine goes first, so neither always follows the other.
            let ort: number;
            let torch: number;
            if (i % 2 === 0) {
              ort = await ortOnce();
              torch = await server.run();
            } else {
              torch = await server.run();
              ort = await ortOnce();
            }
            ortTimes.push(ort);
            torchTimes.push(torch);
            ratios.push(torch / ort);
          }
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
  const fp16Path = path.join(work, 'model-fp16.onnx');
  const converted = python(FP16_SCRIPT, [modelPath, fp16Path]);
  let fp16: (Timing & { mae: number; accepted: boolean }) | null = null;
  if (!converted.ok) {
    variants.fp16 = { skipped: `conversion failed: ${converted.stderr.trim().split('\n').pop()}` };
  } else {
    try {
      const half = await loadModel(fp16Path, { device: 'cpu', ...bestTuning });
      try {
        const times = await timeRuns(async () => runModel(half.session, input, 1, SIZE, SIZE));
        const maes: number[] = [];
        for (const [i, tensor] of sampleInputs.entries()) maes.push(meanAbsDiff(await runModel(half.session, tensor, 1, SIZE, SIZE), sampleOutputs[i]!));
        const mae = mean(maes);
        fp16 = { ...timing(times), mae, accepted: mae <= MAE_TOLERANCE };
        variants.fp16 = { ...fp16, fileBytes: readFileSync(fp16Path).length, note: `MAE of the probability maps against fp32 over ${maes.length} sample photos; accepted when <= ${MAE_TOLERANCE}` };
        log(`  fp16: p50 ${fp16.p50Ms} ms, MAE vs fp32 ${mae.toExponential(2)} (${fp16.accepted ? 'accepted' : 'refused'})`);
      } finally {
        await half.session.release();
      }
    } catch (error) {
      variants.fp16 = { skipped: `onnxruntime could not run the fp16 model: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const int8 = python(INT8_PROBE, []);
  variants.int8 = int8.ok && int8.stdout.trim() === 'available'
    ? { skipped: 'a quantiser is installed but this benchmark does not drive it yet' }
    : { skipped: (int8.stdout.trim() || int8.stderr.trim()).replace(/^missing: /, '') };

  // fp16 is worth shipping only when clearly faster, not when it wins by the noise.
  const fp16Wins = fp16 !== null && fp16.accepted && fp16.p50Ms < final.p50Ms * 0.95;
  const chosen = {
    precision: fp16Wins ? 'fp16' : 'fp32',
    p50Ms: fp16Wins ? fp16!.p50Ms : final.p50Ms,
    note: 'the fastest variant within the MAE tolerance (fp16 must be at least 5% faster); the studio runs the model file as given (fp32)',
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
