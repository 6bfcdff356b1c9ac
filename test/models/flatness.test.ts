/**
 * flatness: the representation statistics against an independent float64 reference (log det by
 * Cholesky, participation ratio from trace moments — no eigen-decomposition) on random data at odd
 * sizes, the input Jacobian of the last hidden layer against central differences and the local
 * statistics built on it against eigenvalues of J Jᵀ, the correlation helpers on known cases, the checkpoint and late-phase rules
 * (fraction and interpolation, with the refusal when fewer than 3 checkpoints qualify); on the GPU the ReLU MLP's
 * loss (cross-entropy and squared error) and gradient against a float64 replay, a direct formula and central differences, its top Hessian eigenvalue
 * and Hutchinson trace against the exact (finite-difference) Hessian, and a tiny end-to-end run
 * (shapes, finite values, the same numbers for the same seed) and its bad input.
 */
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/core/context.js';
import { createTape, finiteDifferenceGradient, finiteDifferenceHessian, leafValues, rademacherProbes, replayReference } from '../../src/autodiff/index.js';
import { resolveParams } from '../../src/cli/output/params.js';
import { jacobiEigReference } from '../../src/reference/eig.js';
import {
  checkpointSteps, covariance, flatnessExperiment, hiddenJacobian, initialMlp, interpolationPhase, lateCheckpoints, latePhase, localRepresentationStats,
  logDetCholesky, mlpLoss, pearson, ranks, representationStats, sharpness, spearman, uploadBatch, uploadMlp, MLP_LOSS_KINDS, type FlatnessCheckpoint,
} from '../../src/models/flatness/index.js';
import { expectClose, gpuIt, runtime, testRng } from '../helpers/device.js';

/** Covariance by the textbook two-pass formula, entry by entry. */
function naiveCovariance(rows: Float64Array, count: number, dim: number): Float64Array {
  const mean = Array.from({ length: dim }, (_, j) => Array.from({ length: count }, (_, i) => rows[i * dim + j]!).reduce((a, b) => a + b, 0) / count);
  const C = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < dim; b++) {
      let s = 0;
      for (let i = 0; i < count; i++) s += (rows[i * dim + a]! - mean[a]!) * (rows[i * dim + b]! - mean[b]!);
      C[a * dim + b] = s / (count - 1);
    }
  }
  return C;
}

/** Random representations with correlated, unequal directions and some dead (all-zero) units. */
function randomRows(count: number, dim: number, seed: number, dead: number[] = []): Float64Array {
  const rng = testRng(seed);
  const mix = Float64Array.from({ length: dim * dim }, () => 2 * rng() - 1);
  const rows = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    const z = Array.from({ length: dim }, (_, k) => (2 * rng() - 1) * (k + 1));
    for (let j = 0; j < dim; j++) {
      if (dead.includes(j)) continue;
      let s = 0.3;
      for (let k = 0; k < dim; k++) s += mix[j * dim + k]! * z[k]!;
      rows[i * dim + j] = Math.max(s, 0); // ReLU-like, as the hidden layer is
    }
  }
  return rows;
}

