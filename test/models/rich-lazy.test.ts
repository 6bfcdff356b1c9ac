/**
 * rich-lazy: the initial connectivities (equal Frobenius norm, exact rank, best rank-r approximation
 * of the shared Gaussian matrix, the aligned init's task directions), the task generator, the
 * float64 Jacobian against finite differences, the summary statistics against hand-computed values,
 * the paired comparisons' verdicts, and a tiny end-to-end run on the GPU (its initial loss equals the
 * CPU twin's, training lowers the loss, the same seed gives the same numbers, bad flags are named).
 */
import { describe, expect, it } from 'vitest';
import { jacobiEigReference } from '../../src/reference/eig.js';
import {
  compareRuns, decisionBatch, frobenius, gram, groupRuns, initialNetwork, kernelAlignment, lossReference, meanSE, outputJacobian,
  pairedComparison, relativeChange, richLazyExperiment, seedDraw, signTestP, TASK_INPUTS, TASK_OUTPUTS, type Network, type RichLazyRun, type TaskBatch,
} from '../../src/models/rich-lazy/index.js';
import { gpuIt, runtime } from '../helpers/device.js';

/** Singular values of a row-major n × n matrix, descending (square roots of WᵀW's eigenvalues). */
function singularValues(W: ArrayLike<number>, n: number): number[] {
  const WtW = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) WtW[i * n + j] = WtW[i * n + j]! + W[k * n + i]! * W[k * n + j]!;
  return Array.from(jacobiEigReference(WtW, n).values, (l) => Math.sqrt(Math.max(l, 0)));
}

/** Logits of every (trial, step, class), in the Jacobian's row order, by a plain float64 forward pass. */
function logits(net: Network, task: TaskBatch, alpha: number): number[] {
  const n = net.units;
  const out: number[] = [];
  for (let b = 0; b < task.trials; b++) {
    let x = new Float64Array(n);
    for (const u of task.inputs) {
      const next = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += net.W[i * n + j]! * Math.max(x[j]!, 0);
        for (let q = 0; q < TASK_INPUTS; q++) s += net.U[i * TASK_INPUTS + q]! * u[b * TASK_INPUTS + q]!;
        next[i] = x[i]! + alpha * (s - x[i]!);
      }
      x = next;
      for (let k = 0; k < TASK_OUTPUTS; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += net.readout[k * n + i]! * Math.max(x[i]!, 0);
        out.push(s);
      }
    }
  }
  return out;
}

function run(init: RichLazyRun['init'], rank: number, seed: number, kernel: number, weight: number): RichLazyRun {
  return {
    init, rank, seed, effectiveRank: rank, relWeightChange: weight, kernelAlignmentChange: kernel,
    initialLoss: 1, finalLoss: 0.5, initialAccuracy: 0.5, accuracy: 0.8,
  };
}

