/**
 * Reverse-mode gradients of the tape against float64 central finite differences of a float64
 * replay of the same recorded program (src/autodiff/reference.ts), on random small problems at
 * odd sizes: matrix products in all four transpose cases (2-D and batched), elementwise
 * expressions (symbolic derivatives), sums/expand/mean, log-softmax cross-entropy, an MLP, and
 * backpropagation through time of a rate RNN.
 *
 * Tolerance: the GPU runs in f32 (unit roundoff 6e-8); each gradient entry is a sum of O(10–100)
 * products of O(1) numbers through a handful of operations, so errors of a few 1e-6 relative to
 * the largest entry are expected; we allow 2e-4 · max|g| + 2e-3 · |g|. The finite differences
 * (h = 1e-6 in float64) are accurate to ~1e-9. The tests avoid sin/cos, whose WGSL accuracy is only
 * 2⁻¹¹ absolute. A wrong adjoint (a missing transpose, a dropped
 * term) gives O(1) relative errors.
 */
import { describe, expect } from 'vitest';
import type { Context } from '../../src/core/context.js';
import { createTape, finiteDifferenceGradient, leafValues, replayReference, rnnRollout, type Tape, type Var } from '../../src/autodiff/index.js';
import { expectClose, gpuIt, runtime, testRng } from '../helpers/device.js';

function randomTensor(ctx: Context, shape: number[], rng: () => number, scale = 1, label = 'x') {
  const size = shape.reduce((a, b) => a * b, 1);
  return ctx.tensor(shape, { label, data: Float32Array.from({ length: size }, () => scale * (2 * rng() - 1)) });
}

