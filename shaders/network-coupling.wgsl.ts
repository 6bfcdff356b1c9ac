/**
 * Network coupling kernels: spike propagation from per-step spike lists, continuous (rate) coupling
 * Σⱼ Wᵢⱼ s(xⱼ) with trials as columns, the clock tick, and the end-of-run statistics.
 *
 * Spikes are summed in 32-bit fixed point (`atomicAdd` on i32, weights pre-scaled by a power of 2
 * chosen so one step's sum cannot overflow; see src/network/connectivity.ts). Integer addition is
 * associative, so the result is the same whatever order the GPU runs the atomics in: runs are
 * bit-reproducible and the dense and sparse paths agree exactly.
 *  - sparse (push): one workgroup per trial, whose invocations take the entries of the step's spike
 *    list in turn and walk each presynaptic neuron's synapse list, as GeNN and Brian2CUDA propagate
 *    spikes (the grid does not grow with the population, only the spike count sets the work);
 *  - dense (pull): one invocation per (trial, postsynaptic neuron) sums the column entries of this
 *    step's spikes in registers and adds once.
 */
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { workgroupReduceWGSL } from './common/workgroup-reduce.wgsl.js';

/** Uniforms of a spike projection. */
export const networkSpikeUniforms = uniformLayout({
  trials: 'u32', // trials in this chunk
  n_from: 'u32', // presynaptic neurons
  n_to: 'u32', // postsynaptic neurons
  ring_depth: 'u32', // slots of the target's accumulators
  targets: 'u32', // accumulators per slot in the target population
  accumulator: 'u32', // this projection's accumulator
  delay: 'u32', // extra steps before delivery
  off_list_count: 'u32', // presynaptic events: spike-list lengths
  off_list: 'u32', // presynaptic events: spike lists
  off_post: 'u32', // synapses: start of the postsynaptic indices (after n_from + 1 offsets)
  off_weight: 'u32', // synapses: start of the fixed-point weights
});

/** Spike propagation; `dense` selects the pull kernel over a dense [from][to] fixed-point matrix. */
export function networkSpikeWGSL(o: { dense: boolean }): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${networkSpikeUniforms.wgslStruct('SpikeUniforms')}

override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> u: SpikeUniforms;
@group(0) @binding(1) var<storage, read> clock: array<u32>;             // [0]: the step whose spikes are sent
@group(0) @binding(2) var<storage, read> events: array<u32>;            // presynaptic spike lists (see network.wgsl.ts)
@group(0) @binding(3) var<storage, read> synapses: array<u32>;          // ${o.dense ? 'dense [n_from][n_to] fixed-point weights (i32 bits)' : '[n_from + 1] offsets, [nnz] post, [nnz] weights (i32 bits)'}
@group(0) @binding(4) var<storage, read_write> acc: array<atomic<i32>>; // target accumulators [slot][target][trials][n_to]

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let step = clock[0];
  let parity = step & 1u;
  let slot = (step + 1u + u.delay) % u.ring_depth;
