/**
 * The SDE engine against its CPU reference on the same random stream, and its bookkeeping:
 * chunking / steps-per-dispatch invariance, events, divergence flags, boundaries, histograms,
 * sweeps, cancellation.
 */
import { describe, expect } from 'vitest';
import { defineLangevin, defineSDE, simulate, type SDEModel } from '../../src/sde/index.js';
import { simulateReference } from '../../src/testing.js';
import { InputError } from '../../src/gpu/errors.js';
import { expectClose, gpuIt } from '../helpers/device.js';

const gbm = defineSDE({
  name: 'gbm', state: { x: { init: 1 } }, params: { mu: 0.5, sigma: 0.8 },
  drift: { x: 'mu * x' }, diffusion: { x: 'sigma * x' },
});

/**
 * Two coupled variables, multiplicative diagonal noise (each g_i depends on x_i only). Rational
 * functions and sqrt only: WGSL allows sin/cos/exp errors far above f32 rounding (SwiftShader's
 * sin/cos are off by ~1e-4), which would blur a comparison meant to be at rounding level.
 */
const coupled = defineSDE({
  name: 'coupled', state: { x: { init: 0.5 }, y: { init: -0.3 } }, params: { a: 1.2, c: 0.7, s: 0.4 },
  drift: { x: '-a * x + c * y / (1 + y^2)', y: '-y + c * x / (1 + x^2)' },
  diffusion: { x: 's * sqrt(1 + x^2)', y: 's * (2 + y^2) / (1 + y^2)' },
});

/** General noise: 3 variables driven by 2 Wiener processes. */
const general = defineSDE({
  name: 'general', state: ['x', 'y', 'z'], params: { s: 0.5 }, noise: { wiener: 2 },
  drift: { x: '-x', y: '-2 * y + x', z: '-z * (1 + y^2)' },
  diffusion: { x: ['s', '0'], y: ['0.3 * s', 's * x'], z: ['0.1', '0.2 * z'] },
});

const lif = defineSDE({
  name: 'lif', state: { v: { init: -65 } }, params: { EL: -65, tau: 20, mu: 18, sigma: 6 },
  drift: { v: '(EL - v + mu) / tau' }, diffusion: { v: 'sigma * sqrt(2 / tau)' },
  event: { variable: 'v', threshold: -50, reset: 'EL', refractory: 2 },
});

const banana = defineLangevin({ state: ['x', 'y'], params: { b: 0.5 }, logDensity: '-x^2/2 - (y - b*x^2)^2/2' });

/** GPU final state equals the float64 CPU reference to f32 rounding (relative to the scale). */
async function compareWithReference(
  ctx: Parameters<Parameters<typeof gpuIt>[1]>[0], model: SDEModel, integrator: 'em' | 'milstein' | 'weak2' | 'ula' | 'baoab', tol: number,
  random: { rng?: 'precise' | 'fast'; generator?: 'philox' | 'threefry' } = {},
): Promise<void> {
  const opts = { trials: 301, steps: 40, dt: 0.025, seed: 11 };
  const run = await simulate(ctx, model, { ...opts, integrator, ...random });
  const ref = simulateReference(model, { ...opts, scheme: integrator, generator: random.generator });
  expectClose(run.finalState!, ref.state, { atol: tol, rtol: tol }, `${model.name}/${integrator} final state`);
  if (ref.velocities) expectClose(run.velocities!, ref.velocities, { atol: tol, rtol: tol }, 'velocities');
  expect(run.diverged).toBe(0);
}

