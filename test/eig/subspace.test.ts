import { describe, expect } from 'vitest';
import { EigConvergenceError, subspaceIteration, type Complex } from '../../src/eig/index.js';
import { knownSpectrumMatrix, symmetricWithSpectrum } from '../../src/testing.js';
import { gpuIt } from '../helpers/device.js';

function nearest(values: Complex[], target: Complex): number {
  return Math.min(...values.map((v) => Math.hypot(v.re - target.re, v.im - target.im)));
}

describe('subspaceIteration', () => {
  gpuIt('symmetric known spectrum: the k largest in magnitude with residuals', async (ctx) => {
    const spectrum = [5, -4.5, 4, 3.5, ...Array.from({ length: 40 }, (_, i) => Math.cos(i) * 1.5)];
    const a = symmetricWithSpectrum(spectrum, 7);
    const [r] = await subspaceIteration(ctx, a, { k: 4, symmetric: true, vectors: true });
    expect(r!.values.map((v) => Math.round(v.re * 1e4) / 1e4)).toEqual([5, -4.5, 4, 3.5]);
    r!.residuals.forEach((res) => expect(res).toBeLessThan(5e-5));
    const x = r!.vectors!.re.subarray(0, spectrum.length);
    expect(Math.abs(x.reduce((s, e) => s + e * e, 0) - 1)).toBeLessThan(1e-5);
  });

  gpuIt('nonsymmetric with a dominant complex pair (odd order), and a batch', async (ctx) => {
    const { matrix, n } = knownSpectrumMatrix({ real: [2, 0.5, -0.4, 0.3, 0.2, 0.1, -0.1], complex: [{ re: -1, im: 2.5 }, { re: 0.1, im: 0.2 }], upper: 0.1, seed: 3 });
    const data = new Float32Array(2 * n * n);
    data.set(matrix, 0);
    data.set(matrix, n * n);
    const rs = await subspaceIteration(ctx, data, { n, batch: 2, k: 3 });
    for (const r of rs) {
      expect(r.values.length).toBe(3);
      for (const e of [{ re: -1, im: 2.5 }, { re: -1, im: -2.5 }, { re: 2, im: 0 }]) expect(nearest(r.values, e)).toBeLessThan(1e-4);
    }
  });

  gpuIt('slow separation and a tiny cap: EigConvergenceError', async (ctx) => {
    const a = symmetricWithSpectrum([1, 0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91], 1);
    await expect(subspaceIteration(ctx, a, { k: 2, block: 3, maxIter: 5, checkEvery: 5 })).rejects.toThrow(EigConvergenceError);
  });
});
