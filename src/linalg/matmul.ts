/**
 * Matrix products on the GPU: `matmul` (GEMM, optionally batched) — the workhorse of every model.
 */
import { gemmDirectWGSL, gemmParams, gemmWGSL } from '../../shaders/gemm.wgsl.js';
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import * as z from 'zod';
import { dottedName, finiteNumber, flag, parseInput } from '../core/validate.js';
import { chooseVariant, sizeBucket, type Tunable } from '../core/tuning.js';
import { InputError } from '../gpu/errors.js';
import { assertF32, assertFinite, assertGrid, assertIndexable, assertNoAlias, assertShape } from './util.js';

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Use Aᵀ: A is stored k × m (or b × k × m). Default false. */
  transA?: boolean;
  /** Use Bᵀ: B is stored n × k (or b × n × k). Default false. */
  transB?: boolean;
  /** Scale of the product. Default 1. */
  alpha?: number;
  /** Scale of the previous contents of `dst`; non-zero needs `dst`. Default 0 (dst is not read). */
  beta?: number;
  /** Write here instead of a new tensor; must have the output shape and not share A's or B's buffer. */
  dst?: Tensor;
  /** Label of a newly created output. Default `'matmul.output'`. */
  label?: string;
  /**
   * Use this tile configuration instead of the tuned one (benchmarks, tests of every variant).
   * Default: the variant measured fastest on this adapter for this shape class (see
   * `ContextOptions.tuning`), or `chooseTiling` when tuning is off.
   */
  tiling?: GemmTiling;
}

/** The schema of `MatmulOptions` (tensors and tilings are checked against the device below). */
const matmulOptionsSchema = z.strictObject(
  {
    transA: flag.optional(),
    transB: flag.optional(),
    alpha: finiteNumber().optional(),
    beta: finiteNumber().optional(),
    dst: z.unknown().optional(),
    label: z.string({ error: 'a string' }).optional(),
    tiling: z.unknown().optional(),
  },
  { error: 'an options object' },
);

/** Tile configuration: WG_X × WG_Y invocations with 4 × 4 outputs each, k panels of TILE_K. */
export interface GemmTiling {
  /** Invocations per workgroup along n. */
  wgX: number;
  /** Invocations per workgroup along m. */
  wgY: number;
  /** Staged variant: depth of the k panel in workgroup memory (ignored by the direct variant). */
  tileK: number;
  /** `'staged'`: k panels in workgroup memory; `'direct'`: straight from storage. Default `'staged'`. */
  variant?: 'staged' | 'direct';
  /** Direct variant: rows of C per invocation (1–32). Default 4. */
  rows?: number;
  /** Direct variant: groups of 4 columns of C per invocation (1–4). Default 1. */
  cols4?: number;
  /** Direct variant: an invocation's columns are WG_X apart rather than adjacent (see `gemmDirectWGSL`). Default false. */
  strided?: boolean;
  /**
   * Direct variant: A's loads shared across each quad of a subgroup, k in steps of 4 (see
   * `gemmDirectWGSL`); needs `strided`, wgX a multiple of 4 and the device feature `subgroups`.
   * Default false.
   */
  quadA?: boolean;
}

/** Tiling used for large products: 64 × 64 outputs per workgroup of 256 invocations. */
export const GEMM_TILING_LARGE: GemmTiling = { wgX: 16, wgY: 16, tileK: 16 };
/** Tiling used when the output is small (fewer idle invocations on thin or tiny products). */
export const GEMM_TILING_SMALL: GemmTiling = { wgX: 8, wgY: 8, tileK: 16 };

/** The sizes of one matmul call after validation. */
interface GemmProblem {
  m: number;
  n: number;
  k: number;
  batch: number;
  strideA: number;
  strideB: number;
  outShape: number[];
}

function matrixDims(t: Tensor, name: string): { batch: number; rows: number; cols: number } {
  if (t.shape.length === 2) return { batch: 1, rows: t.shape[0]!, cols: t.shape[1]! };
  if (t.shape.length === 3) return { batch: t.shape[0]!, rows: t.shape[1]!, cols: t.shape[2]! };
  throw new InputError(`${name} ('${t.label}') must be a matrix [rows, cols] or a batch [b, rows, cols]; got shape [${t.shape.join(', ')}]`);
}

