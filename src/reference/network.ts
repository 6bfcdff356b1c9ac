/**
 * Float64 CPU twin of the network engine (src/network/simulate.ts, shaders/network*.wgsl.ts): the
 * same step order, the same Philox noise stream, the same fixed-point spike delivery, run with the
 * JavaScript twins of the neuron models. Tests compare the GPU against it step for step.
 *
 * The plan types below are the engine's compiled form of a network, in plain data: the network
 * layer builds them, this file only reads them (it imports nothing above core).
 */
import { seedToKey } from '../core/seed.js';
import { normal4FromBits, philox4x32_10, uniformFromBits } from './philox.js';

/** Philox tag (counter word 3) of the neuron noise stream: `NOISE_TAG | population << 8 | block`. */
export const NETWORK_NOISE_TAG = 0x4e570000;
/** Philox tag of initial values drawn by `rand()` / `randn()`. */
export const NETWORK_INIT_TAG = 0x4e490000;
/** Philox tag of the fixed-probability connectivity generator. */
export const NETWORK_CONNECT_TAG = 0x4e43;

/** Where a model parameter's value comes from. */
export type ParamSource =
  | { kind: 'scalar'; value: number }
  | { kind: 'neuron'; values: Float64Array }
  | { kind: 'trial'; values: Float64Array }
  | { kind: 'input'; slot: number };

/** The model functions the reference calls (the JavaScript twin of the compiled equations). */
export interface PlanModelJS {
  drift(t: number, s: ArrayLike<number>, p: ArrayLike<number>, out: Float64Array): void;
  diffusion(t: number, s: ArrayLike<number>, p: ArrayLike<number>, out: Float64Array): void;
  threshold(t: number, s: ArrayLike<number>, p: ArrayLike<number>): number;
  reset(t: number, s: ArrayLike<number>, p: ArrayLike<number>): number;
}

/** One population, compiled. */
export interface PopulationPlan {
  name: string;
  index: number;
  size: number;
  /** State variable names (storage order). */
  state: readonly string[];
  /** Model parameter names (storage order) and where each value comes from. */
  params: readonly string[];
  sources: readonly ParamSource[];
  /** Continuous inputs (names), each a parameter of kind 'input'. */
  inputs: readonly string[];
  /** State variables that receive spikes, in accumulator order, with their fixed-point scale (a power of 2). */
  spikeTargets: readonly { variable: number; scale: number }[];
  /** Ring-buffer depth of the spike accumulators: 1 + the largest delay into this population. */
  ringDepth: number;
  /** Variables driven by noise (diagonal diffusion). */
  noise: readonly number[];
  event: { variable: number; refractory: number } | null;
  js: PlanModelJS;
  /** Initial state of one trial, [variable][neuron]. */
  init(trial: number, seed: number): Float64Array;
}

/** One projection, compiled. Weights are indexed [post i][pre j] as in the file. */
export interface ProjectionPlan {
  index: number;
  from: number;
  to: number;
  on: 'step' | 'spike';
  /** 'step': input slot of the target population and s(x) of the presynaptic state. */
  inputSlot: number;
  source: ((s: ArrayLike<number>, p: ArrayLike<number>) => number) | null;
  /** Dense weights [to][from] (or [trials][to][from] with perTrial). */
  dense: Float64Array | null;
  perTrial: boolean;
  /** Sparse weights by postsynaptic row (CSR). */
  csr: { indptr: Uint32Array; indices: Uint32Array; data: Float64Array } | null;
  /** 'spike': accumulator index in the target population, delay in steps, quantized weights by presynaptic neuron. */
  accumulator: number;
  delay: number;
  /** Synapses grouped by presynaptic neuron: out[offsets[j] .. offsets[j+1]) = (post, wq). */
  outgoing: { offsets: Uint32Array; post: Uint32Array; wq: Int32Array } | null;
}

/** A compiled network. */
export interface NetworkPlan {
  name: string;
  populations: readonly PopulationPlan[];
  projections: readonly ProjectionPlan[];
}

/**
 * The `rand()` / `randn()` of initial-value expressions: call c reads lane c & 3 of the Philox
 * block at `counter` with c >> 2 added to word 2, so each call of each expression has its own number.
 */
