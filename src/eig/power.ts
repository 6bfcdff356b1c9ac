/**
 * Power iteration on the GPU for the dominant eigenpair of one matrix or a batch, with a shift
 * (iterate on A − σI) and deflation against given orthonormal vectors (iterate on P·A·P with
 * P = I − Q·Qᵀ; Saad, Numerical Methods for Large Eigenvalue Problems, 2nd ed., §4.2).
 */
import type { Context } from '../core/context.js';
import { InputError } from '../gpu/errors.js';
import { gramSchmidtAppend } from '../reference/dense.js';
import { checkPositive, checkPositiveInt, EigConvergenceError, resolveMatrix, startVectors, type MatrixInput, type MatrixShape } from './input.js';
import { KrylovOps, type Basis } from './ops.js';

/** Options of `powerIteration`. */
export interface PowerOptions extends MatrixShape {
  /** Iterate on A − shift·I (returned values are eigenvalues of A). Default 0. */
  shift?: number;
  /**
   * Vectors to deflate, each of length n (orthonormalized here). They should span an invariant
   * subspace of A, e.g. eigenvectors already found of a symmetric A, or Schur vectors; the iteration
   * then finds the dominant eigenvalue of the rest of the spectrum. Shared by every batch member.
   */
  deflate?: ArrayLike<number>[];
  /** Stop when ‖A·x − θ·x‖ ≤ tol·|θ|. Default 1e-5. */
  tol?: number;
  /** Most iterations before `EigConvergenceError`. Default 5000. */
  maxIter?: number;
  /** Iterations between convergence checks (each check costs one extra product and a readback). Default 10. */
  checkEvery?: number;
  /** Seed of the random start vector. Default 0. */
  seed?: number;
}

/** Dominant eigenpair of one matrix. */
export interface PowerResult {
  /** Rayleigh quotient θ = xᵀA·x (of the deflated operator when deflating). */
  value: number;
  /** Unit eigenvector estimate x (a Schur vector when deflating a nonsymmetric A). */
  vector: Float32Array;
  /** ‖A·x − θ·x‖ (of the deflated operator when deflating). */
  residual: number;
  iterations: number;
}

/**
 * Dominant (largest-magnitude after shifting) eigenpair by power iteration, for one matrix or a
 * batch ([batch, n, n]; one result per member, all iterated in lockstep). Converges when a single
 * real eigenvalue of A − σI strictly dominates; otherwise `EigConvergenceError` after `maxIter`.
 */
export async function powerIteration(ctx: Context, a: MatrixInput, options: PowerOptions = {}): Promise<PowerResult[]> {
  const input = resolveMatrix(ctx, a, options, 'powerIteration');
  const made: { destroy(): void }[] = [];
  try {
    const { batch, n } = input;
    const shift = options.shift ?? 0;
    if (!Number.isFinite(shift)) throw new InputError(`powerIteration: shift must be finite, got ${shift}`);
    const tol = options.tol ?? 1e-5;
    checkPositive(tol, 'powerIteration: tol');
    const maxIter = options.maxIter ?? 5000;
    checkPositiveInt(maxIter, 'powerIteration: maxIter');
    const checkEvery = 2 * Math.ceil((options.checkEvery ?? 10) / 2);
    checkPositiveInt(checkEvery, 'powerIteration: checkEvery');
    const q = orthonormalRows(options.deflate ?? [], n);
    const d = q.length;
    if (d >= n) throw new InputError(`powerIteration: deflating ${d} vectors leaves nothing of an order-${n} matrix`);
    const ops = await KrylovOps.create(ctx);
    made.push(ops);
    const rows = d + 3; // deflation rows, two iterates (ping-pong), residual scratch
    const v: Basis = { tensor: ctx.tensor([batch, rows, n], { label: 'power.basis', fill: 0 }), batch, rows, n };
    const coef = ctx.tensor([batch, d + 1], { label: 'power.coef', fill: 0 });
    const norms = ctx.tensor([batch, 2], { label: 'power.norms', fill: 0 });
    made.push(v.tensor, coef, norms);
    const start = startVectors(batch, n, options.seed ?? 0);
    for (let b = 0; b < batch; b++) {
      q.forEach((row, i) => v.tensor.write(row, (b * rows + i) * n));
      v.tensor.write(start.subarray(b * n, (b + 1) * n), (b * rows + d) * n);
    }
    const deflate = (row: number): void => {
      for (let pass = 0; pass < 2 && d > 0; pass++) {
        ops.gram(v, coef, 0, d, row, 1);
        ops.project(v, coef, 0, d, row);
      }
    };
    deflate(d);
    ops.normalize(v, d, norms, 2, 0);

    let it = 0;
    let values: number[] = [];
    let residuals: number[] = [];
    for (;;) {
      for (let s = 0; s < checkEvery; s++, it++) {
        const src = d + (it % 2);
        const dst = d + 1 - (it % 2);
        ops.gemv(input.tensor, v, src, dst, 1, shift);
        deflate(dst);
        ops.normalize(v, dst, norms, 2, 0);
      }
      // x is back in row d: r = P(A − σ)x − θ'x in the scratch row; θ' is coefficient d.
      ops.gemv(input.tensor, v, d, d + 2, 1, shift);
      ops.gram(v, coef, 0, d + 1, d + 2, 1);
      ops.project(v, coef, 0, d + 1, d + 2);
      ops.normalize(v, d + 2, norms, 2, 1);
      const c = await coef.read();
      const nr = await norms.read();
      values = Array.from({ length: batch }, (_, b) => c[b * (d + 1) + d]! + shift);
      residuals = Array.from({ length: batch }, (_, b) => nr[b * 2 + 1]!);
      const done = values.every((theta, b) => residuals[b]! <= tol * Math.abs(theta));
      if (done || it >= maxIter) {
        const data = await v.tensor.read();
        const results = values.map((value, b) => ({
          value,
          vector: data.slice((b * rows + d) * n, (b * rows + d + 1) * n),
          residual: residuals[b]!,
          iterations: it,
        }));
        if (!done) {
          const worst = Math.max(...results.map((r) => r.residual / Math.abs(r.value)));
          throw new EigConvergenceError(
            `powerIteration: no convergence to tol = ${tol} in ${it} iterations (n = ${n}); worst relative residual ` +
              `${worst.toExponential(2)}. The dominant eigenvalue may be complex or not separated; try eigs() or a shift.`,
            results,
          );
        }
        return results;
      }
    }
  } finally {
    for (const x of made) x.destroy();
    if (input.owned) input.tensor.destroy();
  }
}

/** Orthonormalize vectors (modified Gram–Schmidt twice, float64), checking their lengths. */
function orthonormalRows(vectors: ArrayLike<number>[], n: number): Float64Array[] {
  const out: Float64Array[] = [];
  vectors.forEach((vec, i) => {
    if (vec.length !== n) throw new InputError(`powerIteration: deflate[${i}] has length ${vec.length}, expected n = ${n}`);
    if (!gramSchmidtAppend(out, Float64Array.from(vec as ArrayLike<number>), 1e-6)) {
      throw new InputError(`powerIteration: deflate[${i}] is zero or depends on the vectors before it`);
    }
  });
  return out;
}
