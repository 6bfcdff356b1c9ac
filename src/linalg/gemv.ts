/**
 * Matrix–vector products on the GPU (GEMV): y = α·op(A)·x + β·y with op(A) = A or Aᵀ; memory-bound,
 * so `bench linalg` rates it against the measured copy bandwidth.
 */
import { gemvParams, gemvWGSL } from '../../shaders/gemv.wgsl.js';
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { chooseVariant, sizeBucket, type Tunable } from '../core/tuning.js';
import { InputError } from '../gpu/errors.js';
import { assertF32, assertFinite, assertIndexable, assertNoAlias, assertShape } from './util.js';

/** Options of {@link gemv}. */
export interface GemvOptions {
  /** Compute Aᵀ x instead of A x. Default false. */
  trans?: boolean;
  /** Scale of the product. Default 1. */
  alpha?: number;
  /** Scale of the previous contents of `dst`; non-zero needs `dst`. Default 0 (dst is not read). */
  beta?: number;
  /** Write here instead of a new tensor: a vector of the output length, not sharing A's or x's buffer. */
  dst?: Tensor;
  /** Label of a newly created output. Default `'gemv.output'`. */
  label?: string;
  /**
   * Use this variant instead of the tuned one (benchmarks, tests of every variant). Default: the
   * variant measured fastest on this adapter for this shape class (see `ContextOptions.tuning`),
   * or {@link gemvDefaultVariant} when tuning is off.
   */
  variant?: GemvVariant;
}

/** How the GEMV kernel maps work to invocations (see shaders/gemv.wgsl.ts). */
export interface GemvVariant {
  /**
   * `'workgroup'` (A x): a workgroup per `rows` rows, invocations splitting each row, tree
   * reduction; `'row'` (A x): each invocation owns `rows` consecutive rows, read as vec4 when
   * cols % 4 = 0; `'column'` (Aᵀ x, the only one for it): one invocation per column, or per
   * 4·`columnVec4s` columns.
   */
  layout: 'workgroup' | 'row' | 'column';
  /** Invocations per workgroup (a power of two). */
  wg: number;
  /** `'workgroup'` layout: rows per workgroup (default 4); `'row'` layout: rows per invocation, 1–8 (default 1). */
  rows?: number;
  /**
   * `'row'` layout: read A as mat4x4f, 16 floats of a row per load, when cols % 16 = 0 (otherwise
   * as the plain `'row'` kernel). Default false.
   */
  mat4?: boolean;
  /**
   * `'column'` layout: each invocation owns this many groups of 4 consecutive columns (1–4), read
   * as vec4, when cols % 4 = 0 (otherwise one column per invocation). Default: one column.
   */
  columnVec4s?: number;
  /**
   * `'row'` layout, or `'column'` with `columnVec4s`; device feature `subgroups`: each quad of the
   * subgroup loads x once and shares it with `quadBroadcast`, when cols % 4 = 0 (otherwise as the
   * same variant without it). Default false.
   */
  quadX?: boolean;
}

/** The fixed default (tuning off): a workgroup of 64 per 4 rows for A x, 64 columns per workgroup for Aᵀ x. */
export function gemvDefaultVariant(trans: boolean): GemvVariant {
  return trans ? { layout: 'column', wg: 64 } : { layout: 'workgroup', wg: 64, rows: 4 };
}

/**
 * Every variant the tuner may pick (each is run by the tests against the float64 reference). After
 * the default, which is always timed first, candidates are timed in this order (the first of them
 * always, the rest while the search budget lasts): the block variants first (fast on CPU adapters,
 * where a slow candidate such as a 256-wide workgroup can take seconds at 4096² and would use up a
 * small budget before them), those with `quadX` ahead of the rest; on a device without `subgroups`
 * they are left out and the plain row (column) blocks come first.
 */