export function randomCalls(seed: number, counter: [number, number, number, number]): { rand(): number; randn(): number } {
  const key = seedToKey(seed);
  const words = new Uint32Array(4);
  const normals = new Float64Array(4);
  let call = 0;
  const next = (): number => {
    const lane = call & 3;
    if (lane === 0) {
      philox4x32_10([counter[0], counter[1], (counter[2] + (call >> 2)) >>> 0, counter[3]], key, words);
      normal4FromBits(words, normals);
    }
    call++;
    return lane;
  };
  return {
    rand: () => uniformFromBits(words[next()]!),
    randn: () => normals[next()]!,
  };
}

/** Refractory period in steps (the engine and the reference round the same way). */
export function refractorySteps(refractory: number, dt: number): number {
  return Math.round(refractory / dt);
}

/** Parameter values of neuron i in trial `trial` (inputs read from `inputs[slot][i]`). */
export function loadParams(pop: PopulationPlan, trial: number, i: number, inputs: Float64Array[], out: Float64Array): void {
  pop.sources.forEach((src, k) => {
    switch (src.kind) {
      case 'scalar': out[k] = src.value; break;
      case 'neuron': out[k] = src.values[i]!; break;
      case 'trial': out[k] = src.values[trial]!; break;
      case 'input': out[k] = inputs[src.slot]![i]!; break;
    }
  });
}

/** Options of {@link simulateNetworkReference}. */
export interface NetworkReferenceOptions {
  /** Trials [firstTrial, firstTrial + trials) are simulated. */
  trials: number;
  firstTrial?: number;
  steps: number;
  dt: number;
  seed: number;
  t0?: number;
}

/** What the reference returns. */
export interface NetworkReferenceResult {
  /** Per population: final state [trial][variable][neuron]. */
  final: Float64Array[];
  /** Per population: spikes as [trial, neuron, step] triples, sorted. */
  spikes: Uint32Array[];
  /** Smallest |x − threshold| at any threshold decision (how far float32 rounding is from flipping one). */
  thresholdMargin: number;
}

/**
 * Simulate a network in float64, one trial at a time, with exactly the engine's step order:
 * continuous inputs from the current state; then each neuron adds its arrived spikes, takes an
 * Euler–Maruyama step and tests its threshold; then this step's spikes are queued `delay + 1`
 * steps ahead.
 */
