/**
 * Input checks shared by the linalg operations: every check runs before any GPU work and names the
 * argument in the caller's terms.
 */
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError, LimitError } from '../gpu/errors.js';

/** Throw unless `t` is a live f32 tensor of this context. */
export function assertF32(ctx: Context, t: Tensor, name: string): asserts t is Tensor<'f32'> {
  if (!t || typeof t !== 'object' || !('shape' in t)) throw new InputError(`${name} must be a Tensor`);
  t.assertAlive();
  if (t.ctx !== ctx) throw new InputError(`${name} ('${t.label}') belongs to another context`);
  if (t.dtype !== 'f32') throw new InputError(`${name} ('${t.label}') must be f32, got ${t.dtype}`);
}

/** Throw unless `x` is a finite number. */
export function assertFinite(x: number, name: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(`${name} must be a finite number, got ${String(x)}`);
}

/** Throw unless `dst` has exactly `shape` (it may be a reshaped view with the same element count order). */
export function assertShape(t: Tensor, shape: readonly number[], name: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new InputError(`${name} ('${t.label}') has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
}

/** Throw if two tensors share a buffer where one of them is written (WebGPU forbids that aliasing). */
export function assertNoAlias(dst: Tensor, src: Tensor, dstName: string, srcName: string): void {
  if (dst.buffer === src.buffer) {
    throw new InputError(`${dstName} ('${dst.label}') must not share its buffer with ${srcName}; pass a separate output`);
  }
}

/** Throw a LimitError when a grid dimension would exceed `maxComputeWorkgroupsPerDimension`. */
export function assertGrid(ctx: Context, label: string, what: string, count: number): void {
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  if (count > max) throw new LimitError(label, what, count, max, 'Split the problem into chunks.');
}

/** Check that u32 element indices into a tensor of `elements` cannot overflow. */
export function assertIndexable(label: string, elements: number): void {
  if (elements >= 2 ** 32) throw new LimitError(label, 'elements', elements, 2 ** 32 - 1, 'Indices are 32-bit.');
}
