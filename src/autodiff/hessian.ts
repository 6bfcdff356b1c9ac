/**
 * Second-order information from the tape: Hessian-vector products by double backward (Pearlmutter
 * 1994's R-operator computed as ∇_θ ⟨∇_θ L, v⟩, the backward pass recorded and differentiated
 * again), the Hessian as a `LinearOperator` for `eigs` (top-k eigenvalues by Lanczos), and its
 * trace by Hutchinson's estimator (Hutchinson 1990: E[zᵀHz] = tr H for Rademacher z).
 */
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { eigs, type EigsOptions, type EigsResult, type LinearOperator } from '../eig/index.js';
import { dot } from '../linalg/index.js';
import { philoxSequence } from '../reference/philox.js';
import type { Tape, Var } from './tape.js';

/** Philox tag (counter word 3) of Hutchinson's probe vectors. */
const HUTCHINSON_TAG = 0x48555443; // 'HUTC'

/** The Hessian of a loss on a tape as an operator on the concatenated parameters. */
export interface HessianOperator extends LinearOperator {
  /** Number of parameters (the order of the Hessian). */
  readonly n: number;
  /** Hessian-vector products so far. */
  readonly products: number;
  /** Free the operator's buffers (the tape keeps its own). */
  destroy(): void;
}

/**
 * The Hessian of the one-element `loss` with respect to `params` (all recorded on `tape`), as an
 * operator: the gradient is recorded once (`createGraph`), then each `apply` differentiates
 * ⟨∇L, v⟩ once more, and frees what that product made. Parameters are concatenated in order,
 * each flattened row-major.
 */
export async function hessianOperator(tape: Tape, loss: Var, params: readonly Var[]): Promise<HessianOperator> {
  if (params.length === 0) throw new InputError('hessianOperator: give at least one parameter');
  const ctx = tape.ctx;
  const grads = await tape.grad(loss, params, { createGraph: true });
  const sizes = params.map((p) => p.size);
  const n = sizes.reduce((a, b) => a + b, 0);
  const pieces = params.map((p, i) => ctx.tensor(p.shape, { label: `hessian.v${i}` }));
  let products = 0;
  let destroyed = false;
  return {
    n,
    get products() {
      return products;
    },
    async apply(x: Tensor<'f32'>, y: Tensor<'f32'>) {
      if (destroyed) throw new InputError('hessianOperator: used after destroy()');
      if (x.size !== n || y.size !== n) throw new InputError(`hessianOperator: x and y must have ${n} elements; got ${x.size} and ${y.size}`);
      const mark = tape.mark();
      let offset = 0;
      params.forEach((_, i) => {
        ctx.encoder().copyBufferToBuffer(x.buffer, offset * 4, pieces[i]!.buffer, 0, sizes[i]! * 4);
        offset += sizes[i]!;
      });
      let inner: Var | null = null;
      for (let i = 0; i < params.length; i++) {
        const term = await tape.sum(await tape.map('g * v', { g: grads[i]!, v: tape.constant(pieces[i]!) }));
        inner = inner ? await tape.add(inner, term) : term;
      }
      const hv = await tape.grad(inner!, params);
      offset = 0;
      hv.forEach((h, i) => {
        ctx.encoder().copyBufferToBuffer(h.value.buffer, 0, y.buffer, offset * 4, sizes[i]! * 4);
        offset += sizes[i]!;
      });
      tape.release(mark);
      products++;
    },
    destroy() {
      destroyed = true;
      ctx.releaseAfterSubmit(...pieces);
    },
  };
}

/**
 * H·v for one vector `v` (concatenated like the parameters): a new [n] tensor the caller owns.
 */
export async function hvp(tape: Tape, loss: Var, params: readonly Var[], v: Tensor<'f32'>): Promise<Tensor<'f32'>> {
  const op = await hessianOperator(tape, loss, params);
  try {
    const y = tape.ctx.tensor([op.n], { label: 'hvp.output' });
    await op.apply(v, y);
    return y;
  } finally {
    op.destroy();
  }
}

/**
 * The k Hessian eigenvalues of largest magnitude (`which: 'LM'`, default) or largest value
 * (`'LR'`) by restarted Lanczos (`eigs` with `symmetric: true`) on Hessian-vector products.
 */
export async function hessianEigenvalues(ctx: Context, op: LinearOperator, options: Omit<EigsOptions, 'symmetric' | 'n' | 'batch'> = {}): Promise<EigsResult> {
  return eigs(ctx, op, { ...options, symmetric: true });
}

/** Options of {@link hutchinsonTrace}. */
export interface HutchinsonOptions {
  /** Number of probe vectors. Default 64. */
  samples?: number;
  /** Seed of the Rademacher probes. Default 0. */
  seed?: number;
}

/** Hutchinson's estimate of tr H: the mean of zᵀHz over Rademacher z, with its standard error. */
export interface HutchinsonResult {
  estimate: number;
  standardError: number;
  samples: number;
  /** zᵀHz of each probe. */
  values: number[];
}

/** The Rademacher probe vectors (±1) Hutchinson's estimator uses under `seed`: `samples` × n. */
export function rademacherProbes(samples: number, n: number, seed: number): Float32Array {
  const rand = philoxSequence(seed, { distribution: 'uniform', tag: HUTCHINSON_TAG });
  return Float32Array.from({ length: samples * n }, () => (rand() < 0.5 ? -1 : 1));
}

/** Hutchinson's trace estimate of the operator's matrix (deterministic given the seed). */
export async function hutchinsonTrace(ctx: Context, op: LinearOperator, options: HutchinsonOptions = {}): Promise<HutchinsonResult> {
  const samples = options.samples ?? 64;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(samples) || samples < 2) throw new InputError(`hutchinsonTrace: samples must be a whole number ≥ 2, got ${samples}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`hutchinsonTrace: seed must be a non-negative integer, got ${seed}`);
  const probes = rademacherProbes(samples, op.n, seed);
  const z = ctx.tensor([op.n], { label: 'hutchinson.z' });
  const hz = ctx.tensor([op.n], { label: 'hutchinson.hz' });
  const values: number[] = [];
  try {
    for (let s = 0; s < samples; s++) {
      z.write(probes.subarray(s * op.n, (s + 1) * op.n));
      await op.apply(z, hz);
      const d = await dot(ctx, z, hz);
      values.push((await d.read())[0]!);
      d.destroy();
    }
  } finally {
    ctx.releaseAfterSubmit(z, hz);
  }
  const mean = values.reduce((a, b) => a + b, 0) / samples;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples - 1);
  return { estimate: mean, standardError: Math.sqrt(variance / samples), samples, values };
}