export const GEMV_VARIANTS: { readonly n: readonly GemvVariant[]; readonly t: readonly GemvVariant[] } = {
  n: [
    { layout: 'workgroup', wg: 64, rows: 4 },
    // mat4x4 loads of A with x shared by quads (devices with 'subgroups'): on SwiftShader at 4096²
    // 1.25–1.75× the row blocks below in Chromium, 0.95–1.35× in Node, in the same rounds
    // (bench/README.md); either trick alone lost.
    { layout: 'row', wg: 16, rows: 4, mat4: true, quadX: true },
    { layout: 'row', wg: 16, rows: 2, mat4: true, quadX: true },
    { layout: 'row', wg: 64, rows: 2, mat4: true, quadX: true },
    { layout: 'row', wg: 16, rows: 8 },
    { layout: 'row', wg: 16, rows: 4 },
    { layout: 'row', wg: 64, rows: 2 },
    { layout: 'row', wg: 16 },
    { layout: 'row', wg: 64 },
    { layout: 'workgroup', wg: 16, rows: 8 },
    { layout: 'workgroup', wg: 64, rows: 16 },
    { layout: 'workgroup', wg: 256, rows: 2 },
  ],
  t: [
    { layout: 'column', wg: 64 },
    // 4–8 columns per invocation as vec4, x shared by quads where the device has 'subgroups': on
    // SwiftShader at 4096² 4–5.6× the one-column kernel (bench/README.md).
    { layout: 'column', wg: 64, columnVec4s: 1, quadX: true },
    { layout: 'column', wg: 16, columnVec4s: 2, quadX: true },
    { layout: 'column', wg: 16, columnVec4s: 1, quadX: true },
    { layout: 'column', wg: 16, columnVec4s: 2 },
    { layout: 'column', wg: 16 },
    { layout: 'column', wg: 256 },
  ],
};

/** A variant's id in tuning records, e.g. `'workgroup 64 × 4 rows'`, `'4 rows per invocation, wg 16'`. */
export function gemvVariantKey(v: GemvVariant): string {
  if (v.layout === 'workgroup') return `workgroup ${v.wg} × ${v.rows ?? 4} rows`;
  const loads = `${v.mat4 === true ? ', mat4x4 A' : ''}${v.quadX === true ? ', quad-shared x' : ''}`;
  if (v.layout === 'row' && (v.rows ?? 1) > 1) return `${v.rows} rows per invocation, wg ${v.wg}${loads}`;
  if (v.layout === 'column' && v.columnVec4s !== undefined) return `${4 * v.columnVec4s} columns (vec4) per invocation, wg ${v.wg}${loads}`;
  return `${v.layout} per invocation, wg ${v.wg}${loads}`;
}

/** Why a variant cannot serve this product on this device, or null. */
function gemvVariantError(limits: GPUSupportedLimits, features: ReadonlySet<string>, v: GemvVariant, trans: boolean): string | null {
  const pow2 = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && (x & (x - 1)) === 0;
  if (!['workgroup', 'row', 'column'].includes(v.layout)) return `layout must be 'workgroup', 'row' or 'column'`;
  if ((v.layout === 'column') !== trans) return trans ? `Aᵀ x needs layout 'column'` : `A x needs layout 'workgroup' or 'row'`;
  if (!pow2(v.wg) || v.wg > limits.maxComputeInvocationsPerWorkgroup || v.wg > limits.maxComputeWorkgroupSizeX) {
    return `wg must be a power of two ≤ ${Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX)}`;
  }
  if (v.layout === 'row' && v.rows !== undefined && !(Number.isInteger(v.rows) && v.rows >= 1 && v.rows <= 8)) {
    return `rows (per invocation) must be a whole number from 1 to 8`;
  }
  if (v.mat4 === true && v.layout !== 'row') return `mat4 needs layout 'row'`;
  if (v.columnVec4s !== undefined && (v.layout !== 'column' || !(Number.isInteger(v.columnVec4s) && v.columnVec4s >= 1 && v.columnVec4s <= 4))) {
    return `columnVec4s needs layout 'column' and must be a whole number from 1 to 4`;
  }
  if (v.quadX === true && v.layout !== 'row' && v.columnVec4s === undefined) return `quadX needs layout 'row', or 'column' with columnVec4s`;
  // Quads must be full for the broadcasts: a power-of-two workgroup of ≥ 4 fills every subgroup.
  if (v.quadX === true && v.wg < 4) return `quadX needs wg ≥ 4 (whole quads)`;
  if (v.quadX === true && !features.has('subgroups')) return `quadX needs the device feature 'subgroups', which this device does not have`;
  const rows = v.rows ?? 4;
  if (v.layout === 'workgroup' && (!Number.isInteger(rows) || rows < 1 || rows > v.wg || 4 * rows * v.wg > limits.maxComputeWorkgroupStorageSize)) {
    return `rows must be a whole number from 1 to wg with 4·rows·wg bytes ≤ ${limits.maxComputeWorkgroupStorageSize}`;
  }
  return null;
}

