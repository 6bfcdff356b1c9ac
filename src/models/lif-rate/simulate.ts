/**
 * The conductance-based LIF neuron with OU conductance noise, written as equations for the SDE
 * engine (src/sde) and simulated on the GPU: Euler–Maruyama, threshold → reset with refractory
 * period via the engine's events, spike counts per trial.
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { validateLifSettings, ouStd, type LifSimResult, type LifSimSettings } from './reference.js';
import { defineSDE, simulate, type SDEModel, type SimulateResult } from '../../sde/index.js';
import type { LifParams } from './reference.js';

/**
 * The model for one τ_s (state v, xE, xI; v starts at the reset, the OU conductances at 0):
 *   dv  = [−(v − E_L) − (ḡ_E + x_E)(v − E_E) − (ḡ_I + x_I)(v − E_I)]/τ_L dt
 *   dx_A = −x_A/τ_s dt + s_A √(2/τ_s) dW_A,   s_A = √(D_A/τ_s)
 */
export function lifModel(p: LifParams, tauS: number): SDEModel {
  return defineSDE({
    name: 'lif_conductance',
    state: { v: { init: p.reset }, xE: 0, xI: 0 },
    params: {
      tauL: p.tauL, EL: p.EL, EE: p.EE, EI: p.EI, gE: p.gE, gI: p.gI,
      tauS, sE: ouStd(p.DE, tauS), sI: ouStd(p.DI, tauS), theta: p.threshold, vreset: p.reset,
    },
    drift: {
      v: '(-(v - EL) - (gE + xE) * (v - EE) - (gI + xI) * (v - EI)) / tauL',
      xE: '-xE / tauS',
      xI: '-xI / tauS',
    },
    diffusion: { xE: 'sE * sqrt(2 / tauS)', xI: 'sI * sqrt(2 / tauS)' },
    event: { variable: 'v', threshold: 'theta', reset: 'vreset', refractory: p.refractory },
  });
}

export interface SimulateLifOptions {
  signal?: AbortSignal;
  /** Fraction of this simulation done, in [0, 1]. */
  progress?: (fraction: number) => void;
}

/**
 * Spike counts of `settings.trials` neurons over `settings.steps` steps after `warmupSteps` steps.
 *
 * The engine counts events from step 0 and its random numbers depend only on (seed, trial, step),
 * so a run of `warmupSteps` steps reproduces the first part of the full run exactly: the counted
 * spikes are the full run's minus the warm-up run's. The seed of τ_s point k is derived from
 * (seed, stream) so points are independent.
 */
export async function simulateLif(ctx: Context, p: LifParams, settings: LifSimSettings, options: SimulateLifOptions = {}): Promise<LifSimResult> {
  validateLifSettings(settings);
  const model = lifModel(p, settings.tauS);
  const warmup = settings.warmupSteps ?? 0;
  const stream = settings.stream ?? 0;
  if (!Number.isInteger(stream) || stream < 0 || stream >= 1024) throw new InputError(`stream must be a whole number in [0, 1024), got ${stream}`);
  const seed = (settings.seed ?? 0) * 1024 + stream;
  const total = warmup + settings.steps;
  const run = (steps: number, offset: number): Promise<SimulateResult> =>
    simulate(ctx, model, {
      trials: settings.trials, steps, dt: settings.dt, seed, integrator: 'em',
      record: { final: false },
      signal: options.signal,
      onProgress: options.progress ? (pr) => options.progress!((offset + pr.fraction * steps) / (warmup + total)) : undefined,
    });
  let early: SimulateResult | null = null;
  if (warmup > 0) {
    early = await run(warmup, 0);
    throwIfAborted(early, options.signal);
  }
  const full = await run(total, warmup);
  throwIfAborted(full, options.signal);
  const counts = Float64Array.from(full.spikes!.counts);
  if (early) for (let i = 0; i < counts.length; i++) counts[i] = counts[i]! - early.spikes!.counts[i]!;
  if (full.diverged > 0) throw new Error(`lif-rate: ${full.diverged} of ${settings.trials} trials diverged at τ_s = ${settings.tauS} ms, dt = ${settings.dt} ms; use a smaller dt`);
  return { counts, durationMs: settings.steps * settings.dt };
}

function throwIfAborted(r: SimulateResult, signal: AbortSignal | undefined): void {
  if (r.partial || signal?.aborted) {
    throw signal?.reason instanceof Error ? signal.reason : new Error('lif-rate: simulation cancelled');
  }
}
