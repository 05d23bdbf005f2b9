/**
 * The model-file contract (docs/model-file.md): an ONNX file whose one input `image` is
 * float32 [N,3,H,W] RGB in 0..1 and whose output `blur` is float32 [N,1,H,W], the
 * probability of defocus blur, with H and W dynamic (multiples of 32) and metadata_props
 * that say what the model is. A file that breaks it is refused with a StudioError
 * 'bad-model' that names the file and lists everything that is wrong, so the user can
 * fix the export in one go instead of one complaint at a time.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../api/errors';
import { ONNX_ELEM_TYPES, ONNX_FLOAT, OnnxParseError, parseOnnxModel } from './onnxProto';
import type { OnnxDim, OnnxModelProto, OnnxValueInfo } from './onnxProto';
import type { NewModel } from '../store/store';

export const MODEL_CONTRACT = 'defusion-model/1';
export const INPUT_NAME = 'image';
export const OUTPUT_NAME = 'blur';
/** The paper's input size, used when the model does not record its own. */
export const DEFAULT_INPUT_SIZE = 320;
export const SIZE_MULTIPLE = 32;
/** Metadata every model must carry; the rest (metrics, training data…) is shown when present. */
export const REQUIRED_METADATA = ['contract', 'name', 'version'] as const;

const INPUT_SPEC = `'${INPUT_NAME}' float32 [N,3,H,W], RGB in 0..1`;
const OUTPUT_SPEC = `'${OUTPUT_NAME}' float32 [N,1,H,W], the probability of defocus blur`;

/** What the studio knows about a model file that meets the contract. */
export interface ModelInfo {
  /** Absolute path. */
  path: string;
  byteSize: number;
  /** SHA-256 of the file (hex): the model registry's key. */
  hash: string;
  name: string;
  version: string;
  contract: string;
  /** The square size the model was trained for (metadata `input_size`), else 320. */
  inputSize: number;
  sizeMultiple: number;
  parameters: number | null;
  trainingData: string;
  /** Measured metrics recorded at export (metadata `metrics`, a JSON object of numbers). */
  metrics: Record<string, number>;
  /** Every metadata_props entry as stored. */
  metadata: Record<string, string>;
  producer: string;
  opsetVersion: number | null;
}

/** The registry entry of a model file as it describes itself: its metadata and the metrics recorded at export. */
export function registryEntryOf(info: ModelInfo): NewModel {
  return {
    name: info.name,
    version: info.version,
    file: info.path,
    hash: info.hash,
    metadata: info.metadata,
    metrics: Object.keys(info.metrics).length > 0 ? info.metrics : null,
  };
}

function badModel(file: string, problem: string): StudioError {
  return new StudioError('bad-model', `Model file ${file} ${problem}`, { file });
}

/** 'N', 3, 'H' → "[N,3,H]" for messages. */
function formatShape(shape: OnnxDim[] | null): string {
  return shape === null ? '[unknown shape]' : `[${shape.map((dim) => (dim === null ? '?' : String(dim))).join(',')}]`;
}

function typeName(elemType: number | null): string {
  return elemType === null ? 'not a tensor' : (ONNX_ELEM_TYPES[elemType] ?? `type ${elemType}`);
}

/** Problems with the one value an end of the graph must have; [] when it is right. */
function valueProblems(
  role: 'input' | 'output',
  values: OnnxValueInfo[],
  expectedName: string,
  expectedChannels: number,
): string[] {
  const spec = role === 'input' ? INPUT_SPEC : OUTPUT_SPEC;
  if (values.length === 0) {
    return [`it has no ${role} (expected ${spec})`];
  }
  if (values.length > 1) {
    return [`it has ${values.length} ${role}s (${values.map((v) => `'${v.name}'`).join(', ')}), expected one: ${spec}`];
  }
  const value = values[0]!;
  const problems: string[] = [];
  if (value.name !== expectedName) {
    problems.push(`its ${role} is named '${value.name}', expected ${spec}`);
  }
  if (value.elemType !== ONNX_FLOAT) {
    problems.push(`its ${role} '${value.name}' is ${typeName(value.elemType)}, expected float32`);
  }
  const shape = value.shape;
  if (shape !== null) {
    if (shape.length !== 4) {
      problems.push(`its ${role} '${value.name}' has rank ${shape.length} ${formatShape(shape)}, expected 4 [N,${expectedChannels},H,W]`);
    } else {
      const channels = shape[1];
      if (typeof channels === 'number' && channels !== expectedChannels) {
        problems.push(`its ${role} '${value.name}' has ${channels} channels ${formatShape(shape)}, expected ${expectedChannels} [N,${expectedChannels},H,W]`);
      }
      if (role === 'input' && (typeof shape[2] === 'number' || typeof shape[3] === 'number')) {
        problems.push(`its input '${value.name}' has a fixed height or width ${formatShape(shape)}; the contract needs H and W dynamic`);
      }
    }
  }
  return problems;
}

