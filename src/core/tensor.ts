/**
 * A GPU array that knows its shape and element type and owns its buffer.
 */
import { InputError } from '../gpu/errors.js';

export type DType = 'f32' | 'u32' | 'i32';
export type TypedArrayFor<D extends DType> = D extends 'f32' ? Float32Array : D extends 'u32' ? Uint32Array : Int32Array;

/** Bytes per element of every supported dtype. */
export const BYTES_PER_ELEMENT = 4;

/** Number of elements of a shape; throws on negative or fractional extents. */
export function shapeSize(shape: readonly number[], what = 'shape'): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new InputError(`${what} [${shape.join(', ')}] has an invalid extent ${d}`);
    n *= d;
  }
  return n;
}

export function typedArrayFor<D extends DType>(dtype: D, source: ArrayBuffer | number): TypedArrayFor<D> {
  const C = dtype === 'f32' ? Float32Array : dtype === 'u32' ? Uint32Array : Int32Array;
  return (typeof source === 'number' ? new C(source) : new C(source)) as TypedArrayFor<D>;
}

/**
 * What a tensor needs from the context that made it (a `Context` is one). Declared here so that
 * tensor.ts does not import context.ts, which imports it: the core has no import cycle.
 */
export interface TensorOwner {
  readonly device: GPUDevice;
  /** Flush pending work, then copy `size` bytes of `buffer` from `offset` back to the CPU. */
  read(buffer: GPUBuffer, offset?: number, size?: number): Promise<ArrayBuffer>;
  /** Submit the dispatches recorded so far. */
  flush(): void;
  /** Forget a destroyed tensor (the context tracks live ones). */
  untrack(tensor: Tensor): void;
}

export class Tensor<D extends DType = DType> {
  #destroyed = false;

  readonly ctx: TensorOwner;
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly dtype: D;
  readonly label: string;

  /** Use `ctx.tensor(...)` to create one. */
  constructor(ctx: TensorOwner, buffer: GPUBuffer, shape: readonly number[], dtype: D, label: string) {
    this.ctx = ctx;
    this.buffer = buffer;
    this.shape = shape;
    this.dtype = dtype;
    this.label = label;
  }

  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }

  /** Size of the data in bytes (the buffer may be padded beyond it). */
  get byteLength(): number {
    return this.size * BYTES_PER_ELEMENT;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Copy the contents back to the CPU (flushes pending work first). */
  async read(): Promise<TypedArrayFor<D>> {
    this.assertAlive();
    const bytes = await this.ctx.read(this.buffer, 0, this.byteLength);
    return typedArrayFor(this.dtype, bytes);
  }

  /**
   * Overwrite elements `offset … offset + data.length − 1` from a CPU array (default: from the
   * first element; the rest keeps its contents). Values are converted to this tensor's dtype
   * unless `data` is already a typed array of 32-bit words, which is copied bit for bit (so a
   * `Uint32Array` can fill a record buffer that mixes u32 and f32 fields).
   */
  write(data: ArrayLike<number>, offset = 0): void {
    this.assertAlive();
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > this.size) {
      throw new InputError(`'${this.label}' holds ${this.size} elements; cannot write ${data.length} at element offset ${offset}`);
    }
    const typed = data instanceof Float32Array || data instanceof Uint32Array || data instanceof Int32Array
      ? data
      : typedArrayFor(this.dtype, data.length);
    if (typed !== data) (typed as Float32Array).set(data);
    // queue.writeBuffer takes effect before anything still being recorded, so submit that first:
    // dispatches recorded earlier must see the old contents.
    this.ctx.flush();
    this.ctx.device.queue.writeBuffer(this.buffer, offset * BYTES_PER_ELEMENT, typed.buffer, typed.byteOffset, typed.byteLength);
  }

  /** A view with another shape of the same number of elements, sharing the buffer. */
  reshape(shape: readonly number[]): Tensor<D> {
    if (shapeSize(shape) !== this.size) {
      throw new InputError(`cannot reshape '${this.label}' of shape [${this.shape}] to [${shape}]`);
    }
    return new Tensor(this.ctx, this.buffer, [...shape], this.dtype, this.label);
  }

  assertAlive(): void {
    if (this.#destroyed) throw new InputError(`tensor '${this.label}' was used after destroy()`);
  }

  /** Free the GPU memory. Safe to call twice. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.ctx.untrack(this);
    this.buffer.destroy();
  }
}