/** Compare the tape's gradients of `loss` w.r.t. `params` with finite differences of its replay. */
async function checkGradients(tape: Tape, loss: Var, params: Var[], what: string): Promise<void> {
  const grads = await tape.grad(loss, params);
  const leaves = await leafValues(loss);
  // the forward value itself against the float64 replay
  const value = (await loss.value.read())[0]!;
  const replayed = replayReference(loss, leaves)[0]!;
  expect(Math.abs(value - replayed), `${what}: loss ${value} vs float64 ${replayed}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(replayed)));
  for (let i = 0; i < params.length; i++) {
    const gpu = await grads[i]!.value.read();
    const fd = finiteDifferenceGradient(loss, leaves, params[i]!);
    const scale = Math.max(...Array.from(fd, Math.abs), 1e-3);
    expectClose(gpu, fd, { atol: 2e-4 * scale, rtol: 2e-3 }, `${what}: gradient of parameter ${i} [${params[i]!.shape.join(', ')}]`);
  }
}

describe(`autodiff tape (${runtime})`, () => {
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    gpuIt(`matmul gradients, transA=${transA} transB=${transB}, 2-D and batched`, async (ctx, track) => {
      const rng = testRng(11 + Number(transA) * 2 + Number(transB));
      const [m, k, n] = [5, 7, 3];
      for (const batch of [0, 3]) {
        const lead = batch ? [batch] : [];
        const tape = track(createTape(ctx));
        const A = tape.param(track(randomTensor(ctx, [...lead, ...(transA ? [k, m] : [m, k])], rng)));
        const B = tape.param(track(randomTensor(ctx, [...lead, ...(transB ? [n, k] : [k, n])], rng)));
        const weights = tape.constant(track(randomTensor(ctx, [...lead, m, n], rng)));
        const C = await tape.matmul(A, B, { transA, transB });
        // a non-linear readout so every entry of C gets a different adjoint
        const loss = await tape.sum(await tape.map('w * tanh(c)', { w: weights, c: C }));
        await checkGradients(tape, loss, [A, B], `matmul(${transA}, ${transB}) batch ${batch}`);
      }
    });
  }

  gpuIt('elementwise expressions: symbolic derivatives of several inputs and parameters', async (ctx, track) => {
    const rng = testRng(5);
    const tape = track(createTape(ctx));
    const shape = [3, 11];
    const a = tape.param(track(randomTensor(ctx, shape, rng)));
    const b = tape.param(track(randomTensor(ctx, shape, rng)));
    const c = tape.constant(track(randomTensor(ctx, shape, rng)));
    const y = await tape.map('gain * a * sigmoid(b) + c * a ^ 2 / (1 + b * b) - softplusLike * log(1 + exp(b)) + tanh(a * b)', { a, b, c }, { gain: 1.7, softplusLike: 0.3 });
    const z = await tape.map('exp(-y * y) + relu(y) * a', { y, a });
    const loss = await tape.mean(z);
    await checkGradients(tape, loss, [a, b], 'map');
  });

  gpuIt('sums over each axis, expand and broadcast', async (ctx, track) => {
    const rng = testRng(6);
    const tape = track(createTape(ctx));
    const x = tape.param(track(randomTensor(ctx, [3, 5, 7], rng)));
    const w = tape.constant(track(randomTensor(ctx, [3, 5, 7], rng)));
    let loss: Var | null = null;
    for (const axis of [0, 1, -1]) {
      const s = await tape.sum(await tape.map('x * x * w', { x, w }), axis);
      const back = await tape.expand(s, [3, 5, 7].at(axis)!, axis);
      const term = await tape.sum(await tape.map('exp(-0.1 * s * s) * x', { s: back, x }));
      loss = loss ? await tape.add(loss, term) : term;
    }
    const spread = await tape.broadcast(loss!, [3, 5, 7]);
    const total = await tape.mean(await tape.map('t * x', { t: spread, x }));
    await checkGradients(tape, total, [x], 'sum/expand');
  });

  gpuIt('softmax cross-entropy of an MLP (tanh hidden layer, biases)', async (ctx, track) => {
    const rng = testRng(7);
    const tape = track(createTape(ctx));
    const [batch, inputs, hidden, classes] = [9, 5, 7, 3];
    const X = tape.constant(track(randomTensor(ctx, [batch, inputs], rng)));
    const labels = Array.from({ length: batch }, () => Math.floor(rng() * classes));
    const Y = tape.constant(track(ctx.tensor([batch, classes], { data: Float32Array.from({ length: batch * classes }, (_, i) => (labels[Math.floor(i / classes)] === i % classes ? 1 : 0)) })));
    const W1 = tape.param(track(randomTensor(ctx, [inputs, hidden], rng, 0.8)));
    const b1 = tape.param(track(randomTensor(ctx, [hidden], rng, 0.3)));
    const W2 = tape.param(track(randomTensor(ctx, [hidden, classes], rng, 2)));
    const b2 = tape.param(track(randomTensor(ctx, [classes], rng, 0.3)));
    const pre = await tape.map('a + b', { a: await tape.matmul(X, W1), b: await tape.expand(b1, batch, 0) });
    const h = await tape.map('tanh(p)', { p: pre });
    const logits = await tape.map('a + b', { a: await tape.matmul(h, W2), b: await tape.expand(b2, batch, 0) });
    const loss = await tape.softmaxCrossEntropy(logits, Y);
    await checkGradients(tape, loss, [W1, b1, W2, b2], 'MLP');
  });

  gpuIt('backpropagation through time of a rate RNN (x_{t+1} = x_t + dt(−x_t + Wφ(x_t) + Uu_t))', async (ctx, track) => {
    const rng = testRng(8);
    const tape = track(createTape(ctx));
    const [batch, units, inputs, steps] = [3, 7, 2, 13];
    const W = tape.param(track(randomTensor(ctx, [units, units], rng, 1.5 / Math.sqrt(units))));
    const U = tape.param(track(randomTensor(ctx, [units, inputs], rng)));
    const readout = tape.param(track(randomTensor(ctx, [1, units], rng)));
    const x0 = tape.param(track(randomTensor(ctx, [batch, units], rng, 0.5)));
    const us = Array.from({ length: steps }, (_, t) => tape.constant(track(randomTensor(ctx, [batch, inputs], rng, 1, `u${t}`))));
    const target = tape.constant(track(randomTensor(ctx, [batch, 1], rng)));
    const states = await rnnRollout(tape, x0, us, { W, U }, { dt: 0.2, phi: 'tanh(x)' });
    // loss over the last three steps, so the gradient flows through the whole rollout and several outputs
    let loss: Var | null = null;
    for (const x of states.slice(-3)) {
      const y = await tape.matmul(x, readout, { transB: true });
      const term = await tape.sum(await tape.map('(y - t) ^ 2', { y, t: target }));
      loss = loss ? await tape.add(loss, term) : term;
    }
    await checkGradients(tape, loss!, [W, U, readout, x0], 'BPTT');
  });

  gpuIt('BPTT memory is proportional to the number of steps kept', async (ctx, track) => {
    const [batch, units, inputs] = [3, 5, 2];
    const W = track(ctx.tensor([units, units], { fill: 0.1 }));
    const U = track(ctx.tensor([units, inputs], { fill: 0.2 }));
    const x0 = track(ctx.tensor([batch, units], { fill: 0.3 }));
    const u = track(ctx.tensor([batch, inputs], { fill: 1 }));
    const measure = async (steps: number): Promise<{ forward: number; total: number }> => {
      const tape = track(createTape(ctx));
      const [w, uw] = [tape.param(W), tape.param(U)];
      const states = await rnnRollout(tape, tape.constant(x0), Array.from({ length: steps }, () => tape.constant(u)), { W: w, U: uw }, { dt: 0.1 });
      const loss = await tape.sum(states[steps]!);
      const forward = tape.ownedBytes;
      await tape.grad(loss, [w, uw]);
      return { forward, total: tape.ownedBytes };
    };
    const [a, b, c] = [await measure(4), await measure(8), await measure(12)];
    // each step keeps φ(x_t), Wφ(x_t), U u_t and x_{t+1}: four [batch, units] values
    expect(b.forward - a.forward).toBe(4 * 4 * batch * units * 4);
    expect(c.forward - b.forward).toBe(b.forward - a.forward);
    // the backward pass adds a fixed amount per step as well (linear, not quadratic, in the steps)
    expect(c.total - b.total).toBe(b.total - a.total);
  });

  gpuIt('bad input is rejected before any GPU work, naming what was wrong', async (ctx, track) => {
    const tape = track(createTape(ctx));
    const a = tape.param(track(ctx.tensor([2, 3], { fill: 1 })));
    const b = tape.param(track(ctx.tensor([2, 3], { fill: 1 })));
    await expect(tape.matmul(a, b)).rejects.toThrow(/inner dimensions 3 and 2/);
    await expect(tape.map('a + q', { a })).rejects.toThrow(/q/);
    await expect(tape.grad(a, [a])).rejects.toThrow(/one element/);
    const other = track(createTape(ctx));
    await expect(tape.add(a, other.param(track(ctx.tensor([2, 3], { fill: 0 }))))).rejects.toThrow(/another tape/);
  });
});
