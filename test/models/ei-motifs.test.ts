import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/gpu/errors.js';
import { dominantEigenvalues, generateMotifConnectivity, motifStatisticsGPU, paradoxNetwork, steadyState } from '../../src/models/ei-motifs/index.js';
import {
  bulkRadius, denseEigenvalues, lowRankResponse, meanFieldResponse, motifConnectivityReference, motifStatistics,
  onePopulationNetwork, onePopulationOutliers, outliersOutside, reducedMatrixExpected, reducedMatrixRealized, type MotifNetwork,
} from '../../src/models/ei-motifs/reference.js';
import { expectClose, gpuIt, poisoned } from '../helpers/device.js';

/** Dense Gaussian elimination with partial pivoting (float64), the oracle for the GMRES solve. */
function denseSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r;
    for (let k = 0; k < n; k++) [m[c * n + k], m[p * n + k]] = [m[p * n + k]!, m[c * n + k]!];
    [x[c], x[p]] = [x[p]!, x[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c]! / m[c * n + c]!;
      for (let k = c; k < n; k++) m[r * n + k]! -= f * m[c * n + k]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= m[r * n + k]! * x[k]!;
    x[r] = s / m[r * n + r]!;
  }
  return x;
}

const twoPopulations: MotifNetwork = {
  sizes: [29, 12],
  j0: [[0.02, -0.05], [0.03, -0.04]],
  a: [[0.3, 0.5], [0.4, 0.2]],
  b: [[0.1, 0.05], [0.2, 0.0]],
  d: [[0.15, 0.1], [0.05, 0.3]],
  corr: [0.7, -0.4],
  rho: 0.35,
};

describe('ei-motifs predictions (CPU)', () => {
  it('the expected reduced matrix K gives the one-population outlier equation λ² − λ₀λ − N g² τchn = 0', () => {
    for (const tauChain of [-0.08, 0, 0.03, 0.1]) {
      const net = onePopulationNetwork({ N: 500, g: 0.6, J0: -3 / 500, tauCon: 0.25, tauDiv: 0.15, tauChain });
      const fromK = outliersOutside(denseEigenvalues(reducedMatrixExpected(net)), 1e-6);
      const closed = onePopulationOutliers(500, -3 / 500, 0.6, tauChain).filter((z) => Math.hypot(z.re, z.im) > 1e-6);
      const key = (zs: { re: number; im: number }[]) => zs.map((z) => [z.re, z.im]).sort((p, q) => p[0]! - q[0]! || p[1]! - q[1]!).flat();
      expectClose(key(fromK), key(closed), { atol: 1e-9 }, `τchn = ${tauChain}`);
    }
    expect(() => onePopulationNetwork({ N: 10, g: 1, J0: 0, tauCon: 0.1, tauDiv: 0.1, tauChain: 0.2 })).toThrow(/exceeds/);
    expect(bulkRadius(onePopulationNetwork({ N: 10, g: 0.5, J0: 0, tauCon: 0.2, tauDiv: 0.3, tauChain: 0 }))).toBeCloseTo(0.5 * Math.sqrt(0.5), 12);
  });

  it('without motifs the low-rank response equals the classical two-population result', () => {
    const net = paradoxNetwork(80, 20, 0.4, -0.5, 0.3, 0);
    const mf = meanFieldResponse(net);
    // R_II = (1 − w_EE)/det(I − W) with w_EE = w_IE = 0.4, w_EI = w_II = −0.5: 0.6/1.1.
    expect(mf.rII).toBeCloseTo(0.6 / 1.1, 12);
    const lr = lowRankResponse(net);
    expect(lr.rII).toBeCloseTo(mf.rII, 12);
    expect(lr.rEI).toBeCloseTo(mf.rEI, 12);
    expect(meanFieldResponse(paradoxNetwork(80, 20, 1.5, -2, 0.3, 0)).rII).toBeLessThan(0); // ISN: w_EE > 1
  });
});

