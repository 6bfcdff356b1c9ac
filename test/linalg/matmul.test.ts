import { describe, expect } from 'vitest';
import type { Context } from '../../src/core/context.js';
import type { Tensor } from '../../src/core/tensor.js';
import { InputError } from '../../src/gpu/errors.js';
import { matmul } from '../../src/linalg/index.js';
import { GEMM_TILING_LARGE, GEMM_TILING_SMALL, GEMM_VARIANTS, tilingKey, type GemmTiling } from '../../src/internal.js';
import { matmulRef } from '../../src/reference/linalg.js';
import { gpuIt, poisoned } from '../helpers/device.js';
import { absOf, expectWithinDotBound, randomF32 } from './helpers.js';

interface Case {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  batchA?: number;
  batchB?: number;
}

function shapeOf(batch: number | undefined, rows: number, cols: number): number[] {
  return batch === undefined ? [rows, cols] : [batch, rows, cols];
}

const cases: Case[] = [
  { m: 1, n: 1, k: 1 },
  { m: 7, n: 5, k: 13 },
  { m: 7, n: 5, k: 13, transA: true },
  { m: 7, n: 5, k: 13, transB: true },
  { m: 7, n: 5, k: 13, transA: true, transB: true },
  { m: 129, n: 257, k: 65 },
  { m: 129, n: 65, k: 257, transA: true },
  { m: 65, n: 129, k: 257, transB: true },
  { m: 130, n: 67, k: 31, transA: true, transB: true },
  { m: 1, n: 200, k: 77 },
  { m: 200, n: 1, k: 77 },
  { m: 17, n: 11, k: 9, batchA: 3, batchB: 3 },
  { m: 17, n: 11, k: 9, batchA: 3, transA: true, transB: true, batchB: 3 },
  { m: 33, n: 70, k: 20, batchA: 4 },
  { m: 33, n: 70, k: 20, batchB: 2, transB: true },
  { m: 5, n: 6, k: 7, batchA: 1, batchB: 3 },
];

/** Every declared variant runs every case, plus 'tuned' (whatever this adapter's search picks). */
const tilings = ([
  ['tuned', undefined],
  ...[GEMM_TILING_LARGE, GEMM_TILING_SMALL, ...GEMM_VARIANTS].map((t): [string, GemmTiling] => [tilingKey(t), t]),
  ['direct 5×8 wg 4×2', { wgX: 4, wgY: 2, tileK: 1, variant: 'direct', rows: 5, cols4: 2 }],
  ['direct 1×4 wg 4×4 strided', { wgX: 4, wgY: 4, tileK: 1, variant: 'direct', rows: 1, cols4: 1, strided: true }],
  // Odd quad-A blocks: three quads per row of the workgroup, k remainders of 1–3 after the steps of 4.
  ['direct 3×4 wg 12×1 strided quad-A', { wgX: 12, wgY: 1, tileK: 1, variant: 'direct', rows: 3, cols4: 1, strided: true, quadA: true }],
  ['direct 5×8 wg 4×2 strided quad-A', { wgX: 4, wgY: 2, tileK: 1, variant: 'direct', rows: 5, cols4: 2, strided: true, quadA: true }],
] as [string, GemmTiling | undefined][]).filter(([name], i, all) => all.findIndex(([other]) => other === name) === i);

