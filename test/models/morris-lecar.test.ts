/**
 * Morris–Lecar on the GPU (shaders/models-morris-lecar.wgsl.ts) against its float64 twin
 * (src/models/morris-lecar/reference.ts): the update itself, spike counts, the resting potential,
 * and the firing onset found by multisection against a float64 bisection and the saddle-node.
 */
import { describe, expect } from 'vitest';
import {
  DEFAULT_ML, firingBoundaryReference, mlRunReference, mlStep, restingPotential, saddleNode,
} from '../../src/models/morris-lecar/reference.js';
import { findFiringBoundaries, simulateMlCurrents } from '../../src/models/morris-lecar/simulate.js';
import { morrisLecarDefinition } from '../../src/models/morris-lecar/equations.js';
import { defineSDE, simulate } from '../../src/sde/index.js';
import { gpuIt, testRng } from '../helpers/device.js';

const p = DEFAULT_ML;

describe('Morris–Lecar neuron on the GPU', () => {
  gpuIt('one step and ten steps of the semi-implicit update match the float64 twin from random states', async (ctx) => {
    const rng = testRng(61);
    const n = 37;
    const v = Array.from({ length: n }, () => -75 + 110 * rng());
    const w = Array.from({ length: n }, () => 0.6 * rng());
    const currents = Array.from({ length: n }, () => 140 * rng());
    for (const steps of [1, 10]) {
      const gpu = await simulateMlCurrents(ctx, currents, { steps, initial: { v, w } });
      for (let i = 0; i < n; i++) {
        const s = Float64Array.of(Math.fround(v[i]!), Math.fround(w[i]!));
        for (let k = 0; k < steps; k++) mlStep(p, s, Math.fround(currents[i]!));
        // f32 keeps ~7 digits of |V| ≤ 120 mV (1e-5 mV per rounding); a step adds a few dozen
        // roundings and transcendental errors of a few ulp, and |∂V'/∂V| ≤ 1.1 per step at dt = 0.1 ms,
        // so 1e-3 mV per step (and 1e-5 in w, whose Jacobian row is smaller) is a safe bound.
        expect(Math.abs(gpu.v[i]! - s[0]!), `V of neuron ${i} after ${steps} steps`).toBeLessThan(1e-3 * steps);
        expect(Math.abs(gpu.w[i]! - s[1]!), `w of neuron ${i} after ${steps} steps`).toBeLessThan(1e-5 * steps);
      }
    }
  });

  gpuIt('rests at the float64 fixed point at I = 0 and counts the same spikes as the twin over 2 s', async (ctx) => {
    const currents = [0, 30, 45, 70, 100, 125];
    const steps = 20_000;
    const warmupSteps = 1000;
    const gpu = await simulateMlCurrents(ctx, currents, { steps, warmupSteps });
    // The rest state relaxes within ~50 ms (membrane and gate time constants ≤ 15 ms), so after
    // 2.1 s only f32 rounding of V ≈ −59.5 mV (4e-6 mV) separates it from the fixed point.
    expect(Math.abs(gpu.v[0]! - restingPotential(p, 0))).toBeLessThan(1e-3);
    currents.forEach((iTot, i) => {
      const ref = mlRunReference(p, iTot, steps, warmupSteps);
      // Phase drift between f32 and float64 can move one spike across the window's edges.
      expect(Math.abs(gpu.spikes[i]! - ref.spikes), `spikes at I = ${iTot}`).toBeLessThanOrEqual(1);
    });
    expect(gpu.spikes[0]).toBe(0);
    expect(gpu.spikes[1]).toBe(0);
    expect(gpu.spikes[3]!).toBeGreaterThan(20); // ~17 Hz at 70 μA/cm² over 2 s
    expect(gpu.spikes[5]).toBe(0); // depolarisation block
  });

  gpuIt('finds the firing onset by multisection where a float64 bisection and the saddle-node put it', async (ctx) => {
    const steps = 20_000;
    const warmupSteps = 1000;
    const tol = 0.05;
    const [onset] = await findFiringBoundaries(ctx, [{ silent: 35, firing: 45 }], { steps, warmupSteps, tol });
    const reference = firingBoundaryReference(p, 35, 45, steps, warmupSteps, tol / 4);
    // Each bracket holds its own boundary; f32 moves the boundary by far less than the tolerance.
    expect(Math.abs(onset!.current - reference)).toBeLessThan(tol);
    expect(onset!.firing - onset!.silent).toBeLessThanOrEqual(tol);
    // Class I: firing starts at the knee of I_ss(V); a 2-s window sees rates down to 0.5 Hz, which
    // near a SNIC (f ∝ √(I − I_c)) are within a few hundredths of μA/cm² of it.
    expect(Math.abs(onset!.current - saddleNode(p)!.current)).toBeLessThan(0.05);
  });
});

describe('Morris–Lecar map in the equation language', () => {
  gpuIt('Euler–Maruyama on the map\'s drift at dt = 0.1 ms reproduces the built-in kernel', async (ctx) => {
    const currents = [0, 25, 39, 41, 70, 100, 125];
    const steps = 300;
    const builtIn = await simulateMlCurrents(ctx, currents, { steps });
    const run = await simulate(ctx, defineSDE(morrisLecarDefinition(p, currents)), {
      trials: currents.length, steps, dt: p.dt, seed: 1, integrator: 'em',
    });
    const n = currents.length;
    currents.forEach((iTot, i) => {
      // Same map, different operation order: f32 rounding only (the 1e-3 mV per step bound of the
      // twin test). Measured over these 300 steps: engine vs float64 map ≤ 7e-5 mV and 3e-7 in w,
      // engine vs kernel ≤ 2.3e-3 mV.
      const s = Float64Array.of(-20, 0.014173);
      for (let k = 0; k < steps; k++) mlStep(p, s, iTot);
      expect(Math.abs(run.finalState![i]! - s[0]!), `V at I = ${iTot}`).toBeLessThan(1e-3);
      expect(Math.abs(run.finalState![n + i]! - s[1]!), `w at I = ${iTot}`).toBeLessThan(1e-5);
      expect(Math.abs(run.finalState![i]! - builtIn.v[i]!), `V at I = ${iTot} vs the kernel`).toBeLessThan(1e-2);
    });
  });
});
