import { describe, expect } from 'vitest';
import { dot, max, maxAbs, min, norm2, sum, sumSquares } from '../../src/linalg/index.js';
import { reduceRef, type ReduceRefOp } from '../../src/reference/linalg.js';
import { gpuIt, poisoned } from '../helpers/device.js';
import { absOf, expectWithinDotBound, randomF32 } from './helpers.js';

type Op = ReduceRefOp | 'maxAbs' | 'sumSquares';
const ops = { sum, max, min, norm2, sumSquares, maxAbs } as const;

/** Reference value and the magnitude Σ|terms| that bounds its f32 rounding error. */
function reference(op: Op, x: Float32Array, outer: number, len: number, inner: number, y?: Float32Array) {
  if (op === 'maxAbs') {
    const e = reduceRef(absOf(x), outer, len, inner, 'max');
    return { expected: e, magnitude: e, terms: 0 };
  }
  if (op === 'max' || op === 'min') {
    const e = reduceRef(x, outer, len, inner, op);
    return { expected: e, magnitude: absOf(e), terms: 0 };
  }
  if (op === 'sumSquares' || op === 'norm2') {
    const e = reduceRef(x, outer, len, inner, op === 'norm2' ? 'norm2' : 'sumsq');
    // For the norm, ‖x‖(1 + δ) with δ ≤ (len + 2)u/2: the same bound on the value itself.
    return { expected: e, magnitude: absOf(e), terms: len };
  }
  if (op === 'dot') {
    return { expected: reduceRef(x, outer, len, inner, 'dot', y), magnitude: reduceRef(absOf(x), outer, len, inner, 'dot', absOf(y!)), terms: len };
  }
  return { expected: reduceRef(x, outer, len, inner, 'sum'), magnitude: reduceRef(absOf(x), outer, len, inner, 'sum'), terms: len };
}

describe('reductions over the whole array', () => {
  // 5000 and 70001 take two passes (chunks of ≥ 1024 elements), 1 and 1000 one.
  for (const n of [1, 1000, 5000, 70001]) {
    for (const op of Object.keys(ops) as (keyof typeof ops)[]) {
      gpuIt(`${op} of ${n} elements`, async (ctx, track) => {
        const x = randomF32(n, n + op.length, -2, 1);
        const X = track(ctx.tensor([n], { data: x }));
        const out = track(poisoned(ctx, [1]));
        await ops[op](ctx, X, { dst: out });
        const r = reference(op, x, 1, n, 1);
        expectWithinDotBound(await out.read(), r.expected, r.magnitude, r.terms, op);
      });
    }
  }
  gpuIt('dot of 5000 elements', async (ctx, track) => {
    const x = randomF32(5000, 1);
    const y = randomF32(5000, 2);
    const out = track(await dot(ctx, track(ctx.tensor([5000], { data: x })), track(ctx.tensor([5000], { data: y }))));
    expect(out.shape).toEqual([1]);
    const r = reference('dot', x, 1, 5000, 1, y);
    expectWithinDotBound(await out.read(), r.expected, r.magnitude, r.terms, 'dot');
  });
});

describe('reductions along an axis', () => {
  const shape = [3, 5, 7];
  for (const axis of [0, 1, 2, -1]) {
    for (const op of ['sum', 'max', 'norm2', 'dot'] as const) {
      gpuIt(`${op} over axis ${axis} of [${shape.join(', ')}]`, async (ctx, track) => {
        const x = randomF32(105, 10 + axis);
        const y = randomF32(105, 20 + axis);
        const a = axis < 0 ? axis + 3 : axis;
        const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
        const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
        const X = track(ctx.tensor(shape, { data: x }));
        const Y = track(ctx.tensor(shape, { data: y }));
        const outShape = shape.filter((_, i) => i !== a);
        const out = track(poisoned(ctx, outShape));
        if (op === 'dot') await dot(ctx, X, Y, { axis, dst: out });
        else await ops[op](ctx, X, { axis, dst: out });
        const r = reference(op, x, outer, shape[a]!, inner, y);
        expectWithinDotBound(await out.read(), r.expected, r.magnitude, r.terms, `${op} axis ${axis}`);
      });
    }
  }
  gpuIt('column norms of a tall matrix (axis 0, two passes per column)', async (ctx, track) => {
    const [rows, cols] = [3000, 3];
    const x = randomF32(rows * cols, 5);
    const out = track(await norm2(ctx, track(ctx.tensor([rows, cols], { data: x })), { axis: 0 }));
    expect(out.shape).toEqual([cols]);
    const r = reference('norm2', x, 1, rows, cols);
    expectWithinDotBound(await out.read(), r.expected, r.magnitude, r.terms, 'column norms');
  });
  gpuIt('rejects bad axes, mismatched dot shapes and empty max', async (ctx, track) => {
    const X = track(ctx.tensor([2, 3]));
    await expect(sum(ctx, X, { axis: 2 })).rejects.toThrow(/axis 2 is out of range/);
    await expect(dot(ctx, X, track(ctx.tensor([3, 2])))).rejects.toThrow(/shape \[2, 3\] but y/);
    await expect(max(ctx, track(ctx.tensor([0])))).rejects.toThrow(/empty/);
    const empty = track(await sum(ctx, track(ctx.tensor([0]))));
    expect([...(await empty.read())]).toEqual([0]);
  });
});