describe.each(tilings)('matmul (GEMM, %s) against the float64 reference', (_name, tiling) => {
  /** Quad-A tilings need 'subgroups': without it the call must refuse, and the case ends there. */
  const unsupported = async (ctx: Context, A: Tensor, B: Tensor): Promise<boolean> => {
    if (!tiling?.quadA || ctx.device.features.has('subgroups')) return false;
    await expect(matmul(ctx, A, B, { tiling })).rejects.toThrow(/quadA needs the device feature 'subgroups'/);
    return true;
  };
  cases.forEach((c, index) => {
    const name = `${c.batchA ?? c.batchB ? `batch ${c.batchA ?? 1}/${c.batchB ?? 1} ` : ''}${c.m}×${c.k} · ${c.k}×${c.n}` +
      `${c.transA ? ' Aᵀ' : ''}${c.transB ? ' Bᵀ' : ''}`;
    gpuIt(name, async (ctx, track) => {
      const aShape = shapeOf(c.batchA, c.transA ? c.k : c.m, c.transA ? c.m : c.k);
      const bShape = shapeOf(c.batchB, c.transB ? c.n : c.k, c.transB ? c.k : c.n);
      const a = randomF32(aShape.reduce((p, d) => p * d), 100 + index);
      const b = randomF32(bShape.reduce((p, d) => p * d), 200 + index);
      const A = track(ctx.tensor(aShape, { data: a, label: 'A' }));
      const B = track(ctx.tensor(bShape, { data: b, label: 'B' }));
      const batch = Math.max(c.batchA ?? 1, c.batchB ?? 1);
      const batched = c.batchA !== undefined || c.batchB !== undefined;
      const outShape = batched ? [batch, c.m, c.n] : [c.m, c.n];
      const C = track(poisoned(ctx, outShape, 'C'));
      if (await unsupported(ctx, A, B)) return;
      const result = await matmul(ctx, A, B, { transA: c.transA, transB: c.transB, dst: C, tiling });
      expect(result).toBe(C);
      const opts = { transA: c.transA, transB: c.transB, batchA: c.batchA ?? 1, batchB: c.batchB ?? 1 };
      const expected = matmulRef(a, b, c.m, c.n, c.k, opts);
      const magnitude = matmulRef(absOf(a), absOf(b), c.m, c.n, c.k, opts);
      expectWithinDotBound(await C.read(), expected, magnitude, c.k, 'C');
    });
  });

  gpuIt('alpha and beta update an existing C; a new output is allocated without dst', async (ctx, track) => {
    const [m, n, k] = [37, 29, 41];
    const a = randomF32(m * k, 1);
    const b = randomF32(k * n, 2);
    const c0 = randomF32(m * n, 3);
    const A = track(ctx.tensor([m, k], { data: a }));
    const B = track(ctx.tensor([k, n], { data: b }));
    const C = track(ctx.tensor([m, n], { data: c0 }));
    if (await unsupported(ctx, A, B)) return;
    await matmul(ctx, A, B, { alpha: -0.75, beta: 2.5, dst: C, tiling });
    const expected = matmulRef(a, b, m, n, k, { alpha: -0.75, beta: 2.5, c: c0 });
    // Bound on |alpha|·Σ|ab| plus the rounding of beta·C and the final add.
    const mag = matmulRef(absOf(a), absOf(b), m, n, k, { alpha: 0.75, beta: 2.5, c: absOf(c0) });
    expectWithinDotBound(await C.read(), expected, mag, k, 'C');
    const fresh = track(await matmul(ctx, A, B, { alpha: 2, tiling }));
    expect(fresh.shape).toEqual([m, n]);
    const expected2 = matmulRef(a, b, m, n, k, { alpha: 2 });
    const mag2 = matmulRef(absOf(a), absOf(b), m, n, k, { alpha: 2 });
    expectWithinDotBound(await fresh.read(), expected2, mag2, k, 'fresh C');
  });

  gpuIt('k = 0 gives beta · C (zeros with beta = 0), never NaN from poisoned C', async (ctx, track) => {
    const A = track(ctx.tensor([3, 0]));
    const B = track(ctx.tensor([0, 4]));
    const C = track(poisoned(ctx, [3, 4]));
    if (await unsupported(ctx, A, B)) return;
    await matmul(ctx, A, B, { dst: C, tiling });
    expect([...(await C.read())]).toEqual(new Array(12).fill(0));
  });
});

describe('matmul input checks', () => {

  gpuIt('rejects bad shapes, aliasing and beta without dst before any GPU work', async (ctx, track) => {
    const A = track(ctx.tensor([3, 4]));
    const B = track(ctx.tensor([5, 2]));
    await expect(matmul(ctx, A, B)).rejects.toThrow(/A is 3 × 4 and B is 5 × 2, so the inner dimensions 4 and 5 differ/);
    await expect(matmul(ctx, A, track(ctx.tensor([4, 2])), { beta: 1 })).rejects.toThrow(InputError);
    const sq = track(ctx.tensor([4, 4]));
    await expect(matmul(ctx, sq, sq, { dst: sq })).rejects.toThrow(/must not share its buffer/);
    await expect(matmul(ctx, A, track(ctx.tensor([4, 2])), { dst: track(ctx.tensor([2, 3])) })).rejects.toThrow(/expected \[3, 2\]/);
    await expect(matmul(ctx, track(ctx.tensor([2, 3, 4])), track(ctx.tensor([3, 4, 2])))).rejects.toThrow(/batch sizes differ/);
    await expect(matmul(ctx, track(ctx.tensor([4])), A)).rejects.toThrow(/must be a matrix/);
    await expect(matmul(ctx, track(ctx.tensor([3, 4], { dtype: 'u32' })), B)).rejects.toThrow(/must be f32/);
    const B2 = track(ctx.tensor([4, 2]));
    await expect(matmul(ctx, A, B2, { tiling: { wgX: 0, wgY: 8, tileK: 1 } })).rejects.toThrow(/options.tiling .* whole numbers/);
    await expect(matmul(ctx, A, B2, { tiling: { wgX: 8, wgY: 8, tileK: 1, variant: 'direct', rows: 33 } })).rejects.toThrow(/rows must be 1–32/);
    await expect(matmul(ctx, A, B2, { tiling: { wgX: 8, wgY: 8, tileK: 1, variant: 'direct', quadA: true } })).rejects.toThrow(/quadA needs the direct variant, strided: true/);
    await expect(matmul(ctx, A, B2, { tiling: { wgX: 6, wgY: 8, tileK: 1, variant: 'direct', strided: true, quadA: true } })).rejects.toThrow(/wgX a multiple of 4/);
  });
});
