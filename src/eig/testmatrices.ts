/**
 * Test matrices with exactly known spectra (float64, row-major, CPU): diagonal, orthogonally
 * similar to a real Schur form with chosen real eigenvalues and complex pairs, symmetric with a
 * chosen spectrum, and random Gaussian connectivity plus a rank-one term with a predictable outlier.
 */
import { InputError } from '../gpu/errors.js';
import { gramSchmidtAppend, matmulDense } from '../reference/dense.js';
import { philoxSequence } from '../reference/philox.js';
import type { Complex } from './eigs.js';

/** Philox counter tag (word 3) of the test matrices' random numbers. */
const TEST_MATRIX_TAG = 0x54455354; // 'TEST'

/** Standard normal numbers in order from a seed (a non-negative integer below 2^53), by Philox. */
export function seededNormal(seed: number): () => number {
  return philoxSequence(seed, { distribution: 'normal', tag: TEST_MATRIX_TAG });
}

/** n × n diagonal matrix with the given diagonal. */
export function diagonalMatrix(values: readonly number[]): Float64Array {
  const n = values.length;
  const a = new Float64Array(n * n);
  values.forEach((v, i) => (a[i * n + i] = v));
  return a;
}

/** A random orthogonal n × n matrix (Gram–Schmidt of a Gaussian matrix), row-major. */
export function randomOrthogonal(n: number, seed = 0): Float64Array {
  const rand = seededNormal(seed);
  const cols: Float64Array[] = [];
  // A Gaussian column depends on the others with probability zero; draw another if it nearly does.
  while (cols.length < n) gramSchmidtAppend(cols, Float64Array.from({ length: n }, () => rand()), 1e-8);
  const q = new Float64Array(n * n);
  cols.forEach((c, j) => c.forEach((x, i) => (q[i * n + j] = x)));
  return q;
}

/** Options of `knownSpectrumMatrix`. */
export interface KnownSpectrumOptions {
  /** Real eigenvalues. */
  real?: readonly number[];
  /** Complex pairs a ± ib (give b > 0 once per pair). */
  complex?: readonly Complex[];
  /** Scale of random entries above the block diagonal (non-normality). Default 0 (normal matrix). */
  upper?: number;
  /** Seed of Q and of the upper entries. Default 0. */
  seed?: number;
}

/**
 * A = Q·T·Qᵀ with Q random orthogonal and T a real Schur form: 1 × 1 blocks for `real`, 2 × 2
 * blocks [[a, b], [−b, a]] for each pair a ± ib, optional random entries above the blocks. The
 * spectrum of A is exactly `real` ∪ {a ± ib} (up to float64 rounding). Returns A and its order.
 */
export function knownSpectrumMatrix(options: KnownSpectrumOptions): { matrix: Float64Array; n: number; values: Complex[] } {
  const real = options.real ?? [];
  const complex = options.complex ?? [];
  for (const c of complex) if (!(c.im > 0)) throw new InputError(`knownSpectrumMatrix: give each complex pair once with im > 0, got im = ${c.im}`);
  const n = real.length + 2 * complex.length;
  if (n === 0) throw new InputError('knownSpectrumMatrix: no eigenvalues given');
  const t = new Float64Array(n * n);
  const blockStart: number[] = [];
  let i = 0;
  for (const r of real) {
    blockStart.push(i);
    t[i * n + i] = r;
    i++;
  }
  for (const c of complex) {
    blockStart.push(i);
    t[i * n + i] = c.re;
    t[(i + 1) * n + i + 1] = c.re;
    t[i * n + i + 1] = c.im;
    t[(i + 1) * n + i] = -c.im;
    i += 2;
  }
  const upper = options.upper ?? 0;
  if (upper !== 0) {
    const rand = seededNormal((options.seed ?? 0) + 7919);
    const blockEnd = (row: number): number => {
      let end = n;
      for (const s of blockStart) if (s > row) { end = s; break; }
      return end;
    };
    for (let r = 0; r < n; r++) for (let c = blockEnd(r); c < n; c++) t[r * n + c] = upper * rand();
  }
  const q = randomOrthogonal(n, options.seed ?? 0);
  const a = matmulDense(matmulDense(q, t, n, n, n), q, n, n, n, { transB: true }); // Q·T·Qᵀ
  const values: Complex[] = [...real.map((re) => ({ re, im: 0 })), ...complex.flatMap((c) => [{ re: c.re, im: c.im }, { re: c.re, im: -c.im }])];
  return { matrix: a, n, values };
}

/** A symmetric n × n matrix Q·diag(values)·Qᵀ with exactly the given eigenvalues. */
export function symmetricWithSpectrum(values: readonly number[], seed = 0): Float64Array {
  return knownSpectrumMatrix({ real: values, seed }).matrix;
}

/** Options of `rankOneOutlierMatrix`. */
export interface RankOneOptions {
  /** Order. */
  n: number;
  /** Gain of the random part (its spectrum fills the disk of radius g). Default 1. */
  g?: number;
  /** The outlier: vᵀu. Default 2. */
  theta?: number;
  /** Seed. Default 0. */
  seed?: number;
}

/**
 * J = g·G/√n + u·vᵀ with G standard Gaussian, u a random unit vector and v = θ·u (so vᵀu = θ).
 * For θ > g the spectrum is the disk of radius ≈ g plus one real outlier at ≈ θ (Tao, "Outliers in
 * the spectrum of iid matrices with bounded rank perturbations", PTRF 2013; Rajan & Abbott, PRL 2006).
 */
export function rankOneOutlierMatrix(options: RankOneOptions): { matrix: Float64Array; outlier: number; radius: number } {
  const { n } = options;
  const g = options.g ?? 1;
  const theta = options.theta ?? 2;
  const rand = seededNormal(options.seed ?? 0);
  const a = Float64Array.from({ length: n * n }, () => (g * rand()) / Math.sqrt(n));
  const u = Float64Array.from({ length: n }, () => rand());
  const un = Math.sqrt(u.reduce((s, x) => s + x * x, 0));
  for (let i = 0; i < n; i++) u[i]! /= un;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j]! += theta * u[i]! * u[j]!;
  return { matrix: a, outlier: theta, radius: g };
}

/** A random n × n matrix with independent N(0, scale²/n) entries (spectrum ≈ disk of radius scale). */
export function gaussianMatrix(n: number, seed = 0, scale = 1): Float64Array {
  const rand = seededNormal(seed);
  return Float64Array.from({ length: n * n }, () => (scale * rand()) / Math.sqrt(n));
}
