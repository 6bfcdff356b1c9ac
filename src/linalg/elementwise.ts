/**
 * Elementwise operations on the GPU: `axpy`, `scale`, `mapExpr` (any expression of inputs and
 * parameters), plus batched identity fills and per-matrix scaling used by the matrix functions.
 */
import {
  identityParams,
  identityWGSL,
  mapWGSL,
  scaleByParams,
  scaleByWGSL,
} from '../../shaders/elementwise.wgsl.js';
import type { Context } from '../core/context.js';
import { uniformLayout, type UniformSchema } from '../core/layout.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { compileExpression, F32_MAX } from '../expr/index.js';
import { assertF32, assertFinite, assertIndexable, assertNoAlias, assertShape } from './util.js';

/** Invocations per elementwise workgroup. */
const ELEMENTWISE_WORKGROUP_SIZE = 64;

/** Options of {@link mapExpr}. */
export interface MapExprOptions {
  /** Scalar parameters the expression may use by name (f32 uniforms, so changing them does not recompile). */
  params?: Record<string, number>;
  /** Write here instead of a new tensor; may be one of the inputs (in place). */
  dst?: Tensor;
  /** Label of a newly created output. Default `'map.output'`. */
  label?: string;
}

/**
 * `out[i] = expr(inputs[i]; params)` for every element, e.g.
 * `mapExpr(ctx, 'tanh(gain * x) + y', { x, y }, { params: { gain: 2 } })`.
 *
 * Expressions are written in the equation language of `src/expr` (the one SDE models use):
 * `+ - * /`, powers `^`/`**`, comparisons, `&&`, `||`, `c ? a : b`, the constants `pi` and `e`, and
 * the built-in functions listed in `BUILTINS` (exp, log, sqrt, tanh, sigmoid, relu, pow, clamp, …);
 * everything is evaluated in f32. All inputs must have the same shape, which is the output's shape.
 *
 * @returns `dst` when given, else a new tensor the caller owns.
 */
export async function mapExpr(
  ctx: Context,
  expr: string,
  inputs: Record<string, Tensor>,
  options: MapExprOptions = {},
): Promise<Tensor<'f32'>> {
  const names = Object.keys(inputs);
  const params = options.params ?? {};
  const paramNames = Object.keys(params);
  // names are checked (identifiers, not built-ins, no input also a parameter) before values
  const compiled = compileExpression(expr, names, paramNames, 'mapExpr');
  for (const name of paramNames) {
    const value = params[name]!;
    assertFinite(value, `parameter '${name}'`);
    // parameters are f32 uniforms: a value beyond the f32 range would arrive as infinity
    if (Math.abs(value) > F32_MAX) throw new InputError(`mapExpr: parameter '${name}' = ${value} does not fit in a 32-bit float (largest ${F32_MAX.toPrecision(5)})`);
  }
  const first = names.length ? inputs[names[0]!]! : undefined;
  for (const name of names) {
    assertF32(ctx, inputs[name]!, `input '${name}'`);
    if (first) assertShape(inputs[name]!, first.shape, `input '${name}'`);
  }
  const shape = first?.shape ?? options.dst?.shape;
  if (!shape) throw new InputError('mapExpr: without inputs, pass dst to give the output shape');
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    assertShape(options.dst, shape, 'dst');
  }
  const dst = options.dst;
  const inPlace = dst ? names.filter((n) => inputs[n]!.buffer === dst.buffer) : [];
  const bound = names.filter((n) => !inPlace.includes(n));
  const out = (dst as Tensor<'f32'> | undefined) ?? ctx.tensor(shape, { label: options.label ?? 'map.output' });
  try {
    const count = out.size;
    assertIndexable('mapExpr', count);
    if (count === 0) return out;
    const schema: UniformSchema = { count: 'u32' };
    for (const p of paramNames) schema[`p_${p}`] = 'f32';
    const layout = uniformLayout(schema);
    const values: Record<string, number> = { count };
    for (const p of paramNames) values[`p_${p}`] = params[p]!;
    const pipeline = await ctx.kernel({
      label: 'map',
      code: mapWGSL({ inputs: names, inPlace, layout, expression: compiled.wgsl, declarations: compiled.declarations }),
      constants: { WG_SIZE: ELEMENTWISE_WORKGROUP_SIZE },
    });
    ctx.dispatch({
      label: `map(${expr})`,
      pipeline,
      bindings: [layout.pack(values), out, ...bound.map((n) => inputs[n]!)],
      workgroups: Math.ceil(count / ELEMENTWISE_WORKGROUP_SIZE),
      workgroupSize: ELEMENTWISE_WORKGROUP_SIZE,
    });
    return out;
  } catch (err) {
    if (!dst) out.destroy();
    throw err;
  }
}

