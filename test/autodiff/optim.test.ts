/**
 * The optimizer kernels against their float64 twins (src/reference/optim.ts) over several steps
 * with random gradients at odd sizes, several parameter tensors at once; and determinism: a seeded
 * training run of a small MLP twice gives the same bits.
 *
 * Tolerance: each step is a handful of f32 operations per element (relative error ~1e-7 each);
 * after 7 steps, 1e-5 relative (Adam divides by √v + ε̂, where small v amplify rounding of g, so
 * we use absolute 1e-5 · lr-scaled tolerance on top).
 */
import { describe, expect } from 'vitest';
import { createOptimizer, createTape, type OptimizerOptions } from '../../src/autodiff/index.js';
import { adamStepReference, sgdStepReference } from '../../src/reference/optim.js';
import { randomNormal } from '../../src/random/index.js';
import { expectClose, gpuIt, poisoned, runtime, testRng } from '../helpers/device.js';

describe(`optimizers (${runtime})`, () => {
  const cases: OptimizerOptions[] = [
    { method: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0.01 },
    { method: 'sgd', lr: 0.1 },
    { method: 'adam', lr: 0.01, weightDecay: 0.05 },
    { method: 'adam', lr: 0.003, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 },
  ];
  for (const options of cases) {
    gpuIt(`${JSON.stringify(options)} matches the float64 reference over 7 steps`, async (ctx, track) => {
      const rng = testRng(3);
      const sizes = [13, 3 * 7, 1];
      const theta0 = sizes.map((n) => Float64Array.from({ length: n }, () => 2 * rng() - 1));
      const params = theta0.map((t, i) => track(ctx.tensor([t.length], { label: `p${i}`, data: Float32Array.from(t) })));
      const opt = track(createOptimizer(ctx, params, options));
      const refTheta = theta0.map((t) => Float64Array.from(Float32Array.from(t)));
      const refA = sizes.map((n) => new Float64Array(n));
      const refB = sizes.map((n) => new Float64Array(n));
      const grads = sizes.map((n, i) => track(poisoned(ctx, [n], `g${i}`)));
      for (let step = 1; step <= 7; step++) {
        const g = sizes.map((n) => Float32Array.from({ length: n }, () => 2 * rng() - 1));
        g.forEach((gi, i) => grads[i]!.write(gi));
        await opt.step(grads);
        sizes.forEach((_, i) => {
          if (options.method === 'sgd') sgdStepReference(refTheta[i]!, refA[i]!, g[i]!, options);
          else adamStepReference(refTheta[i]!, refA[i]!, refB[i]!, g[i]!, step, options);
        });
      }
      expect(opt.t).toBe(7);
      for (let i = 0; i < sizes.length; i++) {
        expectClose(await params[i]!.read(), refTheta[i]!, { atol: 2e-6, rtol: 1e-5 }, `parameter tensor ${i}`);
      }
    });
  }

  gpuIt('bad settings are rejected naming the field', async (ctx, track) => {
    const p = track(ctx.tensor([3], { fill: 0 }));
    expect(() => createOptimizer(ctx, [p], { method: 'adam', beta1: 1 })).toThrow(/beta1/);
    expect(() => createOptimizer(ctx, [p], { method: 'sgd', lr: -1 })).toThrow(/options\.lr/);
    expect(() => createOptimizer(ctx, [p], { method: 'rmsprop' } as never)).toThrow(/options\.method/);
    const opt = track(createOptimizer(ctx, [p], { method: 'sgd' }));
    await expect(opt.step([track(ctx.tensor([4], { fill: 0 }))])).rejects.toThrow(/3 elements/);
  });

  gpuIt('training from a seed is deterministic: two runs give the same bits', async (ctx, track) => {
    const run = async (): Promise<Float32Array[]> => {
      const W1 = track(await randomNormal(ctx, [6, 5], { seed: 9, stream: 1 }));
      const W2 = track(await randomNormal(ctx, [5, 3], { seed: 9, stream: 2 }));
      const X = track(await randomNormal(ctx, [11, 6], { seed: 9, stream: 3 }));
      const Y = track(ctx.tensor([11, 3], { data: Float32Array.from({ length: 33 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0)) }));
      const opt = track(createOptimizer(ctx, [W1, W2], { method: 'adam', lr: 0.05, weightDecay: 0.01 }));
      const losses: number[] = [];
      for (let step = 0; step < 5; step++) {
        const tape = createTape(ctx);
        const [w1, w2] = [tape.param(W1), tape.param(W2)];
        const h = await tape.map('relu(a)', { a: await tape.matmul(tape.constant(X), w1) });
        const loss = await tape.softmaxCrossEntropy(await tape.matmul(h, w2), tape.constant(Y));
        const grads = await tape.grad(loss, [w1, w2]);
        await opt.step(grads.map((g) => g.value));
        losses.push((await loss.value.read())[0]!);
        tape.destroy();
      }
      // the loss went down: the gradients and the update have the right sign
      expect(losses[4]!).toBeLessThan(losses[0]!);
      return [await W1.read(), await W2.read()];
    };
    const first = await run();
    const second = await run();
    expect(second[0]).toEqual(first[0]);
    expect(second[1]).toEqual(first[1]);
  });
});
