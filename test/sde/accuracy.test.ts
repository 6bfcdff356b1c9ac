/**
 * Accuracy against exact solutions: OU and GBM moments, zero noise against a fine ODE solve, and
 * measured strong and weak orders on shared Brownian paths (`refine`).
 */
import { describe, expect } from 'vitest';
import { defineSDE, simulate } from '../../src/sde/index.js';
import { normal4FromBits, philox4x32_10 } from '../../src/reference/philox.js';
import { seedToKey } from '../../src/core/seed.js';
import { gpuIt } from '../helpers/device.js';

/** W_T of each trial: the sum of the `fineSteps` increments the kernels draw (fineSteps a multiple of 4). */
function brownianEndpoints(seed: number, trials: number, fineSteps: number, hFine: number): Float64Array {
  const key = seedToKey(seed);
  const w = new Float64Array(trials);
  const bits = new Uint32Array(4);
  const z = new Float64Array(4);
  for (let i = 0; i < trials; i++) {
    let sum = 0;
    // one active Wiener process: fine step j takes normal j, lane j % 4 of Philox block (i, j / 4, 0, 0)
    for (let j = 0; j < fineSteps; j += 4) {
      normal4FromBits(philox4x32_10([i, j / 4, 0, 0], key, bits), z);
      sum += z[0]! + z[1]! + z[2]! + z[3]!;
    }
    w[i] = sum * Math.sqrt(hFine);
  }
  return w;
}

/** Least-squares slope of log2(err) against log2(h). */
function slope(h: number[], err: number[]): number {
  const x = h.map(Math.log2);
  const y = err.map(Math.log2);
  const mx = x.reduce((a, b) => a + b) / x.length;
  const my = y.reduce((a, b) => a + b) / y.length;
  let num = 0;
  let den = 0;
  x.forEach((xi, i) => {
    num += (xi - mx) * (y[i]! - my);
    den += (xi - mx) ** 2;
  });
  return num / den;
}

describe('moments against exact solutions', () => {
  gpuIt("Ornstein–Uhlenbeck mean and variance at four times (EM), with rng 'precise' and 'fast'", async (ctx) => {
    const theta = 1.5;
    const mu = 0.3;
    const sigma = 0.6;
    const x0 = 1;
    const ou = defineSDE({ state: { x: { init: x0 } }, params: { theta, mu, sigma }, drift: { x: 'theta * (mu - x)' }, diffusion: { x: 'sigma' } });
    const n = 4096;
    const dt = 0.005;
    for (const rng of ['precise', 'fast'] as const) {
      const run = await simulate(ctx, ou, { trials: n, steps: 400, dt, seed: 21, rng, record: { stats: { every: 100 } } });
      expect(run.stats!.times.length).toBe(4);
      run.stats!.times.forEach((t, k) => {
        const mean = mu + (x0 - mu) * Math.exp(-theta * t);
        const variance = (sigma ** 2 / (2 * theta)) * (1 - Math.exp(-2 * theta * t));
        // the exact moments of the EM chain, to bound its O(dt) bias
        const steps = Math.round(t / dt);
        const a = 1 - theta * dt;
        const emMean = mu + (x0 - mu) * a ** steps;
        const emVar = (sigma ** 2 * dt * (1 - a ** (2 * steps))) / (1 - a * a);
        const seMean = Math.sqrt(variance / n);
        const seVar = variance * Math.sqrt(2 / (n - 1));
        expect(Math.abs(run.stats!.mean[k]! - mean), `${rng}: mean at t = ${t}`).toBeLessThan(4 * seMean + Math.abs(emMean - mean));
        expect(Math.abs(run.stats!.variance[k]! - variance), `${rng}: variance at t = ${t}`).toBeLessThan(4 * seVar + Math.abs(emVar - variance));
      });
    }
  });

  gpuIt('geometric Brownian motion: E[X_T] and Var[X_T] (weak order 2 scheme)', async (ctx) => {
    const m = 0.5;
    const s = 0.3;
    const T = 1;
    const gbm = defineSDE({ state: { x: { init: 1 } }, params: { m, s }, drift: { x: 'm * x' }, diffusion: { x: 's * x' } });
    const n = 4096;
    const run = await simulate(ctx, gbm, { trials: n, steps: 64, dt: T / 64, seed: 5, integrator: 'weak2', record: { stats: {} } });
    const raw = (k: number): number => Math.exp(k * m * T + (k * (k - 1) * s * s * T) / 2);
    const mean = raw(1);
    const variance = raw(2) - mean ** 2;
    const mu4 = raw(4) - 4 * raw(3) * mean + 6 * raw(2) * mean ** 2 - 3 * mean ** 4;
    expect(Math.abs(run.stats!.mean[0]! - mean)).toBeLessThan(4 * Math.sqrt(variance / n));
    expect(Math.abs(run.stats!.variance[0]! - variance)).toBeLessThan(4 * Math.sqrt((mu4 - variance ** 2) / n));
  });
});

