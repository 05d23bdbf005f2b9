// Runs an ONNX model in the studio's own onnxruntime-node on a raw float32 input,
// for the PyTorch/ONNX parity test. Usage: node run_onnx.mjs MODEL IN.f32 N C H W OUT.f32
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const [model, inputPath, n, c, h, w, outputPath] = process.argv.slice(2);
const session = await ort.InferenceSession.create(model);
const bytes = readFileSync(inputPath);
const input = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const dims = [n, c, h, w].map(Number);
const result = await session.run({ image: new ort.Tensor('float32', input, dims) });
const blur = result.blur;
writeFileSync(outputPath, Buffer.from(blur.data.buffer, blur.data.byteOffset, blur.data.byteLength));
console.log(JSON.stringify({ dims: blur.dims, inputs: session.inputNames, outputs: session.outputNames }));
