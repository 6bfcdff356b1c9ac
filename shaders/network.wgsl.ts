/**
 * Network neuron kernels: the fused update of one population (one invocation per (trial, neuron))
 * and the presynaptic source s(x) of its continuous projections. The neuron model is injected as
 * the `model_*` functions of src/sde/model.ts.
 *
 * One step of a neuron, in the order the float64 twin (src/reference/network.ts) follows:
 *  1. add the spikes that arrive this step (fixed-point ring-buffer slot step % depth, then zeroed);
 *  2. Euler–Maruyama (Kloeden & Platen 1992, §10.2): x ← x + f(t, x, p) dt + g(t, x, p) √dt ξ, with
 *     ξ from Philox4x32-10 (Salmon et al. 2011) at counter (neuron, step, trial, NOISE_TAG | pop << 8 | block),
 *     so a neuron's noise depends only on (seed, trial, neuron, step), never on chunking;
 *  3. threshold → reset, refractory hold, and the spike appended to this step's spike list;
 *  4. recording: spike records, population-rate bins, state monitors, non-finite flags.
 *
 * The step number is read from a one-word `clock` buffer that a tick kernel advances after each
 * step, so one bind group serves every step and no uniform changes inside a submission.
 */
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { needsWGSLHelpers, WGSL_EXPR_HELPERS } from '../src/expr/index.js';
import { philoxWGSL } from './common/philox.wgsl.js';

/** Offsets of the sections of one population's `events` buffer (u32 words), see {@link networkEventSections}. */
export const NETWORK_EVENT_SECTIONS = ['list_count', 'list', 'flags', 'rates', 'rec_count', 'rec'] as const;
/** Words of one spike record: trial, neuron, step. */
export const NETWORK_SPIKE_RECORD_WORDS = 3;
/** Trial flag bit: a state variable became NaN or infinite. */
export const NETWORK_FLAG_NONFINITE = 1;
/** Monitor-map entry of a neuron that is not monitored. */
export const NETWORK_NOT_MONITORED = 0xffffffff;

/** Uniforms of a population's kernels (one buffer per chunk). */
export const networkPopulationUniforms = uniformLayout({
  trials: 'u32', // trials in this chunk
  trial_offset: 'u32', // global index of the chunk's first trial
  n: 'u32', // neurons
  seed_lo: 'u32', // Philox key, low word
  seed_hi: 'u32', // Philox key, high word
  refractory_steps: 'u32', // steps a spiking variable is held after a spike
  ring_depth: 'u32', // slots of the spike accumulators (1 + largest delay)
  bin_steps: 'u32', // steps per population-rate bin
  bins: 'u32', // rate bins
  rec_capacity: 'u32', // spike records that fit
  monitor_count: 'u32', // monitored neurons
  monitor_every: 'u32', // monitor stride in steps (0: none)
  monitor_records: 'u32', // monitor records that fit
  off_list_count: 'u32', // events: [2][trials] spike-list lengths (by step parity)
  off_list: 'u32', // events: [2][trials][n] spike lists
  off_flags: 'u32', // events: [trials] flags
  off_rates: 'u32', // events: [trials][bins] spike counts per bin
  off_rec_count: 'u32', // events: [1] spike records written (may exceed capacity: overflow)
  off_rec: 'u32', // events: [capacity][3] (trial, neuron, step)
  off_map: 'u32', // aux: [n] monitor slot of each neuron
  dt: 'f32', // time step
  t0: 'f32', // time at step 0
});

/**
 * Sections of one population's `events` buffer, in words, derived from the run's sizes. The same
 * description packs the `off_*` uniforms and sizes the buffer.
 */
export function networkEventSections(trials: number, n: number, bins: number, capacity: number): { offsets: Record<(typeof NETWORK_EVENT_SECTIONS)[number], number>; words: number } {
  const sizes = {
    list_count: 2 * trials,
    list: 2 * trials * n,
    flags: trials,
    rates: trials * bins,
    rec_count: 1,
    rec: capacity * NETWORK_SPIKE_RECORD_WORDS,
  };
  const offsets = {} as Record<(typeof NETWORK_EVENT_SECTIONS)[number], number>;
  let at = 0;
  for (const name of NETWORK_EVENT_SECTIONS) {
    offsets[name] = at;
    at += sizes[name];
  }
  return { offsets, words: at };
}

/** Where a parameter is read from, in the generated `load_params`. */
export type NetworkParamSlot =
  | { kind: 'table'; offset: number } // params[offset]
  | { kind: 'neuron'; offset: number } // params[offset + neuron]
  | { kind: 'trial'; offset: number } // params[offset + trial] (one value per trial of the run)
  | { kind: 'input'; slot: number };

