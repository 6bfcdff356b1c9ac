import { describe, expect } from 'vitest';
import { axpy, fillIdentity, mapExpr, scale, scaleByTensor } from '../../src/linalg/index.js';
import { mapExprRef } from '../../src/reference/linalg.js';
import { expectClose, gpuIt, poisoned } from '../helpers/device.js';
import { U, randomF32 } from './helpers.js';

describe('elementwise kernels against the float64 reference', () => {
  gpuIt('axpy at an odd size, in place', async (ctx, track) => {
    const n = 1001;
    const x = randomF32(n, 1);
    const y = randomF32(n, 2);
    const X = track(ctx.tensor([7, 143], { data: x }));
    const Y = track(ctx.tensor([7, 143], { data: y }));
    expect(await axpy(ctx, -0.3, X, Y)).toBe(Y);
    // One rounding of alpha·x and one of the sum (or one with an FMA): ≤ 2u(|αx| + |y|) ≤ 2u·1.3.
    expectClose(await Y.read(), mapExprRef('a * x + y', { x, y }, { a: -0.3 }), { atol: 2 * U * 1.3 + 2 * U });
  });

  gpuIt('scale into a poisoned output and in place', async (ctx, track) => {
    const x = randomF32(65, 3);
    const X = track(ctx.tensor([65], { data: x }));
    const out = track(poisoned(ctx, [65]));
    await scale(ctx, X, 2.5, { dst: out });
    // A single f32 product: relative error ≤ u.
    expectClose(await out.read(), Float64Array.from(x, (v) => 2.5 * v), { rtol: U });
    await scale(ctx, X, 0.5, { dst: X });
    expectClose(await X.read(), Float64Array.from(x, (v) => 0.5 * v), { rtol: 0 });
  });

  gpuIt('mapExpr: functions, parameters, constants and c ? a : b', async (ctx, track) => {
    const n = 333;
    const x = randomF32(n, 4, -3, 3);
    const y = randomF32(n, 5, 0.1, 2);
    const expr = 'x > 0 ? tanh(g * x) + log(y) : sigmoid(x) * sqrt(y) - pi * min(x, -1) + square(relu(-x)) / e';
    const X = track(ctx.tensor([n], { data: x }));
    const Y = track(ctx.tensor([n], { data: y }));
    const out = track(poisoned(ctx, [n]));
    await mapExpr(ctx, expr, { x: X, y: Y }, { params: { g: 1.7 }, dst: out });
    // WGSL's tanh, log, exp and sqrt are accurate to a few ulp (tanh: absolute ~1e-5 on some
    // implementations), and results here are below ~15 in magnitude: 2e-5 absolute plus 1e-5
    // relative bounds the sum of every term's error, while any wrong branch or operand is O(1) off.
    expectClose(await out.read(), mapExprRef(expr, { x, y }, { g: 1.7 }), { atol: 2e-5, rtol: 1e-5 });
  });

  gpuIt('mapExpr rejects unknown names, functions and mismatched shapes', async (ctx, track) => {
    const X = track(ctx.tensor([4]));
    await expect(mapExpr(ctx, 'x + z', { x: X })).rejects.toThrow(/unknown name 'z'/);
    await expect(mapExpr(ctx, 'foo(x)', { x: X })).rejects.toThrow(/unknown function 'foo'/);
    await expect(mapExpr(ctx, 'x +', { x: X })).rejects.toThrow(/cannot parse/);
    await expect(mapExpr(ctx, 'x + y', { x: X, y: track(ctx.tensor([5])) })).rejects.toThrow(/expected \[4\]/);
    await expect(mapExpr(ctx, 'x * a', { x: X }, { params: { a: Number.NaN } })).rejects.toThrow(/finite/);
    await expect(mapExpr(ctx, 'x * a', { x: X }, { params: { a: 1e39 } })).rejects.toThrow(/parameter 'a' = 1e\+39 does not fit in a 32-bit float/);
  });

  gpuIt('fillIdentity and scaleByTensor on a batch', async (ctx, track) => {
    const I = track(poisoned(ctx, [3, 5, 5]));
    await fillIdentity(ctx, I);
    const eye = Array.from({ length: 75 }, (_, i) => ((i % 25) % 6 === 0 ? 1 : 0));
    expect([...(await I.read())]).toEqual(eye);
    const x = randomF32(75, 6);
    const s = [4, 0.25, 9];
    const X = track(ctx.tensor([3, 5, 5], { data: x }));
    const S = track(ctx.tensor([3], { data: s }));
    const out = track(poisoned(ctx, [3, 5, 5]));
    await scaleByTensor(ctx, X, S, 25, -0.5, out);
    // 1/sqrt(s) and the product each round once: ≤ 3u relative.
    expectClose(await out.read(), Float64Array.from(x, (v, i) => v / Math.sqrt(s[Math.floor(i / 25)]!)), { rtol: 3 * U });
  });
});
