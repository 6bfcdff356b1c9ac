/**
 * Reading matrices from NumPy `.npy` files for the command line. The header is read and checked
 * first (magic, dtype, byte order, memory order, shape, file length, and the size the data would
 * take on the device), so a file that cannot be used is refused before its data is read; the data
 * is then parsed by npyjs.
 */
import { open, readFile } from 'node:fs/promises';
import { parse } from 'npyjs';
import * as z from 'zod';
import { parseInput, wholeNumber } from '../core/validate.js';
import { InputError, LimitError } from '../gpu/errors.js';

/** What a `.npy` header says about its data. */
export interface NpyHeader {
  /** Path it came from (for messages). */
  path: string;
  /** Type code without byte order, as npyjs names it: `'f4'`, `'f8'`, `'i8'`, … */
  dtype: string;
  /** NumPy's name of the type (`float64`). */
  dtypeName: string;
  /** `'<'` little-endian, `'>'` big-endian, `'|'` not applicable (one byte). */
  byteOrder: string;
  fortranOrder: boolean;
  shape: number[];
  /** Elements (product of the shape). */
  elements: number;
  /** Bytes of data the header promises. */
  dataBytes: number;
}

const DTYPE_NAMES = new Map<string, string>([
  ['f2', 'float16'], ['f4', 'float32'], ['f8', 'float64'], ['i1', 'int8'], ['u1', 'uint8'], ['i2', 'int16'],
  ['u2', 'uint16'], ['i4', 'int32'], ['u4', 'uint32'], ['i8', 'int64'], ['u8', 'uint64'], ['b1', 'bool'],
  ['c8', 'complex64'], ['c16', 'complex128'],
]);

/** A shape as NumPy prints it: (3,) or (2, 3). */
export function tuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** The header dictionary, once rewritten from Python literal syntax to JSON. */
const headerSchema = z.object(
  {
    descr: z.string({ error: "a type string such as '<f8'" }).regex(/^[<>|=]?[a-zA-Z]\d+$/, { error: "a type string such as '<f8'" }),
    fortran_order: z.boolean({ error: 'True or False' }),
    shape: z.array(wholeNumber({ min: 0 }), { error: 'a tuple of whole numbers' }).max(32, { error: 'at most 32 dimensions' }),
  },
  { error: 'a dictionary' },
);

/** Python's `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` as JSON. */
function pythonDictToJSON(text: string): unknown {
  const json = text
    .trim()
    .replace(/'/g, '"')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\(/g, '[')
    .replace(/\)/g, ']')
    .replace(/,\s*([}\]])/g, '$1');
  return JSON.parse(json);
}

/** Read and check only the header of `path` (at most a few kilobytes are read). */
export async function readNpyHeader(path: string): Promise<{ header: NpyHeader; dataOffset: number; fileBytes: number }> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new InputError(`${path} is not a regular file`);
    const prefix = Buffer.alloc(12);
    const { bytesRead } = await file.read(prefix, 0, 12, 0);
    if (bytesRead < 10 || prefix.toString('latin1', 0, 6) !== '\x93NUMPY') throw new InputError(`${path} is not a .npy file (no NUMPY magic)`);
    const major = prefix[6]!;
    if (major < 1 || major > 3) throw new InputError(`${path} uses .npy format version ${major}; expected 1, 2 or 3`);
    const headerLength = major === 1 ? prefix.readUInt16LE(8) : prefix.readUInt32LE(8);
    const headerStart = major === 1 ? 10 : 12;
    if (headerLength > 1 << 20 || headerStart + headerLength > stat.size) throw new InputError(`${path}: the .npy header is truncated or corrupt`);
    const headerBytes = Buffer.alloc(headerLength);
    await file.read(headerBytes, 0, headerLength, headerStart);
    let dict: unknown;
    try {
      dict = pythonDictToJSON(headerBytes.toString(major === 3 ? 'utf8' : 'latin1'));
    } catch {
      throw new InputError(`${path}: the .npy header is not a dictionary of descr, fortran_order and shape`);
    }
    const h = parseInput(headerSchema, dict, `${path}: .npy header`, (p) => (p.length ? `'${String(p[0])}'${p.slice(1).map((i) => `[${String(i)}]`).join('')}` : 'header'));
    const [, order = '<', kind, size] = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(h.descr)!;
    const dtype = `${kind}${size}`;
    const elements = h.shape.reduce((a, b) => a * b, 1);
    const dataBytes = elements * Number(size);
    const dataOffset = headerStart + headerLength;
    if (stat.size < dataOffset + dataBytes) {
      throw new InputError(`${path}: the header promises ${dataBytes} bytes of data (shape ${tuple(h.shape)}, ${h.descr}) but the file holds ${stat.size - dataOffset}`);
    }
    const header: NpyHeader = {
      path, dtype, dtypeName: DTYPE_NAMES.get(dtype) ?? h.descr, byteOrder: order === '=' ? '<' : order,
      fortranOrder: h.fortran_order, shape: h.shape, elements, dataBytes,
    };
    return { header, dataOffset, fileBytes: stat.size };
  } finally {
    await file.close();
  }
}