function plan(A: Tensor, B: Tensor, transA: boolean, transB: boolean): GemmProblem {
  const a = matrixDims(A, 'A');
  const b = matrixDims(B, 'B');
  const [m, kA] = transA ? [a.cols, a.rows] : [a.rows, a.cols];
  const [kB, n] = transB ? [b.cols, b.rows] : [b.rows, b.cols];
  if (kA !== kB) {
    const opA = transA ? 'Aᵀ' : 'A';
    const opB = transB ? 'Bᵀ' : 'B';
    throw new InputError(
      `matmul: ${opA} is ${m} × ${kA} and ${opB} is ${kB} × ${n}, so the inner dimensions ${kA} and ${kB} differ (A has shape [${A.shape.join(', ')}], B has shape [${B.shape.join(', ')}])`,
    );
  }
  if (a.batch !== b.batch && a.batch !== 1 && b.batch !== 1) {
    throw new InputError(`matmul: batch sizes differ: A has ${a.batch} matrices, B has ${b.batch} (one side may have 1 to broadcast)`);
  }
  const batch = Math.max(a.batch, b.batch);
  const batched = A.shape.length === 3 || B.shape.length === 3;
  return {
    m,
    n,
    k: kA,
    batch,
    strideA: a.batch === 1 ? 0 : a.rows * a.cols,
    strideB: b.batch === 1 ? 0 : b.rows * b.cols,
    outShape: batched ? [batch, m, n] : [m, n],
  };
}

/**
 * `C = alpha · op(A) · op(B) + beta · C` on the GPU, in f32, for any sizes.
 *
 * A is `[m, k]` (or `[k, m]` with `transA`), B is `[k, n]` (or `[n, k]` with `transB`); either may
 * be a batch `[b, ·, ·]`, and a single matrix (or a batch of 1) is broadcast against a batch. The
 * result is `[m, n]`, or `[b, m, n]` when either input is batched. Work is only recorded; the
 * scheduler submits it. Throws `InputError` on shape mismatches and `LimitError` when a size
 * exceeds the device's limits, before any GPU work.
 *
 * @returns `dst` when given, else a new tensor the caller owns (call `destroy()` when done).
 */
export async function matmul(ctx: Context, A: Tensor, B: Tensor, options: MatmulOptions = {}): Promise<Tensor<'f32'>> {
  assertF32(ctx, A, 'A');
  assertF32(ctx, B, 'B');
  parseInput(matmulOptionsSchema, options, 'matmul', dottedName('options'));
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const alpha = options.alpha ?? 1;
  const beta = options.beta ?? 0;
  assertFinite(alpha, 'alpha');
  assertFinite(beta, 'beta');
  const p = plan(A, B, transA, transB);
  if (beta !== 0 && !options.dst) throw new InputError('matmul: beta ≠ 0 needs dst (the C that is scaled and added to)');
  if (options.dst) {
    assertF32(ctx, options.dst, 'dst');
    assertShape(options.dst, p.outShape, 'dst');
    assertNoAlias(options.dst, A, 'dst', 'A');
    assertNoAlias(options.dst, B, 'dst', 'B');
  }
  assertIndexable('matmul', Math.max(A.size, B.size, p.batch * p.m * p.n));
  if (options.tiling) validateTiling(ctx, options.tiling);
  const tiling = options.tiling ?? await chooseVariant(ctx, gemmTunable, { m: p.m, n: p.n, k: p.k, batch: p.batch, transA, transB }, ctx.limits);
  const [gridX, gridY] = gemmGrid(p, tiling);
  assertGrid(ctx, 'matmul', 'workgroups along n (columns per workgroup tile)', gridX);
  assertGrid(ctx, 'matmul', 'workgroups along m (rows per workgroup tile)', gridY);
  assertGrid(ctx, 'matmul', 'matrices in the batch', p.batch);
  const C = (options.dst as Tensor<'f32'> | undefined) ?? ctx.tensor(p.outShape, { label: options.label ?? 'matmul.output' });
  try {
    if (p.batch * p.m * p.n === 0) return C;
    const o = { transA, transB, alpha, beta };
    encodeGemm(ctx, await gemmPipeline(ctx, o, tiling), A, B, C, p, o, tiling);
    return C;
  } catch (err) {
    if (!options.dst) C.destroy();
    throw err;
  }
}

/** Workgroups along n and m: each workgroup covers (wgY · rows) × (wgX · columns) of C. */
function gemmGrid(p: { m: number; n: number }, t: GemmTiling): [number, number] {
  const direct = t.variant === 'direct';
  const cols = direct ? 4 * (t.cols4 ?? 1) : 4;
  const rows = direct ? (t.rows ?? 4) : 4;
  return [Math.ceil(p.n / (cols * t.wgX)), Math.ceil(p.m / (rows * t.wgY))];
}

