/**
 * The pieces of `flatness` that run on the CPU in float64: statistics of a set of representations
 * (the log-volume of their covariance ellipsoid and its participation ratio), the local ones from
 * the input Jacobian of the last hidden layer, Pearson and Spearman
 * correlations, and the rule that picks the late-phase checkpoints. Chen, Recanatesi &
 * Shea-Brown, "A simple connection from loss flatness to compressed representations in neural
 * networks" (arXiv 2310.01770).
 */
import { InputError } from '../../gpu/errors.js';
import { jacobiEigReference } from '../../reference/eig.js';
import { gramRows, traceParticipationRatio } from '../../reference/linalg.js';

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

/**
 * log det of a symmetric positive definite n × n row-major matrix by Cholesky in float64;
 * −∞ when a pivot is not positive (a singular or indefinite matrix).
 */
export function logDetCholesky(A: ArrayLike<number>, n: number): number {
  const L = new Float64Array(n * n);
  let logDet = 0;
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j]!;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! ** 2;
    if (!(d > 0)) return -Infinity;
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    logDet += Math.log(d);
    for (let i = j + 1; i < n; i++) {
      let v = A[i * n + j]!;
      for (let k = 0; k < j; k++) v -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = v / ljj;
    }
  }
  return logDet;
}

/**
 * ∂h/∂x of the last hidden layer h of a ReLU MLP at input `x`, in float64: a [H, inputs]
 * row-major matrix, J = D_L W_Lᵀ ⋯ D_1 W_1ᵀ with D_l the ReLU masks at x. `weights` as
 * `initialMlp` orders them (W [in, out] row-major, then b), `sizes` input first.
 */
export function hiddenJacobian(weights: readonly ArrayLike<number>[], sizes: readonly number[], x: ArrayLike<number>): Float64Array {
  const inputs = sizes[0]!;
  let a = Float64Array.from({ length: inputs }, (_, i) => x[i]!);
  let J: Float64Array | null = null; // [width, inputs]; null stands for the identity
  for (let l = 0; l + 2 < sizes.length; l++) {
    const [fanIn, fanOut] = [sizes[l]!, sizes[l + 1]!];
    const W = weights[2 * l]!;
    const b = weights[2 * l + 1]!;
    const z = new Float64Array(fanOut);
    for (let o = 0; o < fanOut; o++) {
      let v = b[o]!;
      for (let i = 0; i < fanIn; i++) v += a[i]! * W[i * fanOut + o]!;
      z[o] = v;
    }
    const next = new Float64Array(fanOut * inputs);
    for (let o = 0; o < fanOut; o++) {
      if (!(z[o]! > 0)) continue; // an inactive unit's row is zero
      const row = next.subarray(o * inputs, (o + 1) * inputs);
      if (J === null) {
        for (let i = 0; i < inputs; i++) row[i] = W[i * fanOut + o]!;
      } else {
        for (let i = 0; i < fanIn; i++) {
          const w = W[i * fanOut + o]!;
          if (w === 0) continue;
          const Ji = J.subarray(i * inputs, (i + 1) * inputs);
          for (let k = 0; k < inputs; k++) row[k] = row[k]! + w * Ji[k]!;
        }
      }
    }
    a = z.map((v) => Math.max(v, 0));
    J = next;
  }
  if (J === null) throw new InputError(`hiddenJacobian: the network [${sizes.join(', ')}] has no hidden layer`);
  return J;
}

/** Local statistics of the last hidden layer around inputs, averaged over them. */
export interface LocalStats {
  /**
   * Mean over the inputs of log det(J Jᵀ + ridge·I): the log-volume of the image of a small
   * isotropic input ball (its covariance is σ² J Jᵀ; the σ term is a constant and dropped).
   */
  logVolume: number;
  /** Mean of (tr J Jᵀ)² / tr((J Jᵀ)²): the local dimensionality. */
  participationRatio: number;
  /** Mean of ‖J‖²_F = tr J Jᵀ: the sensitivity of the representation to its input. */
  sensitivity: number;
}

/**
 * Local volume, dimensionality and sensitivity of the last hidden layer (Chen, Recanatesi &
 * Shea-Brown's local measures, from the input Jacobian) averaged over `count` inputs (row-major,
 * `sizes[0]` values each). Float64; log det by Cholesky.
 */
export function localRepresentationStats(
  weights: readonly ArrayLike<number>[], sizes: readonly number[], inputs: Float32Array | Float64Array, count: number, ridge: number,
): LocalStats {
  if (!Number.isInteger(count) || count < 1) throw new InputError(`localRepresentationStats: count must be a whole number ≥ 1, got ${count}`);
  if (!(Number.isFinite(ridge) && ridge >= 0)) throw new InputError(`localRepresentationStats: ridge must be a finite number ≥ 0, got ${ridge}`);
  const d = sizes[0]!;
  const H = sizes[sizes.length - 2]!;
  if (inputs.length < count * d) throw new InputError(`localRepresentationStats: expected ${count} × ${d} input values, got ${inputs.length}`);
  let logVolume = 0;
  let participation = 0;
  let sensitivity = 0;
  for (let p = 0; p < count; p++) {
    const J = hiddenJacobian(weights, sizes, inputs.subarray(p * d, (p + 1) * d));
    const G = gramRows(J, H, d); // JJᵀ
    let trace = 0;
    for (let a = 0; a < H; a++) trace += G[a * H + a]!;
    participation += traceParticipationRatio(G, H);
    for (let a = 0; a < H; a++) G[a * H + a] = G[a * H + a]! + ridge;
    logVolume += logDetCholesky(G, H);
    sensitivity += trace;
  }
  return { logVolume: logVolume / count, participationRatio: participation / count, sensitivity: sensitivity / count };
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

/**
 * The late phase by interpolation: indices of the checkpoints from the first one at which every
 * evaluation digit is classified correctly (training accuracy 1.0) on — the regime where the
 * paper's bound applies (SGD exploring minima of the training loss; Ma & Ying's linear stability
 * holds at global minima). Empty when no checkpoint reaches 1.0. Accuracies are fractions of
 * whole digits, so 1.0 is compared exactly.
 */
export function interpolationPhase(trainAccuracies: readonly number[]): number[] {
  const first = trainAccuracies.findIndex((a) => a === 1);
  return first < 0 ? [] : trainAccuracies.flatMap((_, i) => (i >= first ? [i] : []));
}
