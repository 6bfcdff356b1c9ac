/**
 * Recurrent networks of Morris–Lecar neurons (Hazelden et al., arXiv:2311.10869; SEEDS.md §6.3),
 * many trials with their own weights in one launch, for training by evolution strategies:
 *
 * - `ml_network`: one workgroup per trial r = copy·B + phrase. Each step every neuron i takes
 *     z_i = drive[copy][token_t][i] + Σ_j W_rec[copy][j][i] T_{t−1}[j] + σ_z ξ,
 *     I_tot = (I_app + z)·36.75 + 39.9,   (V, w) ← ml_step(V, w, I_tot),   T = σ((V − V_t)/K_p),
 *   where token_t is the word the trial's phrase holds at step t (each word held `word_steps` steps)
 *   ξ a standard normal from Philox4x32-10 (Salmon et al. 2011) at counter (i, step, phrase, stream),
 *   the same for every copy (common random numbers: the copies' losses differ by their weights only),
 *   and drive[copy][word] = W_inpᵀ x_word is precomputed (a phrase only ever shows a handful of
 *   distinct input vectors, so the input product is a small GEMM per launch instead of one per
 *   step). T_{t−1} of the whole trial lives in workgroup memory (double-buffered); outputs from `window_start` on are
 *   summed for the readout. The time steps loop inside the kernel (`steps` per dispatch).
 * - `ml_readout_loss`: per copy, the mean over its B trials of the cross-entropy of the linear
 *   readout logits W_ro·T̄ + b_ro (T̄: the window mean of T), and the number classified right.
 *
 * Float64 twins: `mlNetworkReference` and `mlReadoutLossReference` in
 * src/models/morris-lecar/network-reference.ts.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { philoxWGSL } from './common/philox.wgsl.js';
import { mlNeuronSchema, mlStepWGSL } from './models-morris-lecar.wgsl.js';

/** Sections of the network state buffer, each [trials][neurons], in this order. */
export const ML_NETWORK_SECTIONS = ['v', 'w', 't', 't_sum'] as const;

/** Index of a section of the state buffer (multiply by trials × neurons for its offset). */
export function mlNetworkSection(name: (typeof ML_NETWORK_SECTIONS)[number]): number {
  return ML_NETWORK_SECTIONS.indexOf(name);
}

/** WGSL constants SECTION_V … SECTION_T_SUM with the section indices. */
const sectionConstants = (): string => ML_NETWORK_SECTIONS.map((name, k) => `const SECTION_${name.toUpperCase()}: u32 = ${k}u;`).join('\n');

export const mlNetworkParams = uniformLayout({
  ...mlNeuronSchema,
  trials: 'u32', // trials in the launch, copies × batch
  batch: 'u32', // B: trial r runs copy r / B on phrase r % B
  rec_stride: 'u32', // floats between copies of W_rec (0: one matrix shared by all trials)
  drive_stride: 'u32', // floats between copies of the drive table (0: shared)
  words: 'u32', // tokens per phrase
  word_steps: 'u32', // steps each token is held
  steps: 'u32', // steps in this dispatch
  step_offset: 'u32', // global index of this dispatch's first step
  window_start: 'u32', // outputs of steps ≥ this are summed for the readout
  i_app: 'f32', // constant applied input I_app
  input_scale: 'f32', // I_tot = (I_app + z)·input_scale + input_offset
  input_offset: 'f32',
  v_t: 'f32', // output sigmoid midpoint, mV
  k_p: 'f32', // output sigmoid slope, mV
  noise_std: 'f32', // σ_z of the input noise (0: none, and no random numbers drawn)
  noise_stream: 'u32', // Philox counter word 3: one stream per launch
  seed_lo: 'u32', // Philox key, low word
  seed_hi: 'u32', // Philox key, high word
});

/** Options of {@link mlNetworkWGSL}; also its pipeline-cache key. */
export interface MlNetworkKernelOptions {
  /** Neurons per trial (sizes the workgroup copy of T). */
  neurons: number;
  /** Invocations per workgroup; each handles ⌈neurons / workgroupSize⌉ neurons. */
  workgroupSize: number;
}

