import * as os from 'node:os';
import { DType, NDArray, TypedArray } from '../autograd';
import { CheckpointError } from './errors';

/**
 * The safetensors layout (huggingface/safetensors), so weights also load in Python with `safetensors`:
 *   8 bytes   header length N, unsigned little-endian
 *   N bytes   JSON: { "<name>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, …,
 *                     "__metadata__": { "<key>": "<string>" } }   (padded with spaces to a multiple of 8)
 *   rest      the tensors' raw little-endian bytes, back to back; offsets count from the start of this part.
 */
const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64' };
const DTYPES: Record<string, DType> = { F32: 'float32', F64: 'float64' };
const BYTES: Record<DType, number> = { float32: 4, float64: 8 };

export interface Safetensors {
  tensors: Map<string, NDArray>;
  metadata: Record<string, string>;
}

function checkLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new CheckpointError('safetensors: only little-endian machines are supported');
}

export function encodeSafetensors(
  tensors: ReadonlyMap<string, NDArray>,
  metadata: Record<string, string> = {},
): Buffer {
  checkLittleEndian();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const end = offset + t.data.byteLength;
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at += t.data.byteLength;
  }
  return out;
}

interface Entry {
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, value: unknown, source: string): Entry {
  const fail = (what: string): never => {
    throw new CheckpointError(`${source}: tensor '${name}' ${what}`);
  };
  if (typeof value !== 'object' || value === null) return fail('has no description in the header');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype))
    return fail(`has dtype ${String(dtype)} (supported: F32, F64)`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) return fail('has an invalid shape');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0))
    return fail('has invalid data offsets');
  const entry = {
    dtype: DTYPES[dtype],
    shape: shape as number[],
    begin: offsets[0] as number,
    end: offsets[1] as number,
  };
  const bytes = entry.shape.reduce((a, b) => a * b, 1) * BYTES[entry.dtype];
  if (entry.end - entry.begin !== bytes)
    fail(`spans ${entry.end - entry.begin} bytes but shape [${shape.join(',')}] needs ${bytes}`);
  return entry;
}

/** Reads a safetensors file, checking every field: a truncated or corrupted file is an error, never garbage. */
export function decodeSafetensors(bytes: Buffer, source: string): Safetensors {
  checkLittleEndian();
  if (bytes.length < 8)
    throw new CheckpointError(
      `${source}: truncated (${bytes.length} bytes; the file starts with an 8-byte header length)`,
    );
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (8 + headerLength > bytes.length) {
    throw new CheckpointError(
      `${source}: truncated or not a safetensors file (header of ${headerLength} bytes, file of ${bytes.length})`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new CheckpointError(`${source}: corrupted: the header is not valid JSON`);
  }
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, value]): [string, Entry] => [name, parseEntry(name, value, source)])
    .sort((a, b) => a[1].begin - b[1].begin);
  const dataStart = 8 + headerLength;
  let expected = 0;
  for (const [name, e] of entries) {
    if (e.begin !== expected)
      throw new CheckpointError(
        `${source}: corrupted: tensor '${name}' does not follow the previous one (holes or overlaps)`,
      );
    expected = e.end;
  }
  if (bytes.length - dataStart !== expected) {
    throw new CheckpointError(
      `${source}: truncated or padded: ${expected} bytes of tensor data expected, ${bytes.length - dataStart} found`,
    );
  }
  const tensors = new Map<string, NDArray>();
  for (const [name, e] of entries) {
    const copy = new Uint8Array(e.end - e.begin);
    copy.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    const data: TypedArray = e.dtype === 'float64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
    tensors.set(name, { data, shape: e.shape, dtype: e.dtype });
  }
  return { tensors, metadata };
}