export function simulateNetworkReference(plan: NetworkPlan, options: NetworkReferenceOptions): NetworkReferenceResult {
  const { trials, steps, dt, seed } = options;
  const first = options.firstTrial ?? 0;
  const t0 = options.t0 ?? 0;
  const key = seedToKey(seed);
  const pops = plan.populations;
  const final = pops.map((p) => new Float64Array(trials * p.state.length * p.size));
  const spikeLists: number[][] = pops.map(() => []);
  let margin = Infinity;
  const words = new Uint32Array(4);
  const normals = new Float64Array(4);
  for (let r = 0; r < trials; r++) {
    const trial = first + r;
    const state = pops.map((p) => p.init(trial, seed));
    const inputs = pops.map((p) => p.inputs.map(() => new Float64Array(p.size)));
    const rings = pops.map((p) => Array.from({ length: p.ringDepth * p.spikeTargets.length }, () => new Float64Array(p.size)));
    const refractory = pops.map((p) => new Int32Array(p.size));
    const spiked = pops.map(() => [] as number[]);
    for (let step = 0; step < steps; step++) {
      const t = t0 + step * dt;
      // continuous coupling from the state at this step
      pops.forEach((_, q) => inputs[q]!.forEach((a) => a.fill(0)));
      for (const proj of plan.projections) {
        if (proj.on !== 'step') continue;
        const from = pops[proj.from]!;
        const to = pops[proj.to]!;
        const S = presynapticSource(from, proj, state[proj.from]!, trial, inputs[proj.from]!);
        const out = inputs[proj.to]![proj.inputSlot]!;
        if (proj.dense) {
          const base = proj.perTrial ? trial * to.size * from.size : 0;
          for (let i = 0; i < to.size; i++) {
            let acc = 0;
            for (let j = 0; j < from.size; j++) acc += proj.dense[base + i * from.size + j]! * S[j]!;
            out[i] = out[i]! + acc;
          }
        } else if (proj.csr) {
          for (let i = 0; i < to.size; i++) {
            let acc = 0;
            for (let e = proj.csr.indptr[i]!; e < proj.csr.indptr[i + 1]!; e++) acc += proj.csr.data[e]! * S[proj.csr.indices[e]!]!;
            out[i] = out[i]! + acc;
          }
        }
      }
      // neuron updates
      pops.forEach((pop, q) => {
        const V = pop.state.length;
        const N = pop.size;
        const x = state[q]!;
        const s = new Float64Array(V);
        const p = new Float64Array(pop.params.length);
        const f = new Float64Array(V);
        const g = new Float64Array(V);
        const refrSteps = pop.event ? refractorySteps(pop.event.refractory, dt) : 0;
        const slot = step % pop.ringDepth;
        spiked[q] = [];
        for (let i = 0; i < N; i++) {
          for (let v = 0; v < V; v++) s[v] = x[v * N + i]!;
          pop.spikeTargets.forEach((tg, a) => {
            const cell = rings[q]![slot * pop.spikeTargets.length + a]!;
            s[tg.variable] = s[tg.variable]! + cell[i]! / tg.scale;
            cell[i] = 0;
          });
          loadParams(pop, trial, i, inputs[q]!, p);
          pop.js.drift(t, s, p, f);
          pop.js.diffusion(t, s, p, g);
          const next = new Float64Array(V);
          for (let v = 0; v < V; v++) next[v] = s[v]! + f[v]! * dt;
          for (let b = 0; b < Math.ceil(pop.noise.length / 4); b++) {
            philox4x32_10([i, step, trial, NETWORK_NOISE_TAG | (pop.index << 8) | b], key, words);
            normal4FromBits(words, normals);
            for (let l = 0; l < 4 && 4 * b + l < pop.noise.length; l++) {
              const v = pop.noise[4 * b + l]!;
              next[v] = next[v]! + g[v]! * Math.sqrt(dt) * normals[l]!;
            }
          }
          if (pop.event) {
            const ev = pop.event.variable;
            if (refractory[q]![i]! > 0) {
              next[ev] = s[ev]!;
              refractory[q]![i] = refractory[q]![i]! - 1;
            } else {
              const threshold = pop.js.threshold(t + dt, next, p);
              margin = Math.min(margin, Math.abs(next[ev]! - threshold));
              if (next[ev]! >= threshold) {
                next[ev] = pop.js.reset(t + dt, next, p);
                refractory[q]![i] = refrSteps;
                spiked[q]!.push(i);
                spikeLists[q]!.push(trial, i, step);
              }
            }
          }
          for (let v = 0; v < V; v++) x[v * N + i] = next[v]!;
        }
      });
      // spike propagation into the ring slot of step + 1 + delay
      for (const proj of plan.projections) {
        if (proj.on !== 'spike' || !proj.outgoing) continue;
        const to = pops[proj.to]!;
        const slot = (step + 1 + proj.delay) % to.ringDepth;
        const cell = rings[proj.to]![slot * to.spikeTargets.length + proj.accumulator]!;
        for (const j of spiked[proj.from]!) {
          for (let e: number = proj.outgoing.offsets[j]!; e < proj.outgoing.offsets[j + 1]!; e++) {
            const post = proj.outgoing.post[e]!;
            cell[post] = cell[post]! + proj.outgoing.wq[e]!;
          }
        }
      }
    }
    pops.forEach((p, q) => final[q]!.set(state[q]!, r * p.state.length * p.size));
  }
  return { final, spikes: spikeLists.map((l) => sortSpikes(Uint32Array.from(l))), thresholdMargin: margin };
}

function presynapticSource(pop: PopulationPlan, proj: ProjectionPlan, x: Float64Array, trial: number, inputs: Float64Array[]): Float64Array {
  const V = pop.state.length;
  const N = pop.size;
  const S = new Float64Array(N);
  const s = new Float64Array(V);
  const p = new Float64Array(pop.params.length);
  for (let j = 0; j < N; j++) {
    for (let v = 0; v < V; v++) s[v] = x[v * N + j]!;
    loadParams(pop, trial, j, inputs, p);
    S[j] = proj.source!(s, p);
  }
  return S;
}

/** Sort [trial, neuron, step] triples by trial, then step, then neuron. */
export function sortSpikes(triples: Uint32Array): Uint32Array {
  const n = triples.length / 3;
  const order = Array.from({ length: n }, (_, k) => k);
  order.sort((a, b) => (triples[3 * a]! - triples[3 * b]!) || (triples[3 * a + 2]! - triples[3 * b + 2]!) || (triples[3 * a + 1]! - triples[3 * b + 1]!));
  const out = new Uint32Array(triples.length);
  order.forEach((k, r) => {
    out[3 * r] = triples[3 * k]!;
    out[3 * r + 1] = triples[3 * k + 1]!;
    out[3 * r + 2] = triples[3 * k + 2]!;
  });
  return out;
}