describe('SDE kernels equal the CPU reference on the same random stream', () => {
  gpuIt('Euler–Maruyama, Milstein and weak order 2 (diagonal noise)', async (ctx) => {
    for (const integrator of ['em', 'milstein', 'weak2'] as const) {
      await compareWithReference(ctx, gbm, integrator, 2e-5);
      await compareWithReference(ctx, coupled, integrator, 2e-5);
    }
  });

  gpuIt('Euler–Maruyama with a 3×2 noise matrix', async (ctx) => {
    await compareWithReference(ctx, general, 'em', 2e-5);
  });

  gpuIt('ULA and BAOAB on a Langevin target; MALA decisions agree', async (ctx) => {
    await compareWithReference(ctx, banana, 'ula', 2e-5);
    await compareWithReference(ctx, banana, 'baoab', 2e-5);
    const opts = { trials: 301, steps: 40, dt: 0.3, seed: 5 };
    const run = await simulate(ctx, banana, { ...opts, integrator: 'mala' });
    const ref = simulateReference(banana, { ...opts, scheme: 'mala' });
    let same = 0;
    for (let i = 0; i < opts.trials; i++) if (Math.round(run.acceptance!.perTrial[i]! * opts.steps) === ref.accepted[i]) same++;
    // An accept/reject decision can differ only when log u and log alpha agree to f32 rounding.
    expect(same).toBeGreaterThanOrEqual(opts.trials - 2);
  });

  gpuIt('raw-WGSL helper functions with a JS twin; Milstein with a user-supplied dg/dx', async (ctx) => {
    const functions = { soft: { args: ['z'], wgsl: 'return z / (1.0 + abs(z));', js: (z: number) => z / (1 + Math.abs(z)) } };
    const base = { state: { x: { init: 0.5 } }, params: { s: 0.4 }, functions, drift: { x: '-x + soft(x)' }, diffusion: { x: 's * (1 + soft(x))' } };
    await expect(simulate(ctx, defineSDE(base, { allowRawWGSL: true }), { trials: 1, steps: 1, dt: 0.1, integrator: 'milstein' })).rejects.toThrow(/diffusionDerivative/);
    const model = defineSDE({ ...base, diffusionDerivative: { x: 's / (1 + abs(x))^2' } }, { allowRawWGSL: true });
    await compareWithReference(ctx, model, 'milstein', 2e-5);
    await compareWithReference(ctx, model, 'em', 2e-5);
  });

  gpuIt('events: spike counts and first-spike times equal the reference', async (ctx) => {
    const opts = { trials: 203, steps: 3000, dt: 0.1, seed: 3 };
    const run = await simulate(ctx, lif, opts);
    const ref = simulateReference(lif, opts);
    let mismatched = 0;
    for (let i = 0; i < opts.trials; i++) if (run.spikes!.counts[i] !== ref.spikes[i]) mismatched++;
    expect(mismatched).toBeLessThanOrEqual(2);
    expect(run.spikes!.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(opts.trials);
    let firstSame = 0;
    for (let i = 0; i < opts.trials; i++) if (Math.abs(run.spikes!.firstSpikeTime[i]! - ref.firstSpikeTime[i]!) < 1e-4) firstSame++;
    expect(firstSame).toBeGreaterThanOrEqual(opts.trials - 2);
  });

  gpuIt('swept (per-trial) parameters and initial values', async (ctx) => {
    const trials = 97;
    const sweep = defineSDE({
      name: 'sweep', state: { x: { init: Array.from({ length: trials }, (_, i) => i / trials) } },
      params: { theta: Array.from({ length: trials }, (_, i) => 0.5 + i / 50), sigma: 0.3 },
      drift: { x: '-theta * x' }, diffusion: { x: 'sigma' },
    });
    const opts = { trials, steps: 64, dt: 0.02, seed: 9 };
    const run = await simulate(ctx, sweep, opts);
    expectClose(run.finalState!, simulateReference(sweep, opts).state, { atol: 2e-6, rtol: 2e-5 }, 'swept run');
  });
});

describe('results do not depend on chunking or steps per dispatch', () => {
  gpuIt('bit-identical final state, snapshots, spikes; statistics agree', async (ctx) => {
    const model = defineSDE({
      name: 'lif2', state: { v: { init: -60 }, g: { init: 0.5 } }, params: { tau: 10, tg: 3 },
      drift: { v: '(-65 - v + 30 * g) / tau', g: '(0.5 - g) / tg' }, diffusion: { v: '1.5', g: '0.2 * sqrt(g^2 + 0.01)' },
      event: { variable: 'v', threshold: -52, reset: -65, refractory: 1 },
    });
    const base = { trials: 517, steps: 300, dt: 0.1, seed: 77, integrator: 'milstein' as const,
      record: { snapshots: { every: 50, variables: ['v'] }, stats: { every: 100 } } };
    const a = await simulate(ctx, model, base);
    const b = await simulate(ctx, model, { ...base, maxTrialsPerChunk: 128, stepsPerDispatch: 7 });
    expect(b.chunks).toBe(5);
    expect(b.finalState).toEqual(a.finalState);
    expect(b.snapshots!.data).toEqual(a.snapshots!.data);
    expect(b.spikes!.counts).toEqual(a.spikes!.counts);
    expect(b.spikes!.firstSpikeTime).toEqual(a.spikes!.firstSpikeTime);
    expect(a.snapshots!.data.some(Number.isNaN)).toBe(false);
    // the last snapshot is the final state
    expect(a.snapshots!.data.subarray(5 * 517, 6 * 517)).toEqual(a.finalState!.subarray(0, 517));
    expectClose(b.stats!.mean, a.stats!.mean, { rtol: 1e-5 }, 'means');
    expectClose(b.stats!.covariance!, a.stats!.covariance!, { rtol: 1e-3, atol: 1e-6 }, 'covariances');
  });

  gpuIt('GPU statistics and histogram equal float64 statistics of the final state', async (ctx) => {
    const run = await simulate(ctx, coupled, {
      trials: 1001, steps: 50, dt: 0.02, seed: 4,
      record: { stats: {}, histogram: { variable: 'y', bins: 10, range: [-0.6, 0.4] } },
    });
    const n = 1001;
    const x = run.final!.x!;
    const y = run.final!.y!;
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / n;
    const mx = mean(x);
    const my = mean(y);
    let vxx = 0;
    let vxy = 0;
    let vyy = 0;
    for (let i = 0; i < n; i++) {
      vxx += (x[i]! - mx) ** 2;
      vxy += (x[i]! - mx) * (y[i]! - my);
      vyy += (y[i]! - my) ** 2;
    }
    expectClose(run.stats!.mean, [mx, my], { rtol: 1e-5, atol: 1e-6 }, 'mean');
    expectClose(run.stats!.covariance!, [vxx, vxy, vxy, vyy].map((v) => v / (n - 1)), { rtol: 1e-4, atol: 1e-7 }, 'covariance');
    expect(run.stats!.count[0]).toBe(n);
    const h = run.histogram!;
    const expected = new Uint32Array(10);
    let under = 0;
    let over = 0;
    for (const v of y) {
      const pos = ((v - -0.6) / 1.0) * 10;
      if (pos < 0) under++;
      else if (pos >= 10) over++;
      else expected[Math.floor(pos)]!++;
    }
    expect([...h.counts]).toEqual([...expected]);
    expect([h.underflow[0], h.overflow[0]]).toEqual([under, over]);
  });
});

/** Three and five independent GBMs: 3 and 5 Wiener processes (steps grouped by 4 on 3 and 5 Philox blocks). */
const gbm3 = defineSDE({
  name: 'gbm3', state: { a: { init: 1 }, b: { init: 0.5 }, c: { init: 2 } }, params: { mu: 0.3, sigma: 0.6 },
  drift: { a: 'mu * a', b: '-mu * b', c: 'mu * (1 - c)' }, diffusion: { a: 'sigma * a', b: 'sigma * b', c: 'sigma' },
});
const five = defineSDE({
  name: 'five', state: ['p', 'q', 'r', 's', 'w'], params: { k: 0.7 },
  drift: { p: '-k * p + q', q: '-k * q', r: '-r + p / (1 + p^2)', s: '-s', w: '-2 * w + s' },
  diffusion: { p: '0.3', q: '0.2 * sqrt(1 + q^2)', r: '0.4', s: '0.1 * (1 + s^2) / (2 + s^2)', w: '0.5' },
});

describe('noise drawn in whole Philox blocks per group of steps (1, 2, 3 and 5 processes)', () => {
  gpuIt('any steps per dispatch and chunking give bit-identical results, with either normal transform', async (ctx) => {
    // 23 steps: with 1, 2, 3, 5 steps per dispatch every dispatch starts at a different offset
    // within a group, so steps before, inside and after whole groups all occur.
    for (const model of [gbm, coupled, gbm3, five]) {
      for (const rng of ['precise', 'fast'] as const) {
        const base = { trials: 77, steps: 23, dt: 0.01, seed: 5, rng };
        const whole = await simulate(ctx, model, base);
        expect(whole.finalState!.some(Number.isNaN), `${model.name}/${rng}`).toBe(false);
        for (const stepsPerDispatch of [1, 2, 3, 5]) {
          const split = await simulate(ctx, model, { ...base, stepsPerDispatch, maxTrialsPerChunk: 32 });
          expect(split.finalState, `${model.name}/${rng}, ${stepsPerDispatch} steps per dispatch`).toEqual(whole.finalState);
        }
      }
    }
  });

  gpuIt('grouped draws equal the CPU twin (3 and 5 processes); the refined grid draws the same numbers', async (ctx) => {
    await compareWithReference(ctx, gbm3, 'em', 2e-5);
    await compareWithReference(ctx, five, 'em', 2e-5);
    await compareWithReference(ctx, five, 'milstein', 2e-5);
    // Brownian motion in 3 dimensions: at dt with refine 2 each step sums the two normals that a run
    // at dt / 2 spends on two steps (cached draws on the refined grid, whole groups on the other), so
    // the end points agree to f32 rounding of the sums (|x| ~ 1, 40 terms: 1e-5).
    const bm = defineSDE({ name: 'bm3', state: ['x', 'y', 'z'], drift: { x: '0', y: '0', z: '0' }, diffusion: { x: '1', y: '1', z: '1' } });
    const coarse = await simulate(ctx, bm, { trials: 65, steps: 20, dt: 0.02, seed: 8, refine: 2 });
    const fine = await simulate(ctx, bm, { trials: 65, steps: 40, dt: 0.01, seed: 8 });
    expectClose(coarse.finalState!, fine.finalState!, { atol: 1e-5 }, 'refine 2 vs half step');
  });

  gpuIt("rng: 'fast' follows the CPU twin within the WGSL error of builtin log/cos/sin", async (ctx) => {
    // Each normal is within 4.2e-3 of the float64 Box–Muller value (test/random/philox.test.ts); over
    // 40 EM steps of 'coupled' (|g| <= 0.8, sqrt(dt) = 0.16, contracting drift) the final state moves
    // by at most 40 · 0.8 · 0.16 · 4.2e-3 = 2.2e-2. A wrong lane or pair moves it by O(0.1).
    await compareWithReference(ctx, coupled, 'em', 2.2e-2, { rng: 'fast' });
    await compareWithReference(ctx, gbm3, 'em', 2.2e-2, { rng: 'fast' });
    await expect(simulate(ctx, gbm, { trials: 1, steps: 1, dt: 0.1, rng: 'quick' as never })).rejects.toThrow(/options\.rng/);
  });
});

describe("generator: 'threefry' keeps Philox's guarantees", () => {
  gpuIt('any steps per dispatch and trial chunking give bit-identical results, with either normal transform', async (ctx) => {
    // As the Philox test above: 23 steps with 1, 2, 3, 5 steps per dispatch and chunks of 32 trials.
    for (const model of [gbm, coupled, gbm3, five]) {
      for (const rng of ['precise', 'fast'] as const) {
        const base = { trials: 77, steps: 23, dt: 0.01, seed: 5, rng, generator: 'threefry' as const };
        const whole = await simulate(ctx, model, base);
        expect(whole.finalState!.some(Number.isNaN), `${model.name}/${rng}`).toBe(false);
        for (const stepsPerDispatch of [1, 2, 3, 5]) {
          const split = await simulate(ctx, model, { ...base, stepsPerDispatch, maxTrialsPerChunk: 32 });
          expect(split.finalState, `${model.name}/${rng}, ${stepsPerDispatch} steps per dispatch`).toEqual(whole.finalState);
        }
        // A trial range of a larger run draws that range's numbers.
        const tail = await simulate(ctx, model, { ...base, trials: 40, firstTrial: 37, totalTrials: 77 });
        expect(tail.finalState, `${model.name}/${rng}, trials 37…76`).toEqual(
          Float32Array.from({ length: 40 * model.state.length }, (_, q) => whole.finalState![Math.floor(q / 40) * 77 + 37 + (q % 40)]!));
      }
    }
  });

  gpuIt('the GPU equals the CPU twin on the Threefry stream (EM, Milstein, weak 2, grouped draws, BAOAB, MALA)', async (ctx) => {
    const threefry = { generator: 'threefry' as const };
    for (const integrator of ['em', 'milstein', 'weak2'] as const) await compareWithReference(ctx, coupled, integrator, 2e-5, threefry);
    await compareWithReference(ctx, gbm3, 'em', 2e-5, threefry);
    await compareWithReference(ctx, five, 'milstein', 2e-5, threefry);
    await compareWithReference(ctx, general, 'em', 2e-5, threefry);
    await compareWithReference(ctx, banana, 'baoab', 2e-5, threefry);
    const opts = { trials: 301, steps: 40, dt: 0.3, seed: 5, generator: 'threefry' as const };
    const run = await simulate(ctx, banana, { ...opts, integrator: 'mala' });
    const ref = simulateReference(banana, { ...opts, scheme: 'mala' });
    let same = 0;
    for (let i = 0; i < opts.trials; i++) if (Math.round(run.acceptance!.perTrial[i]! * opts.steps) === ref.accepted[i]) same++;
    expect(same).toBeGreaterThanOrEqual(opts.trials - 2);
    // Not Philox's numbers: the twin on the other generator is O(0.1) away, far outside 2e-5.
    const gpu = await simulate(ctx, coupled, { trials: 301, steps: 40, dt: 0.025, seed: 11, ...threefry });
    const philox = simulateReference(coupled, { trials: 301, steps: 40, dt: 0.025, seed: 11 });
    let far = 0;
    for (let i = 0; i < 301; i++) if (Math.abs(gpu.finalState![i]! - philox.state[i]!) > 1e-2) far++;
    expect(far).toBeGreaterThan(250);
    await expect(simulate(ctx, gbm, { trials: 1, steps: 1, dt: 0.1, generator: 'mt19937' as never })).rejects.toThrow(/options\.generator.*'philox' or 'threefry'/);
  });
});

describe('divergence, boundaries, cancellation, validation', () => {
  gpuIt('a diverging trial is flagged and frozen; the others go on', async (ctx) => {
    const trials = 64;
    const init = Array.from({ length: trials }, (_, i) => (i % 3 === 0 ? 8 : 0.5));
    const blowup = defineSDE({ name: 'blowup', state: { x: { init } }, drift: { x: 'x^2' }, diffusion: { x: '0' } });
    const dt = 0.01;
    const run = await simulate(ctx, blowup, { trials, steps: 100, dt, stepsPerDispatch: 16 });
    const ref = simulateReference(blowup, { trials, steps: 100, dt });
    expect(run.diverged).toBe(Math.ceil(trials / 3));
    for (let i = 0; i < trials; i++) {
      expect(run.flags[i], `trial ${i}`).toBe(i % 3 === 0 ? 1 : 0);
      expect(Number.isFinite(run.finalState![i]!)).toBe(true);
      expect(run.stopStep[i]).toBe(ref.stopStep[i]);
    }
    // explicit Euler of x' = x^2 from 0.5 over t = 1: compare to the reference
    expectClose(run.finalState!.filter((_, i) => i % 3 !== 0), ref.state.filter((_, i) => i % 3 !== 0), { rtol: 1e-5 }, 'finite trials');
  });

  gpuIt('absorbing boundaries stop trials where the reference does', async (ctx) => {
    const bm = defineSDE({ name: 'bm', state: ['x'], drift: { x: '0' }, diffusion: { x: '1' }, absorb: [{ variable: 'x', lower: -1, upper: 1 }] });
    const opts = { trials: 400, steps: 200, dt: 0.01, seed: 8 };
    const run = await simulate(ctx, bm, opts);
    const ref = simulateReference(bm, opts);
    expect([...run.flags]).toEqual([...ref.flags]);
    expect([...run.stopStep]).toEqual([...ref.stopStep]);
    expect(run.absorbed).toBeGreaterThan(100);
    expect(run.absorbed).toBeLessThan(400);
  });

  gpuIt('progress is reported and cancellation keeps partial results', async (ctx) => {
    const controller = new AbortController();
    const fractions: number[] = [];
    const run = await simulate(ctx, gbm, {
      trials: 300, steps: 100, dt: 0.01, stepsPerDispatch: 10, maxTrialsPerChunk: 150, signal: controller.signal,
      onProgress: (p) => {
        fractions.push(p.fraction);
        if (p.chunk === 1 && p.step >= 30) controller.abort();
      },
    });
    expect(run.partial).toBe(true);
    expect(fractions[0]).toBeCloseTo(0.05, 10);
    expect([...new Set(run.stepsCompleted)]).toEqual([100, 30]);
    const full = await simulate(ctx, gbm, { trials: 300, steps: 100, dt: 0.01 });
    expect(run.finalState!.subarray(0, 150)).toEqual(full.finalState!.subarray(0, 150));
    const ref30 = simulateReference(gbm, { trials: 150, steps: 30, dt: 0.01, firstTrial: 150 });
    expectClose(run.finalState!.subarray(150), ref30.state, { rtol: 1e-5 }, 'cancelled chunk at step 30');
  });

  gpuIt('bad options are rejected before any GPU work', async (ctx) => {
    await expect(simulate(ctx, gbm, { trials: 0, steps: 1, dt: 0.1 })).rejects.toThrow(InputError);
    await expect(simulate(ctx, gbm, { trials: 1, steps: 1, dt: -1 })).rejects.toThrow(/options\.dt: expected a finite number > 0, got -1/);
    await expect(simulate(ctx, gbm, { trials: 1, steps: 1, dt: 1, integrator: 'mala' })).rejects.toThrow(/Langevin/);
    await expect(simulate(ctx, general, { trials: 1, steps: 1, dt: 1, integrator: 'milstein' })).rejects.toThrow(/diagonal noise/);
    await expect(simulate(ctx, coupled, { trials: 1, steps: 1, dt: 1, record: { snapshots: { every: 1, variables: ['q'] } } })).rejects.toThrow(/'q' is not a state variable/);
    const swept = defineSDE({ state: ['x'], params: { a: [1, 2, 3] }, drift: { x: '-a * x' } });
    await expect(simulate(ctx, swept, { trials: 4, steps: 1, dt: 1 })).rejects.toThrow(/'a' has 3 values but trials = 4/);
  });
});
