/**
 * A few eigenvalues of large dense matrices, for one matrix or a batch of them in lockstep:
 * Krylov–Schur restarted Arnoldi (Stewart, "A Krylov–Schur algorithm for large eigenproblems",
 * SIAM J. Matrix Anal. Appl. 23, 2001), which for symmetric matrices is thick-restart Lanczos
 * (Wu & Simon, SIAM J. Matrix Anal. Appl. 22, 2000), here with full reorthogonalization.
 *
 * On the GPU: the matrix–vector products and the CGS2 orthogonalization of the basis, the basis
 * recombination at each restart, and the final Ritz vectors and their residuals. On the CPU, in
 * float64: the eigen-decomposition of the small (ncv × ncv) projected matrix.
 *
 * Restart: with A·V = V·H + v·rᵀ (V orthonormal, n × m), the wanted Ritz vectors of H span an
 * invariant subspace with orthonormal basis Y (m × p); then A·(V·Y) = (V·Y)·(YᵀHY) + v·(rᵀY), a
 * Krylov decomposition of order p that Arnoldi extends again to order m. The residual of a Ritz
 * pair (θ, V·y) is |rᵀy| (estimate used for convergence); the returned residuals are recomputed
 * explicitly as ‖A·x − θ·x‖ with x = V·y.
 */
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import * as z from 'zod';
import { count, dottedName, finiteNumber, flag, oneOf, parseInput, seedSchema } from '../core/validate.js';
import { InputError } from '../gpu/errors.js';
import { realBasis, smallEig, sortByWhich, takeWithoutSplitting, type SmallPair, type Which } from './dense.js';
import { EigConvergenceError, isTensor, resolveMatrix, startVectors, type LinearOperator, type MatrixInput, type MatrixShape } from './input.js';
import { KrylovOps, type Basis } from './ops.js';
import { matmulDense } from '../reference/dense.js';

export type { Which } from './dense.js';

/** A complex eigenvalue (im = 0 for real ones). */
export interface Complex {
  re: number;
  im: number;
}

/** Options of `eigs` / `eigsBatched`. */
export interface EigsOptions extends MatrixShape {
  /** Number of eigenvalues wanted. Default 6. A conjugate pair straddling k is completed (k + 1 values). */
  k?: number;
  /** `'LM'` largest magnitude (default), `'LR'` largest real part, `'SR'` smallest real part. */
  which?: Which;
  /** The matrix is symmetric: Lanczos, real eigenvalues, orthonormal vectors. Default false. */
  symmetric?: boolean;
  /**
   * Relative tolerance: a Ritz pair is converged when its residual estimate ≤ tol·max(|θ|, 1e-3·ρ),
   * ρ the largest Ritz value's magnitude. Default 1e-5 (f32 arithmetic bottoms out near 1e-6).
   */
  tol?: number;
  /** Maximum number of restarts before `EigConvergenceError`. Default 300. */
  maxIter?: number;
  /**
   * Krylov basis size. Default min(n, max(2k + 2, 64, min(128, ⌈n/8⌉))): a large basis pays off on
   * the clustered spectra of random connectivity (fewer products with A, which dominate for large n).
   * Small bases (below ~3k) can converge to eigenvalues that are not the wanted ones when many
   * have nearly the same magnitude, as with any Krylov method; the residuals are still small.
   */
  ncv?: number;
  /** Also return the eigenvectors. Default false. */
  vectors?: boolean;
  /** Seed of the random start vector. Default 0. */
  seed?: number;
}

/** The result for one matrix. */
export interface EigsResult {
  /** Eigenvalues sorted by `which`; conjugate pairs adjacent with im > 0 first. */
  values: Complex[];
  /** ‖A·x − λ·x‖ for each unit-norm eigenvector x (complex arithmetic for complex pairs). */
  residuals: number[];
  /** With `vectors: true`: eigenvector i is re[i·n..(i+1)·n) + i·im[i·n..(i+1)·n), unit 2-norm. */
  vectors?: { re: Float32Array; im: Float32Array };
  /** Restarts used (identical for every member of a batch: they run in lockstep). */
  iterations: number;
  /** Matrix–vector products with this matrix. */
  matvecs: number;
  /**
   * `eigs`/`eigsBatched`: whether every wanted pair of this matrix met `tol` (false only in the
   * `partial` results of an `EigConvergenceError`, which also names those matrices).
   */
  converged?: boolean;
}

interface Resolved {
  k: number;
  which: Which;
  symmetric: boolean;
  tol: number;
  maxIter: number;
  m: number;
  vectors: boolean;
  seed: number;
}

