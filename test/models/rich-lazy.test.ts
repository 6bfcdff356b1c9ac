/**
 * rich-lazy: the initial connectivities (equal Frobenius norm, rank by construction, alignment of
 * the aligned init with the input and readout weights), the task generator's determinism, the
 * kernel measures on known cases, and a tiny end-to-end run on the GPU (training lowers the
 * held-out loss; the measures are finite and in range; the same seed gives the same numbers).
 */
import { describe, expect, it } from 'vitest';
import {
  decisionBatch, effectiveRank, gram, initialNetwork, INIT_KINDS, kernelAlignment, relativeChange, richLazyExperiment,
} from '../../src/models/rich-lazy/index.js';
import { gpuIt, runtime } from '../helpers/device.js';

describe(`rich-lazy (${runtime})`, () => {
  it('initial W of every kind has Frobenius norm gain·√N; low-rank kinds have that rank', () => {
    const [units, rank, gain] = [13, 2, 0.9];
    for (const kind of INIT_KINDS) {
      const net = initialNetwork(kind, units, rank, gain, 4);
      const norm = Math.sqrt(net.W.reduce((a, w) => a + w * w, 0));
      expect(norm).toBeCloseTo(gain * Math.sqrt(units), 4);
      const eff = effectiveRank(net.W, units);
      if (kind === 'full-rank-random') expect(eff).toBeGreaterThan(3);
      else expect(eff).toBeLessThanOrEqual(rank + 1e-9);
    }
    // rank 1 aligned: W ∝ readout · Uᵀ exactly
    const aligned = initialNetwork('low-rank-aligned', units, 1, gain, 4);
    const c = aligned.W[0]! / (aligned.readout[0]! * aligned.U[0]!);
    for (let i = 0; i < units; i++) {
      for (let j = 0; j < units; j++) expect(aligned.W[i * units + j]!).toBeCloseTo(c * aligned.readout[i]! * aligned.U[j]!, 5);
    }
    expect(() => initialNetwork('low-rank-random', units, units + 1, gain, 4)).toThrow(/--rank/);
  });

  it('the decision task is deterministic per (seed, stream) and its evidence has the target\'s sign on average', () => {
    const a = decisionBatch(50, 40, 0.5, 3, 7);
    const b = decisionBatch(50, 40, 0.5, 3, 7);
    const c = decisionBatch(50, 40, 0.5, 3, 8);
    expect(b.inputs).toEqual(a.inputs);
    expect(c.targets).not.toEqual(a.targets);
    let agree = 0;
    for (let trial = 0; trial < 50; trial++) {
      const mean = a.inputs.reduce((acc, u) => acc + u[trial]!, 0) / 40;
      if (Math.sign(mean) === a.targets[trial]) agree++;
    }
    // coherence ≥ 0.1 against a noise mean of std 0.5/√40 ≈ 0.08: most trials agree
    expect(agree).toBeGreaterThan(40);
  });

  it('kernel alignment is 1 for proportional kernels and below 1 otherwise; gram and relative change', () => {
    const v = Float64Array.from([1, 2, 0, -1, 3, 1]);
    const K = gram(v, 2, 3);
    expect(Array.from(K)).toEqual([5, 5, 5, 11]);
    expect(kernelAlignment(K, K.map((x) => 3 * x))).toBeCloseTo(1, 12);
    expect(kernelAlignment(K, [1, 0, 0, 1])).toBeLessThan(1);
    expect(relativeChange([2, 0], [1, 0])).toBeCloseTo(1, 12);
  });

  gpuIt('a tiny run trains every init, with finite measures, reproducibly', async (ctx) => {
    const params = { units: 6, rank: 2, gain: 0.9, time: 5, dt: 0.2, noise: 0.5, batch: 16, trainSteps: 12, lr: 0.2, evalTrials: 4, seeds: 1, seed: 3 };
    const run = () => richLazyExperiment.run(ctx, params, () => undefined);
    const result = await run();
    const json = richLazyExperiment.toJSON(result) as { runs: { init: string; rank: number; relWeightChange: number; kernelAlignmentChange: number; finalLoss: number; initialLoss: number }[] };
    expect(json.runs.map((r) => r.init)).toEqual([...INIT_KINDS]);
    for (const r of json.runs) {
      expect(r.finalLoss).toBeLessThan(r.initialLoss);
      expect(r.relWeightChange).toBeGreaterThan(0);
      expect(r.kernelAlignmentChange).toBeGreaterThanOrEqual(-1e-6);
      expect(r.kernelAlignmentChange).toBeLessThanOrEqual(1);
    }
    expect(json.runs[0]!.rank).toBe(6);
    const again = richLazyExperiment.toJSON(await run()) as typeof json;
    expect(again.runs.map((r) => r.finalLoss)).toEqual(json.runs.map((r) => r.finalLoss));
    expect(richLazyExperiment.summary(result)).toMatch(/abstract:/);
  }, 120_000);
});