/** What a GEMV search needs to know of a call. */
export interface GemvProblemClass {
  rows: number;
  cols: number;
  trans: boolean;
}

/** GEMV as a tunable kernel (see src/core/tuning.ts). */
export const gemvTunable: Tunable<GemvProblemClass, GemvVariant, Context> = {
  name: 'gemv',
  // Whether rows can be read as vec4 (mat4x4) changes the block kernels, so it is part of the class.
  shapeClass: (p) => `${p.trans ? 't' : 'n'} rows${sizeBucket(p.rows, 1 << 16)} cols${sizeBucket(p.cols, 1 << 16)}${p.cols % 4 === 0 ? ' vec4' : ''}${!p.trans && p.cols % 16 === 0 ? ' mat4' : ''}`,
  fallback: (p) => gemvDefaultVariant(p.trans),
  candidates: (p, limits, ctx) =>
    (p.trans ? GEMV_VARIANTS.t : GEMV_VARIANTS.n).filter((v) => gemvVariantError(limits, ctx.device.features, v, p.trans) === null),
  key: gemvVariantKey,
  trial(ctx, p) {
    const A = ctx.tensor([p.rows, p.cols], { label: 'gemv.tuning.A' });
    const x = ctx.tensor([p.trans ? p.rows : p.cols], { label: 'gemv.tuning.x' });
    const y = ctx.tensor([p.trans ? p.cols : p.rows], { label: 'gemv.tuning.y' });
    return {
      description: `${p.rows}×${p.cols}${p.trans ? 'ᵀ' : ''}·x`,
      async prepare(variant) {
        const pipeline = await gemvPipeline(ctx, variant, p.trans, p.cols);
        return () => encodeGemv(ctx, pipeline, variant, A, x, y, { rows: p.rows, cols: p.cols, alpha: 1, beta: 0 });
      },
      destroy() {
        A.destroy();
        x.destroy();
        y.destroy();
      },
    };
  },
};

/** Whether a `'column'` variant runs the column-block kernel for this many columns. */
function columnBlock(v: GemvVariant, cols: number): boolean {
  return v.layout === 'column' && v.columnVec4s !== undefined && cols % 4 === 0;
}

function gemvLabel(v: GemvVariant): string {
  return v.layout === 'column' ? 'gemv.t' : v.layout === 'row' ? 'gemv.n_row' : 'gemv.n';
}

function gemvPipeline(ctx: Context, v: GemvVariant, trans: boolean, cols: number): Promise<GPUComputePipeline> {
  const vec4 = cols % 4 === 0;
  const block = v.layout === 'row'
    ? { rowsPerInvocation: v.rows ?? 1, vec4, mat4: v.mat4 === true && cols % 16 === 0, quadX: v.quadX === true && vec4 }
    : columnBlock(v, cols) ? { columnVec4s: v.columnVec4s, quadX: v.quadX === true } : {};
  return ctx.kernel({
    label: gemvLabel(v),
    code: gemvWGSL({ trans, ...block }),
    constants: v.layout === 'workgroup' ? { WG_SIZE: v.wg, ROWS: v.rows ?? 4 } : { WG_SIZE: v.wg },
  });
}