describe('zero noise is the ODE', () => {
  gpuIt('EM (first order) and weak2 (Heun, second order) against RK4', async (ctx) => {
    const def = {
      state: { x: { init: 1 }, y: { init: 0 } }, params: { k: 1.2 },
      drift: { x: 'y', y: 'k * (1 - x^2) * y - x + 0.5 * t' }, diffusion: { x: '0', y: '0' },
    };
    const model = defineSDE(def);
    const T = 1;
    // RK4 with a fine step in float64
    const f = (t: number, x: number, y: number): [number, number] => [y, 1.2 * (1 - x * x) * y - x + 0.5 * t];
    let x = 1;
    let y = 0;
    const H = 1e-4;
    for (let i = 0; i < T / H; i++) {
      const t = i * H;
      const k1 = f(t, x, y);
      const k2 = f(t + H / 2, x + (H / 2) * k1[0], y + (H / 2) * k1[1]);
      const k3 = f(t + H / 2, x + (H / 2) * k2[0], y + (H / 2) * k2[1]);
      const k4 = f(t + H, x + H * k3[0], y + H * k3[1]);
      x += (H / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
      y += (H / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
    }
    const errorOf = async (integrator: 'em' | 'weak2', steps: number): Promise<number> => {
      const run = await simulate(ctx, model, { trials: 3, steps, dt: T / steps, integrator });
      for (let i = 1; i < 3; i++) expect(run.final!.x![i]).toBe(run.final!.x![0]);
      return Math.hypot(run.final!.x![0]! - x, run.final!.y![0]! - y);
    };
    const em1 = await errorOf('em', 100);
    const em2 = await errorOf('em', 200);
    const heun = await errorOf('weak2', 100);
    expect(em1).toBeLessThan(0.02);
    expect(em1 / em2).toBeGreaterThan(1.7);
    expect(em1 / em2).toBeLessThan(2.3);
    expect(heun).toBeLessThan(2e-4);
  });
});

describe('measured convergence orders on shared Brownian paths', () => {
  // Every level draws its increments from the same fine grid of 256 steps over [0, 1] (`refine`),
  // so the exact solution exp((mu - sigma^2/2) + sigma W_1) is known on each path.
  const fineSteps = 256;
  const seed = 17;
  const gbmWith = (sigma: number) => defineSDE({ state: { x: { init: 1 } }, params: { mu: 1, sigma }, drift: { x: 'mu * x' }, diffusion: { x: 'sigma * x' } });

  async function errors(ctx: Parameters<Parameters<typeof gpuIt>[1]>[0], sigma: number, trials: number, integrator: 'em' | 'milstein' | 'weak2', levels: number[], strong: boolean): Promise<number[]> {
    const w = brownianEndpoints(seed, trials, fineSteps, 1 / fineSteps);
    const model = gbmWith(sigma);
    const out: number[] = [];
    for (const steps of levels) {
      const run = await simulate(ctx, model, { trials, steps, dt: 1 / steps, seed, integrator, refine: fineSteps / steps });
      let e = 0;
      for (let i = 0; i < trials; i++) {
        const d = run.finalState![i]! - Math.exp(1 - sigma ** 2 / 2 + sigma * w[i]!);
        e += strong ? Math.abs(d) : d;
      }
      out.push(Math.abs(e / trials));
    }
    return out;
  }

  gpuIt('strong order: EM ≈ 0.5, Milstein ≈ 1 (±0.25)', async (ctx) => {
    const levels = [4, 8, 16, 32, 64];
    for (const [integrator, order] of [['em', 0.5], ['milstein', 1]] as const) {
      const e = await errors(ctx, 1, 500, integrator, levels, true);
      const p = slope(levels.map((s) => 1 / s), e);
      expect(Math.abs(p - order), `${integrator} strong order ${p.toFixed(3)} (errors ${e.map((x) => x.toExponential(2))})`).toBeLessThan(0.25);
    }
  });

  gpuIt('weak order: EM ≈ 1, weak2 ≈ 2 (±0.25), with the exact solution on each path as control variate', async (ctx) => {
    for (const [integrator, order, levels] of [['em', 1, [4, 8, 16, 32]], ['weak2', 2, [2, 4, 8, 16]]] as const) {
      const e = await errors(ctx, 0.3, 2000, integrator, [...levels], false);
      const p = slope(levels.map((s) => 1 / s), e);
      expect(Math.abs(p - order), `${integrator} weak order ${p.toFixed(3)} (errors ${e.map((x) => x.toExponential(2))})`).toBeLessThan(0.25);
    }
  });
});
