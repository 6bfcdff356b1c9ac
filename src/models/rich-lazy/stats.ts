/**
 * The statistics `rich-lazy` states its comparisons with: mean ± standard error over seeds, and
 * paired per-seed comparisons (every init of one seed shares its Gaussian matrix, input and readout
 * weights and data, so the seed is the pairing unit) with an exact two-sided sign test.
 */
import { InputError } from '../../gpu/errors.js';

/** Mean and standard error of the mean (sample std with n − 1, over √n; NaN below two values). */
export interface MeanSE {
  mean: number;
  se: number;
  n: number;
}

/** Mean ± standard error of `xs`. */
export function meanSE(xs: readonly number[]): MeanSE {
  const n = xs.length;
  if (n === 0) throw new InputError('rich-lazy: meanSE needs at least one value');
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  if (n < 2) return { mean, se: Number.NaN, n };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n), n };
}

/**
 * Exact two-sided sign test: the probability, with `positive + negative` fair coin flips, of a
 * split at least as uneven as the one seen (ties are dropped before calling). 1 when there are none.
 */
export function signTestP(positive: number, negative: number): number {
  const n = positive + negative;
  if (n === 0) return 1;
  const k = Math.min(positive, negative);
  // Σ_{i ≤ k} C(n, i) / 2ⁿ, with C(n, i) built by the recurrence in floating point (n is a seed count)
  let term = 2 ** -n;
  let tail = term;
  for (let i = 1; i <= k; i++) {
    term *= (n - i + 1) / i;
    tail += term;
  }
  return Math.min(1, 2 * tail);
}

/** A paired comparison of two conditions over the same seeds: differences a − b per seed. */
export interface PairedComparison {
  /** Mean and standard error of a − b over seeds. */
  difference: MeanSE;
  /** Seeds where a > b, a < b, a = b. */
  aLarger: number;
  bLarger: number;
  ties: number;
  /** Exact two-sided sign-test p-value of aLarger against bLarger. */
  signTestP: number;
}

/** Compares `a[i]` with `b[i]` (seed i of each). */
export function pairedComparison(a: readonly number[], b: readonly number[]): PairedComparison {
  if (a.length !== b.length || a.length === 0) throw new InputError(`rich-lazy: paired comparison needs equal non-empty lists, got ${a.length} and ${b.length} values`);
  const d = a.map((x, i) => x - b[i]!);
  const aLarger = d.filter((x) => x > 0).length;
  const bLarger = d.filter((x) => x < 0).length;
  return { difference: meanSE(d), aLarger, bLarger, ties: d.length - aLarger - bLarger, signTestP: signTestP(aLarger, bLarger) };
}
