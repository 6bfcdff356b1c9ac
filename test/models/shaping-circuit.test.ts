import { describe, expect } from 'vitest';
import { batchIndices, createCircuit, GPU_NEWTON, learnCircuit, readCircuit, respondCircuit } from '../../src/models/shaping/circuit.js';
import { circuitStep, cloneState, steadyState, type CircuitState } from '../../src/models/shaping/reference.js';
import { gpuIt, testRng } from '../helpers/device.js';

/** A random valid state: gains in [0.2, 0.6], shapes in [1.2, 2.8], unit columns. */
function randomState(n: number, k: number, seed: number): CircuitState {
  const rng = testRng(seed);
  const w = Float64Array.from({ length: n * k }, () => rng() - 0.5);
  for (let i = 0; i < k; i++) {
    let norm = 0;
    for (let j = 0; j < n; j++) norm += w[j * k + i]! ** 2;
    for (let j = 0; j < n; j++) w[j * k + i] = w[j * k + i]! / Math.sqrt(norm);
  }
  return {
    n, k,
    g: Float64Array.from({ length: k }, () => 0.2 + 0.4 * rng()),
    theta: Float64Array.from({ length: k }, () => 1.2 + 1.6 * rng()),
    w,
  };
}

/** Heavy-tailed test samples (Laplace, f32-rounded so both sides see the same numbers). */
function laplaceSamples(count: number, seed: number): Float32Array {
  const rng = testRng(seed);
  return Float32Array.from({ length: count }, () => {
    const u = rng() - 0.5;
    return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u)) / Math.SQRT2;
  });
}

describe('shaping circuit: GPU kernels against the float64 twin', () => {
  for (const [n, k] of [[1, 1], [2, 3], [3, 4]] as const) {
    gpuIt(`steady states, n = ${n}, k = ${k}, 257 samples`, async (ctx, track) => {
      const state = randomState(n, k, 10 * n + k);
      const s = laplaceSamples(257 * n, n + k);
      const circuit = track(createCircuit(ctx, state));
      const r = await track(await respondCircuit(ctx, circuit, track(ctx.tensor([257, n], { data: s })))).read();
      for (let p = 0; p < 257; p++) {
        const ref = steadyState(state, s.subarray(p * n, p * n + n));
        for (let j = 0; j < n; j++) {
          // Newton stops at max|F| ≤ 1e-5(1 + |s|); |δr| ≤ |J⁻¹| |F| with J ≥ min g·a ≈ 0.2 here, so
          // 1e-4(1 + |s|) covers the stopping error and f32 rounding (measured: 0.8–1.8e-5).
          const scale = 1 + Math.max(...Array.from(s.subarray(p * n, p * n + n), Math.abs));
          expect(Math.abs(r[p * n + j]! - ref[j]!), `sample ${p}, r[${j}]`).toBeLessThanOrEqual(10 * GPU_NEWTON.tol * scale);
        }
      }
    });
  }

  for (const iterations of [1, 25]) {
    gpuIt(`learning, step for step: n = 2, k = 3, batch 10, ${iterations} iteration(s)`, async (ctx, track) => {
      const state = randomState(2, 3, 99);
      const samples = 301;
      const data = laplaceSamples(samples * 2, 5);
      const rates = { etaG: 1e-2, etaTheta: 1e-2, etaW: 1e-2 };
      const circuit = track(createCircuit(ctx, state));
      const curve = await learnCircuit(ctx, circuit, track(ctx.tensor([samples, 2], { data })), { iterations, batch: 10, ...rates, seed: 3, recordEvery: 1, chunk: 7 });
      const gpu = await readCircuit(circuit);
      const cpu = cloneState(state);
      const indices = batchIndices(samples, iterations, 10, 3);
      const meanC: Float64Array[] = [];
      for (let it = 0; it < iterations; it++) meanC.push(circuitStep(cpu, data, indices.subarray(it * 10, it * 10 + 10), rates).meanC);
      // The state is stored in f32 (u = 6e-8), and each step adds η·(f32 batch mean), whose error is
      // the Newton stopping error (≤ 1e-5 relative) times η = 1e-2: ~1e-7 per step, adding up over
      // the steps. Measured on SwiftShader: 1e-7 after 1 step, 6e-7 after 25; a wrong index, sign or
      // factor changes the state by more than η·⟨c⟩ ~ 1e-2.
      const tol = 4e-7 * (iterations + 1);
      gpu.g.forEach((v, i) => expect(Math.abs(v - cpu.g[i]!), `g[${i}]`).toBeLessThanOrEqual(tol * Math.abs(cpu.g[i]!)));
      gpu.theta.forEach((v, i) => expect(Math.abs(v - cpu.theta[i]!), `theta[${i}]`).toBeLessThanOrEqual(tol * 3));
      gpu.w.forEach((v, i) => expect(Math.abs(v - cpu.w[i]!), `W[${i}]`).toBeLessThanOrEqual(tol));
      expect(curve.iterations).toHaveLength(iterations + 1);
      curve.meanC.slice(1).forEach((row, it) => row.forEach((v, i) => expect(Math.abs(v - meanC[it]![i]!), `⟨c⟩ at ${it}`).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(meanC[it]![i]!)))));
    });
  }
});
