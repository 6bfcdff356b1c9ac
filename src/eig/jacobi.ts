/**
 * Eigen-decomposition of many small symmetric matrices at once (e.g. 1000 covariances of order
 * 2–64): parallel cyclic Jacobi, one workgroup or one invocation per matrix (shaders/jacobi.wgsl.ts).
 */
import {
  JACOBI_MAX_N, JACOBI_PRIVATE_MAX_N, JACOBI_SLOTS_MAX_N, jacobiParams, jacobiPrivateWGSL, jacobiSerialWGSL, jacobiSlotsWGSL, jacobiWGSL,
} from '../../shaders/jacobi.wgsl.js';
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { chooseVariant, sizeBucket, type Tunable } from '../core/tuning.js';
import { InputError, LimitError } from '../gpu/errors.js';
import { checkPositive, checkPositiveInt, EigConvergenceError, resolveMatrix, type MatrixInput, type MatrixShape } from './input.js';

/** How the batched Jacobi kernel maps matrices to invocations (see shaders/jacobi.wgsl.ts). */
export interface JacobiVariant {
  /**
   * `'workgroup'`: one workgroup per matrix, n/2 rotations in parallel; `'thread'`: one invocation
   * per matrix, no barriers; `'private'` (n ≤ 32): as `'thread'` with the working matrices in
   * the invocation's private memory instead of a storage scratch buffer; `'slots'` (n ≤ 32): one
   * invocation per matrix, parallel round-robin order with the data moved between fixed slots so
   * that every private-memory index is a compile-time constant (code generated per even order).
   */
  strategy: 'workgroup' | 'thread' | 'private' | 'slots';
  /** Invocations per workgroup. */
  wg: number;
}

/** The fixed default (tuning off): one invocation per matrix up to n = 16, else a workgroup of 64. */
export function jacobiDefaultVariant(n: number): JacobiVariant {
  return { strategy: n <= 16 ? 'thread' : 'workgroup', wg: 64 };
}

/**
 * Every variant the tuner may pick (each is run by the tests against the float64 reference). A
 * search times them in this order while its budget lasts, so the fastest on the CPU adapter
 * (`'slots'`, 3–7× the others at n = 8 and 32) comes first.
 */
export const JACOBI_VARIANTS: readonly JacobiVariant[] = [
  { strategy: 'slots', wg: 16 },
  { strategy: 'slots', wg: 64 },
  { strategy: 'thread', wg: 64 },
  { strategy: 'private', wg: 16 },
  { strategy: 'thread', wg: 16 },
  { strategy: 'private', wg: 64 },
  { strategy: 'thread', wg: 4 },
  { strategy: 'workgroup', wg: 64 },
  { strategy: 'workgroup', wg: 32 },
  { strategy: 'workgroup', wg: 128 },
];

/** A variant's id in tuning records, e.g. `'thread wg 64'`. */
export function jacobiVariantKey(v: JacobiVariant): string {
  return `${v.strategy} wg ${v.wg}`;
}

function jacobiVariantError(limits: GPUSupportedLimits, v: JacobiVariant, n: number): string | null {
  if (!['thread', 'workgroup', 'private', 'slots'].includes(v.strategy)) return `strategy must be 'workgroup', 'thread', 'private' or 'slots', got '${String(v.strategy)}'`;
  if (v.strategy === 'private' && n > JACOBI_PRIVATE_MAX_N) return `strategy 'private' serves n ≤ ${JACOBI_PRIVATE_MAX_N}, got n = ${n}`;
  if (v.strategy === 'slots' && n > JACOBI_SLOTS_MAX_N) return `strategy 'slots' serves n ≤ ${JACOBI_SLOTS_MAX_N}, got n = ${n}`;
  const pow2 = Number.isInteger(v.wg) && v.wg >= 1 && (v.wg & (v.wg - 1)) === 0;
  const max = Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
  if (!pow2 || v.wg > max) return `wg must be a power of two ≤ ${max}, got ${String(v.wg)}`;
  return null;
}

/** What a Jacobi search needs to know of a call. */
export interface JacobiProblemClass {
  n: number;
  batch: number;
}

/** Largest batch a Jacobi search times (time per matrix is what matters once the device is full). */
const TUNING_MAX_BATCH = 4096;

