/**
 * Langevin samplers: MALA and BAOAB ensembles (independent chains) sample a 2-D Gaussian mixture
 * and a banana-shaped density: moments within 4 standard errors and a KS test per marginal.
 */
import { describe, expect } from 'vitest';
import { defineLangevin, simulate, type SDEModel } from '../../src/sde/index.js';
import { gpuIt } from '../helpers/device.js';
import { ksStatistic, normalCdf, sampleMoments } from '../helpers/stats.js';

const a = 1.5;
const mixture = defineLangevin({
  name: 'mixture', state: ['x', 'y'], params: { a },
  logDensity: 'log(exp(-((x - a)^2 + y^2) / 2) + exp(-((x + a)^2 + y^2) / 2))',
});
const b = 0.5;
const banana = defineLangevin({ name: 'banana', state: ['x', 'y'], params: { b }, logDensity: '-x^2/2 - (y - b*x^2)^2/2' });

/** CDF of y = b x^2 + z (x, z standard normal) by Simpson's rule over x. */
function bananaYCdf(y: number): number {
  const m = 800;
  const lo = -9;
  const h = (2 * -lo) / m;
  let sum = 0;
  for (let k = 0; k <= m; k++) {
    const x = lo + k * h;
    const w = k === 0 || k === m ? 1 : k % 2 ? 4 : 2;
    sum += w * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) * normalCdf(y - b * x * x);
  }
  return (sum * h) / 3;
}

interface Target {
  model: SDEModel;
  mean: [number, number];
  variance: [number, number];
  cdf: [(v: number) => number, (v: number) => number];
}

const targets: Target[] = [
  { model: mixture, mean: [0, 0], variance: [1 + a * a, 1], cdf: [(x) => 0.5 * normalCdf(x - a) + 0.5 * normalCdf(x + a), normalCdf] },
  { model: banana, mean: [0, b], variance: [1, 1 + 2 * b * b], cdf: [normalCdf, bananaYCdf] },
];

const trials = 2048;

describe('Langevin samplers reach the target law', () => {
  for (const integrator of ['mala', 'baoab'] as const) {
    gpuIt(`${integrator}: Gaussian mixture and banana (moments, KS per marginal)`, async (ctx) => {
      for (const target of targets) {
        const run = await simulate(ctx, target.model, { trials, steps: 400, dt: 0.1, seed: 123, integrator });
        expect(run.diverged).toBe(0);
        target.model.state.forEach((v, k) => {
          const samples = run.final![v]!;
          const m = sampleMoments(samples);
          const what = `${integrator}/${target.model.name}/${v}`;
          expect(Math.abs(m.mean - target.mean[k]!), `${what} mean ${m.mean}`).toBeLessThan(4 * Math.sqrt(m.variance / trials));
          const seVar = Math.sqrt(((m.excessKurtosis + 3) * m.variance ** 2 - m.variance ** 2) / trials);
          expect(Math.abs(m.variance - target.variance[k]!), `${what} variance ${m.variance}`).toBeLessThan(4 * seVar);
          const d = ksStatistic(samples, target.cdf[k]!);
          expect(d, `${what} KS statistic`).toBeLessThan(1.63 / Math.sqrt(trials)); // alpha = 0.01
        });
        if (integrator === 'mala') {
          expect(run.acceptance!.mean).toBeGreaterThan(0.8);
          expect(run.acceptance!.mean).toBeLessThan(1);
        }
      }
    });
  }

  gpuIt('MALA acceptance falls as the step grows', async (ctx) => {
    const rates: number[] = [];
    for (const dt of [0.05, 0.5, 2]) {
      const run = await simulate(ctx, banana, { trials: 256, steps: 100, dt, seed: 9, integrator: 'mala' });
      rates.push(run.acceptance!.mean);
    }
    expect(rates[0]).toBeGreaterThan(rates[1]!);
    expect(rates[1]).toBeGreaterThan(rates[2]!);
    expect(rates[2]).toBeGreaterThan(0);
  });
});