describe('ei-motifs on the GPU', () => {
  for (const [name, net] of [
    ['two populations with reciprocal motifs, N = 41', twoPopulations],
    ['one population, N = 37', onePopulationNetwork({ N: 37, g: 0.7, J0: -0.05, tauCon: 0.2, tauDiv: 0.3, tauChain: 0.15 })],
  ] as const) {
    gpuIt(`generator equals its float64 twin (${name})`, async (ctx, track) => {
      const N = net.sizes.reduce((a, b) => a + b, 0);
      const dst = track(poisoned(ctx, [N, N], 'motifs.test.J'));
      const { factors } = await generateMotifConnectivity(ctx, net, { seed: 0x1234, stream: 5, dst });
      track(factors);
      const ref = motifConnectivityReference(net, 0x1234, 5);
      // f32 normals differ from float64 ones by ≤ 3e-6 (philox test); times loadings < 1 over √N,
      // plus f32 rounding of entries of size ≤ 0.2: 1e-6 absolute is a safe bound.
      expectClose(await dst.read(), ref.J, { atol: 1e-6 }, 'J');
      expectClose(await factors.read(), ref.factors, { atol: 1e-5 }, 'factors');
    });
  }

  gpuIt('generated motif statistics match their targets (N = 400; bounds at 4 standard errors)', async (ctx, track) => {
    const N = 400;
    const m = { N, g: 0.8, J0: 0.001, tauCon: 0.2, tauDiv: 0.15, tauChain: 0.1, rho: 0.2 };
    const { J, factors } = await generateMotifConnectivity(ctx, onePopulationNetwork(m), { seed: 9 });
    track(J);
    track(factors);
    const s = motifStatistics(await J.read(), N, m.J0);
    // Var: N² entries, plus the per-neuron factors' sample variance (√(2/N) on 35 % of the variance).
    expect(Math.abs(s.variance / (m.g * m.g / N) - 1)).toBeLessThan(4 * 0.35 * Math.sqrt(2 / N) + 0.02);
    // τcon, τdiv: Σn²/N has standard error √(2/N) = 0.071 → 0.014 and 0.011.
    expect(Math.abs(s.tauCon - m.tauCon)).toBeLessThan(4 * m.tauCon * Math.sqrt(2 / N));
    expect(Math.abs(s.tauDiv - m.tauDiv)).toBeLessThan(4 * m.tauDiv * Math.sqrt(2 / N));
    // τchn = √(τcon τdiv)·(Σ n o / N): standard error √(τcon τdiv (1 + c²)/N) ≈ 0.011.
    const c = m.tauChain / Math.sqrt(m.tauCon * m.tauDiv);
    const seChain = Math.sqrt((m.tauCon * m.tauDiv * (1 + c * c)) / N);
    expect(Math.abs(s.tauChain - m.tauChain)).toBeLessThan(4 * seChain);
    // τrec = (1 − τcon − τdiv)ρ + 2τchn; the chain part carries twice the chain error.
    expect(Math.abs(s.tauRec! - ((1 - m.tauCon - m.tauDiv) * m.rho + 2 * m.tauChain))).toBeLessThan(8 * seChain + 0.01);
    // The GPU reductions give the same statistics as the float64 pass over the read-back matrix.
    const g = await motifStatisticsGPU(ctx, J, m.J0);
    expectClose([g.variance, g.tauCon, g.tauDiv, g.tauChain], [s.variance, s.tauCon, s.tauDiv, s.tauChain], { rtol: 2e-3, atol: 1e-4 }, 'GPU statistics');
  });

  gpuIt('one population, N = 400: Arnoldi outliers solve the outlier equation (§3.3)', async (ctx, track) => {
    const N = 400;
    for (const tauChain of [0.05, -0.05]) {
      const m = { N, g: 0.5, J0: -2 / N, tauCon: 0.2, tauDiv: 0.2, tauChain };
      const net = onePopulationNetwork(m);
      const { J, factors } = await generateMotifConnectivity(ctx, net, { seed: 3, stream: 1 });
      track(J);
      track(factors);
      const eig = await dominantEigenvalues(ctx, J, { k: 2, tol: 1e-5, maxIter: 100 });
      expect(eig.converged).toBe(true);
      const sorted = [...eig.values].sort((x, y) => y.re - x.re || y.im - x.im);
      // (1) The outlier equation with this realization's measured σ², τchn and mean: the O(√N)
      // sampling fluctuations of the factors cancel, leaving O(1/√N) corrections from the bulk.
      const s = await motifStatisticsGPU(ctx, J, m.J0);
      const lambda0 = (await J.read()).reduce((a, x) => a + x, 0) / N;
      const disc = lambda0 * lambda0 + 4 * N * N * s.variance * s.tauChain;
      const predicted = disc >= 0
        ? [{ re: (lambda0 + Math.sqrt(disc)) / 2, im: 0 }, { re: (lambda0 - Math.sqrt(disc)) / 2, im: 0 }]
        : [{ re: lambda0 / 2, im: Math.sqrt(-disc) / 2 }, { re: lambda0 / 2, im: -Math.sqrt(-disc) / 2 }];
      for (let i = 0; i < 2; i++) {
        const scale = Math.hypot(predicted[i]!.re, predicted[i]!.im);
        expect(Math.hypot(sorted[i]!.re - predicted[i]!.re, sorted[i]!.im - predicted[i]!.im) / scale).toBeLessThan(0.08);
      }
      // (2) The realized reduced matrix K (exact structured part) predicts them closer still.
      const realized = outliersOutside(denseEigenvalues(reducedMatrixRealized(net, await factors.read())), 1);
      for (let i = 0; i < 2; i++) {
        const scale = Math.hypot(realized[i]!.re, realized[i]!.im);
        expect(Math.hypot(sorted[i]!.re - realized[i]!.re, sorted[i]!.im - realized[i]!.im) / scale).toBeLessThan(0.05);
      }
      // (3) Residuals of the returned pairs are at f32 level.
      for (const r of eig.residuals) expect(r).toBeLessThan(1e-3);
    }
  }, 240_000);

  gpuIt('GMRES steady state (I − J)x = e_I equals a dense solve; no motifs → classical response', async (ctx, track) => {
    const net = paradoxNetwork(160, 40, 0.4, -0.5, 0.3, 0.04);
    const N = 200;
    const { J, factors } = await generateMotifConnectivity(ctx, net, { seed: 4 });
    track(J);
    track(factors);
    const h = new Float64Array(N).fill(1, 160);
    const ss = await steadyState(ctx, J, h, { tol: 1e-7 });
    expect(ss.relativeResidual).toBeLessThan(1e-5);
    const j = await J.read();
    const a = Float64Array.from({ length: N * N }, (_, i) => (i % (N + 1) === 0 ? 1 : 0) - j[i]!);
    // f32 matrix–vector products limit the solution to ~1e-6 relative; 1e-4 is safe.
    expectClose(ss.x, denseSolve(a, h, N), { atol: 1e-4, rtol: 1e-4 }, 'steady state');

    const plain = paradoxNetwork(400, 100, 0.4, -0.5, 0.3, 0);
    const r = await generateMotifConnectivity(ctx, plain, { seed: 4 });
    track(r.J);
    track(r.factors);
    const x = (await steadyState(ctx, r.J, new Float64Array(500).fill(1, 400))).x;
    const rII = x.subarray(400).reduce((s, v) => s + v, 0) / 100;
    // Population means of a bulk of radius 0.3 fluctuate by O(0.3/√N_I) ≈ 0.03 around 0.6/1.1.
    expect(Math.abs(rII - meanFieldResponse(plain).rII)).toBeLessThan(0.1);
  });

  it('rejects malformed networks before any GPU work', async () => {
    await expect(generateMotifConnectivity(null as never, { ...twoPopulations, a: [[1, 2]] })).rejects.toThrow(InputError);
    await expect(generateMotifConnectivity(null as never, { ...twoPopulations, corr: [2, 0] })).rejects.toThrow(/corr/);
    await expect(generateMotifConnectivity(null as never, { ...twoPopulations, sizes: [10, 10, 10] })).rejects.toThrow(/populations/);
  });
});