/** Problems with metadata_props; [] when the required keys are there and the contract matches. */
function metadataProblems(metadata: Record<string, string>): string[] {
  const keys = Object.keys(metadata);
  if (keys.length === 0) {
    return [`it has no metadata_props (expected ${REQUIRED_METADATA.join(', ')}, input_size, training_data, metrics…; export it with python3 -m defusionnet.export)`];
  }
  const problems: string[] = [];
  const missing = REQUIRED_METADATA.filter((key) => !metadata[key]);
  if (missing.length > 0) {
    problems.push(`its metadata_props lack ${missing.join(', ')}`);
  }
  if (metadata.contract && metadata.contract !== MODEL_CONTRACT) {
    problems.push(`it declares the contract '${metadata.contract}', this studio reads '${MODEL_CONTRACT}'`);
  }
  const inputSize = metadata.input_size;
  if (inputSize !== undefined && !isValidSize(Number(inputSize))) {
    problems.push(`its input_size is '${inputSize}', expected a positive multiple of ${SIZE_MULTIPLE}`);
  }
  if (metadata.metrics) {
    try {
      parseMetrics(metadata.metrics);
    } catch {
      problems.push('its metrics metadata is not a JSON object of numbers');
    }
  }
  return problems;
}

export function isValidSize(size: number): boolean {
  return Number.isInteger(size) && size >= SIZE_MULTIPLE && size % SIZE_MULTIPLE === 0;
}

function parseMetrics(text: string): Record<string, number> {
  const parsed = JSON.parse(text) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('not an object');
  }
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'number' && Number.isFinite(value)) {
      metrics[key] = value;
    }
  }
  return metrics;
}

/**
 * Every way the parsed model breaks the contract, one clause each ("its input is named…").
 * Empty when it meets the contract.
 */
export function contractProblems(model: OnnxModelProto): string[] {
  return [
    ...valueProblems('input', model.inputs, INPUT_NAME, 3),
    ...valueProblems('output', model.outputs, OUTPUT_NAME, 1),
    ...metadataProblems(model.metadata),
  ];
}

/** Checks parsed model bytes against the contract; throws StudioError('bad-model') naming `file`. */
export function checkModelBytes(file: string, bytes: Uint8Array): ModelInfo {
  let model: OnnxModelProto;
  try {
    model = parseOnnxModel(bytes);
  } catch (error) {
    if (error instanceof OnnxParseError) {
      throw badModel(file, `is not an ONNX model (${error.message}); expected an ONNX file with input ${INPUT_SPEC} and output ${OUTPUT_SPEC}`);
    }
    throw error;
  }
  const problems = contractProblems(model);
  if (problems.length > 0) {
    throw new StudioError('bad-model', `Model file ${file} breaks the model-file contract: ${problems.join('; ')}.`, { file, problems });
  }
  const metadata = model.metadata;
  const inputSize = metadata.input_size !== undefined ? Number(metadata.input_size) : DEFAULT_INPUT_SIZE;
  const parameters = metadata.parameters !== undefined ? Number(metadata.parameters) : NaN;
  return {
    path: file,
    byteSize: bytes.byteLength,
    hash: createHash('sha256').update(bytes).digest('hex'),
    name: metadata.name!,
    version: metadata.version!,
    contract: metadata.contract!,
    inputSize,
    sizeMultiple: Number(metadata.size_multiple ?? SIZE_MULTIPLE) || SIZE_MULTIPLE,
    parameters: Number.isFinite(parameters) ? parameters : null,
    trainingData: metadata.training_data ?? '',
    metrics: metadata.metrics ? parseMetrics(metadata.metrics) : {},
    metadata: { ...metadata },
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opsetVersion: model.opsetVersion,
  };
}

export interface LoadedModelFile {
  info: ModelInfo;
  /** The file's bytes: sessions are created from them, so the file is read once. */
  bytes: Uint8Array;
}

/**
 * Reads `file` and checks it against the contract. Throws StudioError('bad-model') when
 * the file is missing, unreadable, not ONNX or breaks the contract; the message names
 * the file and says what is wrong.
 */
export async function loadModelFile(file: string): Promise<LoadedModelFile> {
  const absPath = path.resolve(file);
  let bytes: Buffer;
  try {
    const stats = await stat(absPath);
    if (stats.isDirectory()) {
      throw badModel(absPath, 'is a folder, not an ONNX file');
    }
    if (stats.size === 0) {
      throw badModel(absPath, 'is empty (0 bytes)');
    }
    bytes = await readFile(absPath);
  } catch (error) {
    if (error instanceof StudioError) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw badModel(absPath, 'does not exist');
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw badModel(absPath, 'cannot be read (permission denied)');
    }
    throw badModel(absPath, `cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { info: checkModelBytes(absPath, view), bytes: view };
}

/**
 * Checks what onnxruntime made of the graph on a probe input: the output must be
 * [N,1,H,W] at the input's own size and hold probabilities. The declared shapes may be
 * symbolic, so only a run shows a model that halves the resolution or forgot its sigmoid.
 */
export function checkProbeOutput(file: string, inputDims: readonly number[], outputDims: readonly number[], data: Float32Array): void {
  const [n, , h, w] = inputDims;
  const expected = [n, 1, h, w];
  if (outputDims.length !== 4 || outputDims.some((dim, i) => dim !== expected[i])) {
    throw new StudioError(
      'bad-model',
      `Model file ${file} breaks the model-file contract: for an input of [${inputDims.join(',')}] its output '${OUTPUT_NAME}' is [${outputDims.join(',')}], expected [${expected.join(',')}] (one probability per input pixel)`,
      { file },
    );
  }
  let min = Infinity;
  let max = -Infinity;
  for (const value of data) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (!(min >= 0 && max <= 1)) {
    throw new StudioError(
      'bad-model',
      `Model file ${file} breaks the model-file contract: its output '${OUTPUT_NAME}' holds values from ${min} to ${max}, expected probabilities in 0..1 (the sigmoid belongs inside the graph)`,
      { file },
    );
  }
}