function encodeGemv(
  ctx: Context,
  pipeline: GPUComputePipeline,
  v: GemvVariant,
  A: Tensor,
  x: Tensor,
  y: Tensor,
  p: { rows: number; cols: number; alpha: number; beta: number },
): void {
  const outLen = v.layout === 'column' ? p.cols : p.rows;
  ctx.dispatch({
    label: gemvLabel(v),
    pipeline,
    bindings: [gemvParams.pack(p), A, x, y],
    workgroups: v.layout === 'workgroup' ? Math.ceil(p.rows / (v.rows ?? 4))
      : v.layout === 'row' ? Math.ceil(Math.ceil(p.rows / (v.rows ?? 1)) / v.wg)
      : columnBlock(v, p.cols) ? Math.ceil(Math.ceil(p.cols / 4 / v.columnVec4s!) / v.wg)
      : Math.ceil(outLen / v.wg),
    workgroupSize: v.wg,
  });
}

/**
 * `y = alpha · op(A) · x + beta · y` for a matrix A `[rows, cols]` and a vector x (shape `[len]`,
 * or any shape of that many elements), in f32. With `trans`, x has `rows` elements and y has
 * `cols`; otherwise x has `cols` and y has `rows`.
 *
 * @returns `dst` when given, else a new `[outLen]` tensor the caller owns.
 */
export async function gemv(ctx: Context, A: Tensor, x: Tensor, options: GemvOptions = {}): Promise<Tensor<'f32'>> {
  assertF32(ctx, A, 'A');
  assertF32(ctx, x, 'x');
  if (A.shape.length !== 2) throw new InputError(`gemv: A ('${A.label}') must be a matrix [rows, cols]; got shape [${A.shape.join(', ')}]`);
  const trans = options.trans ?? false;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  assertFinite(alpha, 'alpha');
  assertFinite(beta, 'beta');
  const [rows, cols] = [A.shape[0]!, A.shape[1]!];
  const inLen = trans ? rows : cols;
  const outLen = trans ? cols : rows;
  if (x.size !== inLen) {
    throw new InputError(`gemv: ${trans ? 'Aᵀ' : 'A'} is ${outLen} × ${inLen} (A has shape [${rows}, ${cols}]) but x has ${x.size} elements`);
  }
  if (beta !== 0 && !options.dst) throw new InputError('gemv: beta ≠ 0 needs dst (the y that is scaled and added to)');
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    if (options.dst.size !== outLen) assertShape(options.dst, [outLen], 'dst');
    assertNoAlias(options.dst, A, 'dst', 'A');
    assertNoAlias(options.dst, x, 'dst', 'x');
  }
  assertIndexable('gemv', A.size);
  if (options.variant) {
    const error = gemvVariantError(ctx.limits, ctx.device.features, options.variant, trans);
    if (error) throw new InputError(`gemv: options.variant ${JSON.stringify(options.variant)} is invalid: ${error}`);
  }
  const y = (options.dst as Tensor<'f32'> | undefined) ?? ctx.tensor([outLen], { label: options.label ?? 'gemv.output' });
  try {
    if (outLen === 0) return y;
    const variant = options.variant ?? await chooseVariant(ctx, gemvTunable, { rows, cols, trans }, ctx.limits);
    encodeGemv(ctx, await gemvPipeline(ctx, variant, trans, cols), variant, A, x, y, { rows, cols, alpha, beta });
    return y;
  } catch (err) {
    if (!options.dst) y.destroy();
    throw err;
  }
}
