/**
 * The exact oracles of the shaping circuit (SEEDS.md §2.5), run on the GPU with small data and
 * learning rates larger than the paper's (so a test converges in a couple of thousand iterations).
 */
import { describe, expect } from 'vitest';
import { createCircuit, learnCircuit, readCircuit, respondCircuit } from '../../src/models/shaping/circuit.js';
import {
  constraint, generalizedGaussianCdf, generalizedGaussianOptimalMap, generalizedGaussianUnitScale, inverseJacobian, normalQuantile,
  type CircuitState,
} from '../../src/models/shaping/reference.js';
import { gpuIt } from '../helpers/device.js';

/** The n mid-quantiles F⁻¹((i + ½)/n) of the unit-variance generalized Gaussian (β): a sample with no sampling noise. */
function ggQuantiles(n: number, beta: number): Float32Array {
  const alpha = generalizedGaussianUnitScale(beta);
  return Float32Array.from({ length: n }, (_, i) => {
    const p = (i + 0.5) / n;
    if (beta === 2) return normalQuantile(p); // α = √2 makes the β = 2 member N(0, 1)
    let lo = -60;
    let hi = 60;
    for (let it = 0; it < 80; it++) {
      const mid = (lo + hi) / 2;
      if (generalizedGaussianCdf(mid, alpha, beta) < p) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  });
}

const oneD = (g: number, theta: number): CircuitState => ({ n: 1, k: 1, g: Float64Array.of(g), theta: Float64Array.of(theta), w: Float64Array.of(1) });

const rms = (a: ArrayLike<number>, b: (i: number) => number): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b(i)) ** 2;
  return Math.sqrt(s / a.length);
};

