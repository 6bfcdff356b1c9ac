import { describe, expect } from 'vitest';
import { fft, fft2, ifft, ifft2, multiplySpectrum, realPart, toComplex } from '../../src/linalg/index.js';
import { dft2Ref, dftRef } from '../../src/reference/fft.js';
import { gpuIt, poisoned } from '../helpers/device.js';
import { randomF32, U } from './helpers.js';

/**
 * Error bound of an f32 FFT of length n (or of n = H·W points in 2-D): Higham, "Accuracy and
 * Stability of Numerical Algorithms", 2nd ed., Thm 24.2, gives ‖ŷ − y‖₂/‖y‖₂ ≤ log₂n·η/(1 − log₂n·η)
 * with η = μ + γ₄(√2 + μ) ≈ 6.7u when the twiddles carry an error μ ≈ u (our f32-rounded float64
 * table). We allow 8·log₂n·u per transform plus one rounding for the 1/n of the inverse. A wrong
 * index, twiddle or sign gives a relative error of order 1, a million times above this.
 */
function fftBound(points: number): number {
  return (8 * Math.max(Math.log2(points), 1) + 2) * U;
}

/** Assert the relative L2 error of every length-`len` complex block (one transform) is within `bound`. */
function expectTransformsClose(actual: ArrayLike<number>, expected: ArrayLike<number>, len: number, bound: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let start = 0; start < expected.length; start += 2 * len) {
    let err = 0;
    let norm = 0;
    for (let i = start; i < start + 2 * len; i++) {
      err += (actual[i]! - expected[i]!) ** 2;
      norm += expected[i]! ** 2;
    }
    const rel = Math.sqrt(err / Math.max(norm, 1e-300));
    if (!(rel <= bound)) expect.fail(`${what}: transform at ${start / (2 * len)} has relative error ${rel.toExponential(2)} > ${bound.toExponential(2)}`);
  }
}

const sumSq = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
};

describe('fft (1-D, batched) against the float64 direct DFT', () => {
  const cases: [batch: number, n: number][] = [[1, 1], [3, 1], [1, 2], [5, 2], [3, 4], [2, 8], [3, 32], [2, 64], [1, 512], [7, 16]];
  for (const [batch, n] of cases) {
    for (const maxRadix of [4, 2] as const) {
      gpuIt(`batch ${batch} × n ${n}, radix ≤ ${maxRadix}: forward and inverse`, async (ctx, track) => {
        const x = randomF32(batch * n * 2, 1000 * n + batch);
        const X = track(ctx.tensor([batch, n, 2], { data: x }));
        const F = track(poisoned(ctx, [batch, n, 2]));
        await fft(ctx, X, { dst: F, maxRadix });
        expectTransformsClose(await F.read(), dftRef(x, n), n, fftBound(n), 'fft');
        const I = track(poisoned(ctx, [batch, n, 2]));
        await ifft(ctx, X, { dst: I, maxRadix });
        expectTransformsClose(await I.read(), dftRef(x, n, true), n, fftBound(n), 'ifft');
        expect(Array.from(await X.read()), 'the input is left as it was').toEqual(Array.from(x));
      });
    }
  }
});

describe('fft2 (2-D, batched, non-square) against the float64 direct DFT', () => {
  const cases: [batch: number, h: number, w: number][] = [[1, 1, 1], [2, 1, 8], [1, 8, 1], [3, 4, 8], [2, 16, 4], [1, 32, 64], [1, 64, 64]];
  for (const [batch, h, w] of cases) {
    gpuIt(`${batch} × ${h} × ${w}: forward and inverse`, async (ctx, track) => {
      const x = randomF32(batch * h * w * 2, 7 * h + w + batch);
      const X = track(ctx.tensor([batch, h, w, 2], { data: x }));
      const F = track(await fft2(ctx, X));
      expectTransformsClose(await F.read(), dft2Ref(x, h, w), h * w, fftBound(h * w), 'fft2');
      const I = track(await ifft2(ctx, X));
      expectTransformsClose(await I.read(), dft2Ref(x, h, w, true), h * w, fftBound(h * w), 'ifft2');
    });
  }
});