/** What a command accepts from a matrix file. */
export interface MatrixFileRules {
  /** Allowed ranks. Default [2, 3] (a matrix or a batch of matrices). */
  ranks?: readonly number[];
  /** Require the last two dimensions to be equal. Default false. */
  square?: boolean;
  /** Accept integer types (converted to float32). Default false: float32 and float64 only. */
  integers?: boolean;
  /** Accept Fortran (column-major) order, converted to C order. Default false. */
  fortran?: boolean;
  /**
   * Largest buffer the data may take on the device as float32, in bytes (usually
   * min(maxBufferSize, maxStorageBufferBindingSize) of the device), checked from the header.
   */
  maxDeviceBytes?: number;
  /** The name of that limit, for the message. Default 'maxStorageBufferBindingSize'. */
  limitName?: string;
}

/** Check a header against `rules`; throws `InputError` / `LimitError` naming the file. */
export function checkMatrixHeader(h: NpyHeader, rules: MatrixFileRules = {}): void {
  const ranks = rules.ranks ?? [2, 3];
  const path = h.path;
  if (h.byteOrder === '>') throw new InputError(`${path} holds big-endian data; save it little-endian (e.g. a.astype('<f8')) and retry`);
  const isFloat = h.dtype === 'f4' || h.dtype === 'f8';
  const isInt = /^[iu][1248]$/.test(h.dtype);
  if (!isFloat && !(rules.integers && isInt)) {
    throw new InputError(`${path} has dtype ${h.dtypeName}; expected float32 or float64${rules.integers ? ' (or an integer type)' : ''}`);
  }
  if (h.fortranOrder && !rules.fortran) {
    throw new InputError(`${path} is in Fortran (column-major) order; save it in C order (np.ascontiguousarray) and retry`);
  }
  if (!ranks.includes(h.shape.length)) {
    throw new InputError(
      `${path} has shape ${tuple(h.shape)}, rank ${h.shape.length}; expected rank ${ranks.join(' or ')} (${ranks.includes(3) ? 'a matrix or a batch of matrices' : 'a matrix'})`,
    );
  }
  const s = h.shape;
  if (rules.square && s[s.length - 1] !== s[s.length - 2]) {
    throw new InputError(`${path} has shape ${tuple(s)}; expected a square matrix [n, n] or a stack [batch, n, n]`);
  }
  if (h.elements === 0) throw new InputError(`${path} has shape ${tuple(s)} with no elements; expected a non-empty matrix`);
  if (rules.maxDeviceBytes !== undefined && h.elements * 4 > rules.maxDeviceBytes) {
    throw new LimitError(path, `${rules.limitName ?? 'maxStorageBufferBindingSize'} (bytes as float32, shape ${tuple(s)})`, h.elements * 4, rules.maxDeviceBytes,
      'The file was refused from its header; its data was not read.');
  }
}

/** A matrix (or batch) read from a `.npy` file, as float32 in C order. */
export interface NpyMatrix {
  path: string;
  shape: number[];
  /** `'float32'` or `'float64'` as stored (integers count as float64: no precision was chosen). */
  dtype: 'float32' | 'float64';
  data: Float32Array;
}

/**
 * Read a matrix file: header first (see {@link checkMatrixHeader}), then the data (npyjs), then
 * every element is checked to be finite in float32.
 */
export async function readMatrixFile(path: string, rules: MatrixFileRules = {}): Promise<NpyMatrix> {
  const { header, fileBytes } = await readNpyHeader(path);
  checkMatrixHeader(header, rules);
  // Node reads at most 2 GiB into one buffer; say so rather than fail inside readFile.
  if (fileBytes > 2 ** 31 - 1) {
    throw new InputError(`${path} is ${fileBytes} bytes (shape ${tuple(header.shape)}, ${header.dtypeName}); files over 2 GiB cannot be read yet: split it into batches`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let npy;
  try {
    npy = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { convertFloat16: false });
  } catch (err) {
    throw new InputError(`cannot read ${path} as .npy: ${(err as Error).message}`);
  }
  const source = npy.data as unknown as ArrayLike<number | bigint>;
  const shape = header.shape;
  const data = new Float32Array(header.elements);
  if (header.fortranOrder) {
    // Fortran order stores a[i0, i1, …] at i0 + d0·(i1 + d1·(…)); walk C order and map each index.
    const strides = shape.map((_, k) => shape.slice(0, k).reduce((a, b) => a * b, 1));
    const index = new Array<number>(shape.length).fill(0);
    for (let c = 0; c < data.length; c++) {
      let at = 0;
      for (let k = 0; k < shape.length; k++) at += index[k]! * strides[k]!;
      data[c] = Number(source[at]);
      for (let k = shape.length - 1; k >= 0; k--) {
        if (++index[k]! < shape[k]!) break;
        index[k] = 0;
      }
    }
  } else {
    for (let i = 0; i < data.length; i++) data[i] = Number(source[i]);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const original = header.fortranOrder ? Number.NaN : Number(source[i]);
      const why = Number.isFinite(original) ? `${original} overflows float32` : 'it is not finite in float32';
      throw new InputError(`${path}: element ${i} cannot be used (${why})`);
    }
  }
  return { path, shape, dtype: header.dtype === 'f4' ? 'float32' : 'float64', data };
}

/** The device's largest usable buffer, for `maxDeviceBytes`. */
export function deviceBufferLimit(limits: { maxBufferSize: number; maxStorageBufferBindingSize: number }): { maxDeviceBytes: number; limitName: string } {
  return limits.maxStorageBufferBindingSize <= limits.maxBufferSize
    ? { maxDeviceBytes: limits.maxStorageBufferBindingSize, limitName: 'maxStorageBufferBindingSize' }
    : { maxDeviceBytes: limits.maxBufferSize, limitName: 'maxBufferSize' };
}
