/**
 * Uniform-buffer layouts derived from a declared schema, so no byte offset is ever counted by hand.
 *
 * Every field is a 4-byte scalar (`u32`, `i32`, `f32`); the struct is padded to 16 bytes as WGSL's
 * uniform address space requires. The same schema generates the WGSL struct and packs the values.
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
