/**
 * The equation language's meaning on the GPU equals its meaning on the CPU for the cases WGSL
 * leaves open: powers of negative bases and of zero, tanh of large arguments, clamp with lo > hi;
 * names that are JavaScript object properties; and an SDE model whose equations need the
 * language's WGSL helpers.
 */
import { describe, expect } from 'vitest';
import { mapExpr } from '../../src/linalg/index.js';
import { InputError } from '../../src/gpu/errors.js';
import { defineSDE, simulate } from '../../src/sde/index.js';
import { mapExprRef } from '../../src/reference/linalg.js';
import { simulateReference } from '../../src/testing.js';
import { expectClose, gpuIt, poisoned } from '../helpers/device.js';

/** NaN where the reference is NaN, the same infinity where it is infinite, else within `rtol`. */
function expectSameMeaning(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, label: (i: number) => string): void {
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) expect(a, label(i)).toBe(e);
    else expect(Math.abs(a - e), `${label(i)}: GPU ${a}, reference ${e}`).toBeLessThanOrEqual(rtol * Math.abs(e) + 1e-30);
  }
}

describe('the equation language on the GPU', () => {
  gpuIt('powers have one meaning: negative bases, zero, whole and fractional exponents', async (ctx, track) => {
    const bases = [-2, -1.5, -1, -0.5, 0, 0.5, 1, 2, 3];
    const exponents = [-3, -2, -1, -0.5, 0, 0.5, 1, 2, 2.5, 3, 5];
    const x = Float32Array.from(bases.flatMap((b) => exponents.map(() => b)));
    const y = Float32Array.from(bases.flatMap(() => exponents));
    const X = track(ctx.tensor([x.length], { data: x }));
    const Y = track(ctx.tensor([y.length], { data: y }));
    const label = (expr: string) => (i: number) => `${expr} at x = ${x[i]}, y = ${y[i]}`;
    // pow(|x|, y) = exp2(y log2 |x|): for |y log2 |x|| ≤ 8 here, (3 + 2·8) ULP from exp2 plus the
    // log2 error scaled by |y| ≤ 5 stay below 40 ULP ≈ 2.4e-6; 1e-5 leaves room, while a wrong sign
    // or a NaN/finite mix-up fails outright
    for (const expr of ['pow(x, y)', 'x ^ y', 'x ** y']) {
      const out = track(poisoned(ctx, [x.length]));
      await mapExpr(ctx, expr, { x: X, y: Y }, { dst: out });
      expectSameMeaning(await out.read(), mapExprRef(expr, { x, y }), 1e-5, label(expr));
    }
    // constant exponents: whole ones up to 4 as products (a few roundings), others through expr_pow
    for (const expr of ['x^3', 'x^-1', 'x^-2', '(-x)^5', 'x^2.5', 'x^-0.5', '-x^2', '2^x']) {
      const out = track(poisoned(ctx, [x.length]));
      await mapExpr(ctx, expr, { x: X }, { dst: out });
      expectSameMeaning(await out.read(), mapExprRef(expr, { x }), 1e-5, label(expr));
    }
    // the reference agrees with JavaScript's Math.pow, the documented meaning
    const ref = mapExprRef('pow(x, y)', { x, y });
    for (let i = 0; i < x.length; i++) expect(ref[i]).toBe(Math.pow(x[i]!, y[i]!));
  });

  gpuIt('tanh of large arguments is ±1 (not NaN) and clamp(x, lo, hi) is min(max(x, lo), hi)', async (ctx, track) => {
    const x = Float32Array.from([-1000, -100, -50, -20, -0.3, 0, 0.7, 30, 50, 100, 1000]);
    const y = Float32Array.from([-3, -1, -0.5, 0, 0.2, 0.5, 1, 2, 3, 0.9, -0.9]);
    const X = track(ctx.tensor([x.length], { data: x }));
    const Y = track(ctx.tensor([y.length], { data: y }));
    const out = track(poisoned(ctx, [x.length]));
    const expr = 'tanh(x) + 10 * clamp(y, 0.5, -0.5) + 100 * clamp(y, -0.5, 0.5)';
    await mapExpr(ctx, expr, { x: X, y: Y }, { dst: out });
    // terms are exact or tanh (absolute ~1e-5 at worst, see test/linalg/elementwise.test.ts)
    expectClose(await out.read(), mapExprRef(expr, { x, y }), { atol: 2e-5, rtol: 1e-6 });
  });

  gpuIt('inputs and parameters named constructor, valueOf, toString are ordinary names', async (ctx, track) => {
    const c = Float32Array.from([1, 2, 3, 4, 5]);
    const v = Float32Array.from([0.5, -1, 2, -3, 0.25]);
    const C = track(ctx.tensor([5], { data: c }));
    const V = track(ctx.tensor([5], { data: v }));
    const out = track(poisoned(ctx, [5]));
    const expr = 'constructor * valueOf + toString';
    await mapExpr(ctx, expr, { constructor: C, valueOf: V }, { params: { toString: 2 }, dst: out });
    // one product and one sum of exact f32 values: ≤ 2 roundings
    expectClose(await out.read(), mapExprRef(expr, { constructor: c, valueOf: v }, { toString: 2 }), { rtol: 2 ** -23 });
  });

  gpuIt('expressions up to the nesting limit compile on the GPU', async (ctx, track) => {
    const x = Float32Array.from([0.25, -0.5, 1]);
    const X = track(ctx.tensor([3], { data: x }));
    // 96 terms: 95 nested parentheses; 45 nested tanh calls with their clamps: 90 levels
    for (const expr of [Array(96).fill('x').join(' + '), `${'tanh('.repeat(45)}x${')'.repeat(45)}`, '((((x + 1)^4 - 1)^4 - 1)^3 - 1)^2']) {
      const out = track(poisoned(ctx, [3]));
      await mapExpr(ctx, expr, { x: X }, { dst: out });
      // sums of up to 96 exact terms, tanh (≤ 2e-5 absolute per call, contracting), or a few products
      expectClose(await out.read(), mapExprRef(expr, { x }), { atol: 1e-4, rtol: 1e-5 }, expr.slice(0, 30));
    }
  });

  gpuIt('a bad expression is refused before any GPU work: the output is untouched', async (ctx, track) => {
    const X = track(ctx.tensor([3], { data: [1, 2, 3] }));
    const out = track(poisoned(ctx, [3]));
    await expect(mapExpr(ctx, 'x / (1 - 1)', { x: X }, { dst: out })).rejects.toThrow(InputError);
    await expect(mapExpr(ctx, 'sqrt(-1) + x', { x: X }, { dst: out })).rejects.toThrow(/sqrt\(-1\) is not a number/);
    expect([...(await out.read())].every(Number.isNaN)).toBe(true);
  });

  gpuIt('an SDE model with expr_pow (negative bases, odd powers) runs as its CPU reference', async (ctx) => {
    const model = defineSDE({
      name: 'odd-powers', state: { x: { init: 'x0' } }, params: { x0: Array.from({ length: 19 }, (_, i) => -1.8 + 0.2 * i), k: 0.3 },
      drift: { x: '-k * x^5 - pow(x, 3) + 0.1 * (x^2 + 1)^1.5' }, diffusion: { x: '0.2' },
    });
    expect(model.wgsl).toContain('fn expr_pow(');
    const opts = { trials: 19, steps: 25, dt: 0.01, seed: 9 };
    const run = await simulate(ctx, model, { ...opts, record: { final: true } });
    const ref = simulateReference(model, opts);
    // 25 f32 steps of a contracting drift; each step adds a few ULP of |x| ≤ 2 and pow's ~20 ULP
    expectClose(run.finalState!, ref.state, { atol: 1e-4, rtol: 1e-4 });
  });
});