${o.dense ? `
  let g = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (g >= u.trials * u.n_to) { return; }
  let r = g / u.n_to;
  let i = g - r * u.n_to;
  let count = events[u.off_list_count + parity * u.trials + r];
  let list = u.off_list + (parity * u.trials + r) * u.n_from;
  var sum = 0i;
  for (var k = 0u; k < count; k++) {
    let j = events[list + k];
    sum += bitcast<i32>(synapses[j * u.n_to + i]);
  }
  if (sum != 0i) {
    atomicAdd(&acc[((slot * u.targets + u.accumulator) * u.trials + r) * u.n_to + i], sum);
  }` : `
  // one workgroup per trial; its invocations stride over this step's spike list
  let r = wg_linear_index(wid, nwg);
  if (r >= u.trials) { return; }
  let count = events[u.off_list_count + parity * u.trials + r];
  let list = u.off_list + (parity * u.trials + r) * u.n_from;
  let base = ((slot * u.targets + u.accumulator) * u.trials + r) * u.n_to;
  for (var k = lid; k < count; k += WG_SIZE) {
    let j = events[list + k];
    for (var e = synapses[j]; e < synapses[j + 1u]; e++) {
      atomicAdd(&acc[base + synapses[u.off_post + e]], bitcast<i32>(synapses[u.off_weight + e]));
    }
  }`}
}
`;
}

/** Uniforms of a continuous projection. */
export const networkCouplingUniforms = uniformLayout({
  trials: 'u32', // trials in this chunk
  trial_offset: 'u32', // global index of the chunk's first trial (per-trial weights)
  n_from: 'u32', // presynaptic neurons
  n_to: 'u32', // postsynaptic neurons
  input_offset: 'u32', // start of this input in the target's inputs buffer
  accumulate: 'u32', // 1: add to the input (a second projection onto it), 0: overwrite
  off_indices: 'u32', // CSR: start of the column indices (after n_to + 1 row pointers)
  per_trial: 'u32', // gather: 1 when every trial has its own weight matrix
});

/** Kernels of continuous coupling: tiled product, dense gather (shared or per-trial weights), CSR gather. */
export type NetworkCouplingKind = 'tiled' | 'gather' | 'csr';

/** Tile edge of the dense coupling product. */
export const NETWORK_TILE = 16;

/**
 * Continuous coupling, input[trial][i] (+)= Σⱼ W[i][j] S[trial][j]:
 *  - `tiled`: shared W (the batched product with trials as columns), 16×16 output tiles of
 *    (neurons × trials) with W and S staged through workgroup memory, the classic shared-memory
 *    tiling of Volkov & Demmel (2008) — each W tile is read once per 16 trials;
 *  - `gather` / `csr`: one invocation per (trial, i), a dot product over a dense row (shared or
 *    per-trial weights) or a CSR row; no workgroup barriers, which is what pays on CPU adapters and
 *    for thin products (fewer than a tile of neurons or trials).
 * Both sum j in increasing order, so results are deterministic.
 */
export function networkCouplingWGSL(o: { kind: NetworkCouplingKind }): string {
  const T = NETWORK_TILE;
  const head = /* wgsl */ `
${WGSL_LINEAR_INDEX}
${networkCouplingUniforms.wgslStruct('CouplingUniforms')}

@group(0) @binding(0) var<uniform> u: CouplingUniforms;
@group(0) @binding(1) var<storage, read> weights: array<f32>;        // ${o.kind === 'csr' ? 'CSR values' : o.kind === 'gather' ? '[n_to][n_from], or [total trials][n_to][n_from] when per_trial' : '[n_to][n_from]'}
@group(0) @binding(2) var<storage, read> source: array<f32>;         // s(x) [trials][n_from]
@group(0) @binding(3) var<storage, read_write> inputs: array<f32>;   // target inputs [input][trials][n_to]
`;
  if (o.kind === 'tiled') {
    return `${head}
var<workgroup> w_tile: array<array<f32, ${T}>, ${T}>;   // [i][j]
var<workgroup> s_tile: array<array<f32, ${T}>, ${T}>;   // [trial][j]

@compute @workgroup_size(${T}, ${T})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wid.x * ${T}u + lid.x;       // postsynaptic neuron
  let r = wid.y * ${T}u + lid.y;       // trial
  var sum = 0.0;
  let tiles = (u.n_from + ${T - 1}u) / ${T}u;
  for (var tile = 0u; tile < tiles; tile++) {
    let j0 = tile * ${T}u;
    // thread (x, y) stages W[wid.x*T + y][j0 + x] and S[wid.y*T + y][j0 + x] (coalesced along j)
    let wi = wid.x * ${T}u + lid.y;
    let sr = wid.y * ${T}u + lid.y;
    let j = j0 + lid.x;
    w_tile[lid.y][lid.x] = select(0.0, weights[min(wi, u.n_to - 1u) * u.n_from + min(j, u.n_from - 1u)], wi < u.n_to && j < u.n_from);
    s_tile[lid.y][lid.x] = select(0.0, source[min(sr, u.trials - 1u) * u.n_from + min(j, u.n_from - 1u)], sr < u.trials && j < u.n_from);
    workgroupBarrier();
    for (var k = 0u; k < ${T}u; k++) {
      sum += w_tile[lid.x][k] * s_tile[lid.y][k];
    }
    workgroupBarrier();
  }
  if (i < u.n_to && r < u.trials) {
    let at = u.input_offset + r * u.n_to + i;
    inputs[at] = select(sum, inputs[at] + sum, u.accumulate == 1u);
  }
}
`;
  }
  return `${head}