/** Why a tiling cannot run on this device, or null. */
function tilingError(limits: GPUSupportedLimits, features: ReadonlySet<string>, t: GemmTiling): string | null {
  const whole = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
  if (![t.wgX, t.wgY, t.tileK].every((v) => whole(v, 1, 1 << 16))) return 'wgX, wgY and tileK must be whole numbers ≥ 1';
  if (t.variant !== undefined && t.variant !== 'staged' && t.variant !== 'direct') return `variant must be 'staged' or 'direct'`;
  if (t.variant === 'direct' && (!whole(t.rows ?? 4, 1, 32) || !whole(t.cols4 ?? 1, 1, 4))) return 'rows must be 1–32 and cols4 1–4';
  if (t.quadA) {
    if (t.variant !== 'direct' || !t.strided || t.wgX % 4 !== 0) return 'quadA needs the direct variant, strided: true and wgX a multiple of 4';
    if (!features.has('subgroups')) return `quadA needs the device feature 'subgroups', which this device does not have`;
  }
  if (t.wgX * t.wgY > limits.maxComputeInvocationsPerWorkgroup) return `wgX·wgY must be ≤ ${limits.maxComputeInvocationsPerWorkgroup}`;
  if (t.wgX > limits.maxComputeWorkgroupSizeX || t.wgY > limits.maxComputeWorkgroupSizeY) {
    return `wgX ≤ ${limits.maxComputeWorkgroupSizeX} and wgY ≤ ${limits.maxComputeWorkgroupSizeY}`;
  }
  const bytes = t.variant === 'direct' ? 0 : 16 * t.tileK * (t.wgX + t.wgY);
  if (bytes > limits.maxComputeWorkgroupStorageSize) {
    return `it needs ${bytes} bytes of workgroup memory; the device allows ${limits.maxComputeWorkgroupStorageSize}`;
  }
  return null;
}

function validateTiling(ctx: Context, t: GemmTiling): void {
  const error = tilingError(ctx.limits, ctx.device.features, t);
  if (error) throw new InputError(`matmul: options.tiling ${JSON.stringify(t)} is invalid: ${error}`);
}

/** Register-blocked tiling without workgroup memory (see `gemmDirectWGSL`); 8 × 12 per invocation. */
// 8 × 12 blocks measured best of 4×4 … 16×8 on SwiftShader at n = 512 and 1024 (larger blocks mean
// fewer loads per FMA; beyond ~100 accumulators spilling wins).
export const GEMM_TILING_CPU: GemmTiling = { wgX: 8, wgY: 8, tileK: 1, variant: 'direct', rows: 8, cols4: 3 };

/**
 * The fixed default tiling (used when tuning is off): the staged kernel, with 32 × 32 tiles when
 * the output is small so more workgroups share the work.
 */
export function chooseTiling(m: number, n: number): GemmTiling {
  const tilesLarge = Math.ceil(m / 64) * Math.ceil(n / 64);
  return tilesLarge < 16 ? GEMM_TILING_SMALL : GEMM_TILING_LARGE;
}

/**
 * Every tiling the tuner may pick, in the order it tries them after the default. Each is run by
 * the tests against the float64 reference, so whichever wins computes the same product.
 */
export const GEMM_VARIANTS: readonly GemmTiling[] = [
  // A's loads shared across a quad (devices with 'subgroups'); first, so a tight budget still times
  // them: on SwiftShader 1.4–3.9× the throughput of the 8×12 blocks below (bench/README.md).
  { wgX: 8, wgY: 8, tileK: 1, variant: 'direct', rows: 16, cols4: 2, strided: true, quadA: true },
  { wgX: 4, wgY: 16, tileK: 1, variant: 'direct', rows: 16, cols4: 2, strided: true, quadA: true },
  { wgX: 8, wgY: 8, tileK: 1, variant: 'direct', rows: 16, cols4: 4, strided: true, quadA: true },
  { wgX: 8, wgY: 8, tileK: 1, variant: 'direct', rows: 8, cols4: 3, strided: true },
  GEMM_TILING_CPU,
  // Fewer A loads (the same for all SIMD lanes of a CPU adapter) per vector load of B.
  { wgX: 8, wgY: 8, tileK: 1, variant: 'direct', rows: 6, cols4: 4, strided: true },
  { wgX: 16, wgY: 4, tileK: 1, variant: 'direct', rows: 4, cols4: 2, strided: true },
  { wgX: 8, wgY: 8, tileK: 1, variant: 'direct', rows: 4, cols4: 2 },
  GEMM_TILING_LARGE,
  GEMM_TILING_SMALL,
  { wgX: 16, wgY: 16, tileK: 8, variant: 'staged' },
  { wgX: 8, wgY: 16, tileK: 32, variant: 'staged' },
];

/** A tiling's id in tuning records, e.g. `'direct 8×12 wg 8×8 strided'` or `'staged 64×64 k16'`. */
export function tilingKey(t: GemmTiling): string {
  if (t.variant === 'direct') {
    return `direct ${t.rows ?? 4}×${4 * (t.cols4 ?? 1)} wg ${t.wgX}×${t.wgY}${t.strided ? ' strided' : ''}${t.quadA ? ' quad-A' : ''}`;
  }
  return `staged ${4 * t.wgY}×${4 * t.wgX} k${t.tileK}`;
}

