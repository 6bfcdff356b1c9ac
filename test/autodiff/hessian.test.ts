/**
 * Hessian-vector products by double backward against the exact Hessian of small problems (a
 * float64 replay of the recorded program, differentiated twice by central differences: accurate
 * to ~1e-7), the top Hessian eigenvalues by Lanczos on the HVP operator against the eigenvalues of
 * that Hessian, and Hutchinson's trace with fixed seeds against the same estimator evaluated on the
 * exact Hessian with the same probes (and against the exact trace within 4 standard errors).
 *
 * Tolerances: H·v is a double backward in f32 through ~10 operations on O(1) values; errors of
 * ~1e-5 relative to the largest entry are expected; we allow 5e-4 · max|Hv| + 5e-3 · |Hv|.
 */
import { describe, expect } from 'vitest';
import type { Context } from '../../src/core/context.js';
import {
  createTape, finiteDifferenceHessian, hessianEigenvalues, hessianOperator, hutchinsonTrace, hvp, leafValues, rademacherProbes, rnnRollout,
  type Tape, type Var,
} from '../../src/autodiff/index.js';
import { jacobiEigReference } from '../../src/reference/eig.js';
import { expectClose, gpuIt, runtime, testRng } from '../helpers/device.js';

function randomTensor(ctx: Context, shape: number[], rng: () => number, scale = 1, label = 'x') {
  const size = shape.reduce((a, b) => a * b, 1);
  return ctx.tensor(shape, { label, data: Float32Array.from({ length: size }, () => scale * (2 * rng() - 1)) });
}

/** A small MLP with a softmax cross-entropy loss: 5 × 3 inputs, 4 tanh units, 3 classes (28 parameters). */
async function mlpLoss(ctx: Context, tape: Tape, track: <T extends { destroy(): void }>(x: T) => T, seed: number): Promise<{ loss: Var; params: Var[] }> {
  const rng = testRng(seed);
  const [batch, inputs, hidden, classes] = [5, 3, 4, 3];
  const X = tape.constant(track(randomTensor(ctx, [batch, inputs], rng, 1.5)));
  const Y = tape.constant(track(ctx.tensor([batch, classes], { data: Float32Array.from({ length: batch * classes }, (_, i) => (i % classes === Math.floor(i / classes) % classes ? 1 : 0)) })));
  const W1 = tape.param(track(randomTensor(ctx, [inputs, hidden], rng)));
  const b1 = tape.param(track(randomTensor(ctx, [hidden], rng, 0.5)));
  const W2 = tape.param(track(randomTensor(ctx, [hidden, classes], rng, 1.5)));
  const pre = await tape.map('a + b', { a: await tape.matmul(X, W1), b: await tape.expand(b1, batch, 0) });
  const h = await tape.map('tanh(p)', { p: pre });
  const loss = await tape.softmaxCrossEntropy(await tape.matmul(h, W2), Y);
  return { loss, params: [W1, b1, W2] };
}

function matVec(H: Float64Array, v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i] = out[i]! + H[i * n + j]! * v[j]!;
  return out;
}

describe(`autodiff Hessians (${runtime})`, () => {
  gpuIt('Hessian-vector products of an MLP softmax loss equal the exact Hessian times v', async (ctx, track) => {
    const tape = track(createTape(ctx));
    const { loss, params } = await mlpLoss(ctx, tape, track, 21);
    const H = finiteDifferenceHessian(loss, await leafValues(loss), params);
    const n = params.reduce((a, p) => a + p.size, 0);
    expect(n).toBe(28);
    const rng = testRng(22);
    for (let trial = 0; trial < 3; trial++) {
      const v = Float32Array.from({ length: n }, () => 2 * rng() - 1);
      const hv = track(await hvp(tape, loss, params, track(ctx.tensor([n], { data: v }))));
      const expected = matVec(H, v);
      const scale = Math.max(...Array.from(expected, Math.abs));
      expectClose(await hv.read(), expected, { atol: 5e-4 * scale, rtol: 5e-3 }, `H·v, probe ${trial}`);
    }
  });

  gpuIt('top Hessian eigenvalues by Lanczos on the HVP operator, and Hutchinson\'s trace', async (ctx, track) => {
    const tape = track(createTape(ctx));
    const { loss, params } = await mlpLoss(ctx, tape, track, 31);
    const H = finiteDifferenceHessian(loss, await leafValues(loss), params);
    const op = track(await hessianOperator(tape, loss, params));
    const n = op.n;
    const exact = jacobiEigReference(H, n).values.slice().sort((a, b) => Math.abs(b) - Math.abs(a));
    const result = await hessianEigenvalues(ctx, op, { k: 3, which: 'LM', tol: 1e-4, ncv: 12 });
    const top = Math.abs(exact[0]!);
    result.values.forEach((value, i) => {
      expect(value.im).toBe(0);
      expect(Math.abs(value.re - exact[i]!), `eigenvalue ${i}: ${value.re} vs exact ${exact[i]}`).toBeLessThanOrEqual(2e-3 * top);
    });
    expect(op.products).toBeGreaterThan(0);

    const samples = 24;
    const trace = await hutchinsonTrace(ctx, op, { samples, seed: 5 });
    const probes = rademacherProbes(samples, n, 5);
    const sameProbes = Array.from({ length: samples }, (_, s) => {
      const z = probes.subarray(s * n, (s + 1) * n);
      return matVec(H, z).reduce((acc, hz, i) => acc + hz * z[i]!, 0);
    });
    const frobenius = Math.sqrt(H.reduce((a, h) => a + h * h, 0));
    // same probes: only f32 rounding separates the two (each zᵀHz is a sum of n² terms of size ~|H|)
    expectClose(trace.values, sameProbes, { atol: 2e-3 * frobenius * Math.sqrt(n), rtol: 0 }, 'zᵀHz per probe');
    const exactTrace = H.reduce((acc, h, idx) => acc + (idx % (n + 1) === 0 ? h : 0), 0);
    expect(Math.abs(trace.estimate - exactTrace)).toBeLessThanOrEqual(4 * trace.standardError);
    // a second run with the same seed gives the same numbers
    const again = await hutchinsonTrace(ctx, op, { samples: 4, seed: 5 });
    expect(again.values).toEqual(trace.values.slice(0, 4));
  });

  gpuIt('Hessian-vector products through backpropagation in time (rate RNN)', async (ctx, track) => {
    const rng = testRng(41);
    const tape = track(createTape(ctx));
    const [batch, units, inputs, steps] = [2, 3, 1, 5];
    const W = tape.param(track(randomTensor(ctx, [units, units], rng, 0.9)));
    const U = tape.param(track(randomTensor(ctx, [units, inputs], rng)));
    const x0 = tape.constant(track(randomTensor(ctx, [batch, units], rng, 0.5)));
    const us = Array.from({ length: steps }, () => tape.constant(track(randomTensor(ctx, [batch, inputs], rng))));
    const states = await rnnRollout(tape, x0, us, { W, U }, { dt: 0.3, phi: 'tanh(x)' });
    const loss = await tape.mean(await tape.map('x * x', { x: states[steps]! }));
    const params = [W, U];
    const H = finiteDifferenceHessian(loss, await leafValues(loss), params);
    const n = 12;
    const v = Float32Array.from({ length: n }, () => 2 * rng() - 1);
    const hv = track(await hvp(tape, loss, params, track(ctx.tensor([n], { data: v }))));
    const expected = matVec(H, v);
    const scale = Math.max(...Array.from(expected, Math.abs));
    expectClose(await hv.read(), expected, { atol: 5e-4 * scale, rtol: 5e-3 }, 'RNN H·v');
  });
});