/** `y ← alpha · x + y` in place (BLAS axpy); x and y must have the same shape. Returns y. */
export async function axpy(ctx: Context, alpha: number, x: Tensor, y: Tensor): Promise<Tensor<'f32'>> {
  assertFinite(alpha, 'alpha');
  assertF32(ctx, x, 'x');
  assertF32(ctx, y, 'y');
  assertShape(x, y.shape, 'x');
  assertNoAlias(y, x, 'y', 'x');
  return mapExpr(ctx, 'alpha * x + y', { x, y }, { params: { alpha }, dst: y });
}

/** Options of {@link scale}. */
export interface ScaleOptions {
  /** Write here (may be x itself, for in place). Default: a new tensor. */
  dst?: Tensor;
  /** Label of a newly created output. Default `'scale.output'`. */
  label?: string;
}

/** `alpha · x`, into `dst` (x itself for in place) or a new tensor. */
export async function scale(ctx: Context, x: Tensor, alpha: number, options: ScaleOptions = {}): Promise<Tensor<'f32'>> {
  assertFinite(alpha, 'alpha');
  return mapExpr(ctx, 'alpha * x', { x }, { params: { alpha }, dst: options.dst, label: options.label ?? 'scale.output' });
}

/** Overwrite a square matrix `[n, n]` or a batch `[b, n, n]` with identity matrices. Returns it. */
export async function fillIdentity(ctx: Context, t: Tensor): Promise<Tensor<'f32'>> {
  assertF32(ctx, t, 't');
  const n = t.shape[t.shape.length - 1]!;
  if ((t.shape.length !== 2 && t.shape.length !== 3) || t.shape[t.shape.length - 2] !== n) {
    throw new InputError(`fillIdentity: '${t.label}' must be [n, n] or [b, n, n]; got [${t.shape.join(', ')}]`);
  }
  const count = t.size;
  if (count === 0) return t;
  const pipeline = await ctx.kernel({ label: 'identity', code: identityWGSL(), constants: { WG_SIZE: ELEMENTWISE_WORKGROUP_SIZE } });
  ctx.dispatch({
    label: 'identity',
    pipeline,
    bindings: [identityParams.pack({ count, n }), t],
    workgroups: Math.ceil(count / ELEMENTWISE_WORKGROUP_SIZE),
    workgroupSize: ELEMENTWISE_WORKGROUP_SIZE,
  });
  return t;
}

/**
 * `dst[i] = x[i] · s[⌊i / per⌋]^power`: scale consecutive groups of `per` elements (e.g. the
 * matrices of a batch) by their own positive factor from a GPU tensor `s`, without a readback.
 * `dst` must not be `x` or `s`. Returns dst.
 */
export async function scaleByTensor(ctx: Context, x: Tensor, s: Tensor, per: number, power: number, dst: Tensor): Promise<Tensor<'f32'>> {
  assertF32(ctx, x, 'x');
  assertF32(ctx, s, 's');
  assertF32(ctx, dst, 'dst');
  assertFinite(power, 'power');
  if (!Number.isInteger(per) || per < 1 || s.size * per < x.size) {
    throw new InputError(`scaleByTensor: ${s.size} factors of ${per} elements each do not cover '${x.label}' (${x.size} elements)`);
  }
  assertShape(dst, x.shape, 'dst');
  assertNoAlias(dst, x, 'dst', 'x');
  assertNoAlias(dst, s, 'dst', 's');
  const count = x.size;
  if (count === 0) return dst as Tensor<'f32'>;
  const pipeline = await ctx.kernel({ label: 'scale_by', code: scaleByWGSL(), constants: { WG_SIZE: ELEMENTWISE_WORKGROUP_SIZE } });
  ctx.dispatch({
    label: 'scale_by',
    pipeline,
    bindings: [scaleByParams.pack({ count, per, power }), x, s, dst],
    workgroups: Math.ceil(count / ELEMENTWISE_WORKGROUP_SIZE),
    workgroupSize: ELEMENTWISE_WORKGROUP_SIZE,
  });
  return dst as Tensor<'f32'>;
}
