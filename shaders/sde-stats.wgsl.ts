/**
 * Ensemble statistics across trials, reduced on the GPU: count, mean and co-moment matrix (or
 * only the variances) of the state, plus an optional histogram of one variable.
 *
 * Each invocation runs Welford's online update over a strided subset of trials (Welford 1962), the
 * workgroup merges its partial results pairwise with Chan, Golub & LeVeque's formula (1979), and
 * each workgroup writes one partial record; the host merges the few records in float64.
 * Trials flagged as diverged are left out.
 */
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { SDE_FLAG_DIVERGED, sdeTrialStatus } from '../src/core/sde-status.js';
import { workgroupReduceWGSL } from './common/workgroup-reduce.wgsl.js';

/** Options of {@link sdeStatsWGSL} (also the pipeline-cache key). */
export interface SdeStatsOptions {
  /** Number of state variables. */
  n: number;
  /** Full co-moment matrix (upper triangle) instead of the diagonal only. */
  covariance: boolean;
  /** Also histogram one variable. */
  histogram: boolean;
  /** Invocations per workgroup (compile-time: it sizes the workgroup array). */
  workgroupSize: number;
}

/** Uniforms of the statistics kernel. */
export const sdeStatsUniforms = uniformLayout({
  trials: 'u32', // trials in this chunk
  slot: 'u32', // which recording time this is
  groups: 'u32', // workgroups in the dispatch (= partial records per slot)
  hist_var: 'u32', // state row to histogram
  hist_bins: 'u32', // bins between lo and hi (plus one underflow and one overflow bin)
  hist_lo: 'f32', // lower edge
  hist_hi: 'f32', // upper edge
});

/** Floats per partial record: count, n means, then the co-moments (upper triangle or diagonal). */
export function sdeStatsRecordSize(n: number, covariance: boolean): number {
  return 1 + n + (covariance ? (n * (n + 1)) / 2 : n);
}

/** Pairs (j, k), j ≤ k, in record order. */
export function sdeStatsPairs(n: number, covariance: boolean): [number, number][] {
  const pairs: [number, number][] = [];
  for (let j = 0; j < n; j++) {
    if (!covariance) pairs.push([j, j]);
    else for (let k = j; k < n; k++) pairs.push([j, k]);
  }
  return pairs;
}

/** Largest power-of-two workgroup size (≤ 64) whose workgroup array fits in `bytes`. */
export function sdeStatsWorkgroupSize(n: number, covariance: boolean, bytes = 16384): number {
  const record = sdeStatsRecordSize(n, covariance);
  let wg = 64;
  while (wg > 1 && wg * record * 4 > bytes) wg /= 2;
  return wg;
}

/** WGSL of the statistics kernel: one partial record per workgroup per recording time (slot). */
export function sdeStatsWGSL(o: SdeStatsOptions): string {
  const { n } = o;
  const pairs = sdeStatsPairs(n, o.covariance);
  const K = sdeStatsRecordSize(n, o.covariance);
  const WG = o.workgroupSize;
  const pairLines = (fn: (j: number, k: number, q: number) => string): string => pairs.map(([j, k], q) => `  ${fn(j, k, q)}`).join('\n');
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${sdeStatsUniforms.wgslStruct('StatsUniforms')}
${sdeTrialStatus.wgslStruct('TrialStatus')}

const WG: u32 = ${WG}u;
const K: u32 = ${K}u;   // floats per record: count, ${n} means, ${pairs.length} co-moments

@group(0) @binding(0) var<uniform> u: StatsUniforms;                   // sizes and histogram range
@group(0) @binding(1) var<storage, read> state: array<f32>;            // [var][trials]
@group(0) @binding(2) var<storage, read> status: array<TrialStatus>;   // per-trial flags (src/core/sde-status.ts)
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;   // [slot][group][K]
@group(0) @binding(4) var<storage, read_write> hist: array<atomic<u32>>; // [slot][bins + 2]

var<workgroup> acc: array<f32, ${WG * K}>;   // one record per invocation

// Merge record b into record a (Chan, Golub & LeVeque 1979).
fn merge(a: u32, b: u32) {
  let na = acc[a * K];
  let nb = acc[b * K];
  let nn = na + nb;
  if (nb == 0.0) { return; }
  var delta: array<f32, ${n}>;
  for (var j = 0u; j < ${n}u; j++) { delta[j] = acc[b * K + 1u + j] - acc[a * K + 1u + j]; }
  let w = na * nb / nn;
${pairLines((j, k, q) => `acc[a * K + ${1 + n + q}u] += acc[b * K + ${1 + n + q}u] + delta[${j}] * delta[${k}] * w;`)}
  for (var j = 0u; j < ${n}u; j++) { acc[a * K + 1u + j] += delta[j] * nb / nn; }
  acc[a * K] = nn;
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let group = wg_linear_index(wid, nwg);
  let T = u.trials;
  var count = 0.0;
  var mean: array<f32, ${n}>;
  var cm: array<f32, ${pairs.length}>;
  var x: array<f32, ${n}>;
  for (var i = group * WG + lid; i < T; i += u.groups * WG) {
    if ((status[i].flags & ${SDE_FLAG_DIVERGED}u) != 0u) { continue; }   // diverged trials are left out
    for (var j = 0u; j < ${n}u; j++) { x[j] = state[j * T + i]; }
    count += 1.0;
    var delta: array<f32, ${n}>;
    for (var j = 0u; j < ${n}u; j++) {
      delta[j] = x[j] - mean[j];
      mean[j] += delta[j] / count;
    }
${pairLines((j, k, q) => `cm[${q}] += delta[${j}] * (x[${k}] - mean[${k}]);`)}
    if (${o.histogram ? 'true' : 'false'}) {
      let v = x[min(u.hist_var, ${n - 1}u)];
      let pos = (v - u.hist_lo) / (u.hist_hi - u.hist_lo) * f32(u.hist_bins);
      var bin = 0u;                                   // underflow
      if (pos >= f32(u.hist_bins)) { bin = u.hist_bins + 1u; }   // overflow (and +Inf)
      else if (pos >= 0.0) { bin = u32(pos) + 1u; }
      atomicAdd(&hist[u.slot * (u.hist_bins + 2u) + bin], 1u);
    }
  }
  acc[lid * K] = count;
  for (var j = 0u; j < ${n}u; j++) { acc[lid * K + 1u + j] = mean[j]; }
  for (var q = 0u; q < ${pairs.length}u; q++) { acc[lid * K + ${1 + n}u + q] = cm[q]; }
${workgroupReduceWGSL({ size: 'WG', combine: (into, from) => `merge(${into}, ${from});` })}
  if (lid == 0u) {
    let base = (u.slot * u.groups + group) * K;
    for (var q = 0u; q < K; q++) { partials[base + q] = acc[q]; }
  }
}
`;
}