describe('shaping circuit: exact oracles', () => {
  gpuIt('Gaussian input: the learned map is the identity (θ → 1, g → ½)', async (ctx, track) => {
    const s = ggQuantiles(2048, 2);
    const data = track(ctx.tensor([2048, 1], { data: s }));
    const circuit = track(createCircuit(ctx, oneD(0.21, 2.25)));
    await learnCircuit(ctx, circuit, data, { iterations: 2000, batch: 64, etaG: 0.02, etaTheta: 0.02, seed: 1 });
    const learned = await readCircuit(circuit);
    const r = await track(await respondCircuit(ctx, circuit, data)).read();
    const err = rms(r, (i) => s[i]!);
    // Measured on SwiftShader: g = 0.498, θ = 1.019, RMS |T(s) − s| = 0.005 (from 0.21 before).
    expect(err).toBeLessThan(0.02);
    expect(Math.abs(learned.g[0]! - 0.5)).toBeLessThan(0.02);
    expect(learned.theta[0]!).toBeLessThan(1.1);
  });

  gpuIt('generalized-Gaussian input (β = 1, Laplace): the learned map approaches Φ⁻¹∘F_s', async (ctx, track) => {
    const s = ggQuantiles(2048, 1);
    const data = track(ctx.tensor([2048, 1], { data: s }));
    const circuit = track(createCircuit(ctx, oneD(0.21, 2.25)));
    const alpha = generalizedGaussianUnitScale(1);
    const before = await track(await respondCircuit(ctx, circuit, data)).read();
    await learnCircuit(ctx, circuit, data, { iterations: 2000, batch: 64, etaG: 0.02, etaTheta: 0.01, seed: 2 });
    const r = await track(await respondCircuit(ctx, circuit, data)).read();
    const target = (i: number): number => generalizedGaussianOptimalMap(s[i]!, alpha, 1);
    const learned = await readCircuit(circuit);
    // The circuit's inverse maps g(a r + b r|r|^{θ−1}) only approximate F_s⁻¹∘Φ, whose growth for
    // the Laplacian is ~r²/2 (θ ≈ 2 at large r): measured RMS 0.027 (from 0.110 before learning).
    expect(rms(before, target)).toBeGreaterThan(0.1);
    expect(rms(r, target)).toBeLessThan(0.04);
    expect(learned.theta[0]!).toBeGreaterThan(1.3);
  });

  gpuIt('E[c(θ_i, z_i)] → 0 for every interneuron (n = 2, k = 3), and the inverse-map Jacobian is symmetric PSD', async (ctx, track) => {
    // Independent Laplace coordinates, rotated by 30°: heavy-tailed projections in every direction.
    const m = 1024;
    const lap = ggQuantiles(m, 1);
    const pairs = new Float32Array(2 * m * 2);
    const [c, sn] = [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)];
    for (let p = 0; p < 2 * m; p++) {
      const x = lap[p % m]!;
      const y = lap[(p * 7 + 3) % m]!;
      pairs[2 * p] = c * x - sn * y;
      pairs[2 * p + 1] = sn * x + c * y;
    }
    const P = 2 * m;
    const data = track(ctx.tensor([P, 2], { data: pairs }));
    const w = [1, -0.5, -0.5, 0, Math.sqrt(3) / 2, -Math.sqrt(3) / 2]; // three unit vectors 120° apart
    const init: CircuitState = { n: 2, k: 3, g: Float64Array.of(0.2, 0.22, 0.24), theta: Float64Array.of(2.3, 2.35, 2.4), w: Float64Array.from(w) };
    const meanC = async (state: CircuitState): Promise<number[]> => {
      const circuit = track(createCircuit(ctx, state));
      const r = await track(await respondCircuit(ctx, circuit, data)).read();
      return [0, 1, 2].map((i) => {
        let acc = 0;
        for (let p = 0; p < P; p++) acc += constraint(state.theta[i]!, state.w[i]! * r[2 * p]! + state.w[3 + i]! * r[2 * p + 1]!);
        return acc / P;
      });
    };
    const initialC = await meanC(init);
    const circuit = track(createCircuit(ctx, init));
    await learnCircuit(ctx, circuit, data, { iterations: 3000, batch: 64, etaG: 0.05, etaTheta: 0.005, etaW: 0.005, seed: 3 });
    // Batch noise keeps g fluctuating around the fixed point E[c] = 0 by O(√η_g): at η_g = 0.05
    // the float64 twin wanders by ±0.08 in E[c]. A second phase with W and θ frozen and η_g ten
    // times smaller lets the gains settle to about ±0.02.
    await learnCircuit(ctx, circuit, data, { iterations: 5000, batch: 64, etaG: 0.005, etaTheta: 0, etaW: 0, seed: 4 });
    const learned = await readCircuit(circuit);
    const finalC = await meanC(learned);
    // Measured: |E[c]| from 1.8, 2.4, 3.6 down to 0.008, 0.011, 0.030.
    for (let i = 0; i < 3; i++) expect(Math.abs(finalC[i]!)).toBeLessThan(0.05);
    expect(Math.max(...initialC.map(Math.abs))).toBeGreaterThan(0.3);

    // Jacobian of T by central differences on the GPU at a few points; its inverse must be the
    // closed form W diag(g f′) Wᵀ, symmetric positive definite.
    const points = [[0.3, -0.2], [1.5, 0.7], [-2.5, 1.0], [0.05, 3.0]];
    const h = 1e-2;
    const probes = new Float32Array(points.length * 4 * 2);
    points.forEach(([x, y], q) => {
      [[x! + h, y!], [x! - h, y!], [x!, y! + h], [x!, y! - h]].forEach(([a, b], j) => {
        probes[(q * 4 + j) * 2] = a!;
        probes[(q * 4 + j) * 2 + 1] = b!;
      });
    });
    const centre = await track(await respondCircuit(ctx, circuit, track(ctx.tensor([points.length, 2], { data: Float32Array.from(points.flat()) })))).read();
    const out = await track(await respondCircuit(ctx, circuit, track(ctx.tensor([points.length * 4, 2], { data: probes })), { newton: { tol: 1e-7, maxIter: 60 } })).read();
    points.forEach((_, q) => {
      const o = (j: number, comp: number): number => out[(q * 4 + j) * 2 + comp]!;
      const dT = [(o(0, 0) - o(1, 0)) / (2 * h), (o(2, 0) - o(3, 0)) / (2 * h), (o(0, 1) - o(1, 1)) / (2 * h), (o(2, 1) - o(3, 1)) / (2 * h)];
      const Jinv = inverseJacobian(learned, [centre[2 * q]!, centre[2 * q + 1]!]);
      // (∂T/∂s)·(∂T⁻¹/∂r) = I: O(h²) truncation plus f32 rounding of r over 2h (~1e-5).
      const prod = [dT[0]! * Jinv[0]! + dT[1]! * Jinv[2]!, dT[0]! * Jinv[1]! + dT[1]! * Jinv[3]!, dT[2]! * Jinv[0]! + dT[3]! * Jinv[2]!, dT[2]! * Jinv[1]! + dT[3]! * Jinv[3]!];
      expect(Math.abs(dT[1]! - dT[2]!)).toBeLessThan(2e-2 * (Math.abs(dT[0]!) + Math.abs(dT[3]!)));
      expect(dT[0]! * dT[3]! - dT[1]! * dT[2]!).toBeGreaterThan(0);
      expect(dT[0]!).toBeGreaterThan(0);
      [1, 0, 0, 1].forEach((v, i) => expect(Math.abs(prod[i]! - v)).toBeLessThan(2e-2));
    });
  });
});
