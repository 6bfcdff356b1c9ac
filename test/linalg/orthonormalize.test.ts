import { describe, expect } from 'vitest';
import { orthonormalize } from '../../src/linalg/index.js';
import { orthonormalizeRef } from '../../src/reference/linalg.js';
import { expectClose, gpuIt, poisoned } from '../helpers/device.js';
import { U, randomF32 } from './helpers.js';

/** max |QᵀQ − I| of an m × k matrix, in float64. */
function orthogonalityError(q: ArrayLike<number>, m: number, k: number): number {
  let worst = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += q[i * k + a]! * q[i * k + b]!;
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

describe('orthonormalize (shifted Cholesky-QR3)', () => {
  for (const [m, k] of [[1, 1], [7, 3], [129, 7], [65, 33], [40, 40]] as const) {
    gpuIt(`${m} × ${k}, well conditioned: equals Gram–Schmidt`, async (ctx, track) => {
      const q = randomF32(m * k, m + k);
      const Q = track(ctx.tensor([m, k], { data: q }));
      const out = track(poisoned(ctx, [m, k]));
      await orthonormalize(ctx, Q, { dst: out });
      const got = await out.read();
      // Cholesky-QR2/3 reach orthogonality O(m·k·u) in f32 (Yamamoto et al. 2015, Thm 3.2);
      // 4·(m + k)·k·u is that bound with a small constant.
      expect(orthogonalityError(got, m, k)).toBeLessThan(4 * (m + k) * k * U + 1e-6);
      // Same factorization as Gram–Schmidt with positive R diagonal: Q agrees to κ(Q)·O(k·u);
      // random Gaussian-like square matrices can have κ ~ 100, hence the loose 2e-3.
      expectClose(got, orthonormalizeRef(Float64Array.from(q), m, k), { atol: m === k ? 2e-3 : 2e-4 }, 'Q');
    });
  }

  gpuIt('ill-conditioned columns (κ ≈ 1e6) stay orthonormal and keep their leading spans', async (ctx, track) => {
    const [m, k] = [200, 12];
    const base = randomF32(m * k, 99);
    // Column j = random + 0.999·column 0, scaled by 10^(-j/2): strongly correlated and graded.
    const q = new Float32Array(m * k);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < k; j++) q[i * k + j] = (j === 0 ? base[i * k]! : 1e-3 * base[i * k + j]! + base[i * k]!) * 10 ** (-j / 2);
    }
    const Q = track(ctx.tensor([m, k], { data: q }));
    await orthonormalize(ctx, Q);
    const got = await Q.read();
    expect(orthogonalityError(got, m, k)).toBeLessThan(4 * (m + k) * k * U + 1e-6);
    // Column 0 is only normalized, so it must equal q₀/‖q₀‖ (up to a few ulp).
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[i * k]! ** 2;
    norm = Math.sqrt(norm);
    expectClose(Array.from({ length: m }, (_, i) => got[i * k]!), Array.from({ length: m }, (_, i) => q[i * k]! / norm), { atol: 1e-5 }, 'first column');
  });

  gpuIt('rejects wide matrices', async (ctx, track) => {
    await expect(orthonormalize(ctx, track(ctx.tensor([3, 5])))).rejects.toThrow(/at most 3 columns/);
  });
});