/** The schema of `EigsOptions`; bounds that depend on n are checked in `resolveOptions`. */
const eigsOptionsSchema = z.strictObject(
  {
    n: count().optional(),
    batch: count().optional(),
    k: count().optional(),
    which: oneOf(['LM', 'LR', 'SR']).optional(),
    symmetric: flag.optional(),
    tol: finiteNumber({ above: 0 }).optional(),
    maxIter: count().optional(),
    ncv: count().optional(),
    vectors: flag.optional(),
    seed: seedSchema.optional(),
  },
  { error: 'an options object' },
);

function resolveOptions(options: EigsOptions, n: number): Resolved {
  const o = parseInput(eigsOptionsSchema, options, 'eigs', dottedName('options'));
  const k = o.k ?? 6;
  if (k > n) throw new InputError(`eigs: options.k: expected at most the matrix order n = ${n}, got ${k}`);
  const which = o.which ?? 'LM';
  const tol = o.tol ?? 1e-5;
  const maxIter = o.maxIter ?? 300;
  const m = Math.min(n, o.ncv ?? Math.max(2 * k + 2, 64, Math.min(128, Math.ceil(n / 8))));
  if (m < Math.min(n, k + 2)) throw new InputError(`eigs: options.ncv: expected at least k + 2 = ${k + 2} (or n), got ${m}`);
  return { k, which, symmetric: o.symmetric ?? false, tol, maxIter, m, vectors: o.vectors ?? false, seed: o.seed ?? 0 };
}

/**
 * The `k` eigenvalues of one n × n matrix selected by `which` (see `EigsOptions` for defaults).
 * `a` is an f32 tensor of shape [n, n], row-major CPU numbers, or a {@link LinearOperator} known
 * only through its products (one product per Krylov step; Hessians through `hvp`). Throws `EigConvergenceError`
 * (with the partial result) when `tol` is not reached within `maxIter` restarts.
 */
export async function eigs(ctx: Context, a: MatrixInput | LinearOperator, options: EigsOptions = {}): Promise<EigsResult> {
  if (!isOperator(a) && isTensor(a) && a.shape.length === 3 && a.shape[0] !== 1) {
    throw new InputError(`eigs: got a batch of ${a.shape[0]} matrices; use eigsBatched`);
  }
  const [result] = await eigsBatched(ctx, a, { ...options, batch: 1 });
  return result!;
}

/**
 * `eigs` over a batch of matrices in one call (a [batch, n, n] tensor, or CPU numbers with
 * `batch` and `n`): every member runs the same restarted Arnoldi/Lanczos in lockstep, sharing each
 * dispatch, until all have converged. Returns one result per member.
 */