export function mlNetworkWGSL(o: MlNetworkKernelOptions): string {
  const perInvocation = Math.ceil(o.neurons / o.workgroupSize);
  return wgsl`
${philoxWGSL}
${WGSL_LINEAR_INDEX}
${mlNetworkParams.wgslStruct('NetParams')}
${mlStepWGSL('NetParams')}

const WG_SIZE: u32 = ${o.workgroupSize}u;
const NEURONS: u32 = ${o.neurons}u;
const PER: u32 = ${perInvocation}u; // neurons of one invocation: lid, lid + WG_SIZE, …
${sectionConstants()}

@group(0) @binding(0) var<uniform> params: NetParams;               // neuron constants, sizes, step range
@group(0) @binding(1) var<storage, read> w_rec: array<f32>;          // [copy][pre j][post i]
@group(0) @binding(2) var<storage, read> drive: array<f32>;          // W_inpᵀx per [copy][token][neuron]
@group(0) @binding(3) var<storage, read> tokens: array<u32>;         // [phrase][word]
@group(0) @binding(4) var<storage, read_write> state: array<f32>;    // [V, w, T, ΣT][trial][neuron]

// This trial's outputs, double-buffered: step k reads half k % 2 and writes the other, so one
// barrier per step suffices (a half is rewritten only after every invocation passed the barrier
// that followed its last read).
var<workgroup> t_buf: array<f32, ${2 * o.neurons}>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = wg_linear_index(wid, nwg); // the same for the whole workgroup: the return keeps barriers uniform
  if (r >= params.trials) { return; }
  let copy = r / params.batch;
  let phrase = r - copy * params.batch;
  let tn = params.trials * NEURONS;
  let rec = copy * params.rec_stride;
  let drv = copy * params.drive_stride;
  // declared with an initialiser: SwiftShader kept stale values in uninitialised loop-scoped arrays
  var v = array<f32, PER>();
  var w = array<f32, PER>();
  var t_new = array<f32, PER>();
  var t_sum = array<f32, PER>();
  for (var q = 0u; q < PER; q++) {
    let i = lid + q * WG_SIZE;
    if (i < NEURONS) {
      let at = r * NEURONS + i;
      v[q] = state[SECTION_V * tn + at];
      w[q] = state[SECTION_W * tn + at];
      t_new[q] = state[SECTION_T * tn + at];
      t_sum[q] = state[SECTION_T_SUM * tn + at];
      t_buf[i] = t_new[q];
    }
  }
  workgroupBarrier();
  for (var k = 0u; k < params.steps; k++) {
    let step = params.step_offset + k;
    let token = tokens[phrase * params.words + min(step / params.word_steps, params.words - 1u)];
    let drive_row = drv + token * NEURONS;
    let read_at = (k & 1u) * NEURONS;
    let write_at = NEURONS - read_at;
    for (var q = 0u; q < PER; q++) {
      let i = lid + q * WG_SIZE;
      if (i < NEURONS) {
        var z = drive[drive_row + i];
        for (var j = 0u; j < NEURONS; j++) {
          z += w_rec[rec + j * NEURONS + i] * t_buf[read_at + j];
        }
        if (params.noise_std > 0.0) {
          let bits = philox4x32_10(vec4u(i, step, phrase, params.noise_stream), vec2u(params.seed_lo, params.seed_hi));
          z += params.noise_std * philox_normal4(bits).x;
        }
        let vw = ml_step(params, v[q], w[q], (params.i_app + z) * params.input_scale + params.input_offset);
        v[q] = vw.x;
        w[q] = vw.y;
        t_new[q] = 1.0 / (1.0 + exp(-(vw.x - params.v_t) / params.k_p));
        if (step >= params.window_start) { t_sum[q] += t_new[q]; }
        t_buf[write_at + i] = t_new[q];
      }
    }
    workgroupBarrier(); // T_t complete before step k + 1 reads it
  }
  for (var q = 0u; q < PER; q++) {
    let i = lid + q * WG_SIZE;
    if (i < NEURONS) {
      let at = r * NEURONS + i;
      state[SECTION_V * tn + at] = v[q];
      state[SECTION_W * tn + at] = w[q];
      state[SECTION_T * tn + at] = t_new[q];
      state[SECTION_T_SUM * tn + at] = t_sum[q];
    }
  }
}
`;
}

/** Largest number of readout classes (the logits are kept in a private array). */
export const ML_MAX_CLASSES = 16;

export const mlReadoutLossParams = uniformLayout({
  neurons: 'u32', // N
  trials: 'u32', // copies × batch (rows of the state sections)
  batch: 'u32', // trials per copy
  copies: 'u32', // S
  classes: 'u32', // readout outputs C ≤ ML_MAX_CLASSES
  inv_window: 'f32', // 1 / steps summed in ΣT
});

export function mlReadoutLossWGSL(): string {
  return wgsl`
${WGSL_LINEAR_INDEX}
${mlReadoutLossParams.wgslStruct('LossParams')}
${sectionConstants()}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: LossParams;             // sizes
@group(0) @binding(1) var<storage, read> state: array<f32>;         // [V, w, T, ΣT][trial][neuron]
@group(0) @binding(2) var<storage, read> readout: array<f32>;       // W_ro [class][neuron], then b_ro [class]
@group(0) @binding(3) var<storage, read> labels: array<u32>;        // [phrase]
@group(0) @binding(4) var<storage, read_write> losses: array<f32>;  // [copy] mean cross-entropy
@group(0) @binding(5) var<storage, read_write> correct: array<f32>; // [copy] phrases classified right

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let s = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (s >= params.copies) { return; }
  let n = params.neurons;
  let c_count = params.classes;
  let sums = SECTION_T_SUM * params.trials * n;
  var total = 0.0;
  var right = 0.0;
  for (var b = 0u; b < params.batch; b++) {
    let row = sums + (s * params.batch + b) * n;
    var logits = array<f32, ${ML_MAX_CLASSES}>();
    var best = 0u;
    for (var c = 0u; c < c_count; c++) {
      var a = readout[c_count * n + c];
      for (var i = 0u; i < n; i++) { a += readout[c * n + i] * state[row + i] * params.inv_window; }
      logits[c] = a;
      if (a > logits[best]) { best = c; }
    }
    // log Σ exp, shifted by the largest logit
    var e = 0.0;
    for (var c = 0u; c < c_count; c++) { e += exp(logits[c] - logits[best]); }
    total += logits[best] + log(e) - logits[labels[b]];
    if (best == labels[b]) { right += 1.0; }
  }
  losses[s] = total / f32(params.batch);
  correct[s] = right;
}
`;
}
