/**
 * The model-file contract against the real fixture models made by the training package:
 * the valid one loads with its metadata, and every broken one is refused with a message
 * that names the file and what is wrong with it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/api/errors';
import { loadModel } from '../../../electron/core/detect/engine';
import { MODEL_CONTRACT, checkProbeOutput, loadModelFile } from '../../../electron/core/detect/modelContract';
import { parseOnnxModel } from '../../../electron/core/detect/onnxProto';
import { BUNDLED_MODEL, resolveModelPath } from '../../../electron/core/detect/modelPath';
import { FIXTURE_MODELS, TINY_MODEL } from './fixturePhotos';

const fixture = (name: string): string => path.join(FIXTURE_MODELS, name);

async function refusal(file: string): Promise<StudioError> {
  try {
    await loadModelFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    return error as StudioError;
  }
  throw new Error(`${file} was accepted`);
}

describe('ONNX protobuf reader', () => {
  it('reads the metadata, inputs and outputs of the tiny model', () => {
    const model = parseOnnxModel(readFileSync(TINY_MODEL));
    expect(model.irVersion).toBeGreaterThanOrEqual(7);
    expect(model.opsetVersion).toBe(17);
    expect(model.metadata.contract).toBe(MODEL_CONTRACT);
    expect(model.metadata.name).toBe('defusionnet-tiny-fixture');
    expect(JSON.parse(model.metadata.config!)).toMatchObject({ width: 0.125 });
    // Weights are initializers, not inputs: only the image remains.
    expect(model.inputs).toEqual([{ name: 'image', elemType: 1, shape: ['batch', 3, 'height', 'width'] }]);
    expect(model.outputs).toEqual([{ name: 'blur', elemType: 1, shape: ['batch', 1, 'height', 'width'] }]);
  });
});

describe('model-file contract', () => {
  it('accepts the tiny model and reports what its metadata says', async () => {
    const { info } = await loadModelFile(TINY_MODEL);
    expect(info).toMatchObject({
      path: TINY_MODEL,
      name: 'defusionnet-tiny-fixture',
      version: '0.0.1',
      contract: MODEL_CONTRACT,
      inputSize: 64,
      sizeMultiple: 32,
      parameters: 342155,
      trainingData: 'synthetic defocus (test fixture)',
      metrics: {},
    });
    expect(info.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an input named otherwise', async () => {
    const error = await refusal(fixture('wrong-input.onnx'));
    expect(error.code).toBe('bad-model');
    expect(error.message).toContain(fixture('wrong-input.onnx'));
    expect(error.message).toContain("its input is named 'pixels', expected 'image'");
  });

  it('refuses a wrong output: name and channel count', async () => {
    const error = await refusal(fixture('wrong-output.onnx'));
    expect(error.message).toContain(fixture('wrong-output.onnx'));
    expect(error.message).toContain("its output is named 'mask', expected 'blur'");
    expect(error.message).toContain('has 2 channels');
  });

  it('refuses a model without metadata', async () => {
    const error = await refusal(fixture('no-metadata.onnx'));
    expect(error.message).toContain(fixture('no-metadata.onnx'));
    expect(error.message).toContain('has no metadata_props');
    // Nothing else is wrong with it, and the message does not pretend otherwise.
    expect((error.details as { problems: string[] }).problems).toHaveLength(1);
  });

  it('refuses a file that is not ONNX', async () => {
    const error = await refusal(fixture('not-a-model.onnx'));
    expect(error.message).toContain(fixture('not-a-model.onnx'));
    expect(error.message).toContain('is not an ONNX model');
  });

  describe('files that are not there', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'defusion-model-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses a missing file, a folder and an empty file, naming each', async () => {
      const missing = path.join(dir, 'missing.onnx');
      expect((await refusal(missing)).message).toBe(`Model file ${missing} does not exist`);
      expect((await refusal(dir)).message).toBe(`Model file ${dir} is a folder, not an ONNX file`);
      const empty = path.join(dir, 'empty.onnx');
      await writeFile(empty, '');
      expect((await refusal(empty)).message).toBe(`Model file ${empty} is empty (0 bytes)`);
    });

    it('refuses a truncated model', async () => {
      const truncated = path.join(dir, 'truncated.onnx');
      const bytes = readFileSync(TINY_MODEL);
      await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const error = await refusal(truncated);
      expect(error.message).toContain(`Model file ${truncated} is not an ONNX model`);
    });
  });

  it('catches at run time an output that does not match the input size', async () => {
    // wrong-output.onnx really halves the resolution: run it and check what it returns.
    const session = await InferenceSession.create(fixture('wrong-output.onnx'));
    try {
      const dims = [1, 3, 64, 64];
      const output = (await session.run({ image: new Tensor('float32', new Float32Array(3 * 64 * 64).fill(0.5), dims) })).mask!;
      expect(output.dims).toEqual([1, 2, 32, 32]);
      expect(() => checkProbeOutput('m.onnx', dims, output.dims, output.data as Float32Array)).toThrow(
        "Model file m.onnx breaks the model-file contract: for an input of [1,3,64,64] its output 'blur' is [1,2,32,32], expected [1,1,64,64]",
      );
    } finally {
      await session.release();
    }
  });

  it('catches outputs that are not probabilities', () => {
    expect(() => checkProbeOutput('m.onnx', [1, 3, 2, 2], [1, 1, 2, 2], new Float32Array([0.1, 2.5, -1, 0.3]))).toThrow(
      'holds values from -1 to 2.5, expected probabilities in 0..1',
    );
  });

  it('loads the tiny model into a session on the CPU', async () => {
    const model = await loadModel(TINY_MODEL, { device: 'cpu', intraOpThreads: 1 });
    try {
      expect(model.device).toBe('cpu');
      expect(model.fallbacks).toEqual([]);
      expect(model.fallbackReason).toBeNull();
      expect(model.session.inputNames).toEqual(['image']);
    } finally {
      await model.session.release();
    }
  });

  it('loadModel refuses a bad model before starting any device', async () => {
    await expect(loadModel(fixture('wrong-input.onnx'), { device: 'cpu' })).rejects.toMatchObject({ code: 'bad-model' });
  });
});

describe('model path', () => {
  it('takes an explicit path as given, else looks for the bundled model and says where', () => {
    expect(resolveModelPath('some/model.onnx')).toBe(path.resolve('some/model.onnx'));
    let bundled: string | null = null;
    try {
      bundled = resolveModelPath();
    } catch (error) {
      expect(error).toBeInstanceOf(StudioError);
      expect((error as StudioError).message).toContain(`The bundled model ${BUNDLED_MODEL} is missing`);
      expect((error as StudioError).message).toContain('--model FILE');
    }
    if (bundled !== null) expect(bundled.endsWith(BUNDLED_MODEL)).toBe(true);
  });
});
