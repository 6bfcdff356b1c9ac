import { describe, expect, it } from 'vitest';
import { columnMoments, histogram2d, mutualInformation, zcaWhiten } from '../../src/models/shaping/metrics.js';
import { excessKurtosis, ksDistanceNormal, mutualInformationRef, normalCdf, normalQuantile } from '../../src/models/shaping/reference.js';
import { gpuIt, testRng } from '../helpers/device.js';

/** Correlated heavy-tailed pairs: x Laplace, y = ρx + Laplace noise, plus an offset; f32-rounded. */
function laplacePairs(count: number, seed: number, offset = 0): Float32Array {
  const rng = testRng(seed);
  const laplace = (): number => {
    const u = rng() - 0.5;
    return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  };
  const out = new Float32Array(2 * count);
  for (let p = 0; p < count; p++) {
    const x = laplace();
    out[2 * p] = x + offset;
    out[2 * p + 1] = 0.6 * x + laplace() - offset;
  }
  return out;
}

const column = (pairs: Float32Array, j: number): Float64Array => Float64Array.from({ length: pairs.length / 2 }, (_, p) => pairs[2 * p + j]!);

describe('shaping metrics against float64 references', () => {
  gpuIt('column moments: mean, covariance and excess kurtosis (3001 pairs, mean 5)', async (ctx, track) => {
    const pairs = laplacePairs(3001, 1, 5);
    const m = await columnMoments(ctx, track(ctx.tensor([3001, 2], { data: pairs })));
    const x = column(pairs, 0);
    const y = column(pairs, 1);
    const mean = (v: Float64Array): number => v.reduce((a, b) => a + b, 0) / v.length;
    const [mx, my] = [mean(x), mean(y)];
    const cov = x.reduce((a, xi, i) => a + (xi - mx) * (y[i]! - my), 0) / x.length;
    // Partial sums of ≤ 1024/64 = 16 terms per invocation, a 64-leaf tree, then float64: the f32
    // error is about (16 + 6)·u relative to Σ|d|^k, i.e. ~1e-6 of the sums of fourth powers.
    expect(Math.abs(m.mean[0]! - mx)).toBeLessThan(1e-5 * Math.abs(mx));
    expect(Math.abs(m.mean[1]! - my)).toBeLessThan(1e-5 * Math.abs(my));
    expect(Math.abs(m.covariance[1]! - cov)).toBeLessThan(1e-5 * Math.sqrt(m.covariance[0]! * m.covariance[3]!));
    expect(m.covariance[1]).toBe(m.covariance[2]);
    expect(Math.abs(m.kurtosis[0]! - excessKurtosis(x))).toBeLessThan(1e-4);
    expect(Math.abs(m.kurtosis[1]! - excessKurtosis(y))).toBeLessThan(1e-4);
    expect(m.kurtosis[0]).toBeGreaterThan(1.5); // Laplace: 3, so the check is not vacuous
  });

  for (const step of [1, 10]) {
    gpuIt(`joint histogram and plug-in MI equal the float64 count (2017 pairs, every ${step}${step === 1 ? 'st' : 'th'})`, async (ctx, track) => {
      const pairs = laplacePairs(2017, 2 + step);
      const t = track(ctx.tensor([2017, 2], { data: pairs }));
      const h = await histogram2d(ctx, t, step);
      // The bins are exact (⌊2x⌋ of the same f32 numbers), so the counts agree exactly.
      const expected = new Uint32Array(h.binsX * h.binsY);
      for (let p = 0; p < 2017; p += step) {
        expected[(Math.floor(2 * pairs[2 * p]!) - h.originX) * h.binsY + (Math.floor(2 * pairs[2 * p + 1]!) - h.originY)]! += 1;
      }
      expect(Array.from(h.counts)).toEqual(Array.from(expected));
      expect(h.total).toBe(Math.ceil(2017 / step));
      const { mi } = await mutualInformation(ctx, t, step);
      expect(Math.abs(mi - mutualInformationRef(pairs, step))).toBeLessThan(1e-12);
      expect(mi).toBeGreaterThan(0.05);
    });
  }

  gpuIt('ZCA whitening gives unit covariance (1999 correlated pairs)', async (ctx, track) => {
    const pairs = laplacePairs(1999, 4);
    const { whitened, matrix } = await zcaWhiten(ctx, track(ctx.tensor([1999, 2], { data: pairs })));
    track(whitened);
    expect(matrix[1]).toBe(matrix[2]);
    const m = await columnMoments(ctx, whitened);
    // C^{-1/2} C C^{-1/2} = I up to the f32 moments (1e-6) and the f32 product (1e-6).
    expect(Math.abs(m.covariance[0]! - 1)).toBeLessThan(1e-4);
    expect(Math.abs(m.covariance[3]! - 1)).toBeLessThan(1e-4);
    expect(Math.abs(m.covariance[1]!)).toBeLessThan(1e-4);
  });

  gpuIt('rejects non-finite pairs and the wrong shapes', async (ctx, track) => {
    const bad = Float32Array.from([0, 1, NaN, 2, 3, 4]);
    await expect(histogram2d(ctx, track(ctx.tensor([3, 2], { data: bad })))).rejects.toThrow(/non-finite/);
    await expect(histogram2d(ctx, track(ctx.tensor([3, 3])))).rejects.toThrow(/columns ≤ 2/);
    await expect(columnMoments(ctx, track(ctx.tensor([1, 2])))).rejects.toThrow(/at least 2 samples/);
  });
});

describe('float64 statistics (CPU)', () => {
  it('KS distance of the n mid-quantiles Φ⁻¹((i + ½)/n) of N(0, 1) is exactly 1/(2n)', () => {
    for (const n of [1, 7, 1000]) {
      const x = Float64Array.from({ length: n }, (_, i) => normalQuantile((i + 0.5) / n));
      expect(Math.abs(ksDistanceNormal(x) - 0.5 / n)).toBeLessThan(1e-12);
    }
  });

  it('Φ⁻¹ inverts Φ to float64 accuracy; the plug-in MI of a product grid is zero', () => {
    for (const p of [1e-10, 0.01, 0.3, 0.5, 0.77, 0.999]) expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-14 * Math.min(p, 1 - p) + 1e-16);
    expect(Math.abs(normalQuantile(0.975) - 1.959963984540054)).toBeLessThan(1e-14);
    expect(Math.abs(normalQuantile(1e-10) + 6.361340902404056)).toBeLessThan(1e-12);
    // x and y on a product grid: the empirical joint is exactly the product of the marginals.
    const pairs: number[] = [];
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) pairs.push(i * 0.5, j * 0.5);
    expect(mutualInformationRef(pairs)).toBeLessThan(1e-15);
  });
});