/** Options of {@link networkPopulationWGSL}; also its pipeline-cache key. */
export interface NetworkPopulationOptions {
  /** Population index (Philox tag). */
  population: number;
  /** Model declarations from `SDEModel.wgsl`. */
  modelWGSL: string;
  state: readonly string[];
  params: readonly string[];
  /** How each parameter is loaded (same order as `params`). */
  paramSlots: readonly NetworkParamSlot[];
  /** Variables driven by noise. */
  noise: readonly number[];
  /** Event variable index, or -1. */
  eventIndex: number;
  /** Spike-receiving variables and the inverse of their fixed-point scale. */
  spikeTargets: readonly { variable: number; invScale: number }[];
  /** Continuous projections leaving this population: the WGSL of s(x) for each (entry `source_<k>`). */
  sources: readonly { projection: number; wgsl: string }[];
  /** Monitored variables (indices), in record order. */
  monitorVariables: readonly number[];
  /** Philox tag word of the noise. */
  noiseTag: number;
}

const f32 = (x: number): string => {
  const v = Math.fround(x);
  const s = v.toString();
  return /[.eE]/.test(s) ? s : `${s}.0`;
};

/** The population module: entry points `update` and `source_<k>` (one per outgoing continuous projection). */
export function networkPopulationWGSL(o: NetworkPopulationOptions): string {
  const V = o.state.map((v) => `v_${v}`);
  const nState = V.length;
  const paramArgs = o.params.length
    ? o.paramSlots.map((slot) => {
      switch (slot.kind) {
        case 'table': return `params[${slot.offset}u]`;
        case 'neuron': return `params[${slot.offset}u + i]`;
        case 'trial': return `params[${slot.offset}u + trial]`;
        case 'input': return `inputs[${slot.slot}u * u.trials * u.n + r * u.n + i]`;
      }
    }).join(', ')
    : '0.0';
  const blocks = Math.ceil(o.noise.length / 4);
  const noiseLines = Array.from({ length: blocks }, (_, b) => {
    const lanes = o.noise.slice(4 * b, 4 * b + 4).map((v, l) => `  dw[${v}] = z${b}[${l}] * sqrt_dt;`).join('\n');
    return `  let z${b} = philox_normal4(philox4x32_10(vec4u(i, step, trial, ${o.noiseTag >>> 0}u | ${b}u), key));\n${lanes}`;
  }).join('\n');
  const A = o.spikeTargets.length;
  const arrivals = o.spikeTargets.map((tg, a) => [
    `  let cell${a} = ((slot * ${A}u + ${a}u) * u.trials + r) * u.n + i;`,
    `  s.${V[tg.variable]} += f32(acc[cell${a}]) * ${f32(tg.invScale)};`,
    `  acc[cell${a}] = 0;`,
  ].join('\n')).join('\n');
  const ev = o.eventIndex >= 0 ? V[o.eventIndex]! : '';
  const finiteChecks = V.map((v) => `((bitcast<u32>(next.${v}) & 0x7f800000u) != 0x7f800000u)`).join(' && ');
  const monitorWrites = o.monitorVariables.map((v, k) =>
    `      monitor[((rec * u.trials + r) * u.monitor_count + m) * ${o.monitorVariables.length}u + ${k}u] = next.${V[v]};`).join('\n');
  const sourceEntries = o.sources.map((src) => `
// s(x) of projection ${src.projection}: one value per (trial, presynaptic neuron) from the state at this step.
@compute @workgroup_size(WG_SIZE)
fn source_${src.projection}(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (g >= u.trials * u.n) { return; }
  let r = g / u.n;
  let i = g - r * u.n;
  let trial = u.trial_offset + r;
  let s = load_state(r, i);
  let p = load_params(trial, r, i);
  source_out[g] = ${src.wgsl};
}`).join('\n');

  // the equation language's helpers, once: the model brings them when its equations need them
  const helpers = o.sources.some((src) => needsWGSLHelpers(src.wgsl)) && !o.modelWGSL.includes(WGSL_EXPR_HELPERS) ? WGSL_EXPR_HELPERS : '';
  return /* wgsl */ `
${philoxWGSL}
${WGSL_LINEAR_INDEX}
${helpers}
${o.modelWGSL}

${networkPopulationUniforms.wgslStruct('PopulationUniforms')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> u: PopulationUniforms;             // sizes, seed, section offsets
@group(0) @binding(1) var<storage, read> clock: array<u32>;           // [0]: the step being taken
@group(0) @binding(2) var<storage, read_write> state: array<f32>;     // [${nState} variables][trials][n]
@group(0) @binding(3) var<storage, read> params: array<f32>;          // parameter table (constants, per neuron, per trial)
@group(0) @binding(4) var<storage, read> inputs: array<f32>;          // continuous inputs [input][trials][n]
// Arriving spikes, fixed point [ring slot][target][trials][n]. The propagation kernels add to it
// atomically; here each cell belongs to one invocation, so plain loads and stores suffice.
@group(0) @binding(5) var<storage, read_write> acc: array<i32>;
@group(0) @binding(6) var<storage, read_write> aux: array<u32>;       // [trials][n] refractory steps left, then [n] monitor slots
@group(0) @binding(7) var<storage, read_write> events: array<atomic<u32>>; // spike lists, flags, rate bins, spike records
@group(0) @binding(8) var<storage, read_write> monitor: array<f32>;   // [record][trials][monitored][variable]
@group(0) @binding(9) var<storage, read_write> source_out: array<f32>; // s(x) [trials][n] of one projection

fn load_state(r: u32, i: u32) -> ModelState {
  let tn = u.trials * u.n;
  return ModelState(${V.map((_, k) => `state[${k}u * tn + r * u.n + i]`).join(', ')});
}

fn load_params(trial: u32, r: u32, i: u32) -> ModelParams {
  return ModelParams(${paramArgs});
}

@compute @workgroup_size(WG_SIZE)
fn update(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
          @builtin(local_invocation_index) lid: u32) {
  let g = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  // keep every binding in the layout, whatever this model uses
  _ = arrayLength(&params);
  _ = arrayLength(&inputs);
  _ = arrayLength(&acc);
  _ = arrayLength(&aux);
  _ = arrayLength(&monitor);
  if (g >= u.trials * u.n) { return; }
  let r = g / u.n;                 // trial within this chunk
  let i = g - r * u.n;             // neuron
  let trial = u.trial_offset + r;  // global trial (noise, sweeps, records)
  let step = clock[0];
  let t = u.t0 + f32(step) * u.dt;
  let dt = u.dt;
  let sqrt_dt = sqrt(dt);
  let key = vec2u(u.seed_lo, u.seed_hi);
  let parity = step & 1u;
  if (i == 0u) {
    // the next step's spike list starts empty (the previous reader of that parity has finished)
    atomicStore(&events[u.off_list_count + (1u - parity) * u.trials + r], 0u);
  }
  var s = load_state(r, i);
  let slot = step % u.ring_depth;
${arrivals}
  let p = load_params(trial, r, i);
  var dw: array<f32, MODEL_M>;
${noiseLines}
  let drift = model_drift(t, s, p);
  let noise = model_noise(t, s, p, dw);   // g(t, x) dW
  var next = s;
${V.map((v) => `  next.${v} = s.${v} + drift.${v} * dt + noise.${v};`).join('\n')}
${o.eventIndex >= 0 ? `
  let left = aux[r * u.n + i];
  if (left > 0u) {
    next.${ev} = s.${ev};            // refractory: held (arrived spikes included)
    aux[r * u.n + i] = left - 1u;
  } else if (next.${ev} >= model_threshold(t + dt, next, p)) {
    next.${ev} = model_reset(t + dt, next, p);
    aux[r * u.n + i] = u.refractory_steps;
    let k = atomicAdd(&events[u.off_list_count + parity * u.trials + r], 1u);
    atomicStore(&events[u.off_list + (parity * u.trials + r) * u.n + k], i);
    atomicAdd(&events[u.off_rates + r * u.bins + min(step / u.bin_steps, u.bins - 1u)], 1u);
    let q = atomicAdd(&events[u.off_rec_count], 1u);
    if (q < u.rec_capacity) {
      atomicStore(&events[u.off_rec + 3u * q], trial);
      atomicStore(&events[u.off_rec + 3u * q + 1u], i);
      atomicStore(&events[u.off_rec + 3u * q + 2u], step);
    }
  }` : ''}
  if (!(${finiteChecks})) {
    atomicOr(&events[u.off_flags + r], ${NETWORK_FLAG_NONFINITE}u);
  }
  let tn = u.trials * u.n;
${V.map((v, k) => `  state[${k}u * tn + r * u.n + i] = next.${v};`).join('\n')}
${o.monitorVariables.length ? `
  if (u.monitor_every > 0u && (step + 1u) % u.monitor_every == 0u) {
    let m = aux[u.off_map + i];
    let rec = (step + 1u) / u.monitor_every - 1u;
    if (m != ${NETWORK_NOT_MONITORED}u && rec < u.monitor_records) {
${monitorWrites}
    }
  }` : ''}
}
${sourceEntries}
`;
}
