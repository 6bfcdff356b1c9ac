/**
 * Reservoir-sampler networks on the GPU: one denoising-score-matching step against its float64
 * twin, the optimal DSM solution (the GMM score smoothed by the noise) reached by training, and the
 * reservoir's sampling dynamics against exact stationary laws.
 */
import { describe, expect, it } from 'vitest';
import {
  DOUBLE_PEAK, dsmBatchReference, dsmGradientReference, dsmStepReference, mixtureDensity, mixtureScore, scoreAdamState,
  type ScoreModel,
} from '../../src/models/rsn/reference.js';
import { createDsmTrainer, createScoreModel, evaluateScore, trainScoreModel } from '../../src/models/rsn/train.js';
import { sampleReservoir } from '../../src/models/rsn/sample.js';
import { linearScoreStationaryLaw } from '../../src/models/rsn/reference.js';
import { samplerOnlyDsmGradient, samplerOnlyModel, samplerOnlyScore, type SamplerOnlyNetwork } from '../../src/models/rsn/sampler-only.js';
import { philoxArray } from '../../src/reference/philox.js';
import { gpuIt, testRng } from '../helpers/device.js';

/** Samples of a 1-D mixture from a seeded Philox sequence (inverse of the component choice, Box–Muller normals). */
function mixtureSamples(count: number, seed: number): Float32Array {
  const u = philoxArray(count, seed, { distribution: 'uniform', stream: 1 });
  const z = philoxArray(count, seed, { distribution: 'normal', stream: 2 });
  return Float32Array.from({ length: count }, (_, i) => {
    const k = u[i]! < DOUBLE_PEAK.weights[0]! ? 0 : 1;
    return DOUBLE_PEAK.means[k]! + DOUBLE_PEAK.stds[k]! * z[i]!;
  });
}

describe('linearScoreStationaryLaw (the linear-φ oracle)', () => {
  it('its mean is the chain\'s fixed point and its covariance the Lyapunov solution, for d = 2 and 3', () => {
    for (const [d, hidden] of [[2, 5], [3, 4]] as const) {
      const rng = testRng(17 + d);
      const w1 = Float64Array.from({ length: d * hidden }, () => (2 * rng() - 1) / Math.sqrt(hidden));
      const w2a = Float64Array.from({ length: hidden * (d + 1) }, () => 0.8 * (2 * rng() - 1));
      const dt = 0.1;
      const { A, mean, cov } = linearScoreStationaryLaw({ dim: d, hidden, activation: 'relu', w1, w2a }, dt);
      // the drift −x + W₁(W₂x + b) vanishes at the mean, computed here without A
      for (let a = 0; a < d; a++) {
        let drift = -mean[a]!;
        for (let i = 0; i < hidden; i++) {
          let pre = w2a[i * (d + 1) + d]!;
          for (let b = 0; b < d; b++) pre += w2a[i * (d + 1) + b]! * mean[b]!;
          drift += w1[a * hidden + i]! * pre;
        }
        expect(Math.abs(drift), `drift ${a} at the mean (d = ${d})`).toBeLessThan(1e-12);
      }
      // Σ = MΣMᵀ + 2dt·I with M = I + dt·A
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
        let s = i === j ? 2 * dt : 0;
        for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) {
          s += ((i === k ? 1 : 0) + dt * A[i * d + k]!) * cov[k * d + l]! * ((j === l ? 1 : 0) + dt * A[j * d + l]!);
        }
        expect(Math.abs(s - cov[i * d + j]!), `Lyapunov residual (${i}, ${j})`).toBeLessThan(1e-10);
      }
    }
  });
});