export async function eigsBatched(ctx: Context, a: MatrixInput | LinearOperator, options: EigsOptions = {}): Promise<EigsResult[]> {
  const operator = isOperator(a) ? checkOperator(a, options) : null;
  const input = operator ? null : resolveMatrix(ctx, a as MatrixInput, options, 'eigs');
  const made: { destroy(): void }[] = [];
  try {
    const { batch, n } = input ?? { batch: 1, n: operator!.n };
    const o = resolveOptions(options, n);
    const m = o.m;
    const ops = await KrylovOps.create(ctx);
    made.push(ops);
    const apply = operator ? operatorProducts(ctx, operator, made) : matrixProducts(ops, input!.tensor);
    const hStride = (m + 1) * m; // H is (m + 1) × m, row-major, leading dimension m
    let v: Basis = { tensor: ctx.tensor([batch, m + 1, n], { label: 'eigs.basis', fill: 0 }), batch, rows: m + 1, n };
    let w: Basis = { tensor: ctx.tensor([batch, m + 1, n], { label: 'eigs.basis2', fill: 0 }), batch, rows: m + 1, n };
    const h = ctx.tensor([batch, hStride], { label: 'eigs.h', fill: 0 });
    const coef = ctx.tensor([batch, m + 1], { label: 'eigs.coef', fill: 0 });
    made.push(v.tensor, w.tensor, h, coef);

    // Start vectors: row 0 of each member's basis, normalized on the GPU.
    const start = startVectors(batch, n, o.seed);
    for (let b = 0; b < batch; b++) v.tensor.write(start.subarray(b * n, (b + 1) * n), b * (m + 1) * n);
    ops.normalize(v, 0, coef, m + 1, 0);

    let p = 0; // size of the kept Krylov–Schur decomposition
    let iterations = 0;
    let matvecs = 0;
    let selected: SmallPair[][] = [];
    let converged = false;
    const memberConverged = new Array<boolean>(batch).fill(false);
    let worst = Infinity;
    let hData: Float32Array = new Float32Array(0);
    const transient: { destroy(): void }[] = [];
    made.push({ destroy: () => transient.forEach((t) => t.destroy()) });
    for (;;) {
      for (let j = p; j < m; j++) {
        await apply(v, j, j + 1);
        ops.orthonormalize(v, coef, 0, j + 1, j + 1,
          { tensor: h, ldh: m, stride: hStride, col: j },
          { tensor: h, stride: hStride, index: (j + 1) * m + j });
      }
      matvecs += m - p;
      hData = await h.read();
      // The restart's small tensors are free once the GPU has run the cycle that used them.
      for (const t of transient.splice(0)) t.destroy();
      selected = [];
      worst = 0;
      converged = true;
      memberConverged.fill(true);
      const sortedAll: SmallPair[][] = [];
      for (let b = 0; b < batch; b++) {
        const hb = Float64Array.from(hData.subarray(b * hStride, b * hStride + m * m));
        const r = hData.subarray(b * hStride + m * m, b * hStride + m * m + m);
        const sorted = sortByWhich(smallEig(hb, m, o.symmetric), o.which);
        sortedAll.push(sorted);
        const take = takeWithoutSplitting(sorted, o.k);
        const rho = Math.max(...sorted.map((s) => Math.hypot(s.re, s.im)));
        const wanted = sorted.slice(0, take);
        selected.push(wanted);
        for (const pair of wanted) {
          let er = 0;
          let ei = 0;
          for (let i = 0; i < m; i++) {
            er += r[i]! * pair.vr[i]!;
            ei += r[i]! * pair.vi[i]!;
          }
          const estimate = Math.hypot(er, ei);
          const scale = Math.max(Math.hypot(pair.re, pair.im), 1e-3 * rho, 1e-30);
          const relative = estimate / scale;
          worst = Math.max(worst, relative);
          if (!(relative <= o.tol)) {
            converged = false;
            memberConverged[b] = false;
          }
        }
      }
      iterations++;
      // With the whole space spanned (m = n) the projection is exact; nothing to restart.
      if (converged || m === n || iterations >= o.maxIter) {
        if (m === n) {
          converged = true;
          memberConverged.fill(true);
        }
        break;
      }
      p = await restart(ctx, ops, apply, o, sortedAll, hData, m, hStride, v, w, h, coef, batch, transient);
      [v, w] = [w, v];
    }

    const results = await ritzResults(ctx, ops, apply, v, selected, o, batch, n, m, made);
    results.forEach((r, b) => {
      r.iterations = iterations;
      r.matvecs += matvecs;
      r.converged = memberConverged[b]!;
    });
    if (!converged) {
      const failed = memberConverged.flatMap((ok, b) => (ok ? [] : [b]));
      throw new EigConvergenceError(
        `eigs: the ${o.k} wanted eigenvalues (which = ${o.which})${batch > 1 ? ` of matrices ${failed.join(', ')} of the batch` : ''} did not converge to tol = ${o.tol} after ` +
          `${iterations} restarts (n = ${n}, basis ncv = ${m}${batch > 1 ? `, batch of ${batch}` : ''}); ` +
          `worst relative residual estimate ${worst.toExponential(2)}. Increase maxIter or ncv, or loosen tol.`,
        results,
      );
    }
    return results;
  } finally {
    for (const x of made) x.destroy();
    if (input?.owned) input.tensor.destroy();
  }
}

/** Basis rows dst..dst+count ← A · rows src..src+count, for every member of the basis. */
type Products = (v: Basis, src: number, dst: number, count?: number) => Promise<void>;

/** Products with a matrix (or batch): one batched GEMV dispatch. */
function matrixProducts(ops: KrylovOps, a: Tensor<'f32'>): Products {
  return async (v, src, dst, count = 1) => ops.gemv(a, v, src, dst, count);
}

/**
 * Products with an operator (batch 1): each basis row is copied into a vector the operator reads,
 * and its result copied back, so the operator sees plain [n] tensors.
 */
function operatorProducts(ctx: Context, operator: LinearOperator, made: { destroy(): void }[]): Products {
  const x = ctx.tensor([operator.n], { label: 'eigs.operator.x' });
  const y = ctx.tensor([operator.n], { label: 'eigs.operator.y' });
  made.push(x, y);
  const bytes = operator.n * 4;
  return async (v, src, dst, count = 1) => {
    const member = (v.first ?? 0) * v.rows;
    for (let r = 0; r < count; r++) {
      ctx.encoder().copyBufferToBuffer(v.tensor.buffer, (member + src + r) * bytes, x.buffer, 0, bytes);
      await operator.apply(x, y);
      ctx.encoder().copyBufferToBuffer(y.buffer, 0, v.tensor.buffer, (member + dst + r) * bytes, bytes);
    }
  };
}

