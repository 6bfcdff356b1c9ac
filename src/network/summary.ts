/**
 * The summary of a network run that `wgneuro network --json` prints and the lab's network page
 * writes into `#result-json`: one function, so the two cannot drift apart.
 */
import type { SimulateNetworkResult } from './simulate.js';

/** Seconds per unit of time of `dt` and of the models' time constants (rates are then in Hz). */
export const NETWORK_TIME_UNITS: Record<string, number> = { ms: 1e-3, s: 1 };

/** Per population: size, spikes over all trials, mean rate per neuron (Hz), end-of-run mean/var. */
export interface NetworkPopulationSummary {
  size: number;
  spikes: number;
  rateHz: number;
  mean: Record<string, number>;
  var: Record<string, number>;
  spikeRecordsOverflowed?: true;
}

/** The `--json` summary of a run; see {@link networkSummary}. */
export interface NetworkSummary {
  network: string;
  trials: number;
  steps: number;
  dt: number;
  seed: number;
  timeUnit: string;
  duration: number;
  seconds: number;
  nonFiniteTrials: number;
  populations: Record<string, NetworkPopulationSummary>;
}

/**
 * Settings, then per population size, spikes, rate and end-of-run mean/var. `timeUnit` is a key of
 * {@link NETWORK_TIME_UNITS}; `seconds` is the wall time the caller measured.
 */
export function networkSummary(run: SimulateNetworkResult, timeUnit: string, seconds: number): NetworkSummary {
  const unit = NETWORK_TIME_UNITS[timeUnit];
  if (unit === undefined) throw new Error(`timeUnit: got "${timeUnit}", expected ${Object.keys(NETWORK_TIME_UNITS).join(' or ')}`);
  const duration = run.steps * run.dt;
  return {
    network: run.network.name,
    trials: run.trials,
    steps: run.steps,
    dt: run.dt,
    seed: run.seed,
    timeUnit,
    duration,
    seconds,
    nonFiniteTrials: run.nonFinite,
    populations: Object.fromEntries(Object.values(run.populations).map((p) => {
      let spikes = 0;
      for (const c of p.spikeCounts) spikes += c;
      const summary: NetworkPopulationSummary = {
        size: p.size,
        spikes,
        rateHz: spikes / (p.size * run.trials * duration * unit),
        mean: p.stats?.mean ?? {},
        var: p.stats?.var ?? {},
        ...(p.spikes.overflow ? { spikeRecordsOverflowed: true as const } : {}),
      };
      return [p.name, summary];
    })),
  };
}