describe('RSN score model on the GPU', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    gpuIt(`one DSM training step (${activation}, d 3, N 37, B 13) matches the float64 twin`, async (ctx, track) => {
      const rng = testRng(activation === 'relu' ? 11 : 12);
      const [d, n, batch, rows] = [3, 37, 13, 29];
      const w1 = Array.from({ length: d * n }, () => (2 * rng() - 1) / Math.sqrt(n));
      const w2a = Array.from({ length: n * (d + 1) }, () => 2 * rng() - 1);
      const data = Array.from({ length: rows * d }, () => 2 * rng() - 1);
      const model = track(createScoreModel(ctx, d, { hidden: n, activation, init: { w1, w2a } }));
      const trainer = track(createDsmTrainer(ctx, model, data, { batch, seed: 5, lr: 1e-3 }));
      const sigma = 0.4;
      const loss = await trainer.step(sigma, 7, true);
      const ref: ScoreModel = { dim: d, hidden: n, activation, w1: Float64Array.from(w1, Math.fround), w2a: Float64Array.from(w2a, Math.fround) };
      const { noisy, shifted } = dsmBatchReference(Float64Array.from(data, Math.fround), d, batch, sigma, 5, 7);
      const grads = dsmGradientReference(ref, noisy, shifted, batch);
      const refLoss = dsmStepReference(ref, scoreAdamState(ref), Float64Array.from(data, Math.fround), batch, sigma, 5, 7, { lr: 1e-3 });
      expect(refLoss).toBeCloseTo(grads.loss, 12);
      // The batch's targets are −ε/σ with |ε| < 5: residuals ≲ 15, loss ≈ 10; f32 sums of ≤ 40
      // terms keep ~1e-6 relative.
      expect(Math.abs(loss! - grads.loss) / grads.loss).toBeLessThan(1e-5);
      const gw1 = await trainer.grads.w1.read();
      const gw2a = await trainer.grads.w2a.read();
      const scale1 = Math.max(...grads.gw1.map(Math.abs));
      const scale2 = Math.max(...grads.gw2a.map(Math.abs));
      gw1.forEach((g, i) => expect(Math.abs(g - grads.gw1[i]!), `∇W₁[${i}]`).toBeLessThan(1e-5 * scale1));
      gw2a.forEach((g, i) => expect(Math.abs(g - grads.gw2a[i]!), `∇W₂ₐ[${i}]`).toBeLessThan(1e-5 * scale2));
      // Adam's first step moves every weight by lr·g/(|g| + ε): the twin's weights within 1e-6
      // unless a gradient is within f32 rounding of 0 (none is, for this seed: checked above).
      const after = await model.read();
      after.w1.forEach((w, i) => expect(Math.abs(w - ref.w1[i]!), `W₁[${i}]`).toBeLessThan(1e-6));
      after.w2a.forEach((w, i) => expect(Math.abs(w - ref.w2a[i]!), `W₂ₐ[${i}]`).toBeLessThan(1e-6));
    });
  }

  gpuIt('training at one noise level reaches the GMM score smoothed by that noise (the optimal DSM solution)', async (ctx, track) => {
    const sigma = 0.5;
    const data = mixtureSamples(20_000, 3);
    const model = track(createScoreModel(ctx, 1, { hidden: 64, seed: 2 }));
    // A fast phase, then a slow one so that Adam's step noise settles (losses are dominated by the
    // irreducible DSM variance, ≈ 1.4 here, so the curve itself barely moves).
    await trainScoreModel(ctx, model, data, { sigmas: [sigma], stepsPerLevel: 1000, batch: 128, lr: 3e-3, seed: 4, lossEvery: 500 });
    const curve = await trainScoreModel(ctx, model, data, { sigmas: [sigma], stepsPerLevel: 500, batch: 128, lr: 3e-4, seed: 5, lossEvery: 250 });
    const grid = Array.from({ length: 61 }, (_, i) => -3 + 0.1 * i);
    const learned = await evaluateScore(ctx, model, grid);
    /** RMS distance to the score at noise s, weighted by the noisy data density, relative to its RMS. */
    const relRms = (s: number): number => {
      let num = 0, den = 0;
      grid.forEach((x, i) => {
        const w = mixtureDensity(DOUBLE_PEAK, x, sigma);
        const exact = mixtureScore(DOUBLE_PEAK, x, s);
        num += w * (learned[i]! - exact) ** 2;
        den += w * exact ** 2;
      });
      return Math.sqrt(num / den);
    };
    // Measured: 0.055 from the σ = 0.5 score, against 0.30 (σ = 0.35), 0.55 (σ = 0.7) and 0.56
    // (the unsmoothed target): training finds the smoothed score, not a neighbour of it.
    expect(relRms(sigma), `loss curve ${curve.map((c) => c.loss.toFixed(3)).join(' ')}`).toBeLessThan(0.1);
    for (const other of [0, 0.35, 0.7]) expect(relRms(other)).toBeGreaterThan(0.2);
  }, 60_000);

  for (const hidden of [3, 17]) {
    gpuIt(`reservoir of ${hidden} units with linear φ: x = W₁h has the Euler–Maruyama stationary law of its linear score`, async (ctx) => {
      // φ = identity: s(x) = −x + W₁(W₂x + b) = Ax + c with A = W₁W₂ − I, c = W₁b. Euler–Maruyama
      // x' = (I + dtA)x + dt·c + √(2dt)ξ is a Gaussian AR(1): mean −A⁻¹c, covariance Σ with
      // Σ = (I + dtA)Σ(I + dtA)ᵀ + 2dt·I (discrete Lyapunov), whatever N is.
      const rng = testRng(hidden);
      const d = 2;
      const dt = 0.1;
      const w1 = Array.from({ length: d * hidden }, () => (2 * rng() - 1) / Math.sqrt(hidden));
      const w2a = Array.from({ length: hidden * (d + 1) }, () => 0.8 * (2 * rng() - 1));
      const model: ScoreModel = { dim: d, hidden, activation: 'relu', w1: Float64Array.from(w1), w2a: Float64Array.from(w2a) };
      const { mean, cov } = linearScoreStationaryLaw(model, dt);
      const chains = 4095;
      // 300 steps = 30 time units: the slowest mode (|eigenvalue| ≥ 0.3 here) has decayed by e^-9.
      const x = await sampleReservoir(ctx, model, { chains, steps: 300, dt, seed: 21, activation: 'linear' });
      const m = [0, 0];
      for (let k = 0; k < chains; k++) for (let a = 0; a < d; a++) m[a]! += x[k * d + a]! / chains;
      for (let a = 0; a < d; a++) {
        const se = Math.sqrt(cov[a * d + a]! / chains);
        expect(Math.abs(m[a]! - mean[a]!), `mean ${a}`).toBeLessThan(4.5 * se);
      }
      for (let a = 0; a < d; a++) {
        for (let b = a; b < d; b++) {
          let s = 0;
          for (let k = 0; k < chains; k++) s += (x[k * d + a]! - m[a]!) * (x[k * d + b]! - m[b]!);
          s /= chains - 1;
          // Standard error of a Gaussian sample covariance: √((Σ_aa Σ_bb + Σ_ab²)/C).
          const se = Math.sqrt((cov[a * d + a]! * cov[b * d + b]! + cov[a * d + b]! ** 2) / chains);
          expect(Math.abs(s - cov[a * d + b]!), `covariance (${a}, ${b}): ${s} vs ${cov[a * d + b]}`).toBeLessThan(4.5 * se);
        }
      }
    });
  }

  gpuIt('10⁵ reservoir chains in 1-D match the law of their Euler–Maruyama chain and the density ∝ exp(∫s)', async (ctx) => {
    // With φ = tanh the score integrates in closed form:
    //   ∫s = −x²/2 + Σ_h (W₁)_h/(W₂)_h · log cosh((W₂)_h x + b_h),
    // here with two units pulling towards ±1.3 (a bimodal target).
    const w1 = [1.4, 1.3];
    const w2a = [2, 0.3, -1.8, 0.4]; // rows [W₂ | b]
    const n = 2;
    const dt = 0.04;
    const steps = 250;
    const score = (x: number): number => {
      let v = -x;
      for (let h = 0; h < n; h++) v += w1[h]! * Math.tanh(w2a[2 * h]! * x + w2a[2 * h + 1]!);
      return v;
    };
    const logp = (x: number): number => {
      let v = -0.5 * x * x;
      for (let h = 0; h < n; h++) {
        const z = w2a[2 * h]! * x + w2a[2 * h + 1]!;
        v += (w1[h]! / w2a[2 * h]!) * (Math.abs(z) + Math.log1p(Math.exp(-2 * Math.abs(z))) - Math.LN2);
      }
      return v;
    };
    // The exact law of x after `steps` Euler–Maruyama steps from x₀ = W₁h₀, h₀ ~ N(0, I), by
    // iterating the transition kernel N(y; x + dt·s(x), 2dt) on a grid (spacing 0.01 = σ_step/28).
    const lo = -7, hi = 7, delta = 0.01;
    const m = Math.round((hi - lo) / delta) + 1;
    const grid = Float64Array.from({ length: m }, (_, i) => lo + i * delta);
    const v0 = w1[0]! ** 2 + w1[1]! ** 2;
    let p = grid.map((x) => Math.exp(-x * x / (2 * v0)) / Math.sqrt(2 * Math.PI * v0) * delta);
    const sd = Math.sqrt(2 * dt);
    const band = Math.ceil((8 * sd) / delta);
    for (let k = 0; k < steps; k++) {
      const next = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        if (p[i]! < 1e-300) continue;
        const mu = grid[i]! + dt * score(grid[i]!);
        const c = Math.round((mu - lo) / delta);
        for (let j = Math.max(0, c - band); j <= Math.min(m - 1, c + band); j++) {
          next[j] = next[j]! + p[i]! * Math.exp(-((grid[j]! - mu) ** 2) / (2 * sd * sd)) / (Math.sqrt(2 * Math.PI) * sd) * delta;
        }
      }
      p = next;
    }
    const cdfOf = (mass: Float64Array): ((x: number) => number) => {
      const c = new Float64Array(m);
      let acc = 0;
      mass.forEach((q, i) => { acc += q; c[i] = acc; });
      return (x: number): number => {
        const t = Math.min(Math.max((x - lo) / delta + 0.5, 0), m - 1e-9);
        const i = Math.floor(t);
        return (i === 0 ? 0 : c[i - 1]!) + (t - i) * mass[i]!;
      };
    };
    let total = 0;
    for (const q of p) total += q;
    const emMass = p.map((q) => q / total);
    const target = grid.map((x) => Math.exp(logp(x)));
    let tTotal = 0;
    for (const q of target) tTotal += q;
    const targetMass = target.map((q) => q / tTotal);
    const emCdf = cdfOf(emMass);
    const targetCdf = cdfOf(targetMass);

    const chains = 100_000;
    const model: ScoreModel = { dim: 1, hidden: n, activation: 'tanh', w1: Float64Array.from(w1), w2a: Float64Array.from(w2a) };
    const x = await sampleReservoir(ctx, model, { chains, steps, dt, seed: 33 });
    const sorted = Float64Array.from(x).sort();
    const ksTo = (F: (x: number) => number): number => {
      let d = 0;
      sorted.forEach((v, i) => { d = Math.max(d, Math.abs(F(v) - i / chains), Math.abs(F(v) - (i + 1) / chains)); });
      return d;
    };
    let schemeBias = 0;
    for (const x0 of grid) schemeBias = Math.max(schemeBias, Math.abs(emCdf(x0) - targetCdf(x0)));
    // Sampling alone: P(D > 1.95/√n) = 0.001, i.e. 0.0062 for 10⁵ chains; the grid adds < 1e-4.
    expect(ksTo(emCdf), 'KS distance to the exact law of the scheme').toBeLessThan(0.0062);
    // Against exp(∫s) the scheme's own O(dt) bias adds at most its measured KS distance.
    expect(ksTo(targetCdf), `KS distance to exp(∫s) (scheme bias ${schemeBias.toFixed(4)})`).toBeLessThan(0.0062 + schemeBias);
    expect(schemeBias).toBeLessThan(0.02);
  }, 300_000);

  for (const kind of ['fr', 'sc'] as const) {
    it(`sampler-only ${kind.toUpperCase()}: DSM gradient against central differences, and the engine's drift equals the score`, () => {
      const net: SamplerOnlyNetwork = { kind, dim: 2, activation: 'tanh', theta: Float64Array.from({ length: 12 }, (_, i) => Math.sin(1.7 * i + 0.3)) };
      const data = Float64Array.from({ length: 42 }, (_, i) => Math.cos(0.77 * i));
      const { noisy, shifted } = dsmBatchReference(data, 2, 7, 0.3, 1, 2);
      const { grad } = samplerOnlyDsmGradient(net, noisy, shifted, 7);
      for (let k = 0; k < net.theta.length; k++) {
        const at = (dx: number): number => {
          const t = Float64Array.from(net.theta);
          t[k] = t[k]! + dx;
          return samplerOnlyDsmGradient({ ...net, theta: t }, noisy, shifted, 7).loss;
        };
        // Central differences with h = 1e-6 on a loss of ~20: truncation ~h² and rounding ~1e-16·20/h.
        expect(Math.abs((at(1e-6) - at(-1e-6)) / 2e-6 - grad[k]!), `∂L/∂θ[${k}]`).toBeLessThan(1e-7);
      }
      const model = samplerOnlyModel(net);
      const drift = new Float64Array(2);
      for (const x of [[0.3, -0.8], [-1.5, 2.2]]) {
        model.js.drift(0, x, [], drift);
        const s = samplerOnlyScore(net, x);
        // The equations carry the weights to 9 significant digits.
        for (let j = 0; j < 2; j++) expect(Math.abs(drift[j]! - s[j]!)).toBeLessThan(1e-7 * (1 + Math.abs(s[j]!)));
      }
    });
  }
});