/** Whether `a` is a {@link LinearOperator} rather than a matrix. */
function isOperator(a: MatrixInput | LinearOperator): a is LinearOperator {
  return typeof a === 'object' && a !== null && 'apply' in a && typeof (a as LinearOperator).apply === 'function';
}

function checkOperator(a: LinearOperator, options: EigsOptions): LinearOperator {
  if (!Number.isInteger(a.n) || a.n < 1) throw new InputError(`eigs: operator.n: expected a whole number ≥ 1, got ${String(a.n)}`);
  if ((options.batch ?? 1) !== 1) throw new InputError(`eigs: options.batch: an operator is one matrix; expected 1, got ${options.batch}`);
  if (options.n !== undefined && options.n !== a.n) throw new InputError(`eigs: options.n = ${options.n} differs from operator.n = ${a.n}`);
  return a;
}

/**
 * Keep an invariant subspace of the wanted Ritz vectors, recombine the basis on the GPU into `w`
 * and upload the new projected matrix. Every member keeps `keep` directions, or `keep − 1` where
 * `keep` would split a conjugate pair; such a member then takes one Arnoldi step on its own, so
 * that all members continue in lockstep from column `keep`.
 */
async function restart(ctx: Context, ops: KrylovOps, apply: Products, o: Resolved, sortedAll: SmallPair[][], hData: Float32Array,
  m: number, hStride: number, v: Basis, w: Basis, h: Tensor<'f32'>, coef: Tensor<'f32'>, batch: number,
  made: { destroy(): void }[]): Promise<number> {
  const isPairStart = (sorted: SmallPair[], i: number): boolean =>
    sorted[i]!.im > 0 && i + 1 < sorted.length && sorted[i + 1]!.im < 0;
  // Subspace dimensions each member can keep: cumulative counts that never split a conjugate pair.
  const reachable = sortedAll.map((sorted) => {
    const dims = new Set<number>();
    for (let i = 0, d = 0; i < sorted.length; i++) {
      const step = isPairStart(sorted, i) ? 2 : 1;
      d += step;
      i += step - 1;
      dims.add(d);
    }
    return dims;
  });
  const minKeep = Math.max(...sortedAll.map((s) => takeWithoutSplitting(s, o.k)));
  const keep = Math.min(m - 1, minKeep + Math.floor((m - minKeep) / 2));
  const sizes = reachable.map((dims) => (dims.has(keep) ? keep : keep - 1));

  const q = new Float32Array(batch * (m + 1) * (keep + 1));
  const hNew = new Float32Array(batch * hStride);
  for (let b = 0; b < batch; b++) {
    const sorted = sortedAll[b]!;
    const p = sizes[b]!;
    let count = 0;
    for (let dim = 0; dim < p && count < sorted.length;) {
      const step = isPairStart(sorted, count) ? 2 : 1;
      dim += step;
      count += step;
    }
    const basis = realBasis(sorted.slice(0, count), m);
    if (basis.p !== p) {
      throw new EigConvergenceError(
        `eigs: could not restart batch member ${b} with ${p} Ritz vectors (dependent Ritz vectors: the projected ` +
          'matrix is defective); try another ncv or seed',
        null,
      );
    }
    const Y = basis.q; // m × p
    const hb = hData.subarray(b * hStride, (b + 1) * hStride);
    // S = Yᵀ·H·Y and the residual row rᵀ·Y.
    const S = matmulDense(Y, matmulDense(hb, Y, m, m, p), p, m, p, { transA: true });
    const base = b * hStride;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) hNew[base + i * m + j] = S[i * p + j]!;
    }
    hNew.set(matmulDense(hb.subarray(m * m, m * m + m), Y, 1, m, p), base + p * m);
    // Q = [[Y, 0], [0, 1]]: the new basis is [V·Y, v_m] (then zero rows up to `keep`).
    const qb = b * (m + 1) * (keep + 1);
    for (let l = 0; l < m; l++) for (let j = 0; j < p; j++) q[qb + l * (keep + 1) + j] = Y[l * p + j]!;
    q[qb + m * (keep + 1) + p] = 1;
  }
  const qT = ctx.tensor([batch, m + 1, keep + 1], { label: 'eigs.restart.q', data: q });
  made.push(qT);
  ops.combine(v, qT, w, m + 1, keep + 1);
  h.write(hNew);
  for (let b = 0; b < batch; b++) {
    const p = sizes[b]!;
    if (p === keep) continue;
    const member: Basis = { ...w, first: b, batch: 1 };
    await apply(member, p, p + 1);
    ops.orthonormalize(member, coef, 0, p + 1, p + 1,
      { tensor: h, ldh: m, stride: hStride, col: p },
      { tensor: h, stride: hStride, index: (p + 1) * m + p });
  }
  return keep;
}

