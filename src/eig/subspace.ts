/**
 * Block (subspace) iteration with Rayleigh–Ritz for the k largest-magnitude eigenvalues of one
 * matrix or a batch (Saad, Numerical Methods for Large Eigenvalue Problems, 2nd ed., §5.1,
 * Algorithm 5.3 "subspace iteration with projection"). Each step X ← orth(A·X) runs on the GPU
 * (block product, then CGS2 column by column); every `checkEvery` steps the projected matrix
 * XᵀAX is formed on the GPU and solved in float64 on the CPU, and X is rotated onto the Ritz basis.
 * Simpler and more robust than Arnoldi, but it converges at the rate |λ_(p+1)/λ_k| per step.
 */
import type { Context } from '../core/context.js';
import { InputError } from '../gpu/errors.js';
import { realBasis, smallEig, sortByWhich, takeWithoutSplitting, type SmallPair } from './dense.js';
import type { Complex, EigsResult } from './eigs.js';
import { checkPositive, checkPositiveInt, EigConvergenceError, resolveMatrix, startVectors, type MatrixInput, type MatrixShape } from './input.js';
import { KrylovOps, type Basis } from './ops.js';

/** Options of `subspaceIteration`. */
export interface SubspaceOptions extends MatrixShape {
  /** Eigenvalues wanted (largest magnitude). Default 6; a conjugate pair straddling k is completed. */
  k?: number;
  /** Block size p ≥ k + 1 (more converges faster per step). Default min(n, 2k + 2). */
  block?: number;
  /** Symmetric matrix: real Ritz values, symmetric projected problem. Default false. */
  symmetric?: boolean;
  /** Relative residual tolerance, as in `eigs`. Default 1e-5. */
  tol?: number;
  /** Most iterations (block products) before `EigConvergenceError`. Default 3000. */
  maxIter?: number;
  /** Iterations between Rayleigh–Ritz steps and convergence checks. Default 10. */
  checkEvery?: number;
  /** Also return the eigenvectors. Default false. */
  vectors?: boolean;
  /** Seed of the random start block. Default 0. */
  seed?: number;
}

/**
 * The k largest-magnitude eigenpairs by subspace iteration, for a matrix ([n, n] or CPU numbers)
 * or a batch ([batch, n, n], or CPU numbers with `batch`); one `EigsResult` per matrix with
 * explicit residuals ‖A·x − λ·x‖. Throws `EigConvergenceError` after `maxIter` iterations.
 */