describe(`flatness statistics (${runtime})`, () => {
  it('log-volume and participation ratio match Cholesky log det and trace moments at odd sizes', () => {
    for (const [count, dim, seed, dead] of [[37, 7, 1, []], [101, 13, 2, [3]], [9, 5, 3, []]] as [number, number, number, number[]][]) {
      const rows = randomRows(count, dim, seed, dead);
      const C = naiveCovariance(rows, count, dim);
      expectClose(covariance(rows, count, dim), C, { atol: 1e-12 * Math.max(...C.map(Math.abs)), rtol: 0 }, `covariance ${count}×${dim}`);
      for (const ridge of [0, 1e-4, 0.5]) {
        const stats = representationStats(rows, count, dim, ridge);
        if (ridge === 0 && dead.length > 0) {
          expect(stats.logVolume).toBe(-Infinity); // a dead unit has zero variance: the ridge is what keeps it finite
          continue;
        }
        const shifted = C.map((v, e) => (e % (dim + 1) === 0 ? v + ridge : v));
        // both are float64 sums of ~dim logarithms of O(1)–O(100) numbers; Jacobi converges to 1e-14
        expect(Math.abs(stats.logVolume - logDetCholesky(shifted, dim)), `log det ${count}×${dim} ridge ${ridge}`).toBeLessThan(1e-9);
      }
      let trace = 0;
      let trace2 = 0;
      for (let a = 0; a < dim; a++) {
        trace += C[a * dim + a]!;
        for (let b = 0; b < dim; b++) trace2 += C[a * dim + b]! * C[b * dim + a]!;
      }
      const stats = representationStats(rows, count, dim, 1e-4);
      expect(stats.participationRatio).toBeCloseTo((trace * trace) / trace2, 10);
      expect(stats.participationRatio).toBeGreaterThanOrEqual(1);
      expect(stats.participationRatio).toBeLessThanOrEqual(dim - dead.length + 1e-9);
      expect(stats.eigenvalues).toHaveLength(dim);
    }
  });

  it('participation ratio counts equal directions; fewer samples than units leave zero eigenvalues', () => {
    // isotropic in 3 of 5 units (±e_k, k < 3): PR = 3 exactly
    const rows: number[] = [];
    for (let k = 0; k < 3; k++) for (const s of [1, -1]) rows.push(...Array.from({ length: 5 }, (_, j) => (j === k ? s : 0)));
    const stats = representationStats(rows, 6, 5, 0.25);
    expect(stats.participationRatio).toBeCloseTo(3, 12);
    // eigenvalues 2/5·… : variance of ±1 over 6 samples with 4 zeros = 2/5 each
    expect(stats.logVolume).toBeCloseTo(3 * Math.log(0.4 + 0.25) + 2 * Math.log(0.25), 12);
    expect(representationStats(new Float64Array(12), 4, 3, 1).participationRatio).toBe(0);
    expect(() => representationStats([1, 2, 3], 1, 3, 0)).toThrow(/count must be a whole number ≥ 2, got 1/);
    expect(() => representationStats([1, 2, 3, 4], 2, 3, 0)).toThrow(/expected 2 × 3 = 6 values, got 4/);
    expect(() => representationStats([1, 2, 3, 4], 2, 2, -1)).toThrow(/ridge must be a finite number ≥ 0, got -1/);
  });

  it('log det by Cholesky on known matrices', () => {
    expect(logDetCholesky([4, 2, 2, 3], 2)).toBeCloseTo(Math.log(8), 14);
    expect(logDetCholesky([2, 0, 0, 0, 3, 0, 0, 0, 5], 3)).toBeCloseTo(Math.log(30), 14);
    expect(logDetCholesky([1, 2, 2, 1], 2)).toBe(-Infinity); // indefinite
  });

  it('input Jacobian of the last hidden layer matches central differences; local statistics match eigenvalues of J Jᵀ', () => {
    for (const [sizes, seed] of [[[7, 5, 4, 3], 4], [[6, 3, 2], 5], [[5, 4, 6, 3, 2], 6]] as [number[], number][]) {
      const rng = testRng(seed);
      const weights = initialMlp(sizes, seed).map((w, i) => (i % 2 === 1 ? w.map(() => 0.4 * (2 * rng() - 1)) : w));
      const hidden = (x: Float64Array): Float64Array => {
        let a = x;
        for (let l = 0; l + 2 < sizes.length; l++) {
          const [fanIn, fanOut] = [sizes[l]!, sizes[l + 1]!];
          a = Float64Array.from({ length: fanOut }, (_, o) => {
            let z = weights[2 * l + 1]![o]!;
            for (let i = 0; i < fanIn; i++) z += a[i]! * weights[2 * l]![i * fanOut + o]!;
            return Math.max(z, 0);
          });
        }
        return a;
      };
      const d = sizes[0]!;
      const H = sizes[sizes.length - 2]!;
      const count = 3;
      const inputs = Float64Array.from({ length: count * d }, () => 2 * rng() - 1);
      const ridge = 1e-3;
      let logVolume = 0;
      let participation = 0;
      let sensitivity = 0;
      for (let p = 0; p < count; p++) {
        const x = inputs.subarray(p * d, (p + 1) * d);
        const J = hiddenJacobian(weights, sizes, x);
        const h = 1e-6;
        const fd = new Float64Array(H * d);
        for (let k = 0; k < d; k++) {
          const plus = Float64Array.from(x);
          const minus = Float64Array.from(x);
          plus[k] = plus[k]! + h;
          minus[k] = minus[k]! - h;
          const [hp, hm] = [hidden(plus), hidden(minus)];
          for (let a = 0; a < H; a++) fd[a * d + k] = (hp[a]! - hm[a]!) / (2 * h);
        }
        // central differences of a piecewise-linear map: exact up to rounding away from kinks
        expectClose(J, fd, { atol: 1e-7, rtol: 1e-7 }, `∂h/∂x, sizes [${sizes.join(', ')}], input ${p}`);
        const G = new Float64Array(H * H);
        for (let a = 0; a < H; a++) for (let b = 0; b < H; b++) for (let k = 0; k < d; k++) G[a * H + b] = G[a * H + b]! + fd[a * d + k]! * fd[b * d + k]!;
        const eig = jacobiEigReference(G, H).values.map((v) => Math.max(v, 0));
        logVolume += eig.reduce((acc, v) => acc + Math.log(v + ridge), 0);
        const sum = eig.reduce((acc, v) => acc + v, 0);
        participation += sum > 0 ? sum ** 2 / eig.reduce((acc, v) => acc + v * v, 0) : 0;
        sensitivity += sum;
      }
      const local = localRepresentationStats(weights, sizes, inputs, count, ridge);
      expect(local.logVolume).toBeCloseTo(logVolume / count, 6);
      expect(local.participationRatio).toBeCloseTo(participation / count, 6);
      expect(local.sensitivity).toBeCloseTo(sensitivity / count, 6);
    }
    expect(() => hiddenJacobian([new Float32Array(6), new Float32Array(2)], [3, 2], [1, 2, 3])).toThrow(/has no hidden layer/);
    expect(() => localRepresentationStats(initialMlp([3, 2, 2], 1), [3, 2, 2], new Float64Array(3), 2, 0)).toThrow(/expected 2 × 3 input values, got 3/);
  });

  it('Pearson and Spearman correlations on known cases', () => {
    expect(pearson([1, 2, 3, 4], [3, 5, 7, 9])).toBeCloseTo(1, 14);
    expect(pearson([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 14);
    // by hand: dx = (−1, 0, 1), dy = (−2, 2, 0); Σdxdy = 2, Σdx² = 2, Σdy² = 8 → 2/√16
    expect(pearson([1, 2, 3], [1, 5, 3])).toBeCloseTo(0.5, 14);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(pearson([1], [2])).toBeNaN();
    expect(() => pearson([1, 2], [1])).toThrow(/2 and 1 values/);
    // monotone but not linear: Spearman 1, Pearson below 1
    const x = [1, 2, 3, 4, 5];
    const y = x.map((v) => Math.exp(2 * v));
    expect(spearman(x, y)).toBeCloseTo(1, 14);
    expect(pearson(x, y)).toBeLessThan(0.95);
    expect(ranks([10, 20, 10, 30])).toEqual([1.5, 3, 1.5, 4]);
  });

  it('checkpoints are evenly spaced and end at the last step; the late phase is a suffix', () => {
    expect(checkpointSteps(1200, 12)).toEqual(Array.from({ length: 13 }, (_, i) => 100 * i));
    expect(checkpointSteps(10, 3)).toEqual([0, 3, 7, 10]);
    expect(latePhase([0, 3, 7, 10], 10, 0.5)).toEqual([2, 3]);
    expect(latePhase([0, 3, 7, 10], 10, 0)).toEqual([0, 1, 2, 3]);
  });

  it('the interpolation late phase starts at the first checkpoint with training accuracy 1.0; fewer than 3 such checkpoints are refused', () => {
    expect(interpolationPhase([0.1, 0.9, 1, 0.99, 1])).toEqual([2, 3, 4]); // a later dip stays in: the phase is a suffix
    expect(interpolationPhase([0.5, 0.99])).toEqual([]);
    expect(interpolationPhase([1, 1])).toEqual([0, 1]);
    const at = (accuracies: number[]): FlatnessCheckpoint[] => accuracies.map((trainAccuracy, i) => ({
      step: 100 * i, trainAccuracy, topEigenvalue: 1, eigenResidual: 0, trace: 1, traceStandardError: 0, logVolume: 0, participationRatio: 1,
      localLogVolume: 0, localParticipationRatio: 1, sensitivity: 1, trainLoss: 0, testAccuracy: 0,
    }));
    const accuracies = [0.2, 0.8, 0.95, 1, 1, 0.996, 1];
    expect(lateCheckpoints(at(accuracies), 'interpolation', 600, 0.5)).toEqual([3, 4, 5, 6]);
    expect(lateCheckpoints(at(accuracies), 'fraction', 600, 0.5)).toEqual([3, 4, 5, 6].map((i) => i)); // steps 300…600
    expect(lateCheckpoints(at(accuracies), 'fraction', 600, 0.8)).toEqual([5, 6]); // the fraction rule's own count is checked before the run
    expect(() => lateCheckpoints(at([0.2, 0.9, 0.99, 0.98]), 'interpolation', 300, 0.5)).toThrow(
      /--late interpolation: the training accuracy on the evaluation batch never reached 1.0 \(best 0.99 at step 200\) of 300, leaving 0 of 4 checkpoints in the late phase; correlations need at least 3/,
    );
    expect(() => lateCheckpoints(at([0.2, 0.9, 1, 1]), 'interpolation', 300, 0.5)).toThrow(/first reached 1.0 at step 200 of 300, leaving 2 of 4 checkpoints/);
  });

  it('bad parameters are refused by name before any GPU work', async () => {
    const noGpu = {} as Context;
    const run = (over: Record<string, string>) => flatnessExperiment.run(noGpu, resolveParams(flatnessExperiment, over), () => undefined);
    await expect(run({ lateFrom: '0.95' })).rejects.toThrow(/--lateFrom 0.95 leaves 1 of 13 checkpoints in the late phase; correlations need at least 3/);
    await expect(run({ batch: '64', train: '50', evalBatch: '10' })).rejects.toThrow(/--batch 64 is larger than --train 50/);
    await expect(run({ evalBatch: '300', train: '200' })).rejects.toThrow(/--evalBatch 300 is larger than --train 200/);
    await expect(run({ steps: '5', checkpoints: '6' })).rejects.toThrow(/--checkpoints 6 exceeds --steps 5/);
    await expect(run({ evalBatch: '32', localProbes: '33' })).rejects.toThrow(/--localProbes 33 exceeds --evalBatch 32/);
    await expect(run({ loss: 'hinge' })).rejects.toThrow(/--loss must be one of cross-entropy, mse, got hinge/);
    await expect(run({ late: 'never' })).rejects.toThrow(/--late must be one of fraction, interpolation, got never/);
    // the interpolation rule is checked on the run's own accuracies, so a late fraction that would be refused is not
    await expect(run({ late: 'interpolation', lateFrom: '0.95', batch: '64', train: '50', evalBatch: '10' })).rejects.toThrow(/--batch 64 is larger than --train 50/);
    expect(() => resolveParams(flatnessExperiment, { lr: '0' })).toThrow(/--lr/);
  });
});

describe(`flatness MLP on the GPU (${runtime})`, () => {
  /** A 5-4-4-3 ReLU MLP (59 parameters) on 6 random inputs with one-hot targets. */
  function tinyProblem(ctx: Context, seed: number) {
    const sizes = [5, 4, 4, 3];
    const rng = testRng(seed);
    const weights = initialMlp(sizes, seed);
    // non-zero biases, so no pre-activation sits on a ReLU kink by construction
    weights[1] = Float32Array.from({ length: 4 }, () => 0.3 * (2 * rng() - 1));
    weights[3] = Float32Array.from({ length: 4 }, () => 0.3 * (2 * rng() - 1));
    const net = uploadMlp(ctx, sizes, weights);
    const images = Float32Array.from({ length: 6 * 5 }, () => 2 * rng() - 1);
    const labels = Uint8Array.from({ length: 6 }, (_, i) => i % 3);
    const batch = uploadBatch(ctx, images, labels, 5, 3, 'tiny');
    return { net, batch };
  }

  gpuIt('loss (cross-entropy and squared error) and gradient of the ReLU MLP match a float64 replay, the formula and central differences', async (ctx, track) => {
    const { net, batch } = tinyProblem(ctx, 11);
    track(net);
    track(batch);
    for (const kind of MLP_LOSS_KINDS) {
      const tape = track(createTape(ctx));
      const { loss, params, logits } = await mlpLoss(tape, net, batch, kind);
      const leaves = await leafValues(loss);
      const value = (await loss.value.read())[0]!;
      expect(value, kind).toBeCloseTo(replayReference(loss, leaves)[0]!, 5);
      // the formula itself, in float64 from the logits: mean over digits of −log softmax at the label, or of (z − y)² over digits and classes
      const z = Float64Array.from(await logits.value.read());
      const [count, classes] = [batch.count, 3];
      let direct = 0;
      for (let i = 0; i < count; i++) {
        const row = z.subarray(i * classes, (i + 1) * classes);
        const label = batch.labels[i]!;
        if (kind === 'mse') {
          for (let c = 0; c < classes; c++) direct += (row[c]! - (c === label ? 1 : 0)) ** 2 / (count * classes);
        } else {
          const top = Math.max(...row);
          direct += (Math.log(row.reduce((a, v) => a + Math.exp(v - top), 0)) + top - row[label]!) / count;
        }
      }
      expect(value, `${kind} against its formula`).toBeCloseTo(direct, 5);
      const grads = await tape.grad(loss, params);
      for (let i = 0; i < params.length; i++) {
        const fd = finiteDifferenceGradient(loss, leaves, params[i]!);
        const scale = Math.max(...Array.from(fd, Math.abs), 1e-3);
        // f32 forward and backward on O(1) values against float64 differences (error ~1e-9)
        expectClose(await grads[i]!.value.read(), fd, { atol: 1e-4 * scale, rtol: 1e-3 }, `${kind}: gradient of parameter ${i}`);
      }
    }
  });

  for (const kind of MLP_LOSS_KINDS) gpuIt(`top Hessian eigenvalue (Lanczos) and Hutchinson trace of the ${kind} loss match the exact Hessian`, async (ctx, track) => {
    const { net, batch } = tinyProblem(ctx, 12);
    track(net);
    track(batch);
    const tape = track(createTape(ctx));
    const { loss, params } = await mlpLoss(tape, net, batch, kind);
    const H = finiteDifferenceHessian(loss, await leafValues(loss), params);
    const n = net.count;
    expect(n).toBe(59);
    const exact = jacobiEigReference(H, n).values; // descending
    const samples = 12;
    const seed = 3;
    const measured = await sharpness(ctx, net, batch, { ncv: 20, tol: 1e-5, samples, seed, loss: kind });
    // the double backward in f32: ~1e-5 relative errors (see test/autodiff/hessian.test.ts)
    expect(Math.abs(measured.topEigenvalue - exact[0]!), `${measured.topEigenvalue} vs ${exact[0]}`).toBeLessThanOrEqual(2e-3 * Math.abs(exact[0]!));
    const probes = rademacherProbes(samples, n, seed);
    let sameProbes = 0;
    for (let s = 0; s < samples; s++) {
      const z = probes.subarray(s * n, (s + 1) * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sameProbes += z[i]! * H[i * n + j]! * z[j]!;
    }
    sameProbes /= samples;
    const frobenius = Math.sqrt(H.reduce((a, h) => a + h * h, 0));
    // same probes: only f32 rounding separates the two
    expect(Math.abs(measured.trace - sameProbes)).toBeLessThanOrEqual(2e-3 * frobenius * Math.sqrt(n));
    const exactTrace = exact.reduce((a, b) => a + b, 0);
    expect(Math.abs(measured.trace - exactTrace)).toBeLessThanOrEqual(4 * measured.traceStandardError);
    expect(measured.products).toBeGreaterThan(samples);
  });

  gpuIt('a tiny run: series of one length per checkpoint, finite, the same for the same seed', async (ctx) => {
    const params = resolveParams(flatnessExperiment, {
      hidden: '4', layers: '1', train: '64', test: '32', batch: '16', steps: '6', checkpoints: '3', lateFrom: '0',
      evalBatch: '24', localProbes: '5', lanczosNcv: '8', lanczosTol: '1e-2', traceSamples: '2', seed: '5',
    });
    const result = await flatnessExperiment.run(ctx, params, () => undefined);
    const json = flatnessExperiment.toJSON(result) as Record<string, any>;
    expect(json.steps).toEqual([0, 2, 4, 6]);
    for (const key of ['topEigenvalue', 'trace', 'traceStandardError', 'logVolume', 'participationRatio', 'localLogVolume', 'localParticipationRatio', 'sensitivity', 'trainLoss', 'testAccuracy']) {
      expect(json[key], key).toHaveLength(4);
      for (const v of json[key]) expect(Number.isFinite(v), `${key}: ${v}`).toBe(true);
    }
    for (const pr of json.participationRatio) expect(pr >= 1 - 1e-9 && pr <= 4 + 1e-9).toBe(true);
    expect(json.sizes).toEqual([784, 4, 10]);
    expect(json.parameterCount).toBe(784 * 4 + 4 + 4 * 10 + 10);
    expect(json.correlations.late.steps).toEqual([0, 2, 4, 6]);
    expect(Math.abs(json.correlationFlatnessVolume)).toBeLessThanOrEqual(1);
    expect(json.trainLoss[3]).toBeLessThan(json.trainLoss[0]);
    const again = flatnessExperiment.toJSON(await flatnessExperiment.run(ctx, params, () => undefined)) as Record<string, any>;
    for (const key of ['topEigenvalue', 'trace', 'logVolume', 'participationRatio', 'localLogVolume', 'trainLoss']) expect(again[key], key).toEqual(json[key]);
    expect(flatnessExperiment.figures(result).map((f) => f.name)).toEqual(['sharpness-volume', 'volume-vs-sharpness']);
    expect(flatnessExperiment.summary(result)).toMatch(/paper: volume correlates positively with sharpness/);
  }, 300_000);
});
