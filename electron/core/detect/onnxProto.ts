/**
 * Just enough of the ONNX protobuf to check a model file before onnxruntime sees it:
 * the model's metadata_props (onnxruntime-node 1.30 does not expose them), its producer,
 * and the graph's declared inputs and outputs with their element types and shapes.
 *
 * The reader walks the wire format (varints and length-delimited fields) and skips every
 * field it does not need, so a 60 MB model is parsed without copying its weights.
 * Field numbers are those of onnx/onnx.proto (IR version 3 and later).
 */

/** A tensor dimension: a fixed size, a symbolic name, or unknown. */
export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType (1 = FLOAT); null when the value is not a tensor. */
  elemType: number | null;
  /** null when the graph declares no shape. */
  shape: OnnxDim[] | null;
}

export interface OnnxModelProto {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetVersion: number | null;
  metadata: Record<string, string>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** TensorProto.DataType names, for messages. */
export const ONNX_ELEM_TYPES: Readonly<Record<number, string>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

export const ONNX_FLOAT = 1;

/** The bytes are not a protobuf message of the expected shape. */
export class OnnxParseError extends Error {
  override readonly name = 'OnnxParseError';
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

interface Field {
  number: number;
  wireType: number;
  /** Varint value (as a number; ONNX sizes fit in 2^53). */
  varint: number;
  /** Length-delimited payload. */
  bytes: Uint8Array;
}

/** Iterates the top-level fields of one message; throws OnnxParseError on malformed bytes. */
function* fields(buffer: Uint8Array): Generator<Field> {
  let offset = 0;
  const readVarint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (offset >= buffer.length) {
        throw new OnnxParseError('truncated varint');
      }
      const byte = buffer[offset++]!;
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        return result;
      }
      scale *= 128;
    }
    throw new OnnxParseError('varint longer than 10 bytes');
  };
  while (offset < buffer.length) {
    const key = readVarint();
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) {
      throw new OnnxParseError('field number 0');
    }
    switch (wireType) {
      case WIRE_VARINT:
        yield { number, wireType, varint: readVarint(), bytes: EMPTY };
        break;
      case WIRE_FIXED64:
        offset += 8;
        break;
      case WIRE_FIXED32:
        offset += 4;
        break;
      case WIRE_LENGTH: {
        const length = readVarint();
        if (offset + length > buffer.length) {
          throw new OnnxParseError('a field runs past the end of the file');
        }
        yield { number, wireType, varint: 0, bytes: buffer.subarray(offset, offset + length) };
        offset += length;
        break;
      }
      default:
        // Groups (3, 4) are not used by onnx.proto; 6 and 7 do not exist.
        throw new OnnxParseError(`unexpected wire type ${wireType}`);
    }
    if (offset > buffer.length) {
      throw new OnnxParseError('a field runs past the end of the file');
    }
  }
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new OnnxParseError('a string field is not valid UTF-8');
  }
}

function parseDim(bytes: Uint8Array): OnnxDim {
  let dim: OnnxDim = null;
  for (const field of fields(bytes)) {
    if (field.number === 1 && field.wireType === WIRE_VARINT) dim = field.varint;
    else if (field.number === 2 && field.wireType === WIRE_LENGTH) dim = text(field.bytes);
  }
  return dim;
}

function parseShape(bytes: Uint8Array): OnnxDim[] {
  const dims: OnnxDim[] = [];
  for (const field of fields(bytes)) {
    if (field.number === 1 && field.wireType === WIRE_LENGTH) dims.push(parseDim(field.bytes));
  }
  return dims;
}

function parseValueInfo(bytes: Uint8Array): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', elemType: null, shape: null };
  for (const field of fields(bytes)) {
    if (field.number === 1 && field.wireType === WIRE_LENGTH) {
      info.name = text(field.bytes);
    } else if (field.number === 2 && field.wireType === WIRE_LENGTH) {
      // TypeProto.tensor_type = 1 → { elem_type = 1, shape = 2 }
      for (const typeField of fields(field.bytes)) {
        if (typeField.number !== 1 || typeField.wireType !== WIRE_LENGTH) continue;
        for (const tensorField of fields(typeField.bytes)) {
          if (tensorField.number === 1 && tensorField.wireType === WIRE_VARINT) info.elemType = tensorField.varint;
          else if (tensorField.number === 2 && tensorField.wireType === WIRE_LENGTH) info.shape = parseShape(tensorField.bytes);
        }
      }
    }
  }
  return info;
}

function initializerName(bytes: Uint8Array): string | null {
  for (const field of fields(bytes)) {
    if (field.number === 8 && field.wireType === WIRE_LENGTH) return text(field.bytes);
  }
  return null;
}

/**
 * Parses a ModelProto. Graph inputs that are initializers (weights listed as inputs, as
 * IR version 3 exporters did) are left out: they are not fed by the caller.
 */
export function parseOnnxModel(buffer: Uint8Array): OnnxModelProto {
  const model: OnnxModelProto = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    opsetVersion: null,
    metadata: {},
    inputs: [],
    outputs: [],
  };
  let graph: Uint8Array | null = null;
  for (const field of fields(buffer)) {
    switch (field.number) {
      case 1:
        if (field.wireType === WIRE_VARINT) model.irVersion = field.varint;
        break;
      case 2:
        if (field.wireType === WIRE_LENGTH) model.producerName = text(field.bytes);
        break;
      case 3:
        if (field.wireType === WIRE_LENGTH) model.producerVersion = text(field.bytes);
        break;
      case 7:
        if (field.wireType === WIRE_LENGTH) graph = field.bytes;
        break;
      case 8:
        if (field.wireType === WIRE_LENGTH) {
          // OperatorSetIdProto { domain = 1, version = 2 }; the default domain is ''.
          let domain = '';
          let version: number | null = null;
          for (const opset of fields(field.bytes)) {
            if (opset.number === 1 && opset.wireType === WIRE_LENGTH) domain = text(opset.bytes);
            else if (opset.number === 2 && opset.wireType === WIRE_VARINT) version = opset.varint;
          }
          if ((domain === '' || domain === 'ai.onnx') && version !== null) model.opsetVersion = version;
        }
        break;
      case 14:
        if (field.wireType === WIRE_LENGTH) {
          let key = '';
          let value = '';
          for (const entry of fields(field.bytes)) {
            if (entry.number === 1 && entry.wireType === WIRE_LENGTH) key = text(entry.bytes);
            else if (entry.number === 2 && entry.wireType === WIRE_LENGTH) value = text(entry.bytes);
          }
          model.metadata[key] = value;
        }
        break;
      default:
        break;
    }
  }
  if (model.irVersion <= 0 || graph === null) {
    throw new OnnxParseError(graph === null ? 'no graph' : 'no IR version');
  }
  const initializers = new Set<string>();
  const inputs: OnnxValueInfo[] = [];
  for (const field of fields(graph)) {
    if (field.wireType !== WIRE_LENGTH) continue;
    if (field.number === 5) {
      const name = initializerName(field.bytes);
      if (name !== null) initializers.add(name);
    } else if (field.number === 11) {
      inputs.push(parseValueInfo(field.bytes));
    } else if (field.number === 12) {
      model.outputs.push(parseValueInfo(field.bytes));
    }
  }
  model.inputs = inputs.filter((input) => !initializers.has(input.name));
  return model;
}