describe(`rich-lazy (${runtime})`, () => {
  it('every W₀ has the Gaussian matrix\'s Frobenius norm and exactly its rank; random ones are G\'s best rank-r approximations', () => {
    const [units, gain] = [13, 1.25];
    const draw = seedDraw(units, gain, 4);
    const normG = frobenius(draw.G);
    const sigmaG = singularValues(draw.G, units);
    // the SVD from the Jacobi eigen-decomposition of GᵀG matches a second, independent decomposition
    for (let i = 0; i < units; i++) expect(draw.singular[i]!).toBeCloseTo(sigmaG[i]!, 10);
    for (const kind of ['random', 'aligned'] as const) {
      for (const rank of [1, 3, units]) {
        const W = initialNetwork(draw, kind, rank).W;
        // float32 storage: relative rounding 2⁻²⁴ per entry
        expect(Math.abs(frobenius(W) / normG - 1)).toBeLessThan(1e-6);
        const sigma = singularValues(W, units);
        // rank r: r singular values of order one, the rest at float32 rounding (~1e-7 relative)
        expect(sigma.filter((s) => s > 1e-4 * sigma[0]!).length).toBe(rank);
        if (kind === 'random') {
          // the truncation keeps G's top r singular values, all scaled by the same ‖G‖/‖G_r‖
          const scale = sigma[0]! / sigmaG[0]!;
          for (let i = 0; i < rank; i++) expect(sigma[i]! / sigmaG[i]!).toBeCloseTo(scale, 5);
        }
      }
    }
    // full rank random is G itself
    const full = initialNetwork(draw, 'random', units).W;
    expect(relativeChange(full, draw.G)).toBeLessThan(1e-6);
    // aligned rank 1 is ∝ (readout row 1 − row 2)(U column 1 − column 2)ᵀ
    const aligned = initialNetwork(draw, 'aligned', 1);
    const m = Array.from({ length: units }, (_, i) => draw.readout[units + i]! - draw.readout[2 * units + i]!);
    const v = Array.from({ length: units }, (_, j) => draw.U[j * TASK_INPUTS + 1]! - draw.U[j * TASK_INPUTS + 2]!);
    const c = aligned.W[0]! / (m[0]! * v[0]!);
    expect(c).toBeGreaterThan(0);
    for (let i = 0; i < units; i++) for (let j = 0; j < units; j++) expect(aligned.W[i * units + j]!).toBeCloseTo(c * m[i]! * v[j]!, 5);
    expect(() => initialNetwork(draw, 'random', units + 1)).toThrow(/rank must be a whole number in \[1, units = 13\], got 14/);
    expect(() => initialNetwork(draw, 'random', 0)).toThrow(/got 0/);
    expect(() => initialNetwork(draw, 'sparse' as never, 1)).toThrow(/unknown init 'sparse'/);
  });

  it('the decision task: deterministic per (seed, stream), fixation then one decision step, one-hot targets, evidence for the choice', () => {
    const timing = { stimulusSteps: 7, noise: 0.1 };
    const a = decisionBatch(200, timing, 3, 7);
    expect(decisionBatch(200, timing, 3, 7)).toEqual(a);
    expect(decisionBatch(200, timing, 3, 8).choice).not.toEqual(a.choice);
    expect(a.inputs.length).toBe(8);
    let agree = 0;
    for (let b = 0; b < 200; b++) {
      for (let t = 0; t < 8; t++) {
        const y = Array.from(a.targets[t]!.subarray(b * TASK_OUTPUTS, (b + 1) * TASK_OUTPUTS));
        expect(y.reduce((s, v) => s + v, 0)).toBe(1);
        expect(y.indexOf(1)).toBe(t < 7 ? 0 : 1 + a.choice[b]!);
        expect(a.inputs[t]![b * TASK_INPUTS]).toBe(t < 7 ? 1 : 0);
      }
      expect([a.inputs[7]![b * TASK_INPUTS + 1], a.inputs[7]![b * TASK_INPUTS + 2]]).toEqual([0, 0]);
      let diff = 0;
      for (let t = 0; t < 7; t++) diff += a.inputs[t]![b * TASK_INPUTS + 1]! - a.inputs[t]![b * TASK_INPUTS + 2]!;
      // channel 1 carries evidence for choice 0
      if (Math.sign(diff) === (a.choice[b] === 0 ? 1 : -1)) agree++;
    }
    // 1/5 of trials have coherence 0 (a coin flip); the rest have |mean difference| ≥ 0.064 against a
    // noise std of 0.1·√2/√7 ≈ 0.053: expect ≈ 0.1 + 0.8·0.94 ≈ 0.85 of 200, well above 140
    expect(agree).toBeGreaterThan(140);
  });

  it('the float64 Jacobian matches central finite differences; the kernel is its Gram matrix', () => {
    const units = 7;
    const draw = seedDraw(units, 1.25, 9);
    const net = initialNetwork(draw, 'random', 3);
    const task = decisionBatch(2, { stimulusSteps: 3, noise: 0.1 }, 9, 0);
    for (const alpha of [1, 0.4]) {
      const J = outputJacobian(net, task, alpha);
      const rows = 2 * 4 * TASK_OUTPUTS;
      expect(J.length).toBe(rows * units * units);
      for (const e of [0, 5, 17, 30, 48]) {
        const w = net.W[e]!;
        const h = 1e-3;
        const plus: Network = { ...net, W: net.W.slice() };
        const minus: Network = { ...net, W: net.W.slice() };
        plus.W[e] = w + h;
        minus.W[e] = w - h;
        // the step actually taken after float32 rounding of the perturbed weight
        const step = plus.W[e]! - minus.W[e]!;
        const lp = logits(plus, task, alpha);
        const lm = logits(minus, task, alpha);
        for (let r = 0; r < rows; r++) {
          // piecewise polynomial in W away from ReLU kinks: central differences are exact to O(h²)
          expect(J[r * units * units + e]!).toBeCloseTo((lp[r]! - lm[r]!) / step, 4);
        }
      }
    }
    const J = outputJacobian(net, task, 1);
    const K = gram(J, 24, units * units);
    let k01 = 0;
    for (let d = 0; d < units * units; d++) k01 += J[d]! * J[units * units + d]!;
    expect(K[1]).toBeCloseTo(k01, 12);
  });

  it('kernel alignment, relative change, and the CPU loss at a known case', () => {
    const v = Float64Array.from([1, 2, 0, -1, 3, 1]);
    const K = gram(v, 2, 3);
    expect(Array.from(K)).toEqual([5, 5, 5, 11]);
    expect(kernelAlignment(K, K.map((x) => 3 * x))).toBeCloseTo(1, 12);
    // ⟨K, I⟩ / (‖K‖ ‖I‖) = 16 / (√(25 + 25 + 25 + 121) · √2) = 16 / (14 √2)
    expect(kernelAlignment(K, [1, 0, 0, 1])).toBeCloseTo(16 / (14 * Math.SQRT2), 12);
    expect(relativeChange([2, 0], [1, 0])).toBeCloseTo(1, 12);
    // all-zero weights: every logit is 0, so the cross-entropy is log 3 at every step
    const zero: Network = { units: 3, W: new Float32Array(9), U: new Float32Array(9), readout: new Float32Array(9) };
    expect(lossReference(zero, decisionBatch(5, { stimulusSteps: 2, noise: 0.1 }, 1, 0), 1)).toBeCloseTo(Math.log(3), 12);
  });

  it('mean ± s.e., the exact sign test and paired comparisons equal hand-computed values', () => {
    // mean 2.5, sample variance (2.25 + 0.25 + 0.25 + 2.25)/3 = 5/3, s.e. √(5/3)/2
    const m = meanSE([1, 2, 3, 4]);
    expect(m.mean).toBe(2.5);
    expect(m.se).toBeCloseTo(Math.sqrt(5 / 3) / 2, 14);
    expect(meanSE([7]).se).toBeNaN();
    // two-sided: 2 Σ_{i ≤ min} C(n, i) / 2ⁿ
    expect(signTestP(6, 0)).toBeCloseTo(2 / 64, 15);
    expect(signTestP(0, 6)).toBeCloseTo(2 / 64, 15);
    expect(signTestP(5, 1)).toBeCloseTo((2 * (1 + 6)) / 64, 15);
    expect(signTestP(7, 1)).toBeCloseTo((2 * (1 + 8)) / 256, 15);
    expect(signTestP(8, 0)).toBeCloseTo(2 / 256, 15);
    expect(signTestP(3, 3)).toBe(1);
    expect(signTestP(0, 0)).toBe(1);
    // differences [2, 0, −2]: mean 0, sample variance 4, s.e. √(4/3); one each way, one tie
    const c = pairedComparison([3, 5, 2], [1, 5, 4]);
    expect(c.difference.mean).toBe(0);
    expect(c.difference.se).toBeCloseTo(Math.sqrt(4 / 3), 14);
    expect([c.aLarger, c.bLarger, c.ties]).toEqual([1, 1, 1]);
    expect(c.signTestP).toBe(1);
    expect(() => pairedComparison([1], [1, 2])).toThrow(/equal non-empty lists, got 1 and 2/);
  });

  it('groups and paired comparisons of runs: predicted directions, verdicts at p < 0.05', () => {
    const units = 8;
    const runs: RichLazyRun[] = [];
    for (let seed = 0; seed < 6; seed++) {
      // rank 1 moves more than full rank in every seed (kernel) but less in weights for 5 of 6
      runs.push(run('low-rank-random', 1, seed, 0.5 + seed / 100, seed === 0 ? 0.3 : 0.1));
      runs.push(run('full-rank-random', units, seed, 0.2, 0.2));
      // aligned rank 1 moves less than random rank 1 in 4 of 6 seeds (kernel)
      runs.push(run('low-rank-aligned', 1, seed, seed < 4 ? 0.1 : 0.9, 0.05));
    }
    const groups = groupRuns(runs);
    expect(groups.map((g) => `${g.init} ${g.rank}`)).toEqual(['low-rank-random 1', 'full-rank-random 8', 'low-rank-aligned 1']);
    expect(groups[0]!.kernelAlignmentChange.mean).toBeCloseTo(0.525, 14);
    expect(groups[0]!.seeds).toBe(6);
    const cmp = compareRuns(runs, units);
    const find = (a: string, measure: string) => cmp.find((c) => c.a.init === a && c.measure === measure)!;
    const lowKernel = find('low-rank-random', 'kernelAlignmentChange');
    expect([lowKernel.aLarger, lowKernel.bLarger, lowKernel.predicted, lowKernel.verdict]).toEqual([6, 0, 'a > b', 'seen']);
    expect(lowKernel.signTestP).toBeCloseTo(2 / 64, 15);
    const lowWeight = find('low-rank-random', 'relWeightChange');
    // 1 : 5 against the prediction, p = 14/64: not significant
    expect([lowWeight.aLarger, lowWeight.bLarger, lowWeight.verdict]).toEqual([1, 5, 'unresolved']);
    const alignedKernel = find('low-rank-aligned', 'kernelAlignmentChange');
    expect([alignedKernel.b.init, alignedKernel.b.rank, alignedKernel.predicted, alignedKernel.aLarger, alignedKernel.bLarger]).toEqual(['low-rank-random', 1, 'a < b', 2, 4]);
    const alignedWeight = find('low-rank-aligned', 'relWeightChange');
    expect(alignedWeight.verdict).toBe('seen');
    // all against the prediction in 6 of 6 seeds is called 'opposite'
    const flipped = compareRuns(runs.map((r) => (r.init === 'full-rank-random' ? { ...r, kernelAlignmentChange: 2 } : r)), units);
    expect(flipped.find((c) => c.a.init === 'low-rank-random' && c.measure === 'kernelAlignmentChange')!.verdict).toBe('opposite');
  });

  gpuIt('a tiny run trains every init from the CPU twin\'s initial loss, reproducibly; bad flags are named', async (ctx) => {
    const base = Object.fromEntries(Object.entries(richLazyExperiment.params).map(([k, v]) => [k, v.default]));
    const params = { ...base, units: 6, ranks: [1], alignedRank: 1, stimulusSteps: 3, steps: 6, lr: 0.05, batch: 8, evalTrials: 8, kernelTrials: 2, seeds: 2, seed: 3 };
    const once = () => richLazyExperiment.run(ctx, params, () => undefined);
    const result = await once();
    const json = richLazyExperiment.toJSON(result) as {
      runs: RichLazyRun[];
      summary: { groups: { init: string; rank: number }[]; comparisons: { measure: string }[] };
    };
    expect(json.runs.map((r) => `${r.init} ${r.rank} ${r.seed}`)).toEqual([
      'low-rank-random 1 3', 'full-rank-random 6 3', 'low-rank-aligned 1 3', 'low-rank-random 1 4', 'full-rank-random 6 4', 'low-rank-aligned 1 4',
    ]);
    const timing = { stimulusSteps: 3, noise: 0.1 };
    for (const r of json.runs) {
      const draw = seedDraw(6, 1.25, r.seed);
      const net = initialNetwork(draw, r.init === 'low-rank-aligned' ? 'aligned' : 'random', r.rank);
      // float32 GPU forward vs float64 CPU: a few ulps of values of order one over 4 steps
      expect(r.initialLoss).toBeCloseTo(lossReference(net, decisionBatch(8, timing, r.seed, 0), 1), 4);
      expect(r.finalLoss).toBeLessThan(r.initialLoss);
      expect(r.relWeightChange).toBeGreaterThan(0);
      expect(r.kernelAlignmentChange).toBeGreaterThanOrEqual(-1e-9);
      expect(r.kernelAlignmentChange).toBeLessThanOrEqual(1);
    }
    expect(json.summary.groups.map((g) => `${g.init} ${g.rank}`)).toEqual(['low-rank-random 1', 'full-rank-random 6', 'low-rank-aligned 1']);
    expect(json.summary.comparisons).toHaveLength(4);
    const again = richLazyExperiment.toJSON(await once()) as typeof json;
    expect(again.runs.map((r) => r.finalLoss)).toEqual(json.runs.map((r) => r.finalLoss));
    expect(richLazyExperiment.summary(result)).toMatch(/paired by seed/);
    await expect(richLazyExperiment.run(ctx, { ...params, ranks: [1, 7] }, () => undefined)).rejects.toThrow(/--ranks must hold whole numbers in \[1, units = 6\], got 7/);
    await expect(richLazyExperiment.run(ctx, { ...params, alignedRank: 2 }, () => undefined)).rejects.toThrow(/--alignedRank 2 must be one of --ranks \(1,6\)/);
    await expect(richLazyExperiment.run(ctx, { ...params, paper: true }, () => undefined)).rejects.toThrow(/--paper sets --units to 300; drop --units 6/);
    await expect(richLazyExperiment.run(ctx, { ...base, paper: true, ranks: [2] }, () => undefined)).rejects.toThrow(/--paper sets --ranks to 1,30,100; drop --ranks/);
  }, 300_000);
});