/** Ritz vectors x = V·y of the selected pairs, A·x on the GPU, explicit residuals on the CPU. */
async function ritzResults(ctx: Context, ops: KrylovOps, apply: Products, v: Basis, selected: SmallPair[][],
  o: Resolved, batch: number, n: number, m: number, made: { destroy(): void }[]): Promise<EigsResult[]> {
  // Columns per member: vr of each pair, and vi of pairs with im > 0 (its conjugate reuses them).
  const layouts = selected.map((pairs) => {
    const cols: Float64Array[] = [];
    const where: { re: number; im: number; sign: number }[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const pr = pairs[i]!;
      if (pr.im === 0) {
        where.push({ re: cols.length, im: -1, sign: 0 });
        cols.push(pr.vr);
      } else if (pr.im > 0) {
        where.push({ re: cols.length, im: cols.length + 1, sign: 1 });
        cols.push(pr.vr, pr.vi);
      } else {
        // The conjugate of the previous pair (sorted adjacent): same columns, imaginary part negated.
        const prev = where[where.length - 1]!;
        where.push({ re: prev.re, im: prev.im, sign: -1 });
      }
    }
    return { cols, where };
  });
  const c = Math.max(1, ...layouts.map((l) => l.cols.length));
  const q = new Float32Array(batch * m * c);
  layouts.forEach((l, b) => l.cols.forEach((col, j) => {
    for (let i = 0; i < m; i++) q[(b * m + i) * c + j] = col[i]!;
  }));
  const qT = ctx.tensor([batch, m, c], { label: 'eigs.ritz.q', data: q });
  const x: Basis = { tensor: ctx.tensor([batch, 2 * c, n], { label: 'eigs.ritz.vectors', fill: Number.NaN }), batch, rows: 2 * c, n };
  made.push(qT, x.tensor);
  ops.combine(v, qT, x, m, c);
  await apply(x, 0, c, c);
  const data = await x.tensor.read();
  return selected.map((pairs, b) => {
    const { where } = layouts[b]!;
    const base = b * 2 * c * n;
    const values: Complex[] = [];
    const residuals: number[] = [];
    const vre = o.vectors ? new Float32Array(pairs.length * n) : undefined;
    const vim = o.vectors ? new Float32Array(pairs.length * n) : undefined;
    pairs.forEach((pair, i) => {
      const at = where[i]!;
      const xr = data.subarray(base + at.re * n, base + (at.re + 1) * n);
      const axr = data.subarray(base + (c + at.re) * n, base + (c + at.re + 1) * n);
      const xi = at.im >= 0 ? data.subarray(base + at.im * n, base + (at.im + 1) * n) : null;
      const axi = at.im >= 0 ? data.subarray(base + (c + at.im) * n, base + (c + at.im + 1) * n) : null;
      const s = at.sign >= 0 ? 1 : -1;
      const lr = pair.re;
      const li = pair.im;
      // x = xr + i·s·xi, A·x = axr + i·s·axi; residual A·x − λ·x in complex arithmetic.
      let res2 = 0;
      let nrm2 = 0;
      for (let e = 0; e < n; e++) {
        const a1 = xr[e]!;
        const a2 = xi ? s * xi[e]! : 0;
        const b1 = axr[e]!;
        const b2 = axi ? s * axi[e]! : 0;
        const rr = b1 - (lr * a1 - li * a2);
        const ri = b2 - (lr * a2 + li * a1);
        res2 += rr * rr + ri * ri;
        nrm2 += a1 * a1 + a2 * a2;
      }
      const nrm = Math.sqrt(nrm2) || 1;
      values.push({ re: lr, im: li });
      residuals.push(Math.sqrt(res2) / nrm);
      if (vre && vim) {
        for (let e = 0; e < n; e++) {
          vre[i * n + e] = xr[e]! / nrm;
          vim[i * n + e] = xi ? (s * xi[e]!) / nrm : 0;
        }
      }
    });
    // The explicit residuals cost one product per column of the Ritz basis.
    const result: EigsResult = { values, residuals, iterations: 0, matvecs: c };
    if (vre && vim) result.vectors = { re: vre, im: vim };
    return result;
  });
}
