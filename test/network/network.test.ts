/**
 * The network engine against exact results and its float64 twin: spike delivery step for step
 * (with delays), dense and sparse paths, chunking invariance, hand-computed spike times, a linear
 * rate network's stationary mean and Euler–Maruyama covariance, and the ei-motifs paradoxical
 * response reached by simulating the rate network to steady state; live progress and cancel.
 */
import { describe, expect } from 'vitest';
import { defineNetwork, simulateNetwork, type NetworkDefinition, type SimulateNetworkResult } from '../../src/network/index.js';
import { simulateNetworkReference } from '../../src/reference/network.js';
import { fixedProbabilityCSR } from '../../src/network/connectivity.js';
import { motifConnectivityReference } from '../../src/models/ei-motifs/reference.js';
import { paradoxNetwork } from '../../src/models/ei-motifs/experiment.js';
import { InputError } from '../../src/gpu/errors.js';
import { gpuIt, testRng } from '../helpers/device.js';

/** A leaky integrate-and-fire neuron with an exponential synaptic current; drive `I` per neuron. */
const lif = {
  state: { v: { init: 'rand() * 0.9' }, ge: 0 },
  params: { I: 1.2, tau: 10, taue: 5 },
  drift: { v: '(I - v + ge) / tau', ge: '-ge / taue' },
  event: { variable: 'v', threshold: 1, reset: 0, refractory: 0.3 },
};

function spikingNetwork(weights: 'sparse' | 'dense'): NetworkDefinition {
  const EI = fixedProbabilityCSR(5, 7, 0.5, 0.3, 3, false);
  const IE = fixedProbabilityCSR(7, 5, 0.6, -0.45, 4, false);
  const EE = fixedProbabilityCSR(7, 7, 0.3, 0.2, 5, true);
  const asWeights = (csr: typeof EI, cols: number) => {
    if (weights === 'sparse') return { kind: 'csr' as const, indptr: [...csr.indptr], indices: [...csr.indices], data: [...csr.data] };
    const rows = csr.indptr.length - 1;
    const dense = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let e = csr.indptr[i]!; e < csr.indptr[i + 1]!; e++) dense[i * cols + csr.indices[e]!] = csr.data[e]!;
    return dense;
  };
  return {
    name: 'ei-lif',
    populations: {
      E: { size: 7, model: lif },
      I: { size: 5, model: lif, params: { I: [1.05, 1.1, 1.15, 1.25, 1.3] } },
    },
    projections: [
      { from: 'E', to: 'I', on: 'spike', target: 'ge', weights: asWeights(EI, 7), delay: 2 },
      { from: 'I', to: 'E', on: 'spike', target: 'ge', weights: asWeights(IE, 5) },
      { from: 'E', to: 'E', on: 'spike', target: 'v', weights: asWeights(EE, 7), delay: 1 },
    ],
  };
}

function spikeTriples(res: SimulateNetworkResult, pop: string): number[] {
  const s = res.populations[pop]!.spikes;
  return Array.from({ length: s.trial.length }, (_, k) => [s.trial[k]!, s.neuron[k]!, s.step[k]!]).flat();
}

