/**
 * Shared pieces of the linalg tests: seeded inputs and the rounding-error bound of f32 dot products.
 */
import { expect } from 'vitest';
import { testRng } from '../helpers/device.js';

/** f32 unit roundoff u = 2⁻²⁴. */
export const U = 2 ** -24;

/** `n` uniform values in (lo, hi), already rounded to f32 so the float64 reference sees the same inputs. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = testRng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

/**
 * Assert |actual − expected| ≤ terms · u · magnitude + atol elementwise, where magnitude[i] is
 * Σ|a||b| for that element. This is the standard a-priori bound for a recursively summed f32 dot
 * product of `terms` products, |fl(aᵀb) − aᵀb| ≤ γ_terms Σ|aₗbₗ| with γ_n ≈ n·u (Higham,
 * "Accuracy and Stability of Numerical Algorithms", 2nd ed., §3.1), so the tolerance scales with K;
 * `slack` covers FMA/tree orderings and the final alpha/beta update. A wrong index or a missing
 * element gives an O(1) error and fails it; NaN (an unwritten poisoned element) always fails.
 */
export function expectWithinDotBound(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  magnitude: ArrayLike<number>,
  terms: number,
  what: string,
  slack = 2,
  atol = 1e-30,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const bound = slack * (terms + 2) * U * magnitude[i]! + atol;
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= bound)) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (error ${err.toExponential(2)} > bound ${bound.toExponential(2)})`);
    }
  }
}

/** Elementwise absolute values as float64. */
export function absOf(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, Math.abs);
}