/** What a GEMM search needs to know of a call (no data). */
export interface GemmProblemClass {
  m: number;
  n: number;
  k: number;
  batch: number;
  transA: boolean;
  transB: boolean;
}

/** Inner dimension of the problem a search times: work scales linearly in k, rankings barely move. */
const TUNING_MAX_K = 256;

/** GEMM as a tunable kernel (see src/core/tuning.ts). */
export const gemmTunable: Tunable<GemmProblemClass, GemmTiling, Context> = {
  name: 'gemm',
  shapeClass: (p) =>
    `${p.transA ? 't' : 'n'}${p.transB ? 't' : 'n'} m${sizeBucket(p.m)} n${sizeBucket(p.n)} k${sizeBucket(p.k)}${p.batch > 1 ? ` b${sizeBucket(p.batch)}` : ''}`,
  fallback: (p) => chooseTiling(p.m, p.n),
  candidates: (p, limits, ctx) => [chooseTiling(p.m, p.n), ...GEMM_VARIANTS].filter((t) => tilingError(limits, ctx.device.features, t) === null),
  key: tilingKey,
  trial(ctx, p) {
    const k = Math.min(p.k, TUNING_MAX_K);
    // A few matrices of the batch, and at most 2^24 output elements (64 MiB) whatever the sizes.
    const batch = Math.max(1, Math.min(p.batch, 8, Math.floor(2 ** 24 / Math.max(1, p.m * p.n))));
    const A = ctx.tensor([batch, p.m, k], { label: 'gemm.tuning.A' });
    const B = ctx.tensor([batch, k, p.n], { label: 'gemm.tuning.B' });
    const C = ctx.tensor([batch, p.m, p.n], { label: 'gemm.tuning.C' });
    const problem: GemmProblem = { m: p.m, n: p.n, k, batch, strideA: p.m * k, strideB: k * p.n, outShape: [batch, p.m, p.n] };
    const o = { transA: p.transA, transB: p.transB, alpha: 1, beta: 0 };
    return {
      description: `${batch > 1 ? `${batch} × ` : ''}${p.m}×${k}·${k}×${p.n}`,
      async prepare(tiling) {
        const pipeline = await gemmPipeline(ctx, o, tiling);
        return () => encodeGemm(ctx, pipeline, A, B, C, problem, o, tiling);
      },
      destroy() {
        A.destroy();
        B.destroy();
        C.destroy();
      },
    };
  },
};

function gemmLabel(o: { transA: boolean; transB: boolean }, tiling: GemmTiling): string {
  return `gemm.${tiling.variant === 'direct' ? (tiling.quadA ? 'direct-quad.' : 'direct.') : ''}${o.transA ? 't' : 'n'}${o.transB ? 't' : 'n'}`;
}

function gemmPipeline(ctx: Context, o: { transA: boolean; transB: boolean }, tiling: GemmTiling): Promise<GPUComputePipeline> {
  const direct = tiling.variant === 'direct';
  return ctx.kernel({
    label: gemmLabel(o, tiling),
    code: direct
      ? gemmDirectWGSL({ transA: o.transA, transB: o.transB, rows: tiling.rows ?? 4, cols4: tiling.cols4 ?? 1, strided: tiling.strided ?? false, quadA: tiling.quadA ?? false })
      : gemmWGSL({ transA: o.transA, transB: o.transB }),
    constants: direct ? { WG_X: tiling.wgX, WG_Y: tiling.wgY } : { WG_X: tiling.wgX, WG_Y: tiling.wgY, TILE_K: tiling.tileK },
  });
}

function encodeGemm(
  ctx: Context,
  pipeline: GPUComputePipeline,
  A: Tensor,
  B: Tensor,
  C: Tensor,
  p: GemmProblem,
  o: { transA: boolean; transB: boolean; alpha: number; beta: number },
  tiling: GemmTiling,
): void {
  const label = gemmLabel(o, tiling);
  // k = 0 leaves C = beta · C: the kernel's loop is empty and the epilogue still runs.
  ctx.dispatch({
    label,
    pipeline,
    bindings: [
      gemmParams.pack({
        m: p.m,
        n: p.n,
        k: p.k,
        batch: p.batch,
        stride_a: p.strideA,
        stride_b: p.strideB,
        stride_c: p.m * p.n,
        alpha: o.alpha,
        beta: o.beta,
      }),
      A,
      B,
      C,
    ],
    workgroups: [...gemmGrid(p, tiling), p.batch],
  });
}