@group(0) @binding(4) var<storage, read> csr_index: array<u32>;    // [n_to + 1] row pointers, [nnz] column indices
override WG_SIZE: u32 = 64u;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let g = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  _ = arrayLength(&csr_index);
  if (g >= u.trials * u.n_to) { return; }
  let r = g / u.n_to;
  let i = g - r * u.n_to;
  var sum = 0.0;
${o.kind === 'csr' ? `
  for (var e = csr_index[i]; e < csr_index[i + 1u]; e++) {
    sum += weights[e] * source[r * u.n_from + csr_index[u.off_indices + e]];
  }` : `
  let row = (select(0u, u.trial_offset + r, u.per_trial == 1u) * u.n_to + i) * u.n_from;
  for (var j = 0u; j < u.n_from; j++) {
    sum += weights[row + j] * source[r * u.n_from + j];
  }`}
  let at = u.input_offset + r * u.n_to + i;
  inputs[at] = select(sum, inputs[at] + sum, u.accumulate == 1u);
}
`;
}

/** Advances the step counter after every kernel of a step has been recorded. */
export const networkTickWGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> clock: array<u32>;   // [0]: current step

@compute @workgroup_size(1)
fn main() {
  clock[0] = clock[0] + 1u;
}
`;

/** Uniforms of the statistics kernel. */
export const networkStatsUniforms = uniformLayout({
  count: 'u32', // values per variable (trials × neurons)
  groups: 'u32', // workgroups per variable
});

/** Workgroup size of the statistics kernel. */
export const NETWORK_STATS_WG = 256;

/**
 * Mean and centred sum of squares of each variable over (trials × neurons): each workgroup reduces a
 * contiguous block in two tree reductions (mean, then Σ(x − mean)²) and writes
 * (count, mean, M2); the host merges the blocks in float64 (Chan, Golub & LeVeque 1979).
 * Non-finite values are left out.
 */
export const networkStatsWGSL = /* wgsl */ `
${networkStatsUniforms.wgslStruct('StatsUniforms')}

@group(0) @binding(0) var<uniform> u: StatsUniforms;
@group(0) @binding(1) var<storage, read> state: array<f32>;          // [variables][count]
@group(0) @binding(2) var<storage, read_write> partials: array<f32>; // [variables][groups][3]: count, mean, M2

const WG: u32 = ${NETWORK_STATS_WG}u;
var<workgroup> sums: array<f32, ${NETWORK_STATS_WG}>;
var<workgroup> counts: array<f32, ${NETWORK_STATS_WG}>;

@compute @workgroup_size(${NETWORK_STATS_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let v = wid.y;
  let at = wid.x * ${NETWORK_STATS_WG}u + lid;
  var x = 0.0;
  var ok = 0.0;
  if (at < u.count) {
    x = state[v * u.count + at];
    if ((bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u) { ok = 1.0; } else { x = 0.0; }
  }
  sums[lid] = x;
  counts[lid] = ok;
${workgroupReduceWGSL({ size: 'WG', combine: (into, from) => `sums[${into}] += sums[${from}]; counts[${into}] += counts[${from}];` })}
  let n = counts[0];
  let mean = select(0.0, sums[0] / n, n > 0.0);
  workgroupBarrier();
  let d = (x - mean) * ok;
  sums[lid] = d * d;
${workgroupReduceWGSL({ size: 'WG', combine: (into, from) => `sums[${into}] += sums[${from}];` })}
  if (lid == 0u) {
    let o = (v * u.groups + wid.x) * 3u;
    partials[o] = n;
    partials[o + 1u] = mean;
    partials[o + 2u] = sums[0];
  }
}
`;