describe('network: spiking', () => {
  const options = { trials: 3, steps: 300, dt: 0.1, seed: 11 };

  gpuIt('spike delivery equals the float64 reference step for step (delays 0, 1, 2)', async (ctx) => {
    const net = defineNetwork(spikingNetwork('sparse'));
    const gpu = await simulateNetwork(ctx, net, options);
    const ref = simulateNetworkReference(net, options);
    // Exact equality of spike lists is justified when no threshold decision of the float64 run
    // lies within float32 rounding (~1e-6 here) of flipping.
    expect(ref.thresholdMargin).toBeGreaterThan(1e-5);
    for (const [q, pop] of ['E', 'I'].entries()) {
      expect(spikeTriples(gpu, pop)).toEqual([...ref.spikes[q]!]);
      expect(gpu.populations[pop]!.spikes.overflow).toBe(false);
      const N = net.populations[q]!.size;
      const fin = gpu.populations[pop]!.final!;
      for (let r = 0; r < options.trials; r++) {
        for (let i = 0; i < N; i++) {
          for (let v = 0; v < 2; v++) expect(Math.abs(fin[(r * N + i) * 2 + v]! - ref.final[q]![(r * 2 + v) * N + i]!)).toBeLessThan(2e-5);
        }
      }
    }
    expect(gpu.populations.E!.spikes.total).toBeGreaterThan(10);
    expect(gpu.populations.I!.spikes.total).toBeGreaterThan(10);
    expect(gpu.nonFinite).toBe(0);
  });

  gpuIt('dense and sparse spike paths give identical results', async (ctx) => {
    const sparse = await simulateNetwork(ctx, defineNetwork(spikingNetwork('sparse')), options);
    const dense = await simulateNetwork(ctx, defineNetwork(spikingNetwork('dense')), options);
    for (const pop of ['E', 'I']) {
      expect(spikeTriples(dense, pop)).toEqual(spikeTriples(sparse, pop));
      expect([...dense.populations[pop]!.final!]).toEqual([...sparse.populations[pop]!.final!]);
    }
  });

  gpuIt('results do not depend on trial chunks or steps per submission', async (ctx) => {
    const net = defineNetwork(spikingNetwork('sparse'));
    const whole = await simulateNetwork(ctx, net, { ...options, record: { rateBinSteps: 50 } });
    const split = await simulateNetwork(ctx, net, { ...options, maxTrialsPerChunk: 2, stepsPerSubmit: 7, record: { rateBinSteps: 50 } });
    expect(split.chunks).toBe(2);
    for (const pop of ['E', 'I']) {
      expect(spikeTriples(split, pop)).toEqual(spikeTriples(whole, pop));
      expect([...split.populations[pop]!.final!]).toEqual([...whole.populations[pop]!.final!]);
      expect([...split.populations[pop]!.rates.counts]).toEqual([...whole.populations[pop]!.rates.counts]);
    }
  });

  gpuIt('progress peeks add up to the run\'s spikes and rates; an aborted run keeps what it reached, labelled partial', async (ctx) => {
    const net = defineNetwork(spikingNetwork('sparse'));
    const opts = { ...options, maxTrialsPerChunk: 2, stepsPerSubmit: 40, record: { rateBinSteps: 50 } };
    const whole = await simulateNetwork(ctx, net, opts);
    expect(whole.partial).toBe(false);
    expect([...whole.stepsCompleted]).toEqual([300, 300, 300]);
    // Live peeks: every record once, in submission order; the last peek of a chunk has its rates.
    const peeked: Record<string, number[][]> = { E: [], I: [] };
    const lastRates: Record<string, number[]> = { E: [], I: [] };
    const fractions: number[] = [];
    await simulateNetwork(ctx, net, {
      ...opts, progressSpikes: true,
      onProgress: (p) => {
        fractions.push(p.fraction);
        for (const pop of ['E', 'I']) {
          const { spikes, rates } = p.populations![pop]!;
          for (let k = 0; k < spikes.length; k += 3) {
            expect(spikes[k + 2]!).toBeLessThan(p.step); // only steps already run
            peeked[pop]!.push([spikes[k]!, spikes[k + 1]!, spikes[k + 2]!]);
          }
          if (p.step === 300) lastRates[pop]!.push(...rates);
        }
      },
    });
    expect(fractions.length).toBe(2 * Math.ceil(300 / 40));
    expect(fractions.at(-1)).toBe(1);
    for (let k = 1; k < fractions.length; k++) expect(fractions[k]!).toBeGreaterThan(fractions[k - 1]!);
    for (const pop of ['E', 'I']) {
      const sorted = peeked[pop]!.sort((a, b) => a[0]! - b[0]! || a[2]! - b[2]! || a[1]! - b[1]!).flat();
      expect(sorted).toEqual(spikeTriples(whole, pop));
      expect(lastRates[pop]).toEqual([...whole.populations[pop]!.rates.counts]);
    }
    // Abort after the second submission of chunk 0: trials 0-1 reached step 80, trial 2 never ran.
    const controller = new AbortController();
    let calls = 0;
    const part = await simulateNetwork(ctx, net, { ...opts, signal: controller.signal, onProgress: () => { if (++calls === 2) controller.abort(); } });
    expect(part.partial).toBe(true);
    expect([...part.stepsCompleted]).toEqual([80, 80, 0]);
    for (const pop of ['E', 'I']) {
      const full = spikeTriples(whole, pop);
      const kept: number[] = [];
      for (let k = 0; k < full.length; k += 3) if (full[k]! < 2 && full[k + 2]! < 80) kept.push(full[k]!, full[k + 1]!, full[k + 2]!);
      expect(kept.length).toBeGreaterThan(0);
      expect(spikeTriples(part, pop)).toEqual(kept);
      expect(part.populations[pop]!.spikeCounts[2]).toBe(0);
    }
  });

  gpuIt('two neurons: spike times computed by hand, spike capacity and overflow, monitors', async (ctx) => {
    // A integrates dv/dt = 1 with dt = 1/8 (exact in binary): v = (s + 1)/8 after step s, so A
    // spikes at steps 7, 15, 23, … Each spike adds 1/4 to B after 1 + 3 steps (delay 3): B gets
    // +1/4 at steps 11, 19, 27, 35 and crosses 1 at step 35, then again at 67.
    const net = defineNetwork({
      populations: {
        A: { size: 1, model: { state: ['v'], params: { drive: 1 }, drift: { v: 'drive' }, event: { variable: 'v', threshold: 1, reset: 0 } } },
        B: { size: 1, model: { state: ['v'], drift: { v: '0' }, event: { variable: 'v', threshold: 1, reset: 0 } } },
      },
      projections: [{ from: 'A', to: 'B', on: 'spike', target: 'v', weights: [[0.25]], delay: 3 }],
    });
    const res = await simulateNetwork(ctx, net, {
      trials: 1, steps: 80, dt: 0.125, record: { spikeCapacity: 12, monitors: [{ population: 'B', neurons: [0], every: 4 }] },
    });
    expect([...res.populations.A!.spikes.step]).toEqual([7, 15, 23, 31, 39, 47, 55, 63, 71, 79]);
    expect([...res.populations.B!.spikes.step]).toEqual([35, 67]);
    expect(res.populations.A!.spikes.overflow).toBe(false);
    // B's v after step 4k+3 (monitor record k): a quarter per arrival so far, reset at 35 and 67
    const mon = res.populations.B!.monitor!;
    expect([...mon.data.subarray(0, 10)]).toEqual([0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 0, 0]); // after steps 3, 7, …, 39
    expect(mon.times[0]).toBeCloseTo(0.5, 12);
    const few = await simulateNetwork(ctx, net, { trials: 1, steps: 80, dt: 0.125, record: { spikeCapacity: 4 } });
    expect(few.populations.A!.spikes.overflow).toBe(true);
    expect(few.populations.A!.spikes.total).toBe(10);
    expect([...few.populations.A!.spikes.step]).toEqual([7, 15, 23, 31]);
    expect(few.populations.A!.spikeCounts[0]).toBe(10);
  });
});

