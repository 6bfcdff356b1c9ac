/**
 * The pieces of `flatness` that run on the CPU in float64: statistics of a set of representations
 * (the log-volume of their covariance ellipsoid and its participation ratio), Pearson and Spearman
 * correlations, and the rule that picks the late-phase checkpoints. Chen, Recanatesi &
 * Shea-Brown, "A simple connection from loss flatness to compressed representations in neural
 * networks" (arXiv 2310.01770).
 */
import { InputError } from '../../gpu/errors.js';
import { jacobiEigReference } from '../../reference/eig.js';

/** Statistics of `count` representations of dimension `dim`. */
export interface RepresentationStats {
  /** Eigenvalues of the covariance, descending (float64, clamped at 0 against rounding). */
  eigenvalues: number[];
  /**
   * log det(C + ridge·I) = Σ log(λᵢ + ridge): the log-volume of the covariance ellipsoid (up to a
   * constant). The ridge keeps dead units (λ = 0) from sending it to −∞.
   */
  logVolume: number;
  /** (Σλ)² / Σλ²: how many directions the representations use (1 … dim). 0 for constant ones. */
  participationRatio: number;
}

/**
 * The sample covariance (1/(count−1)) Σ (hᵢ − h̄)(hᵢ − h̄)ᵀ of `count` row-major vectors of length
 * `dim`, in float64 (dim × dim, row-major).
 */
export function covariance(rows: ArrayLike<number>, count: number, dim: number): Float64Array {
  if (!Number.isInteger(count) || count < 2) throw new InputError(`covariance: count must be a whole number ≥ 2, got ${count}`);
  if (!Number.isInteger(dim) || dim < 1) throw new InputError(`covariance: dim must be a whole number ≥ 1, got ${dim}`);
  if (rows.length !== count * dim) throw new InputError(`covariance: expected ${count} × ${dim} = ${count * dim} values, got ${rows.length}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] = mean[j]! + rows[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j] = mean[j]! / count;
  const C = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) centred[j] = rows[i * dim + j]! - mean[j]!;
    for (let a = 0; a < dim; a++) {
      const ca = centred[a]!;
      if (ca === 0) continue;
      for (let b = a; b < dim; b++) C[a * dim + b] = C[a * dim + b]! + ca * centred[b]!;
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = C[a * dim + b]! / (count - 1);
      C[a * dim + b] = v;
      C[b * dim + a] = v;
    }
  }
  return C;
}

/**
 * Log-volume and participation ratio of the representations `rows` (count × dim, row-major), from
 * the eigenvalues of their covariance (cyclic Jacobi in float64). `ridge` ≥ 0 is added to every
 * eigenvalue inside the logarithm only.
 */
export function representationStats(rows: ArrayLike<number>, count: number, dim: number, ridge: number): RepresentationStats {
  if (!(Number.isFinite(ridge) && ridge >= 0)) throw new InputError(`representationStats: ridge must be a finite number ≥ 0, got ${ridge}`);
  const eig = jacobiEigReference(covariance(rows, count, dim), dim);
  // a covariance is positive semidefinite: negative eigenvalues are rounding (≈ −1e-16·λmax)
  const eigenvalues = Array.from(eig.values, (v) => Math.max(v, 0));
  let logVolume = 0;
  let sum = 0;
  let sumSquares = 0;
  for (const v of eigenvalues) {
    logVolume += Math.log(v + ridge);
    sum += v;
    sumSquares += v * v;
  }
  return { eigenvalues, logVolume, participationRatio: sumSquares > 0 ? (sum * sum) / sumSquares : 0 };
}

/** Pearson's correlation coefficient of two equally long series; NaN when either is constant or has fewer than 2 values. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new InputError(`pearson: the series have ${x.length} and ${y.length} values; expected equal lengths`);
  const n = x.length;
  if (n < 2) return Number.NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/** Ranks 1 … n of the values, ties sharing their mean rank. */
export function ranks(x: readonly number[]): number[] {
  const order = x.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(x.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.v === order[start]!.v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[order[k]!.i] = rank;
    start = end + 1;
  }
  return out;
}

/** Spearman's rank correlation: Pearson's r of the ranks (ties get mean ranks). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new InputError(`spearman: the series have ${x.length} and ${y.length} values; expected equal lengths`);
  return pearson(ranks(x), ranks(y));
}

/**
 * The checkpoint steps `0, every, 2·every, …` up to and including `steps` (the last one always
 * `steps`), `count` intervals of equal length rounded to whole steps.
 */
export function checkpointSteps(steps: number, count: number): number[] {
  const out = new Set<number>();
  for (let c = 0; c <= count; c++) out.add(Math.round((c * steps) / count));
  return [...out].sort((a, b) => a - b);
}

/**
 * The late phase: indices of the checkpoints at or after `lateFrom`·steps (the rule the
 * correlations use; SGD's loss is near its floor there).
 */
export function latePhase(checkpoints: readonly number[], steps: number, lateFrom: number): number[] {
  return checkpoints.flatMap((s, i) => (s >= lateFrom * steps ? [i] : []));
}
