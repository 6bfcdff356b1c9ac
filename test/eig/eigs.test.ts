import { describe, expect } from 'vitest';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { eigs, eigsBatched, EigConvergenceError, type Complex } from '../../src/eig/index.js';
import { diagonalMatrix, gaussianMatrix, knownSpectrumMatrix, rankOneOutlierMatrix, symmetricWithSpectrum } from '../../src/testing.js';
import { jacobiEigReference } from '../../src/reference/eig.js';
import { InputError } from '../../src/gpu/errors.js';
import { gpuIt, testRng } from '../helpers/device.js';

const byMagnitude = (a: Complex, b: Complex): number => Math.hypot(b.re, b.im) - Math.hypot(a.re, a.im) || b.im - a.im;

/** Each expected eigenvalue is matched by a distinct computed one within `tol` (complex distance). */
function expectSpectrum(actual: Complex[], expected: Complex[], tol: number, what: string): void {
  expect(actual.length, `${what}: count`).toBe(expected.length);
  const free = [...actual];
  for (const e of expected) {
    let best = -1;
    let dist = Infinity;
    free.forEach((a, i) => {
      const d = Math.hypot(a.re - e.re, a.im - e.im);
      if (d < dist) {
        dist = d;
        best = i;
      }
    });
    expect(dist, `${what}: distance to ${e.re} + ${e.im}i`).toBeLessThanOrEqual(tol);
    free.splice(best, 1);
  }
}

function mlEig(a: Float64Array, n: number, symmetric = false): Complex[] {
  const rows = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
  const e = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: symmetric });
  return e.realEigenvalues.map((re, i) => ({ re, im: e.imaginaryEigenvalues[i]! }));
}

