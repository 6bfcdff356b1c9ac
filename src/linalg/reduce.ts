/**
 * Reductions on the GPU: sum, max, min, dot products and Euclidean norms, over a whole array or
 * along one axis.
 */
import { reduceParams, reduceWGSL, type ReduceShaderOptions } from '../../shaders/reduce.wgsl.js';
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { assertF32, assertIndexable, assertNoAlias, assertShape } from './util.js';

/** Options of the reductions. */
export interface ReduceOptions {
  /**
   * Axis to reduce (negative counts from the end). Default: all elements, giving a `[1]` tensor.
   * Along an axis the result has the input's shape without that axis (`[1]` if nothing is left).
   */
  axis?: number;
  /** Write here instead of a new tensor; must have the result's shape. */
  dst?: Tensor;
  /** Label of a newly created output. Default `'reduce.<op>'`. */
  label?: string;
}

/** Invocations per reduction workgroup. */
const REDUCE_WORKGROUP_SIZE = 64;
/** A pass splits the reduced axis into chunks until there are about this many workgroups. */
const REDUCE_TARGET_WORKGROUPS = 256;
/** Shortest chunk worth a workgroup. */
const REDUCE_MIN_CHUNK = 1024;

interface Geometry {
  outer: number;
  len: number;
  inner: number;
  outShape: number[];
}

function geometry(x: Tensor, axis: number | undefined, op: string): Geometry {
  if (axis === undefined) return { outer: 1, len: x.size, inner: 1, outShape: [1] };
  const rank = x.shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InputError(`${op}: axis ${axis} is out of range for '${x.label}' of shape [${x.shape.join(', ')}]`);
  }
  const a = axis < 0 ? axis + rank : axis;
  const outer = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outShape = x.shape.filter((_, i) => i !== a);
  return { outer, len: x.shape[a]!, inner, outShape: outShape.length ? outShape : [1] };
}

async function reduce(
  ctx: Context,
  op: string,
  x: Tensor,
  y: Tensor | null,
  shader: ReduceShaderOptions,
  options: ReduceOptions,
): Promise<Tensor<'f32'>> {
  assertF32(ctx, x, 'x');
  if (y) {
    assertF32(ctx, y, 'y');
    if (y.shape.length !== x.shape.length || y.shape.some((d, i) => d !== x.shape[i])) {
      throw new InputError(`${op}: x ('${x.label}') has shape [${x.shape.join(', ')}] but y ('${y.label}') has [${y.shape.join(', ')}]`);
    }
  }
  const g = geometry(x, options.axis, op);
  if (g.len === 0 && shader.combine !== 'sum') throw new InputError(`${op}: the reduced axis of '${x.label}' is empty`);
  assertIndexable(op, x.size);
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    assertShape(options.dst, g.outShape, 'dst');
    assertNoAlias(options.dst, x, 'dst', 'x');
    if (y) assertNoAlias(options.dst, y, 'dst', 'y');
  }
  const out = (options.dst as Tensor<'f32'> | undefined) ?? ctx.tensor(g.outShape, { label: options.label ?? `reduce.${op}` });
  const temps: Tensor[] = [];
  try {
    const outputs = g.outer * g.inner;
    if (outputs === 0) return out;
    let input: Tensor = x;
    const second: Tensor = y ?? x;
    let len = g.len;
    let map = shader.map;
    for (;;) {
      const wanted = Math.max(1, Math.floor(REDUCE_TARGET_WORKGROUPS / outputs));
      const chunkLen = Math.max(REDUCE_MIN_CHUNK, Math.ceil(len / wanted));
      const chunks = Math.max(1, Math.ceil(len / chunkLen));
      const last = chunks === 1;
      const target = last ? out : ctx.tensor([g.outer, chunks, g.inner], { label: `reduce.${op}.partials` });
      if (!last) temps.push(target);
      const code = reduceWGSL({ combine: shader.combine, map, finalize: last ? shader.finalize : 'none' });
      const label = `reduce.${op}`;
      const pipeline = await ctx.kernel({ label, code, constants: { WG_SIZE: REDUCE_WORKGROUP_SIZE } });
      ctx.dispatch({
        label,
        pipeline,
        // Only the dot-product variant has the second factor (binding 2, then the output at 3).
        bindings: map === 'product'
          ? [reduceParams.pack({ outer: g.outer, len, inner: g.inner, chunks, chunk_len: chunkLen }), input, second, target]
          : [reduceParams.pack({ outer: g.outer, len, inner: g.inner, chunks, chunk_len: chunkLen }), input, target],
        workgroups: g.outer * chunks * g.inner,
        workgroupSize: REDUCE_WORKGROUP_SIZE,
      });
      if (last) break;
      input = target;
      len = chunks;
      // Later passes combine partials as they are: squares and products were taken in pass one.
      map = 'identity';
    }
    return out;
  } catch (err) {
    if (!options.dst) out.destroy();
    throw err;
  } finally {
    ctx.releaseAfterSubmit(...temps);
  }
}

/** Sum of all elements, or along `options.axis`. */
export function sum(ctx: Context, x: Tensor, options: ReduceOptions = {}): Promise<Tensor<'f32'>> {
  return reduce(ctx, 'sum', x, null, { combine: 'sum', map: 'identity', finalize: 'none' }, options);
}

/** Largest element, or the largest along `options.axis`. Throws on an empty reduction. */
export function max(ctx: Context, x: Tensor, options: ReduceOptions = {}): Promise<Tensor<'f32'>> {
  return reduce(ctx, 'max', x, null, { combine: 'max', map: 'identity', finalize: 'none' }, options);
}

/** Smallest element, or the smallest along `options.axis`. Throws on an empty reduction. */
export function min(ctx: Context, x: Tensor, options: ReduceOptions = {}): Promise<Tensor<'f32'>> {
  return reduce(ctx, 'min', x, null, { combine: 'min', map: 'identity', finalize: 'none' }, options);
}

/** Largest absolute value (the ∞-norm of a vector), or along `options.axis`. */
export function maxAbs(ctx: Context, x: Tensor, options: ReduceOptions = {}): Promise<Tensor<'f32'>> {
  return reduce(ctx, 'maxAbs', x, null, { combine: 'max', map: 'abs', finalize: 'none' }, options);
}

/** Sum of squares, or along `options.axis`. */
export function sumSquares(ctx: Context, x: Tensor, options: ReduceOptions = {}): Promise<Tensor<'f32'>> {
  return reduce(ctx, 'sumSquares', x, null, { combine: 'sum', map: 'square', finalize: 'none' }, options);
}

/**
 * Euclidean norm √(Σ x²) of all elements (the Frobenius norm of a matrix), or along
 * `options.axis` (e.g. `axis: 0` gives the norms of a matrix's columns).
 */
export function norm2(ctx: Context, x: Tensor, options: ReduceOptions = {}): Promise<Tensor<'f32'>> {
  return reduce(ctx, 'norm2', x, null, { combine: 'sum', map: 'square', finalize: 'sqrt' }, options);
}

/** Dot product Σ x·y of two tensors of the same shape, or along `options.axis`. */
export function dot(ctx: Context, x: Tensor, y: Tensor, options: ReduceOptions = {}): Promise<Tensor<'f32'>> {
  return reduce(ctx, 'dot', x, y, { combine: 'sum', map: 'product', finalize: 'none' }, options);
}
