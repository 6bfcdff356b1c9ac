/**
 * What the network page draws while a run goes on, built from `simulateNetwork`'s progress peeks:
 * trial 0's spike raster and each population's rate in Hz, averaged over the trials that reached
 * each bin (a bin half run counts half its width). Pure bookkeeping of typed arrays, so it runs in
 * the Worker and in tests alike.
 */
import type { NetworkProgress, SimulateNetworkResult } from '../src/network/index.js';
import type { NetworkLivePopulation } from './protocol.js';

/** Spikes of trial 0 kept for the raster (a picture, not a data export: the downloads hold all). */
export const RASTER_MAX = 20_000;

interface PopulationLive {
  name: string;
  size: number;
  times: number[];
  neurons: number[];
  total: number;
  /** Spike counts per bin over finished chunks, and the running chunk's latest counts [trial][bin]. */
  done: Float64Array;
  chunk: Uint32Array;
}

/** Live raster and rates of one network run. */
export class NetworkLive {
  readonly #pops: PopulationLive[];
  readonly #steps: number;
  readonly #dt: number;
  readonly #binSteps: number;
  readonly #bins: number;
  /** Seconds per unit of dt. */
  readonly #unit: number;
  /** Trials of finished chunks; the running chunk (trials, steps reached). */
  #doneTrials = 0;
  #chunk = { index: -1, trials: 0, step: 0 };

  constructor(populations: { name: string; size: number }[], steps: number, dt: number, binSteps: number, secondsPerUnit: number) {
    this.#steps = steps;
    this.#dt = dt;
    this.#binSteps = binSteps;
    this.#bins = Math.ceil(steps / binSteps);
    this.#unit = secondsPerUnit;
    this.#pops = populations.map((p) => ({
      name: p.name, size: p.size, times: [], neurons: [], total: 0, done: new Float64Array(this.#bins), chunk: new Uint32Array(0),
    }));
  }

  /** Take one progress report of `simulateNetwork` (with `progressSpikes`). */
  add(progress: NetworkProgress): void {
    if (progress.chunk !== this.#chunk.index) {
      this.#foldChunk();
      this.#chunk = { index: progress.chunk, trials: progress.trials, step: 0 };
    }
    this.#chunk.step = progress.step;
    for (const pop of this.#pops) {
      const peek = progress.populations?.[pop.name];
      if (!peek) continue;
      pop.chunk = peek.rates;
      for (let k = 0; k < peek.spikes.length; k += 3) if (peek.spikes[k] === 0) this.#rasterSpike(pop, peek.spikes[k + 1]!, peek.spikes[k + 2]!);
    }
  }

  #rasterSpike(pop: PopulationLive, neuron: number, step: number): void {
    pop.total++;
    if (pop.times.length >= RASTER_MAX) return;
    pop.times.push(step * this.#dt);
    pop.neurons.push(neuron);
  }

  #foldChunk(): void {
    if (this.#chunk.index < 0) return;
    for (const pop of this.#pops) {
      for (let k = 0; k < pop.chunk.length; k++) pop.done[k % this.#bins] = pop.done[k % this.#bins]! + pop.chunk[k]!;
      pop.chunk = new Uint32Array(0);
    }
    this.#doneTrials += this.#chunk.trials;
  }

  /** Steps of bin `b` covered by a trial that ran `reached` steps. */
  #covered(b: number, reached: number): number {
    return Math.max(0, Math.min(reached, (b + 1) * this.#binSteps, this.#steps) - b * this.#binSteps);
  }

  #rates(counts: Float64Array, exposure: (b: number) => number, size: number): { rateTimes: Float64Array; rate: Float64Array } {
    const rate = new Float64Array(this.#bins);
    for (let b = 0; b < this.#bins; b++) {
      const steps = exposure(b);
      rate[b] = steps > 0 ? counts[b]! / (size * steps * this.#dt * this.#unit) : Number.NaN;
    }
    const rateTimes = Float64Array.from({ length: this.#bins }, (_, b) => (b * this.#binSteps + this.#covered(b, this.#steps) / 2) * this.#dt);
    return { rateTimes, rate };
  }

  /** What the page draws now. */
  snapshot(): NetworkLivePopulation[] {
    const { trials, step } = this.#chunk;
    return this.#pops.map((pop) => {
      const counts = Float64Array.from(pop.done);
      for (let k = 0; k < pop.chunk.length; k++) counts[k % this.#bins] = counts[k % this.#bins]! + pop.chunk[k]!;
      const rates = this.#rates(counts, (b) => this.#doneTrials * this.#covered(b, this.#steps) + trials * this.#covered(b, step), pop.size);
      return { name: pop.name, size: pop.size, rasterTimes: Float64Array.from(pop.times), rasterNeurons: Float64Array.from(pop.neurons), rasterTotal: pop.total, ...rates };
    });
  }

  /** The final picture, from the run's own records (exact rates, every recorded spike of trial 0). */
  final(run: SimulateNetworkResult): NetworkLivePopulation[] {
    return this.#pops.map((pop) => {
      const p = run.populations[pop.name]!;
      const fresh: PopulationLive = { ...pop, times: [], neurons: [], total: 0 };
      for (let k = 0; k < p.spikes.trial.length && p.spikes.trial[k] === 0; k++) this.#rasterSpike(fresh, p.spikes.neuron[k]!, p.spikes.step[k]!);
      fresh.total = p.spikeCounts[0]!; // exact, even when the records overflowed
      const counts = new Float64Array(this.#bins);
      for (let k = 0; k < p.rates.counts.length; k++) counts[k % this.#bins] = counts[k % this.#bins]! + p.rates.counts[k]!;
      const exposure = (b: number): number => {
        let sum = 0;
        for (const reached of run.stepsCompleted) sum += this.#covered(b, reached);
        return sum;
      };
      const rates = this.#rates(counts, exposure, pop.size);
      return { name: pop.name, size: pop.size, rasterTimes: Float64Array.from(fresh.times), rasterNeurons: Float64Array.from(fresh.neurons), rasterTotal: fresh.total, ...rates };
    });
  }
}