/** Float64 n×n helpers for the exact oracles. */
function matmul(A: Float64Array, B: Float64Array, n: number, transB = false): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += A[i * n + k]! * (transB ? B[j * n + k]! : B[k * n + j]!);
    C[i * n + j] = s;
  }
  return C;
}

/** Solve M x = b by Gaussian elimination with partial pivoting (float64). */
function solve(M: Float64Array, b: Float64Array, n: number): Float64Array {
  const A = Float64Array.from(M);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]!) > Math.abs(A[p * n + c]!)) p = r;
    for (let k = 0; k < n; k++) [A[c * n + k], A[p * n + k]] = [A[p * n + k]!, A[c * n + k]!];
    [x[c], x[p]] = [x[p]!, x[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c]! / A[c * n + c]!;
      for (let k = c; k < n; k++) A[r * n + k] = A[r * n + k]! - f * A[c * n + k]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= A[r * n + k]! * x[k]!;
    x[r] = s / A[r * n + r]!;
  }
  return x;
}

describe('network: rate networks', () => {
  gpuIt('linear rate network: stationary mean (I − W)⁻¹h and the exact Euler–Maruyama covariance', async (ctx) => {
    const n = 5;
    const rng = testRng(7);
    const W = Float64Array.from({ length: n * n }, () => (rng() - 0.5) * 0.6);
    const h = Float64Array.from({ length: n }, () => rng() * 2 - 0.5);
    const sigma = 0.5;
    const dt = 0.05;
    const trials = 3001;
    const net = defineNetwork({
      populations: { R: { size: n, model: { state: ['x'], params: { h: 0, sigma }, drift: { x: '-x + input + h' }, diffusion: { x: 'sigma' } }, params: { h } } },
      projections: [{ from: 'R', to: 'R', on: 'step', source: 'x', target: 'input', weights: W }],
    });
    const res = await simulateNetwork(ctx, net, { trials, steps: 500, dt, seed: 3 });
    const x = res.populations.R!.final!; // [trial][neuron][1]
    // exact: mean m = (I − W)⁻¹h; EM recursion x' = A x + b + σ√dt ξ with A = I + dt(W − I), so the
    // stationary covariance solves C = A C Aᵀ + σ² dt I (Smith's doubling, float64).
    const IW = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) IW[i * n + j] = (i === j ? 1 : 0) - W[i * n + j]!;
    const mean = solve(IW, h, n);
    let A: Float64Array = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = (i === j ? 1 : 0) + dt * (W[i * n + j]! - (i === j ? 1 : 0));
    let C: Float64Array = new Float64Array(n * n);
    for (let i = 0; i < n; i++) C[i * n + i] = sigma * sigma * dt;
    for (let k = 0; k < 40; k++) {
      const ACA = matmul(matmul(A, C, n), A, n, true);
      C = C.map((c, q) => c + ACA[q]!);
      A = matmul(A, A, n);
    }
    const m = new Float64Array(n);
    for (let r = 0; r < trials; r++) for (let i = 0; i < n; i++) m[i] = m[i]! + x[r * n + i]! / trials;
    const S = new Float64Array(n * n);
    for (let r = 0; r < trials; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = S[i * n + j]! + ((x[r * n + i]! - m[i]!) * (x[r * n + j]! - m[j]!)) / (trials - 1);
    for (let i = 0; i < n; i++) {
      // 4 standard errors: a fixed seed makes this deterministic; the margin makes it meaningful
      expect(Math.abs(m[i]! - mean[i]!)).toBeLessThan(4 * Math.sqrt(C[i * n + i]! / trials));
      for (let j = 0; j < n; j++) {
        const se = Math.sqrt((C[i * n + i]! * C[j * n + j]! + C[i * n + j]! ** 2) / trials);
        expect(Math.abs(S[i * n + j]! - C[i * n + j]!)).toBeLessThan(4 * se);
      }
    }
    // the GPU-reduced population statistics agree with the same numbers computed here
    let all = 0;
    for (const v of x) all += v;
    expect(res.populations.R!.stats!.mean.x).toBeCloseTo(all / x.length, 4);
    expect(res.populations.R!.stats!.count).toBe(trials * n);
  });

  gpuIt('continuous coupling: tiled dense, CSR and per-trial weights agree with the float64 reference', async (ctx) => {
    const n = 17;
    const trials = 19;
    const rng = testRng(9);
    const W = Float64Array.from({ length: n * n }, () => (rng() < 0.4 ? (rng() - 0.5) * 0.8 : 0));
    const indptr = [0];
    const indices: number[] = [];
    const data: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) if (W[i * n + j] !== 0) { indices.push(j); data.push(W[i * n + j]!); }
      indptr.push(indices.length);
    }
    const model = { state: { x: { init: 'randn()' } }, params: { g: 0 }, drift: { x: '-x + input + g' }, diffusion: { x: '0.3' } };
    const gains = Array.from({ length: trials }, (_, r) => 0.1 * r);
    const make = (weights: NetworkDefinition['projections'] extends (infer P)[] | undefined ? P extends { weights: infer Q } ? Q : never : never) => defineNetwork({
      populations: { R: { size: n, model, sweep: { g: gains } } },
      projections: [{ from: 'R', to: 'R', on: 'step', source: 'tanh(x) + 0.1 * abs(x)^1.5', target: 'input', weights }],
    });
    const options = { trials, steps: 40, dt: 0.05, seed: 5 };
    const dense = make(W);
    const ref = simulateNetworkReference(dense, options).final[0]!;
    const perTrialW = new Float64Array(trials * n * n);
    for (let r = 0; r < trials; r++) perTrialW.set(W, r * n * n);
    const runs = [
      [dense, 'tiled'], [dense, 'gather'], [make({ kind: 'csr', indptr, indices, data }), 'auto'],
      [make({ kind: 'dense', data: perTrialW, perTrial: true }), 'auto'],
    ] as const;
    for (const [net, coupling] of runs) {
      const gpu = (await simulateNetwork(ctx, net, { ...options, coupling })).populations.R!.final!;
      let worst = 0;
      for (let q = 0; q < trials * n; q++) worst = Math.max(worst, Math.abs(gpu[q]! - ref[q]!));
      // float32 vs float64 over 60 steps of O(1) values, plus WGSL's tanh (a few 1e-6 on SwiftShader)
      expect(worst).toBeLessThan(2e-4);
    }
  });

  gpuIt('ei-motifs: the paradoxical response from simulating the rate network to steady state', async (ctx) => {
    const NE = 80;
    const NI = 20;
    const N = NE + NI;
    const delta = 0.1;
    for (const [loading, paradoxical] of [[0.15, true], [0.05, false]] as const) {
      const { J } = motifConnectivityReference(paradoxNetwork(NE, NI, 0.4, -0.5, 0.3, loading), 1, 0);
      // exact: R_II = (1/N_I) Σ_{i,j ∈ I} [(I − J)⁻¹]_ij, from solving (I − J) y = e_I
      const IJ = J.map((v, q) => (Math.floor(q / N) === q % N ? 1 : 0) - v);
      const eI = Float64Array.from({ length: N }, (_, i) => (i >= NE ? 1 : 0));
      const y = solve(IJ, eI, N);
      let exact = 0;
      for (let i = NE; i < N; i++) exact += y[i]! / NI;
      expect(exact < 0).toBe(paradoxical);
      const net = defineNetwork({
        populations: {
          P: {
            size: N,
            model: { state: ['x'], params: { h: 1, isI: 0, extra: 0 }, drift: { x: '-x + input + h + isI * extra' } },
            params: { isI: eI },
            sweep: { extra: [0, delta] },
          },
        },
        projections: [{ from: 'P', to: 'P', on: 'step', source: 'x', target: 'input', weights: J }],
      });
      const res = await simulateNetwork(ctx, net, { trials: 2, steps: 1500, dt: 0.2, record: { stats: false } });
      const x = res.populations.P!.final!;
      let measured = 0;
      for (let i = NE; i < N; i++) measured += (x[N + i]! - x[i]!) / delta / NI;
      expect(Math.abs(measured - exact)).toBeLessThan(2e-3 * Math.max(1, Math.abs(exact)));
    }
  });
});

