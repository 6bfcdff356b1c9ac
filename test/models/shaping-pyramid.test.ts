import { describe, expect, it } from 'vitest';
import { fft2, ifft2, multiplySpectrum, realPart, toComplex } from '../../src/linalg/index.js';
import { bandMaskComplex, filterImages, pyramidBand } from '../../src/models/shaping/pyramid.js';
import { steerableBandRef, steerableMasks } from '../../src/models/shaping/steerable.js';
import { gpuIt } from '../helpers/device.js';
import { randomF32, U } from '../linalg/helpers.js';

const sizes: [number, number][] = [[1, 1], [4, 8], [32, 16], [64, 64]];

describe('steerable pyramid masks (float64)', () => {
  for (const [h, w] of sizes) {
    for (const order of [1, 2, 3]) {
      it(`${h} × ${w}, order ${order}: the squared masks sum to one at every frequency`, () => {
        const m = steerableMasks(h, w, { order, height: 3 });
        for (let i = 0; i < h * w; i++) {
          let s = m.highpass[i]! ** 2 + m.lowpass[i]! ** 2;
          for (const level of m.bands) for (const band of level) s += band[i]! ** 2;
          expect(Math.abs(s - 1), `frequency ${i}`).toBeLessThan(1e-13);
        }
      });
    }
  }

  it('orientation 0 is centred on horizontal frequencies (along the rows); the finest band covers (1/4, 1) of Nyquist', () => {
    const m = steerableMasks(64, 64, { order: 2, height: 3 });
    const band = m.bands[0]![0]!;
    // Along f = (kx/32, 0) the finest band's radial mask is Lo0·Hi1, non-zero for r in (1/4, 1);
    // along f = (0, ky/32) its angular mask cos²θ vanishes.
    const along = (k: number): number => band[0 * 64 + k]!;
    const across = (k: number): number => band[k * 64 + 0]!;
    expect(Math.max(...[8, 12, 16, 20, 24].map(along))).toBeGreaterThan(0.9);
    expect(Math.max(...[8, 12, 16, 20, 24].map(across))).toBeLessThan(1e-12);
    expect(along(2)).toBe(0); // r = 1/16: below the finest band's transition [1/4, 1/2]
  });
});

describe('steerable pyramid on the GPU', () => {
  gpuIt('finest band, orientation 0, of a 32 × 64 image matches the float64 reference', async (ctx, track) => {
    const [h, w] = [32, 64];
    const img = randomF32(h * w, 5, 0, 1);
    const band = track(await pyramidBand(ctx, track(ctx.tensor([h, w], { data: img })), { normalize: false }));
    const ref = steerableBandRef(img, h, w, steerableMasks(h, w).bands[0]![0]!, 2);
    const got = await band.read();
    let err = 0;
    let norm = 0;
    for (let i = 0; i < h * w; i++) {
      err += (got[i]! - ref[i]!) ** 2;
      norm += ref[i]! ** 2;
    }
    // Two f32 transforms of h·w points (8·log₂(hw)·u each, see test/linalg/fft.test.ts), relative to
    // ‖x‖ ≥ ‖band‖ since the mask is at most 1: measure against ‖x‖.
    let imgNorm = 0;
    for (const v of img) imgNorm += v * v;
    expect(Math.sqrt(err / imgNorm)).toBeLessThan(2 * (8 * Math.log2(h * w) + 2) * U);
    expect(norm).toBeGreaterThan(0);
  });

  gpuIt('normalised band has unit standard deviation and zero mean', async (ctx, track) => {
    const img = randomF32(16 * 16, 6, 0, 1);
    const band = await track(await pyramidBand(ctx, track(ctx.tensor([16, 16], { data: img })))).read();
    let m = 0;
    for (const v of band) m += v;
    m /= band.length;
    let v2 = 0;
    for (const v of band) v2 += (v - m) ** 2;
    expect(Math.abs(m)).toBeLessThan(1e-5);
    expect(Math.abs(Math.sqrt(v2 / band.length) - 1)).toBeLessThan(1e-5);
  });

  gpuIt('analysis then synthesis reconstructs the image (tight frame), 32 × 16, order 2, height 2', async (ctx, track) => {
    const [h, w] = [32, 16];
    const img = randomF32(h * w, 7, 0, 1);
    const X = track(ctx.tensor([h, w], { data: img }));
    const m = steerableMasks(h, w, { order: 2, height: 2 });
    const all: { mask: Float64Array; order: number }[] = [
      { mask: m.highpass, order: 0 },
      ...m.bands.flatMap((level) => level.map((mask) => ({ mask, order: 2 }))),
      { mask: m.lowpass, order: 0 },
    ];
    const acc = new Float64Array(2 * h * w);
    for (const { mask, order } of all) {
      const forward = track(ctx.tensor([h, w, 2], { data: bandMaskComplex(mask, order) }));
      const band = track(await filterImages(ctx, X, forward));
      // Synthesis: the band's spectrum times the conjugate mask, summed over bands.
      const conj = bandMaskComplex(mask, order).map((v, i) => (i % 2 ? -v : v));
      const B = track(await fft2(ctx, track(await toComplex(ctx, band))));
      const S = await track(await multiplySpectrum(ctx, B, track(ctx.tensor([h, w, 2], { data: conj })), { complexMask: true })).read();
      for (let i = 0; i < S.length; i++) acc[i] = acc[i]! + S[i]!;
    }
    const recon = await track(await realPart(ctx, track(await ifft2(ctx, track(ctx.tensor([h, w, 2], { data: Float32Array.from(acc) })))))).read();
    let err = 0;
    let norm = 0;
    for (let i = 0; i < h * w; i++) {
      err += (recon[i]! - img[i]!) ** 2;
      norm += img[i]! ** 2;
    }
    // Each of the 6 bands goes through three f32 transforms; a missing band or a mask that is not
    // tight leaves an O(0.1) relative error.
    expect(Math.sqrt(err / norm)).toBeLessThan(6 * 3 * (8 * Math.log2(h * w) + 2) * U);
  });

  gpuIt('rejects a bad band before any GPU work', async (ctx, track) => {
    const X = track(ctx.tensor([8, 8]));
    await expect(pyramidBand(ctx, X, { orientation: 3 })).rejects.toThrow(/orientation must be an integer in \[0, 2\], got 3/);
    await expect(pyramidBand(ctx, X, { level: 3 })).rejects.toThrow(/level must be an integer in \[0, 2\]/);
    await expect(pyramidBand(ctx, track(ctx.tensor([8])))).rejects.toThrow(/\[\.\.\., H, W\]/);
    await expect(pyramidBand(ctx, track(ctx.tensor([6, 8])))).rejects.toThrow(/powers of two/);
  });
});
