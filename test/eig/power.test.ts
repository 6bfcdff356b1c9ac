import { describe, expect } from 'vitest';
import { EigConvergenceError, powerIteration } from '../../src/eig/index.js';
import { knownSpectrumMatrix, symmetricWithSpectrum } from '../../src/testing.js';
import { powerIterationReference } from '../../src/reference/eig.js';
import { gpuIt } from '../helpers/device.js';

describe('powerIteration', () => {
  gpuIt('dominant eigenpair of a known spectrum, matching the float64 power iteration', async (ctx) => {
    const values = [4, -3, 2, ...Array.from({ length: 50 }, (_, i) => Math.sin(i))];
    const a = symmetricWithSpectrum(values, 2);
    const n = values.length;
    const [r] = await powerIteration(ctx, a, { tol: 1e-5 });
    expect(r!.value).toBeCloseTo(4, 4);
    expect(r!.residual).toBeLessThanOrEqual(1e-5 * 4);
    const ref = powerIterationReference(a, n, { tol: 1e-7 });
    const align = r!.vector.reduce((s, x, i) => s + x * ref.vector[i]!, 0);
    expect(Math.abs(align)).toBeGreaterThan(1 - 1e-6);
  });

  gpuIt('a shift finds the other end of the spectrum; deflation finds the next one', async (ctx) => {
    const values = [4, -3, 2.5, 1, 0.5, -0.2, 0.1];
    const a = symmetricWithSpectrum(values, 5);
    const [shifted] = await powerIteration(ctx, a, { shift: 4 });
    expect(shifted!.value).toBeCloseTo(-3, 4);
    const [first] = await powerIteration(ctx, a);
    const [second] = await powerIteration(ctx, a, { deflate: [first!.vector] });
    expect(second!.value).toBeCloseTo(-3, 4);
    const [third] = await powerIteration(ctx, a, { deflate: [first!.vector, second!.vector] });
    expect(third!.value).toBeCloseTo(2.5, 3);
  });

  gpuIt('a batch: one result per matrix', async (ctx) => {
    const mats = [symmetricWithSpectrum([3, 1, 0.5, -1, 0.2], 1), symmetricWithSpectrum([-6, 2, 1, 0, 0.1], 2)];
    const data = new Float32Array(50);
    data.set(mats[0]!, 0);
    data.set(mats[1]!, 25);
    const rs = await powerIteration(ctx, data, { n: 5, batch: 2 });
    expect(rs.map((r) => Math.round(r.value * 1e4) / 1e4)).toEqual([3, -6]);
  });

  gpuIt('a dominant complex pair never converges: clear error', async (ctx) => {
    const { matrix } = knownSpectrumMatrix({ real: [0.5, 0.1, -0.3], complex: [{ re: 0.2, im: 1.5 }], seed: 1 });
    await expect(powerIteration(ctx, matrix, { maxIter: 100 })).rejects.toThrow(EigConvergenceError);
    await expect(powerIteration(ctx, matrix, { maxIter: 100 })).rejects.toThrow(/may be complex/);
  });
});
