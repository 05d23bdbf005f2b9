/**
 * The detection benchmark's Python side: PyTorch timing of a checkpoint, and the fp16 and
 * int8 conversions of a model file, run by the training package's Python.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../unit/detect/fixturePhotos';

// The training package's environment (scripts/setup.sh) has onnxruntime's quantiser; else Debian's Python.
const VENV_PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const TRAINING = path.join(REPO_ROOT, 'models', 'training');

/** Times the checkpoint in PyTorch eager on the CPU and saves its output for parity. */
export const TORCH_SCRIPT = String.raw`
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
export const FP16_SCRIPT = String.raw`
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

/**
 * Static int8 quantisation with onnxruntime's quantiser: QDQ format, int8 weights per
 * channel, uint8 activations (the u8s8 products that VNNI runs), ranges calibrated
 * (min/max) on photos given as raw float32 tensors.
 */
export const INT8_SCRIPT = String.raw`
import sys
import numpy as np
try:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process
except ImportError as error:
    print('missing: onnxruntime.quantization is not installed for this Python: ' + str(error))
    sys.exit(3)

source, target, size, *tensors = sys.argv[1:]
size = int(size)

class Photos(CalibrationDataReader):
    def __init__(self):
        self.items = iter([{'image': np.fromfile(t, dtype='<f4').reshape(1, 3, size, size)} for t in tensors])
    def get_next(self):
        return next(self.items, None)

prepared = target + '.pre.onnx'
quant_pre_process(source, prepared, skip_symbolic_shape=True)
quantize_static(prepared, target, Photos(), quant_format=QuantFormat.QDQ, per_channel=True,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
# A dequantised probability can land a hair outside 0..1, which the model-file contract
# refuses: a Clip on the output keeps it a probability.
import onnx
from onnx import helper
model = onnx.load(target)
graph = model.graph
blur = graph.output[0].name
for node in graph.node:
    node.output[:] = [blur + '_unclipped' if name == blur else name for name in node.output]
    node.input[:] = [blur + '_unclipped' if name == blur else name for name in node.input]
low = helper.make_tensor('blur_low', onnx.TensorProto.FLOAT, [], [0.0])
high = helper.make_tensor('blur_high', onnx.TensorProto.FLOAT, [], [1.0])
graph.initializer.extend([low, high])
graph.node.append(helper.make_node('Clip', [blur + '_unclipped', 'blur_low', 'blur_high'], [blur], name='blur_clip'))
onnx.save(model, target)
print('ok')
`;

/** Runs a script with the training package importable; threads for its libraries = `threads`. */
export function python(script: string, args: string[], threads: number): { ok: boolean; stdout: string; stderr: string } {
  const result = spawnSync(PYTHON, ['-c', script, ...args], {
    cwd: TRAINING,
    env: { ...process.env, PYTHONPATH: TRAINING, OMP_NUM_THREADS: String(threads) },
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

export interface TorchServer {
  /** One timed forward pass (ms). */
  run(): Promise<number>;
  close(): void;
}

export async function startTorchServer(checkpoint: string, inputPath: string, size: number, threads: number): Promise<TorchServer> {
  const child = spawn(PYTHON, ['-c', TORCH_SERVER_SCRIPT, checkpoint, inputPath, String(size), String(threads)], {
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
