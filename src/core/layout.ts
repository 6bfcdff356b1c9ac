/**
 * Buffer layouts derived from a declared schema, so no byte offset is ever counted by hand.
 *
 * Every field is a 4-byte scalar (`u32`, `i32`, `f32`). A uniform struct is padded to 16 bytes as
 * WGSL's uniform address space requires; a storage record (one element of an `array<Struct>`) has
 * a stride of exactly one word per field. The same schema generates the WGSL struct, packs or fills
 * the values, and (for records) decodes read-back words by field name.
 */
import { InputError } from '../gpu/errors.js';

export type ScalarType = 'u32' | 'i32' | 'f32';
export type UniformSchema = Record<string, ScalarType>;
export type UniformValues<S extends UniformSchema> = { [K in keyof S]: number };

export interface UniformLayout<S extends UniformSchema> {
  readonly schema: S;
  /** Size in bytes, a multiple of 16. */
  readonly byteSize: number;
  /** WGSL declaration `struct <name> { ... }` with fields in schema order. */
  wgslStruct(name: string): string;
  /** Pack values into a fresh ArrayBuffer of `byteSize` bytes; throws on a missing or bad value. */
  pack(values: UniformValues<S>): ArrayBuffer;
}

/** Build the layout of a uniform struct from its field schema (fields in declaration order). */
export function uniformLayout<S extends UniformSchema>(schema: S): UniformLayout<S> {
  const fields = Object.entries(schema) as [string, ScalarType][];
  const byteSize = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  return {
    schema,
    byteSize,
    wgslStruct(name: string): string {
      const body = fields.map(([field, type]) => `  ${field}: ${type},`).join('\n');
      return `struct ${name} {\n${body}\n}`;
    },
    pack(values: UniformValues<S>): ArrayBuffer {
      const buffer = new ArrayBuffer(byteSize);
      const view = new DataView(buffer);
      fields.forEach(([field, type], i) => {
        const v = values[field];
        if (typeof v !== 'number' || Number.isNaN(v)) {
          throw new InputError(`uniform field '${field}' must be a number, got ${String(v)}`);
        }
        if (type === 'f32') view.setFloat32(i * 4, v, true);
        else if (type === 'u32') {
          if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
            throw new InputError(`uniform field '${field}' must be an integer in [0, 2^32), got ${v}`);
          }
          view.setUint32(i * 4, v, true);
        } else {
          if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
            throw new InputError(`uniform field '${field}' must be a 32-bit integer, got ${v}`);
          }
          view.setInt32(i * 4, v, true);
        }
      });
      return buffer;
    },
  };
}

/** Per-field comments for a generated WGSL struct (one short line each). */
export type FieldDocs<S extends UniformSchema> = Partial<Record<keyof S, string>>;

/** Typed array a field decodes to. */
export type FieldArray = Uint32Array | Int32Array | Float32Array;

/** Layout of one record of a storage `array<Struct>`: 4-byte scalar fields, one word each. */
export interface RecordLayout<S extends UniformSchema> {
  readonly schema: S;
  /** 4-byte words per record (the array stride is `4 · words` bytes). */
  readonly words: number;
  /** Bytes per record. */
  readonly byteSize: number;
  /** Word index of a field within its record. */
  offsetOf(field: keyof S & string): number;
  /** WGSL `struct <name> { ... }`, with the field comments given at declaration. */
  wgslStruct(name: string): string;
  /**
   * `count` records with every field set from `values` (fields left out are 0), as the words to
   * upload, e.g. `fill(n, { first_spike: -1 })`.
   */
  fill(count: number, values?: Partial<UniformValues<S>>): Uint32Array;
  /** Field `field` of records 0 … count − 1 of read-back words, decoded to its type. */
  column<K extends keyof S & string>(words: ArrayBuffer | Uint32Array, field: K, count?: number): FieldArray;
}

/** Build the layout of a storage record from its field schema (fields in declaration order). */
export function storageRecordLayout<S extends UniformSchema>(schema: S, docs: FieldDocs<S> = {}): RecordLayout<S> {
  const fields = Object.entries(schema) as [keyof S & string, ScalarType][];
  const words = fields.length;
  const offsets = new Map(fields.map(([field], i) => [field, i]));
  const offsetOf = (field: keyof S & string): number => {
    const at = offsets.get(field);
    if (at === undefined) throw new InputError(`record field '${field}' is not one of ${fields.map(([f]) => f).join(', ')}`);
    return at;
  };
  const typeOf = (field: keyof S & string): ScalarType => schema[field]!;
  return {
    schema,
    words,
    byteSize: words * 4,
    offsetOf,
    wgslStruct(name: string): string {
      const body = fields.map(([field, type]) => {
        const doc = docs[field];
        return `  ${field}: ${type},${doc ? ` // ${doc}` : ''}`;
      }).join('\n');
      return `struct ${name} {\n${body}\n}`;
    },
    fill(count: number, values: Partial<UniformValues<S>> = {}): Uint32Array {
      const out = new Uint32Array(count * words);
      const record = new DataView(new ArrayBuffer(words * 4));
      for (const [field, value] of Object.entries(values) as [keyof S & string, number | undefined][]) {
        if (value === undefined) continue;
        const at = offsetOf(field) * 4;
        const type = typeOf(field);
        if (type === 'f32') record.setFloat32(at, value, true);
        else if (type === 'u32') record.setUint32(at, value, true);
        else record.setInt32(at, value, true);
      }
      const one = new Uint32Array(record.buffer);
      for (let i = 0; i < count; i++) out.set(one, i * words);
      return out;
    },
    column(source: ArrayBuffer | Uint32Array, field: keyof S & string, count?: number): FieldArray {
      const bits = source instanceof Uint32Array ? source : new Uint32Array(source);
      const n = count ?? Math.floor(bits.length / words);
      if (n * words > bits.length) {
        throw new InputError(`record field '${field}': ${n} records need ${n * words} words, got ${bits.length}`);
      }
      const at = offsetOf(field);
      const type = typeOf(field);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = bits[i * words + at]!;
      return type === 'f32' ? new Float32Array(out.buffer) : type === 'i32' ? new Int32Array(out.buffer) : out;
    },
  };
}
