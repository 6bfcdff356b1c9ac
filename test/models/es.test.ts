/**
 * The Gaussian-smoothing (SONG) gradient estimator and Adam on the GPU: kernels against their
 * float64 twins at odd sizes, Stein's identity on a quadratic loss (the estimator's mean equals the
 * exact gradient within its standard error, for several σ), and a tiny network trained by ES.
 */
import { describe, expect } from 'vitest';
import { createAdam, createSmoothingEstimator } from '../../src/models/es/estimator.js';
import {
  adamStepReference, esGradientReference, esNormalsReference, esPerturbReference,
} from '../../src/models/es/reference.js';
import { matmul, mapExpr, sum, sumSquares } from '../../src/linalg/index.js';
import type { Tensor } from '../../src/core/tensor.js';
import { gpuIt, testRng } from '../helpers/device.js';

function randomArray(n: number, rng: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * (2 * rng() - 1));
}

describe('evolution-strategies estimator on the GPU', () => {
  gpuIt('perturbed copies, gradient and Adam steps match their float64 twins (dim 37, S 11)', async (ctx, track) => {
    const rng = testRng(5);
    const dim = 37;
    const samples = 11;
    const sigma = 0.3;
    const seed = 9;
    const theta0 = randomArray(dim, rng);
    const theta = track(ctx.tensor([dim], { label: 'theta', data: theta0 }));
    const es = createSmoothingEstimator(ctx, dim, { samples, sigma, seed });
    track(es);
    await es.perturb(theta, 4);
    const copies = await es.copies.read();
    const z = await es.normals.read();
    const zRef = esNormalsReference(samples, dim, seed, 4);
    const copiesRef = esPerturbReference(theta0, zRef, samples, sigma);
    // f32 Box–Muller (log, sqrt, cos of f32 uniforms) is good to ~1e-6 relative; |z| < 6.
    for (let i = 0; i < z.length; i++) expect(Math.abs(z[i]! - zRef[i]!)).toBeLessThan(2e-5 * (1 + Math.abs(zRef[i]!)));
    for (let i = 0; i < copies.length; i++) expect(Math.abs(copies[i]! - copiesRef[i]!)).toBeLessThan(2e-5);
    for (let i = 0; i < dim; i++) expect(copies[i]).toBe(theta0[i]); // ε₀ = 0

    const lossValues = randomArray(samples, rng, 2);
    const losses = track(ctx.tensor([samples], { label: 'losses', data: lossValues }));
    const grad = await (await es.gradient(losses)).read();
    const gradRef = esGradientReference(lossValues, z, sigma);
    // Ten f32 products summed: error ≤ 10 · 2^-23 · Σ|terms| (Σ|terms| ≤ 10 · 4 · 6/0.3 here).
    for (let i = 0; i < dim; i++) expect(Math.abs(grad[i]! - gradRef[i]!)).toBeLessThan(1e-4);

    const adam = createAdam(ctx, dim, { lr: 0.05 });
    track(adam);
    const thetaRef = Float64Array.from(theta0);
    const m = new Float64Array(dim);
    const v = new Float64Array(dim);
    for (let step = 1; step <= 3; step++) {
      const g = randomArray(dim, rng, 3);
      const gT = track(ctx.tensor([dim], { label: 'g', data: g }));
      await adam.step(theta, gT);
      adamStepReference(thetaRef, m, v, g, step, { lr: 0.05 });
    }
    const after = await theta.read();
    // Each step moves θ by at most lr·(1 + small) with f32 rounding ~1e-7 relative.
    for (let i = 0; i < dim; i++) expect(Math.abs(after[i]! - thetaRef[i]!)).toBeLessThan(1e-5);
    expect(adam.t).toBe(3);
  });

  gpuIt("Stein's identity: on a quadratic loss the estimator's mean is the exact gradient for several σ", async (ctx, track) => {
    // L(θ) = ½ θᵀHθ − θᵀb (+ const) with H SPD: ∇L = Hθ − b exactly, and E[ĝ] = ∇L for any σ.
    const dim = 5;
    const samples = 32;
    const reps = 256;
    const rng = testRng(77);
    const a = Array.from({ length: dim * dim }, () => 2 * rng() - 1);
    const H = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        let s = i === j ? 1 : 0;
        for (let k = 0; k < dim; k++) s += a[i * dim + k]! * a[j * dim + k]!;
        H[i * dim + j] = s;
      }
    }
    const b = randomArray(dim, rng);
    const theta0 = randomArray(dim, rng);
    const exact = Array.from({ length: dim }, (_, i) => {
      let s = -b[i]!;
      for (let j = 0; j < dim; j++) s += H[i * dim + j]! * theta0[j]!;
      return s;
    });
    const Ht = track(ctx.tensor([dim, dim], { label: 'H', data: H }));
    const bTiled = track(ctx.tensor([samples, dim], { label: 'b', data: Float32Array.from({ length: samples * dim }, (_, k) => b[k % dim]!) }));
    const theta = track(ctx.tensor([dim], { label: 'theta', data: theta0 }));
    for (const [k, sigma] of [0.03, 0.5, 3].entries()) {
      const es = track(createSmoothingEstimator(ctx, dim, { samples, sigma, seed: 100 + k }));
      const acc = track(ctx.tensor([dim], { label: 'acc', fill: 0 }));
      const acc2 = track(ctx.tensor([dim], { label: 'acc2', fill: 0 }));
      const hc = track(ctx.tensor([samples, dim], { label: 'hc' }));
      const terms = track(ctx.tensor([samples, dim], { label: 'terms' }));
      const losses = track(ctx.tensor([samples], { label: 'losses' }));
      for (let r = 0; r < reps; r++) {
        const c = await es.perturb(theta, r);
        await matmul(ctx, c, Ht, { dst: hc });
        await mapExpr(ctx, 'c * (0.5 * hc - b)', { c, hc, b: bTiled }, { dst: terms });
        await sum(ctx, terms, { axis: 1, dst: losses });
        const g = await es.gradient(losses);
        await mapExpr(ctx, 'acc + g', { acc, g }, { dst: acc });
        await mapExpr(ctx, 'acc2 + g * g', { acc2, g }, { dst: acc2 });
      }
      const s1 = await acc.read();
      const s2 = await acc2.read();
      for (let i = 0; i < dim; i++) {
        const mean = s1[i]! / reps;
        const se = Math.sqrt((s2[i]! / reps - mean * mean) / (reps - 1));
        // Fixed seeds: a 4.5-s.e. bound on 15 comparisons fails by chance with p < 1e-4 (measured:
        // all within 2.7 s.e.); a wrong power of σ in the estimator would be off by tens of s.e.
        // at σ = 0.03 and σ = 3. (A 1/S scale error is below this resolution.)
        expect(Math.abs(mean - exact[i]!), `σ = ${sigma}, component ${i}: mean ${mean}, exact ${exact[i]}, s.e. ${se}`).toBeLessThan(4.5 * se);
      }
    }
  });

  gpuIt('a tiny tanh network fits a teacher under ES (alternating layers, Adam) within 150 steps', async (ctx, track) => {
    const rng = testRng(3);
    const [nIn, nHid, nOut, batch, samples] = [3, 5, 2, 17, 24];
    const x = randomArray(batch * nIn, rng);
    const teacher1 = randomArray(nIn * nHid, rng, 1.5);
    const teacher2 = randomArray(nHid * nOut, rng, 1.5);
    const target = new Float32Array(samples * batch * nOut);
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < nOut; o++) {
        let y = 0;
        for (let h = 0; h < nHid; h++) {
          let u = 0;
          for (let i = 0; i < nIn; i++) u += x[n * nIn + i]! * teacher1[i * nHid + h]!;
          y += Math.tanh(u) * teacher2[h * nOut + o]!;
        }
        for (let s = 0; s < samples; s++) target[(s * batch + n) * nOut + o] = y;
      }
    }
    const X = track(ctx.tensor([batch, nIn], { label: 'x', data: x }));
    const T = track(ctx.tensor([samples, batch, nOut], { label: 'target', data: target }));
    const W1 = track(ctx.tensor([nIn * nHid], { label: 'w1', data: randomArray(nIn * nHid, rng, 0.5) }));
    const W2 = track(ctx.tensor([nHid * nOut], { label: 'w2', data: randomArray(nHid * nOut, rng, 0.5) }));
    const groups = [W1, W2].map((w, k) => ({
      w,
      es: track(createSmoothingEstimator(ctx, w.size, { samples, sigma: 0.05, seed: 40 + k })),
      adam: track(createAdam(ctx, w.size, { lr: 0.05 })),
    }));
    const losses = track(ctx.tensor([samples], { label: 'losses' }));
    const curve: number[] = [];
    for (let step = 0; step < 150; step++) {
      const active = groups[step % 2]!;
      const copies = await active.es.perturb(active.w, step);
      const w1: Tensor = step % 2 === 0 ? copies.reshape([samples, nIn, nHid]) : W1.reshape([1, nIn, nHid]);
      const w2: Tensor = step % 2 === 1 ? copies.reshape([samples, nHid, nOut]) : W2.reshape([1, nHid, nOut]);
      const u = await matmul(ctx, X.reshape([1, batch, nIn]), w1);
      const h = await mapExpr(ctx, 'tanh(u)', { u });
      const y = await matmul(ctx, h, w2); // [S, batch, nOut]: one side always holds the S copies
      const r = await mapExpr(ctx, 'y - t', { y, t: T });
      await sumSquares(ctx, r.reshape([samples, batch * nOut]), { axis: 1, dst: losses });
      if (step % 10 === 0 || step === 149) curve.push((await losses.read())[0]! / (batch * nOut));
      await active.adam.step(active.w, await active.es.gradient(losses));
      ctx.releaseAfterSubmit(u, h, y, r);
    }
    // Deterministic for the fixed seeds: measured 0.886 → 0.0047; require a 20-fold fall.
    expect(curve.at(-1)!, `loss curve ${curve.map((c) => c.toFixed(4)).join(' ')}`).toBeLessThan(curve[0]! / 20);
  });
});
