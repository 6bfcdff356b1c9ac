/**
 * Messages between the lab's pages and its Worker (lab/worker.ts). All GPU work runs in the Worker,
 * so the page's main thread only draws; everything here survives structured cloning.
 */

import type { NetworkSummary } from '../src/network/summary.js';

/** Settings of a playground run (the same as `wgneuro simulate`'s options). */
export interface RunSettings {
  trials: number;
  steps: number;
  dt: number;
  seed: number;
  integrator: string;
}

/** The suites of `wgneuro bench`. */
export type BenchSuite = 'linalg' | 'eig' | 'sde' | 'train';

/** What the adapter is, shown on every page. */
export interface AdapterSummary {
  runtime: string;
  adapter: string;
  fallback: boolean;
}

/** Settings of a network run (as `wgneuro network`'s options). */
export interface NetworkSettings {
  trials: number;
  steps: number;
  dt: number;
  seed: number;
  /** Unit of dt and of the models' time constants: `ms` or `s` (rates are in Hz). */
  timeUnit: string;
  /** Steps per population-rate bin. */
  rateBinSteps: number;
}

/** One population of a network run as the page draws it: trial 0's raster and the population rate. */
export interface NetworkLivePopulation {
  name: string;
  size: number;
  /** Spikes of trial 0 so far (at most `RASTER_MAX`): times and neuron indices. */
  rasterTimes: Float64Array;
  rasterNeurons: Float64Array;
  /** Spikes of trial 0 so far, shown or not. */
  rasterTotal: number;
  /** Population rate (Hz), mean over the trials that reached each bin (NaN: none yet), at bin centres. */
  rateTimes: Float64Array;
  rate: Float64Array;
}

/** All spike records and rate counts of one population at the end of a run (for downloads). */
export interface NetworkPopulationData {
  name: string;
  /** (trial, neuron, step) triples, sorted by trial, step, neuron. */
  spikes: Uint32Array;
  /** Spike counts [trial][bin]. */
  rateCounts: Uint32Array;
  bins: number;
  binSteps: number;
}

export type ToWorker =
  | { type: 'simulate'; id: number; model: unknown; allowRawWGSL: boolean; settings: RunSettings }
  | { type: 'experiment'; id: number; name: string; params: Record<string, number | string | boolean | number[]> }
  /** A benchmark suite with its command-line options as commander parses them. */
  | { type: 'bench'; id: number; suite: BenchSuite; options: Record<string, unknown> }
  /** A network file (checked by the page); weights given as `.npy` paths come as files by name. */
  | { type: 'network'; id: number; json: unknown; files: Record<string, ArrayBuffer>; settings: NetworkSettings }
  | { type: 'cancel'; id: number }
  /** Destroys the device, to exercise the device-lost path (tests and the "restart" button's own test). */
  | { type: 'lose-device' };

/** Ensemble statistics over time, merged over the trials finished so far ([time][variable], float64). */
export interface LiveStats {
  variables: string[];
  times: Float64Array;
  count: Float64Array;
  mean: Float64Array;
  variance: Float64Array;
}

/** A histogram of one variable's current (final) state over the finished trials. */
export interface LiveHistogram {
  variable: string;
  edges: Float64Array;
  counts: Float64Array;
}

/** Spike raster of the first trials of an event model, and the population rate over time. */
export interface LiveRaster {
  trials: number;
  /** Spike times and trial indices, one entry per spike. */
  times: Float64Array;
  trial: Float64Array;
  /** Population rate (spikes per trial per unit time) in bins starting at `rateTimes`. */
  rateTimes: Float64Array;
  rate: Float64Array;
  /** Time between snapshots used to find the spikes. */
  resolution: number;
  /** Spikes `simulate` counted in these trials (the raster shows `times.length` of them). */
  counted: number;
}

/** Summary written to `#result-json` (the shape documented in issue 14). */
export interface ResultSummary {
  trials: number;
  steps: number;
  dt: number;
  seed: number;
  integrator: string;
  partial: boolean;
  diverged: number;
  stats: Record<string, { mean: number; var: number }>;
}

export type FromWorker =
  | { type: 'ready'; adapter: AdapterSummary }
  | { type: 'error'; id: number; name: string; message: string }
  | { type: 'progress'; id: number; fraction: number; trialsDone: number }
  | { type: 'live'; id: number; stats: LiveStats; histograms: LiveHistogram[]; raster?: LiveRaster }
  | {
      type: 'done';
      id: number;
      summary: ResultSummary;
      /** Final state [variable][trial] (NaN for trials not run when partial). */
      final: Float32Array;
      variables: string[];
      /** Trials that ran to the last step. */
      completed: number;
      seconds: number;
    }
  | { type: 'experiment-progress'; id: number; fraction: number; message: string }
  | {
      type: 'experiment-done';
      id: number;
      /** `JSON.stringify(experiment.toJSON(result), null, 2)`, as `wgneuro run --json` prints it. */
      json: string;
      figures: { name: string; spec: Record<string, unknown> }[];
      tables: Record<string, Record<string, number | string>[]>;
      summary: string;
    }
  | { type: 'bench-log'; id: number; line: string }
  /** `JSON.stringify(result, null, 2)`, as `wgneuro bench <suite> --json` prints it. */
  | { type: 'bench-done'; id: number; json: string }
  | { type: 'network-live'; id: number; fraction: number; populations: NetworkLivePopulation[] }
  | {
      type: 'network-done';
      id: number;
      /**
       * The summary `wgneuro network --json` prints, with `partial` added; a partial run also gives
       * the trial-steps it ran, and its rates are spikes over those (not over the whole duration).
       */
      summary: NetworkSummary & { partial: boolean; trialStepsRun?: number };
      /** Steps each trial completed (all of them unless partial). */
      stepsCompleted: Uint32Array;
      live: NetworkLivePopulation[];
      data: NetworkPopulationData[];
    }
  | { type: 'lost'; message: string };