/** Batched Jacobi as a tunable kernel (see src/core/tuning.ts). */
export const jacobiTunable: Tunable<JacobiProblemClass, JacobiVariant, Context> = {
  name: 'eig.jacobi',
  shapeClass: (p) => `n${sizeBucket(p.n, JACOBI_MAX_N)} batch${sizeBucket(p.batch, 1 << 16)}`,
  fallback: (p) => jacobiDefaultVariant(p.n),
  candidates: (p, limits) => JACOBI_VARIANTS.filter((v) => jacobiVariantError(limits, v, p.n) === null),
  key: jacobiVariantKey,
  trial(ctx, p) {
    const batch = Math.min(p.batch, TUNING_MAX_BATCH);
    const n = p.n;
    // Converging takes as many sweeps as real data does only on real-looking data: random
    // symmetric matrices (a fixed LCG, so every candidate solves the same problems).
    const data = new Float32Array(batch * n * n);
    let s = 12345;
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const x = s / 2 ** 32 - 0.5;
          data[b * n * n + i * n + j] = x;
          data[b * n * n + j * n + i] = x;
        }
      }
    }
    const input = ctx.tensor([batch, n, n], { data, label: 'jacobi.tuning.input' });
    // Every candidate gets the scratch buffer, so allocation does not favour the private variant.
    const out = jacobiOutputs(ctx, batch, n, true);
    const params = { n, batch, maxSweeps: 30, tol: 1e-6 * Math.max(1, Math.sqrt(n)) };
    return {
      description: `${batch} × ${n}²`,
      async prepare(variant) {
        const pipeline = await jacobiPipeline(ctx, variant, n);
        return () => encodeJacobi(ctx, pipeline, variant, input, out, params);
      },
      destroy() {
        input.destroy();
        for (const t of Object.values(out)) t?.destroy();
      },
    };
  },
};

interface JacobiOutputs {
  values: Tensor<'f32'>;
  vectors: Tensor<'f32'>;
  /** Scratch of the storage variants (absent for `'private'`). */
  work?: Tensor<'f32'>;
  sweeps: Tensor<'u32'>;
}

function jacobiOutputs(ctx: Context, batch: number, n: number, scratch: boolean): JacobiOutputs {
  const made: Tensor[] = [];
  try {
    // Poisoned (cheaply: a few bytes per matrix) so an eigenvalue or sweep count a variant fails
    // to write is NaN or "not converged", never a plausible 0; an unwritten (zero) eigenvector
    // column fails the tests' unit-norm check.
    const values = ctx.tensor([batch, n], { label: 'jacobi.values', fill: Number.NaN });
    made.push(values);
    const vectors = ctx.tensor([batch, n, n], { label: 'jacobi.vectors' });
    made.push(vectors);
    const work = scratch ? ctx.tensor([batch, 2, n, n], { label: 'jacobi.work' }) : undefined;
    if (work) made.push(work);
    const sweeps = ctx.tensor([batch], { dtype: 'u32', label: 'jacobi.sweeps', fill: 0xffffffff });
    return { values, vectors, work, sweeps };
  } catch (err) {
    for (const t of made) t.destroy();
    throw err;
  }
}

/** Whether a variant keeps its working matrices in the storage scratch buffer (else in private memory). */
function usesScratch(v: JacobiVariant): boolean {
  return v.strategy === 'thread' || v.strategy === 'workgroup';
}

function jacobiLabel(v: JacobiVariant): string {
  return v.strategy === 'workgroup' ? 'eig.jacobi' : `eig.jacobi.${v.strategy}`;
}

/** Private arrays are sized for the next of these orders, so a few pipelines serve every n ≤ 32. */
function privateCapacity(n: number): number {
  return n <= 4 ? 4 : n <= 8 ? 8 : n <= 16 ? 16 : JACOBI_PRIVATE_MAX_N;
}

function jacobiPipeline(ctx: Context, v: JacobiVariant, n: number): Promise<GPUComputePipeline> {
  const code = v.strategy === 'thread' ? jacobiSerialWGSL()
    : v.strategy === 'private' ? jacobiPrivateWGSL(privateCapacity(n))
    : v.strategy === 'slots' ? jacobiSlotsWGSL(n + (n & 1))
    : jacobiWGSL();
  return ctx.kernel({ label: jacobiLabel(v), code, constants: { WG_SIZE: v.wg } });
}

function encodeJacobi(
  ctx: Context,
  pipeline: GPUComputePipeline,
  v: JacobiVariant,
  input: Tensor,
  out: JacobiOutputs,
  p: { n: number; batch: number; maxSweeps: number; tol: number },
): void {
  const perInvocation = v.strategy !== 'workgroup';
  const params = jacobiParams.pack({ n: p.n, batch: p.batch, max_sweeps: p.maxSweeps, tol: p.tol });
  ctx.dispatch({
    label: jacobiLabel(v),
    pipeline,
    // The private-memory variants have no scratch buffer: their sweeps binding is number 4.
    bindings: !usesScratch(v)
      ? [params, input, out.values, out.vectors, out.sweeps]
      : [params, input, out.values, out.vectors, out.work!, out.sweeps],
    workgroups: perInvocation ? Math.ceil(p.batch / v.wg) : p.batch,
    workgroupSize: v.wg,
  });
}