describe('eigs (Krylov–Schur Arnoldi / Lanczos)', () => {
  gpuIt('diagonal matrix: the k largest by magnitude, with explicit residuals', async (ctx) => {
    const n = 61;
    const diag = Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (1 + i / 10));
    const r = await eigs(ctx, diagonalMatrix(diag), { k: 5, vectors: true, ncv: 16 });
    expect(r.iterations, 'restarts with a small basis').toBeGreaterThan(1);
    const expected = [...diag].sort((a, b) => Math.abs(b) - Math.abs(a)).slice(0, 5).map((re) => ({ re, im: 0 }));
    // f32 eigenvalue of a normal matrix: error ≈ residual ≲ 1e-5·|λ|.
    expectSpectrum(r.values, expected, 1e-4, 'diagonal');
    r.values.forEach((v, i) => expect(r.residuals[i]!, `residual ${i}`).toBeLessThan(5e-5 * Math.abs(v.re)));
    // The eigenvector of a diagonal matrix is a coordinate vector.
    const idx = diag.indexOf(expected[0]!.re);
    expect(Math.abs(r.vectors!.re[idx]!)).toBeGreaterThan(0.9999);
  });

  gpuIt('Q·T·Qᵀ with chosen real values and complex pairs (LM and LR)', async (ctx) => {
    const bulk = Array.from({ length: 70 }, (_, i) => 0.5 * Math.cos(i));
    const { matrix, n } = knownSpectrumMatrix({
      real: [3, -2.5, ...bulk],
      complex: [{ re: 0.5, im: 2.8 }, { re: 2.2, im: 0.4 }, { re: 0.1, im: 0.3 }],
      upper: 0.05,
      seed: 4,
    });
    const lm = await eigs(ctx, matrix, { k: 5, which: 'LM', ncv: 20 });
    expectSpectrum(lm.values, [{ re: 3, im: 0 }, { re: 0.5, im: 2.8 }, { re: 0.5, im: -2.8 }, { re: -2.5, im: 0 }, { re: 2.2, im: 0.4 }, { re: 2.2, im: -0.4 }], 2e-4, 'LM');
    expect(lm.values.length).toBe(6); // k = 5 splits the pair 2.2 ± 0.4i, so it is completed
    lm.residuals.forEach((res) => expect(res).toBeLessThan(1e-4));
    const lr = await eigs(ctx, matrix, { k: 3, which: 'LR', vectors: true });
    expectSpectrum(lr.values, [{ re: 3, im: 0 }, { re: 2.2, im: 0.4 }, { re: 2.2, im: -0.4 }], 2e-4, 'LR');
    // A complex pair's vectors are conjugates.
    const [, p, c] = lr.values.map((_, i) => i);
    for (let e = 0; e < n; e++) {
      expect(lr.vectors!.re[p! * n + e]).toBeCloseTo(lr.vectors!.re[c! * n + e]!, 6);
      expect(lr.vectors!.im[p! * n + e]).toBeCloseTo(-lr.vectors!.im[c! * n + e]!, 6);
    }
  });

  gpuIt('Gaussian matrix plus a rank-one term: the outlier matches ml-matrix and ≈ θ', async (ctx) => {
    const n = 150;
    const { matrix, outlier } = rankOneOutlierMatrix({ n, g: 1, theta: 2.5, seed: 11 });
    const r = await eigs(ctx, matrix, { k: 1 });
    const exact = mlEig(matrix, n).sort(byMagnitude)[0]!;
    expect(exact.im).toBe(0);
    expect(Math.abs(r.values[0]!.re - exact.re)).toBeLessThan(1e-4 * exact.re);
    // Finite-n fluctuation of the outlier is O(1/√n); 0.3 is several standard deviations at n = 150.
    expect(Math.abs(r.values[0]!.re - outlier)).toBeLessThan(0.3);
  });

  gpuIt('random nonsymmetric matrices against ml-matrix (odd sizes, LM and LR)', async (ctx) => {
    for (const [n, which, seed] of [[37, 'LM', 1], [83, 'LR', 2]] as const) {
      const a = gaussianMatrix(n, seed);
      const r = await eigs(ctx, a, { k: 4, which });
      const key = which === 'LM' ? byMagnitude : (x: Complex, y: Complex) => y.re - x.re || y.im - x.im;
      const ref = mlEig(a, n).sort(key).slice(0, r.values.length);
      expectSpectrum(r.values, ref, 1e-4, `n = ${n}, ${which}`);
      r.residuals.forEach((res) => expect(res).toBeLessThan(2e-5));
    }
  });

  gpuIt('symmetric (Lanczos) against the float64 Jacobi reference, LM / LR / SR', async (ctx) => {
    const n = 97;
    const rand = testRng(5);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = 2 * rand() - 1;
    const ref = jacobiEigReference(a, n).values; // descending
    const lr = await eigs(ctx, a, { k: 4, which: 'LR', symmetric: true });
    expectSpectrum(lr.values, Array.from(ref.slice(0, 4), (re) => ({ re, im: 0 })), 1e-4, 'LR');
    const sr = await eigs(ctx, a, { k: 3, which: 'SR', symmetric: true });
    expectSpectrum(sr.values, Array.from(ref.slice(n - 3), (re) => ({ re, im: 0 })), 1e-4, 'SR');
    const spectrum = symmetricWithSpectrum(Array.from({ length: 45 }, (_, i) => (i % 3) - 1 + i / 30), 3);
    const lm = await eigs(ctx, spectrum, { k: 2, symmetric: true, vectors: true });
    expectSpectrum(lm.values, [{ re: 1 + 44 / 30, im: 0 }, { re: 1 + 41 / 30, im: 0 }], 1e-4, 'known symmetric');
    lm.values.forEach((v) => expect(v.im).toBe(0));
  });

  gpuIt('a batch of realizations in one call equals solving each one', async (ctx, track) => {
    const n = 40;
    const batch = 3;
    const data = new Float32Array(batch * n * n);
    const mats = Array.from({ length: batch }, (_, b) => rankOneOutlierMatrix({ n, theta: 2 + b, seed: 30 + b }).matrix);
    mats.forEach((m, b) => data.set(m, b * n * n));
    const t = track(ctx.tensor([batch, n, n], { data }));
    const results = await eigsBatched(ctx, t, { k: 3, ncv: 12 });
    expect(results.length).toBe(batch);
    expect(results[0]!.iterations, 'restarts in lockstep').toBeGreaterThan(1);
    results.forEach((r, b) => {
      const ref = mlEig(mats[b]!, n).sort(byMagnitude).slice(0, r.values.length);
      expectSpectrum(r.values, ref, 2e-4, `member ${b}`);
      expect(r.residuals.length).toBe(r.values.length);
    });
  });

  gpuIt('an unreachable tolerance throws EigConvergenceError; bad options throw InputError', async (ctx) => {
    const a = gaussianMatrix(60, 8);
    const err = await eigs(ctx, a, { k: 6, tol: 1e-12, maxIter: 2, ncv: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EigConvergenceError);
    expect((err as Error).message).toMatch(/did not converge to tol = 1e-12 after 2 restarts/);
    expect(((err as EigConvergenceError).partial as unknown[]).length).toBe(1);
    await expect(eigs(ctx, a, { k: 0 })).rejects.toThrow(InputError);
    await expect(eigs(ctx, a, { k: 61 })).rejects.toThrow(/options\.k: expected at most the matrix order n = 60, got 61/);
    await expect(eigs(ctx, a, { which: 'XX' as 'LM' })).rejects.toThrow(InputError);
    await expect(eigs(ctx, new Float32Array(10))).rejects.toThrow(InputError);
  });
});
