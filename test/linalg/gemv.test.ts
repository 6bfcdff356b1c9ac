import { describe, expect } from 'vitest';
import { gemv, type GemvVariant } from '../../src/linalg/index.js';
import { GEMV_VARIANTS, gemvVariantKey } from '../../src/internal.js';
import { gemvRef } from '../../src/reference/linalg.js';
import { gpuIt, poisoned } from '../helpers/device.js';
import { absOf, expectWithinDotBound, randomF32 } from './helpers.js';

// Odd sizes, plus cols % 4 = 0 (the vec4 'row' kernels) with row counts that leave a partial block:
// 68 and 4 leave a tail after the quad-shared steps of 16 columns, 80 and 16 take the mat4x4 loads.
const shapes: [number, number][] = [[1, 1], [7, 13], [13, 7], [129, 257], [300, 3], [3, 300], [37, 68], [9, 4], [37, 80], [3, 16]];

/** Every declared variant runs every shape, plus 'tuned' (whatever this adapter's search picks). */
const variants: [string, boolean, GemvVariant | undefined][] = [
  ['tuned', false, undefined],
  ['tuned', true, undefined],
  ...GEMV_VARIANTS.n.map((v): [string, boolean, GemvVariant] => [gemvVariantKey(v), false, v]),
  ...GEMV_VARIANTS.t.map((v): [string, boolean, GemvVariant] => [gemvVariantKey(v), true, v]),
];

describe('gemv against the float64 reference', () => {
  for (const [rows, cols] of shapes) {
    for (const [name, trans, variant] of variants) {
      gpuIt(`${rows}×${cols}${trans ? ' Aᵀx' : ' Ax'} (${name})`, async (ctx, track) => {
        const a = randomF32(rows * cols, rows * 1000 + cols);
        const inLen = trans ? rows : cols;
        const outLen = trans ? cols : rows;
        const x = randomF32(inLen, 7);
        const A = track(ctx.tensor([rows, cols], { data: a }));
        const X = track(ctx.tensor([inLen], { data: x }));
        const Y = track(poisoned(ctx, [outLen]));
        if (variant?.quadX && !ctx.device.features.has('subgroups')) {
          // Without the feature the call must refuse, and the case ends there.
          await expect(gemv(ctx, A, X, { trans, dst: Y, variant })).rejects.toThrow(/quadX needs the device feature 'subgroups'/);
          return;
        }
        await gemv(ctx, A, X, { trans, dst: Y, variant });
        const terms = trans ? rows : cols;
        expectWithinDotBound(await Y.read(), gemvRef(a, x, rows, cols, { trans }), gemvRef(absOf(a), absOf(x), rows, cols, { trans }), terms, 'y');
      });
    }
  }

  // [45, 38] takes the scalar path of every kernel, [45, 40] the vec4 row-block kernel, [45, 48]
  // the mat4x4 one with quad-shared x where the device has subgroups.
  const quadMat4: GemvVariant = { layout: 'row', wg: 16, rows: 4, mat4: true, quadX: true };
  const scaled: [number, number, GemvVariant | undefined][] = [
    [45, 38, undefined],
    [45, 40, { layout: 'row', wg: 16, rows: 4 }],
    [45, 48, { layout: 'row', wg: 16, rows: 4, mat4: true }],
    [45, 48, quadMat4],
  ];
  for (const [rows, cols, variant] of scaled) {
    gpuIt(`alpha and beta; x may have any shape with the right size (${rows}×${cols}, ${variant ? gemvVariantKey(variant) : 'tuned'})`, async (ctx, track) => {
      if (variant?.quadX && !ctx.device.features.has('subgroups')) return;
      const a = randomF32(rows * cols, 1);
      const x = randomF32(cols, 2);
      const y0 = randomF32(rows, 3);
      const A = track(ctx.tensor([rows, cols], { data: a }));
      const X = track(ctx.tensor([2, cols / 2], { data: x }));
      const Y = track(ctx.tensor([rows], { data: y0 }));
      await gemv(ctx, A, X, { alpha: 1.5, beta: -2, dst: Y, variant });
      const mag = gemvRef(absOf(a), absOf(x), rows, cols, { alpha: 1.5, beta: 2, y: absOf(y0) });
      expectWithinDotBound(await Y.read(), gemvRef(a, x, rows, cols, { alpha: 1.5, beta: -2, y: y0 }), mag, cols, 'y');
    });
  }

  gpuIt('rejects mismatched sizes', async (ctx, track) => {
    const A = track(ctx.tensor([4, 5]));
    await expect(gemv(ctx, A, track(ctx.tensor([4])))).rejects.toThrow(/A is 4 × 5.*x has 4 elements/);
    await expect(gemv(ctx, A, track(ctx.tensor([5])), { trans: true })).rejects.toThrow(/Aᵀ is 5 × 4/);
    await expect(gemv(ctx, A, track(ctx.tensor([5])), { dst: track(ctx.tensor([5])) })).rejects.toThrow(/expected \[4\]/);
    await expect(gemv(ctx, A, track(ctx.tensor([5])), { variant: { layout: 'column', wg: 64 } })).rejects.toThrow(/options.variant .* A x needs layout/);
    await expect(gemv(ctx, A, track(ctx.tensor([5])), { variant: { layout: 'row', wg: 48 } })).rejects.toThrow(/wg must be a power of two/);
    await expect(gemv(ctx, A, track(ctx.tensor([5])), { variant: { layout: 'row', wg: 16, rows: 9 } })).rejects.toThrow(/rows \(per invocation\) must be a whole number from 1 to 8/);
    await expect(gemv(ctx, A, track(ctx.tensor([5])), { variant: { layout: 'workgroup', wg: 64, mat4: true } })).rejects.toThrow(/mat4 needs layout 'row'/);
    await expect(gemv(ctx, A, track(ctx.tensor([4])), { trans: true, variant: { layout: 'column', wg: 16, columnVec4s: 5 } })).rejects.toThrow(/columnVec4s needs layout 'column' and must be a whole number from 1 to 4/);
    await expect(gemv(ctx, A, track(ctx.tensor([4])), { trans: true, variant: { layout: 'column', wg: 16, quadX: true } })).rejects.toThrow(/quadX needs layout 'row', or 'column' with columnVec4s/);
    await expect(gemv(ctx, A, track(ctx.tensor([5])), { variant: { layout: 'row', wg: 2, rows: 2, quadX: true } })).rejects.toThrow(/quadX needs wg ≥ 4/);
  });
});
