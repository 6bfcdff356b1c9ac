/**
 * Reservoir sampling through the network engine (src/models/rsn/network-sampler.ts): the linear
 * reservoir's output law against the discrete Lyapunov oracle, and a ReLU reservoir's output
 * moments against the fused sampler's (src/models/rsn/sample.ts).
 */
import { describe, expect } from 'vitest';
import { reservoirNetwork, sampleReservoirNetwork } from '../../src/models/rsn/network-sampler.js';
import { linearScoreStationaryLaw, type ScoreModel } from '../../src/models/rsn/reference.js';
import { sampleReservoir } from '../../src/models/rsn/sample.js';
import { gpuIt, testRng } from '../helpers/device.js';

function moments(x: Float64Array, d: number): { mean: number[]; cov: number[]; m4: number[] } {
  const C = x.length / d;
  const mean = Array.from({ length: d }, (_, a) => { let s = 0; for (let k = 0; k < C; k++) s += x[k * d + a]!; return s / C; });
  const cov = new Array<number>(d * d).fill(0);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
    let s = 0;
    for (let k = 0; k < C; k++) s += (x[k * d + a]! - mean[a]!) * (x[k * d + b]! - mean[b]!);
    cov[a * d + b] = s / (C - 1);
  }
  const m4 = Array.from({ length: d }, (_, a) => { let s = 0; for (let k = 0; k < C; k++) s += (x[k * d + a]! - mean[a]!) ** 4; return s / C; });
  return { mean, cov, m4 };
}

function randomModel(hidden: number, seed: number, activation: ScoreModel['activation']): ScoreModel {
  const rng = testRng(seed);
  const d = 2;
  return {
    dim: d, hidden, activation,
    w1: Float64Array.from({ length: d * hidden }, () => (2 * rng() - 1) / Math.sqrt(hidden)),
    w2a: Float64Array.from({ length: hidden * (d + 1) }, () => 0.8 * (2 * rng() - 1)),
  };
}

describe('RSN sampling on the network engine', () => {
  for (const hidden of [3, 7]) {
    gpuIt(`linear reservoir of ${hidden} units: x = W₁h has the Euler–Maruyama stationary law (discrete Lyapunov)`, async (ctx) => {
      // As in rsn.test.ts: φ = identity makes the chain a Gaussian AR(1) with a known law.
      const model = randomModel(hidden, hidden, 'relu');
      const d = model.dim;
      const dt = 0.1;
      const { A, mean, cov } = linearScoreStationaryLaw(model, dt);
      // 300 steps = 30 time units: the slowest mode must have decayed by e^-6 at least (checked,
      // with the eigenvalues of the 2 × 2 A); the engine's one-step noise lag does not change the law
      const slowest = -0.5 * (A[0]! + A[3]!) - Math.sqrt(Math.max(0, (0.5 * (A[0]! - A[3]!)) ** 2 + A[1]! * A[2]!));
      expect(300 * dt * slowest, 'decay of the slowest mode over the run').toBeGreaterThan(6);
      const chains = 2047;
      const x = await sampleReservoirNetwork(ctx, model, { chains, steps: 300, dt, seed: 23, activation: 'linear' });
      const m = moments(x, d);
      for (let a = 0; a < d; a++) {
        expect(Math.abs(m.mean[a]! - mean[a]!), `mean ${a}`).toBeLessThan(4.5 * Math.sqrt(cov[a * d + a]! / chains));
        for (let b = a; b < d; b++) {
          const se = Math.sqrt((cov[a * d + a]! * cov[b * d + b]! + cov[a * d + b]! ** 2) / chains);
          expect(Math.abs(m.cov[a * d + b]! - cov[a * d + b]!), `covariance (${a}, ${b}): ${m.cov[a * d + b]} vs ${cov[a * d + b]}`).toBeLessThan(4.5 * se);
        }
      }
    }, 180_000);
  }

  gpuIt('ReLU reservoir of 5 units: output means and variances match the fused sampler\'s', async (ctx) => {
    // same initial law and dynamics, so the laws agree at every step (up to the engine's lag of one
    // noise increment, negligible after 200 steps of dt = 0.1)
    const model = randomModel(5, 41, 'relu');
    const chains = 2047;
    const o = { chains, steps: 200, dt: 0.1, seed: 7 };
    const engine = moments(await sampleReservoirNetwork(ctx, model, o), 2);
    const fused = moments(await sampleReservoir(ctx, model, o), 2);
    for (let a = 0; a < 2; a++) {
      // Two independent samples: the s.e. of a difference of means is √((v₁ + v₂)/C), of variances
      // √((μ₄₁ − v₁² + μ₄₂ − v₂²)/C) (a ReLU reservoir's output is not Gaussian, so the fourth
      // moments are measured).
      const [ve, vf] = [engine.cov[a * 3]!, fused.cov[a * 3]!];
      expect(Math.abs(engine.mean[a]! - fused.mean[a]!), `mean ${a}`).toBeLessThan(4.5 * Math.sqrt((ve + vf) / chains));
      const se = Math.sqrt((engine.m4[a]! - ve * ve + fused.m4[a]! - vf * vf) / chains);
      expect(Math.abs(ve - vf), `variance ${a}: ${ve} vs ${vf}`).toBeLessThan(4.5 * se);
    }
  }, 180_000);

  gpuIt('the network has W_rec = W₂W₁ and the noise map Σ with W₁Σ = I', async () => {
    const model = randomModel(6, 3, 'tanh');
    const net = reservoirNetwork(model, { dt: 0.01 });
    const rec = net.projections[0]!.dense!;
    const sigma = net.projections[1]!.dense!;
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
      let s = 0;
      for (let a = 0; a < 2; a++) s += model.w2a[i * 3 + a]! * model.w1[a * 6 + j]!;
      expect(rec[i * 6 + j]).toBeCloseTo(s, 12);
    }
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) {
      let s = 0;
      for (let i = 0; i < 6; i++) s += model.w1[a * 6 + i]! * sigma[i * 2 + b]!;
      expect(s).toBeCloseTo(a === b ? 1 : 0, 10);
    }
  });
});
