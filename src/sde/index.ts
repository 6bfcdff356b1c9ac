/**
 * Ensemble SDE engine: models written as equations, fused many-trial integrators (Euler–Maruyama,
 * Milstein, Platen weak order 2, and the Langevin samplers ULA, MALA and BAOAB), threshold/reset
 * events, absorbing boundaries, and statistics reduced on the GPU.
 *
 * ```ts
 * const ctx = await createContext();
 * const ou = defineSDE({ state: ['x'], params: { theta: 1, mu: 0, sigma: 0.5 },
 *   drift: { x: 'theta * (mu - x)' }, diffusion: { x: 'sigma' } });
 * const run = await simulate(ctx, ou, { trials: 1 << 20, dt: 1e-3, steps: 1000, seed: 42,
 *   record: { final: false, stats: { every: 100 } } });
 * run.stats.mean; // [10 times][1 variable], reduced on the GPU
 * ```
 *
 * ## Spiking neurons: the conductance-based LIF path
 * A neuron is a model with an `event`: after every step, if the variable reaches `threshold` it is
 * set to `reset`, the trial's spike count goes up by one (the first spike time is kept), and the
 * variable is held at `reset` for round(refractory / dt) steps while the other variables go on.
 * Threshold and reset may be expressions of parameters (and so swept per trial). For example an
 * LIF with Ornstein–Uhlenbeck conductances (units: ms, mV, conductances relative to the leak):
 * ```ts
 * const lif = defineSDE({
 *   state: { v: { init: -65 }, gE: { init: 'gE0' }, gI: { init: 'gI0' } },
 *   params: { EL: -65, EE: 0, EI: -80, tauL: 20, tauE: 5, tauI: 10, gE0: rates, gI0: 0.6, sE: 0.2, sI: 0.2 },
 *   drift: { v: '(EL - v + gE * (EE - v) + gI * (EI - v)) / tauL', gE: '(gE0 - gE) / tauE', gI: '(gI0 - gI) / tauI' },
 *   diffusion: { gE: 'sE * sqrt(2 / tauE)', gI: 'sI * sqrt(2 / tauI)' },
 *   event: { variable: 'v', threshold: -50, reset: -60, refractory: 2 },
 * });
 * const run = await simulate(ctx, lif, { trials: 10_000, dt: 0.1, steps: 10_000, seed: 1,
 *   record: { final: false } });
 * // firing rate of trial i in Hz: run.spikes.counts[i] / (steps * dt / 1000)
 * ```
 * Here `gE0` is a per-trial array (a sweep over the mean excitatory conductance). Variables whose
 * diffusion is 0 draw no random numbers. Conductances may go negative under Gaussian noise; clip
 * in the drift (e.g. `max(gE, 0)` inside the membrane equation) if the model needs it. Only
 * Itô calculus is simulated: for a Stratonovich model add the noise-induced drift yourself.
 *
 * Results are bit-identical for any chunking and `stepsPerDispatch`, and a run split into trial
 * ranges (`firstTrial`, `totalTrials`: how `wgneuro sweep` shards a point) reproduces it exactly; the
 * CPU reference (`simulateReference` in src/reference/sde.ts, exported by src/testing.ts) runs the
 * same equations on the same random numbers in float64.
 */
export {
  defineSDE, defineLangevin, modelFromJSON,
  type SDEDefinition, type LangevinDefinition, type SDEModel, type ModelJS, type UserFunction,
  type EventDefinition, type AbsorbingBoundary, type ExprSource, type InitSource, type ModelOptions,
} from './model.js';
export { INTEGRATORS, resolveIntegrator, type IntegratorInfo, type IntegratorName } from './integrators.js';
export {
  simulate, type SimulateOptions, type SimulateResult, type RecordOptions, type SimulateProgress, type EnsembleStats,
} from './simulate.js';