/** Options of `jacobiEigBatched`. */
export interface JacobiOptions extends MatrixShape {
  /** Stop a matrix when ‖offdiag(A)‖_F ≤ tol·‖A‖_F. Default 1e-6·max(1, √n). */
  tol?: number;
  /** Most sweeps before `EigConvergenceError`. Default 30 (Jacobi converges quadratically, typically in 6–12). */
  maxSweeps?: number;
  /**
   * Use this variant instead of the tuned one (benchmarks, tests of every variant): `'workgroup'`
   * (one workgroup per matrix, n/2 rotations in parallel), `'thread'` (one invocation per
   * matrix, no barriers), `'private'` or `'slots'` (n ≤ 32; see {@link JacobiVariant}), with 64
   * invocations per workgroup, or a full {@link JacobiVariant}.
   * Default: the variant measured fastest on this adapter for this class of (n, batch) (see
   * `ContextOptions.tuning`), or {@link jacobiDefaultVariant} when tuning is off.
   */
  strategy?: JacobiVariant['strategy'] | JacobiVariant;
}

/** Eigen-decompositions of a batch: A[b] = V[b]·diag(values[b])·V[b]ᵀ. */
export interface JacobiResult {
  /** Eigenvalues [batch, n], descending within each matrix. */
  values: Tensor<'f32'>;
  /** Orthonormal eigenvectors [batch, n, n]; column j of V[b] belongs to values[b, j]. */
  vectors: Tensor<'f32'>;
  /** Sweeps each matrix needed. */
  sweeps: Uint32Array;
  /** Free both tensors. */
  destroy(): void;
}

/**
 * Eigenvalues and eigenvectors of a batch of symmetric matrices `c` ([batch, n, n] or [n, n] f32
 * tensor, or row-major CPU numbers with `n` and `batch`), n ≤ 256. Only the symmetric part is
 * meaningful: the rotations read the upper triangle's pivots and update both triangles. Throws
 * `EigConvergenceError` if any matrix needs more than `maxSweeps` sweeps.
 */
export async function jacobiEigBatched(ctx: Context, c: MatrixInput, options: JacobiOptions = {}): Promise<JacobiResult> {
  const input = resolveMatrix(ctx, c, options, 'jacobiEigBatched');
  const made: Tensor[] = [];
  try {
    const { batch, n } = input;
    if (n > JACOBI_MAX_N) {
      throw new LimitError('jacobiEigBatched', 'the matrix order n', n, JACOBI_MAX_N, 'Use eigs(..., { symmetric: true }) for larger matrices.');
    }
    const tol = options.tol ?? 1e-6 * Math.max(1, Math.sqrt(n));
    checkPositive(tol, 'jacobiEigBatched: tol');
    const maxSweeps = options.maxSweeps ?? 30;
    checkPositiveInt(maxSweeps, 'jacobiEigBatched: maxSweeps');
    const given = options.strategy;
    const chosen = typeof given === 'string' ? { strategy: given, wg: 64 } : given;
    if (chosen) {
      const error = jacobiVariantError(ctx.limits, chosen, n);
      if (error) throw new InputError(`jacobiEigBatched: strategy ${JSON.stringify(given)} is invalid: ${error}`);
    }
    const variant = chosen ?? await chooseVariant(ctx, jacobiTunable, { n, batch }, ctx.limits);
    const pipeline = await jacobiPipeline(ctx, variant, n);
    const out = jacobiOutputs(ctx, batch, n, usesScratch(variant));
    const { values, vectors, work, sweeps: sweepsT } = out;
    made.push(values, vectors, sweepsT);
    if (work) made.push(work);
    encodeJacobi(ctx, pipeline, variant, input.tensor, out, { n, batch, maxSweeps, tol });
    const sweeps = await sweepsT.read();
    work?.destroy();
    sweepsT.destroy();
    const failed = [...sweeps].filter((s) => s > maxSweeps).length;
    if (failed > 0) {
      throw new EigConvergenceError(
        `jacobiEigBatched: ${failed} of ${batch} matrices (order ${n}) did not reach tol = ${tol} in ${maxSweeps} sweeps; ` +
          'check for non-finite entries, or raise maxSweeps / tol',
        { sweeps },
      );
    }
    made.length = 0;
    return { values, vectors, sweeps, destroy: () => { values.destroy(); vectors.destroy(); } };
  } finally {
    for (const t of made) t.destroy();
    if (input.owned) input.tensor.destroy();
  }
}
