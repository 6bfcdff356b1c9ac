import { describe, expect } from 'vitest';
import { invSqrtm, newtonSchulz, sqrtm } from '../../src/linalg/index.js';
import { invSqrtmRef, orthonormalizeRef, sqrtmRef } from '../../src/reference/linalg.js';
import { gpuIt, poisoned } from '../helpers/device.js';
import { U, randomF32 } from './helpers.js';

/** A random SPD matrix V diag(λ) Vᵀ with eigenvalues from `scale` down to scale/κ (geometric), rounded to f32. */
function randomSpd(n: number, kappa: number, seed: number, scale = 3): Float32Array {
  const V = orthonormalizeRef(Float64Array.from(randomF32(n * n, seed)), n, n);
  const lambda = Array.from({ length: n }, (_, i) => scale * kappa ** (-i / Math.max(1, n - 1)));
  const c = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += V[i * n + l]! * lambda[l]! * V[j * n + l]!;
      c[i * n + j] = s;
      c[j * n + i] = s;
    }
  }
  return c;
}

function relFrobenius(actual: ArrayLike<number>, expected: ArrayLike<number>, offset = 0, count = expected.length): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < count; i++) {
    num += (actual[offset + i]! - expected[i]!) ** 2;
    den += expected[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * Tolerance on the relative Frobenius error. The matrix square root of an SPD matrix has relative
 * condition number about √κ / 2 and the inverse square root about κ / 2 (Higham, "Functions of
 * Matrices", §6.1), so rounding C to f32 alone costs u·√κ resp. u·κ; each Newton–Schulz step adds
 * O(√n·u) (random-sign rounding in its GEMMs), and the coupled iteration is stable, so the errors
 * stay near u·√n times the condition factor. 4·√n·u·(1 + factor) leaves a margin of 10–100× over
 * the errors observed (e.g. 4e-5 for C^{−1/2} at n = 20, κ = 10⁴, bound 1e-2) while any wrong
 * element, missed scale or unconverged run is O(1e-2…1) off and fails.
 */
function tolerance(n: number, kappa: number, inverse: boolean): number {
  return 4 * Math.sqrt(n) * U * (1 + (inverse ? kappa : Math.sqrt(kappa)));
}

describe('Newton–Schulz square roots against an eigen-decomposition reference', () => {
  for (const [n, kappa] of [[1, 1], [7, 2], [16, 10], [33, 100], [24, 1e3], [20, 1e4]] as const) {
    gpuIt(`n = ${n}, κ = ${kappa}`, async (ctx, track) => {
      const c = randomSpd(n, kappa, n * 31 + kappa);
      const C = track(ctx.tensor([n, n], { data: c, label: 'C' }));
      const result = await newtonSchulz(ctx, C, { iterations: 60, tol: 1e-6 });
      track(result.sqrt);
      track(result.invSqrt);
      const s = await result.sqrt.read();
      const z = await result.invSqrt.read();
      const errSqrt = relFrobenius(s, sqrtmRef(c, n));
      const errInv = relFrobenius(z, invSqrtmRef(c, n));
      expect(errSqrt, `sqrt error (after ${result.iterations} iterations)`).toBeLessThan(tolerance(n, kappa, false));
      expect(errInv, 'inverse sqrt error').toBeLessThan(tolerance(n, kappa, true));
      expect(result.iterations).toBeLessThanOrEqual(60);
    });
  }

  gpuIt('batched [3, 12, 12] with different conditioning, into a poisoned dst', async (ctx, track) => {
    const n = 12;
    const kappas = [1.5, 50, 2000];
    const mats = kappas.map((k, i) => randomSpd(n, k, 500 + i, [1, 40, 0.01][i]));
    const data = new Float32Array(3 * n * n);
    mats.forEach((m, i) => data.set(m, i * n * n));
    const C = track(ctx.tensor([3, n, n], { data }));
    const out = track(poisoned(ctx, [3, n, n]));
    expect(await invSqrtm(ctx, C, { dst: out, iterations: 60, tol: 1e-6 })).toBe(out);
    const got = await out.read();
    mats.forEach((m, i) => {
      expect(relFrobenius(got, invSqrtmRef(m, n), i * n * n, n * n), `matrix ${i}`).toBeLessThan(tolerance(n, kappas[i]!, true));
    });
    const S = track(await sqrtm(ctx, C, { iterations: 60, tol: 0 }));
    const sGot = await S.read();
    mats.forEach((m, i) => {
      expect(relFrobenius(sGot, sqrtmRef(m, n), i * n * n, n * n), `sqrt ${i}`).toBeLessThan(tolerance(n, kappas[i]!, false));
    });
  });

  gpuIt('rejects non-square input', async (ctx, track) => {
    await expect(sqrtm(ctx, track(ctx.tensor([3, 4])))).rejects.toThrow(/square matrix/);
    await expect(sqrtm(ctx, track(ctx.tensor([3, 3])), { iterations: -1 })).rejects.toThrow(/iterations/);
  });
});