describe('network: definitions', () => {
  gpuIt('bad input is refused before any GPU work, naming the field, the value and the expectation', async (ctx) => {
    const base = spikingNetwork('sparse');
    expect(() => defineNetwork({ ...base, populations: { ...base.populations, E: { ...base.populations.E!, size: -3 } } }))
      .toThrow(/populations\.E\.size: got -3, expected ≥ 1/);
    expect(() => defineNetwork({ ...base, projections: [{ ...base.projections![0]!, on: 'sometimes' as 'spike' }] }))
      .toThrow(/projections\[0\]\.on: got "sometimes", expected one of "step", "spike"/);
    expect(() => defineNetwork({ ...base, projections: [{ ...base.projections![0]!, target: 'gi' }] }))
      .toThrow(/projections\[0\]\.target: got "gi", expected a state variable of 'I'/);
    expect(() => defineNetwork({ ...base, projections: [{ ...base.projections![0]!, weights: { kind: 'fixed-probability', p: 1.5, weight: 1, seed: 1 } }] }))
      .toThrow(/projections\[0\]\.weights\.p: got 1\.5, expected ≤ 1/);
    expect(() => defineNetwork({ ...base, populations: { ...base.populations, I: { ...base.populations.I!, params: { I: [1, 2] } } } }))
      .toThrow(InputError);
    const net = defineNetwork(base);
    const submits = ctx.submitCount;
    await expect(simulateNetwork(ctx, net, { trials: 0, steps: 10, dt: 0.1 })).rejects.toThrow(/trials: got 0, expected a whole number/);
    await expect(simulateNetwork(ctx, net, { trials: 2, steps: 10, dt: 0.1, record: { monitors: [{ population: 'E', neurons: [9], every: 1 }] } }))
      .rejects.toThrow(/record\.monitors\[0\]\.neurons\[0\]: got 9, expected a whole number in \[0, 6\]/);
    expect(ctx.submitCount).toBe(submits);
  });
});