export async function subspaceIteration(ctx: Context, a: MatrixInput, options: SubspaceOptions = {}): Promise<EigsResult[]> {
  const input = resolveMatrix(ctx, a, options, 'subspaceIteration');
  const made: { destroy(): void }[] = [];
  try {
    const { batch, n } = input;
    const k = options.k ?? 6;
    checkPositiveInt(k, 'subspaceIteration: k');
    if (k >= n) throw new InputError(`subspaceIteration: k = ${k} must be below the matrix order n = ${n}`);
    const p = Math.min(n, options.block ?? 2 * k + 2);
    if (!Number.isInteger(p) || p < k + 1) throw new InputError(`subspaceIteration: block = ${p} must be an integer ≥ k + 1 = ${k + 1}`);
    const tol = options.tol ?? 1e-5;
    checkPositive(tol, 'subspaceIteration: tol');
    const maxIter = options.maxIter ?? 3000;
    checkPositiveInt(maxIter, 'subspaceIteration: maxIter');
    const checkEvery = options.checkEvery ?? 10;
    checkPositiveInt(checkEvery, 'subspaceIteration: checkEvery');
    const symmetric = options.symmetric ?? false;

    const ops = await KrylovOps.create(ctx);
    made.push(ops);
    const rows = 2 * p; // two halves: the block X and A·X (ping-pong)
    let v: Basis = { tensor: ctx.tensor([batch, rows, n], { label: 'subspace.basis', fill: 0 }), batch, rows, n };
    let w: Basis = { tensor: ctx.tensor([batch, rows, n], { label: 'subspace.basis2', fill: 0 }), batch, rows, n };
    const coef = ctx.tensor([batch, p * p], { label: 'subspace.coef', fill: 0 });
    const norms = ctx.tensor([batch, 1], { label: 'subspace.norms', fill: 0 });
    made.push(v.tensor, w.tensor, coef, norms);
    const start = startVectors(batch * p, n, options.seed ?? 0);
    for (let b = 0; b < batch; b++) v.tensor.write(start.subarray(b * p * n, (b + 1) * p * n), b * rows * n);
    const orthonormalizeHalf = (basis: Basis, half: number): void => {
      for (let t = 0; t < p; t++) ops.orthonormalize(basis, coef, half * p, t, half * p + t, undefined, { tensor: norms, stride: 1, index: 0 });
    };
    orthonormalizeHalf(v, 0);

    let x = 0; // half holding the current block
    let it = 0;
    for (;;) {
      for (let s = 0; s < checkEvery && it < maxIter; s++, it++) {
        ops.gemv(input.tensor, v, x * p, (1 - x) * p, p);
        x = 1 - x;
        orthonormalizeHalf(v, x);
      }
      // Rayleigh–Ritz: G = Xᵀ·(A·X) on the GPU, both blocks read back for explicit residuals.
      ops.gemv(input.tensor, v, x * p, (1 - x) * p, p);
      ops.gram(v, coef, x * p, p, (1 - x) * p, p);
      const g = await coef.read();
      const data = await v.tensor.read();
      const results: EigsResult[] = [];
      const rotations = new Float32Array(batch * rows * p);
      let worst = 0;
      for (let b = 0; b < batch; b++) {
        const sorted = sortByWhich(smallEig(Float64Array.from(g.subarray(b * p * p, (b + 1) * p * p)), p, symmetric), 'LM');
        const take = takeWithoutSplitting(sorted, k);
        const rho = Math.hypot(sorted[0]!.re, sorted[0]!.im);
        const X = data.subarray((b * rows + x * p) * n, (b * rows + x * p + p) * n);
        const AX = data.subarray((b * rows + (1 - x) * p) * n, (b * rows + (1 - x) * p + p) * n);
        const result = ritzPairs(sorted.slice(0, take), X, AX, n, p, options.vectors ?? false);
        result.iterations = it;
        result.matvecs = (it + Math.ceil(it / checkEvery)) * p;
        result.residuals.forEach((r, i) => {
          const v0 = result.values[i]!;
          worst = Math.max(worst, r / Math.max(Math.hypot(v0.re, v0.im), 1e-3 * rho, 1e-30));
        });
        results.push(result);
        // Rotate X onto its Ritz basis (sorted), so the wanted directions lead the block.
        const basis = realBasis(sorted, p);
        if (basis.p === p) {
          for (let l = 0; l < p; l++) for (let j = 0; j < p; j++) rotations[(b * rows + x * p + l) * p + j] = basis.q[l * p + j]!;
        } else {
          for (let l = 0; l < p; l++) rotations[(b * rows + x * p + l) * p + l] = 1;
        }
      }
      if (worst <= tol) return results;
      if (it >= maxIter) {
        throw new EigConvergenceError(
          `subspaceIteration: the ${k} largest-magnitude eigenvalues did not converge to tol = ${tol} in ${it} iterations ` +
            `(n = ${n}, block ${p}); worst relative residual ${worst.toExponential(2)}. Increase maxIter or block, or use eigs().`,
          results,
        );
      }
      const q = ctx.tensor([batch, rows, p], { label: 'subspace.rotation', data: rotations });
      ops.combine(v, q, w, rows, p);
      await ctx.sync();
      q.destroy();
      [v, w] = [w, v];
      x = 0;
    }
  } finally {
    for (const t of made) t.destroy();
    if (input.owned) input.tensor.destroy();
  }
}

/** Ritz values, explicit residuals and (optionally) vectors from X and A·X (rows of length n). */
function ritzPairs(pairs: SmallPair[], X: Float32Array, AX: Float32Array, n: number, p: number, withVectors: boolean): EigsResult {
  const values: Complex[] = [];
  const residuals: number[] = [];
  const re = withVectors ? new Float32Array(pairs.length * n) : undefined;
  const im = withVectors ? new Float32Array(pairs.length * n) : undefined;
  const xr = new Float64Array(n);
  const xi = new Float64Array(n);
  const ar = new Float64Array(n);
  const ai = new Float64Array(n);
  pairs.forEach((pair, i) => {
    xr.fill(0);
    xi.fill(0);
    ar.fill(0);
    ai.fill(0);
    for (let l = 0; l < p; l++) {
      const cr = pair.vr[l]!;
      const ci = pair.vi[l]!;
      for (let e = 0; e < n; e++) {
        const xv = X[l * n + e]!;
        const av = AX[l * n + e]!;
        xr[e]! += cr * xv;
        xi[e]! += ci * xv;
        ar[e]! += cr * av;
        ai[e]! += ci * av;
      }
    }
    let res2 = 0;
    let nrm2 = 0;
    for (let e = 0; e < n; e++) {
      const rr = ar[e]! - (pair.re * xr[e]! - pair.im * xi[e]!);
      const ri = ai[e]! - (pair.re * xi[e]! + pair.im * xr[e]!);
      res2 += rr * rr + ri * ri;
      nrm2 += xr[e]! * xr[e]! + xi[e]! * xi[e]!;
    }
    const nrm = Math.sqrt(nrm2) || 1;
    values.push({ re: pair.re, im: pair.im });
    residuals.push(Math.sqrt(res2) / nrm);
    if (re && im) {
      for (let e = 0; e < n; e++) {
        re[i * n + e] = xr[e]! / nrm;
        im[i * n + e] = xi[e]! / nrm;
      }
    }
  });
  const result: EigsResult = { values, residuals, iterations: 0, matvecs: 0 };
  if (re && im) result.vectors = { re, im };
  return result;
}