describe('fft identities', () => {
  gpuIt('Parseval: Σ|X|² = n·Σ|x|² per transform (1-D and 2-D)', async (ctx, track) => {
    const [batch, n] = [4, 128];
    const x = randomF32(batch * n * 2, 11);
    const F = await (fft(ctx, track(ctx.tensor([batch, n, 2], { data: x }))).then(track)).then((t) => t.read());
    for (let b = 0; b < batch; b++) {
      const inside = sumSq(x.subarray(2 * n * b, 2 * n * (b + 1)));
      const outside = sumSq(F.subarray(2 * n * b, 2 * n * (b + 1)));
      // |‖X‖² − n‖x‖²| ≤ 2‖X − X*‖‖X*‖ + ‖X − X*‖², i.e. about twice the FFT bound, relatively.
      expect(Math.abs(outside - n * inside) / (n * inside)).toBeLessThanOrEqual(3 * fftBound(n));
    }
    const [h, w] = [16, 32];
    const y = randomF32(h * w * 2, 12);
    const G = await (fft2(ctx, track(ctx.tensor([h, w, 2], { data: y }))).then(track)).then((t) => t.read());
    expect(Math.abs(sumSq(G) - h * w * sumSq(y)) / (h * w * sumSq(y))).toBeLessThanOrEqual(3 * fftBound(h * w));
  });

  gpuIt('inverse ∘ forward = identity (1-D 256, 2-D 32 × 16)', async (ctx, track) => {
    const x = randomF32(3 * 256 * 2, 13);
    const X = track(ctx.tensor([3, 256, 2], { data: x }));
    const back = await track(await ifft(ctx, track(await fft(ctx, X)))).read();
    // Two transforms: their bounds add.
    expectTransformsClose(back, x, 256, 2 * fftBound(256), 'ifft(fft(x))');
    const y = randomF32(32 * 16 * 2, 14);
    const Y = track(ctx.tensor([32, 16, 2], { data: y }));
    const back2 = await track(await ifft2(ctx, track(await fft2(ctx, Y)))).read();
    expectTransformsClose(back2, y, 32 * 16, 2 * fftBound(32 * 16), 'ifft2(fft2(x))');
  });

  gpuIt('real ↔ complex and spectrum masks match the CPU (exact up to one rounding)', async (ctx, track) => {
    const [b, h, w] = [2, 4, 8];
    const r = randomF32(b * h * w, 21);
    const C = track(await toComplex(ctx, track(ctx.tensor([b, h, w], { data: r }))));
    expect(C.shape).toEqual([b, h, w, 2]);
    const c = await C.read();
    for (let i = 0; i < r.length; i++) {
      expect(c[2 * i]).toBe(r[i]);
      expect(c[2 * i + 1]).toBe(0);
    }
    const z = randomF32(b * h * w * 2, 22);
    const Z = track(ctx.tensor([b, h, w, 2], { data: z }));
    expect(Array.from(await track(await realPart(ctx, Z)).read())).toEqual(Array.from(z.filter((_, i) => i % 2 === 0)));
    const m = randomF32(h * w, 23);
    const real = await track(await multiplySpectrum(ctx, Z, track(ctx.tensor([h, w], { data: m })))).read();
    const mc = randomF32(h * w * 2, 24);
    const cplx = await track(await multiplySpectrum(ctx, Z, track(ctx.tensor([h, w, 2], { data: mc })), { complexMask: true })).read();
    for (let i = 0; i < b * h * w; i++) {
      const k = i % (h * w);
      expect(Math.abs(real[2 * i]! - z[2 * i]! * m[k]!)).toBeLessThanOrEqual(U * Math.abs(z[2 * i]! * m[k]!));
      const re = z[2 * i]! * mc[2 * k]! - z[2 * i + 1]! * mc[2 * k + 1]!;
      const im = z[2 * i]! * mc[2 * k + 1]! + z[2 * i + 1]! * mc[2 * k]!;
      const mag = Math.abs(z[2 * i]!) * Math.hypot(mc[2 * k]!, mc[2 * k + 1]!) + Math.abs(z[2 * i + 1]!) * Math.hypot(mc[2 * k]!, mc[2 * k + 1]!);
      expect(Math.abs(cplx[2 * i]! - re)).toBeLessThanOrEqual(3 * U * mag);
      expect(Math.abs(cplx[2 * i + 1]! - im)).toBeLessThanOrEqual(3 * U * mag);
    }
  });

  gpuIt('rejects bad shapes and aliasing before any GPU work', async (ctx, track) => {
    await expect(fft(ctx, track(ctx.tensor([4, 3])))).rejects.toThrow(/\[\.\.\., n, 2\].*\[4, 3\]/);
    await expect(fft(ctx, track(ctx.tensor([6, 2])))).rejects.toThrow(/powers of two.*length 6/);
    await expect(fft2(ctx, track(ctx.tensor([8, 2])))).rejects.toThrow(/\[\.\.\., H, W, 2\]/);
    await expect(fft2(ctx, track(ctx.tensor([12, 8, 2])))).rejects.toThrow(/length 12/);
    const X = track(ctx.tensor([8, 2]));
    await expect(fft(ctx, X, { dst: X })).rejects.toThrow(/must not share its buffer/);
    await expect(fft(ctx, X, { dst: track(ctx.tensor([4, 2])) })).rejects.toThrow(/expected \[8, 2\]/);
    await expect(multiplySpectrum(ctx, track(ctx.tensor([4, 8, 2])), track(ctx.tensor([8, 4])))).rejects.toThrow(/must match the trailing/);
  });
});
