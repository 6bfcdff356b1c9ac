/**
 * Micro-kernels that measure the adapter's limits for the roofline benchmark (the approach of
 * clpeak / "GPU microbenchmarking", Jia et al. 2018, and of the mixbench roofline tool):
 * - `fmaPeakWGSL`: each invocation runs `iterations` rounds of several independent FMA chains
 *   (independent work hides FMA latency and fills SIMD lanes), all in registers, and stores one
 *   value so the compiler cannot drop the loop. The best of a few chain counts is the peak, since
 *   the right number depends on the adapter's register file and latency.
 * - `copyWGSL`: out[i] = in[i], each invocation copying a run of `perInvocation` consecutive
 *   elements (vec4 or mat4x4, 16 or 64 bytes); bytes moved = 2 · size. One element per invocation
 *   suits GPUs (neighbouring invocations touch neighbouring addresses); long runs suit CPU
 *   implementations, where per-invocation overhead would otherwise be measured instead of memory.
 *   The best of a few shapes is the bandwidth, as for the FMA peak.
 */
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';

/** Shape of the FMA kernel: `chains` independent accumulators of `width` lanes each. */
export interface FmaPeakOptions {
  /** Independent FMA chains per invocation (1–16): more hide latency, too many spill registers. */
  chains: number;
  /** 1 (f32) or 4 (vec4f) lanes per chain. */
  width: 1 | 4;
}

/** Floating-point operations per invocation and iteration (an FMA counts as 2). */
export function fmaFlopsPerIteration(o: FmaPeakOptions): number {
  return 2 * o.chains * o.width;
}

/** Uniforms of the FMA kernel. */
export const fmaPeakParams = uniformLayout({
  iterations: 'u32', // rounds of the FMA chains
  seed: 'f32', // starting value, from the host so nothing is constant-folded
});

/** WGSL of the FMA-throughput kernel; override WG_SIZE = 64. */
export function fmaPeakWGSL(o: FmaPeakOptions): string {
  if (!Number.isInteger(o.chains) || o.chains < 1 || o.chains > 16) throw new Error(`fmaPeakWGSL: chains must be 1–16, got ${o.chains}`);
  const type = o.width === 4 ? 'vec4f' : 'f32';
  const chains = [...Array(o.chains).keys()];
  const init = chains.map((i) => `  var a${i} = ${type}(s + ${(i / 10).toFixed(1)});`).join('\n');
  const step = chains.map((i) => `    a${i} = fma(a${i}, m, c);`).join('\n');
  const sum = chains.map((i) => `a${i}`).join(' + ');
  const reduce = o.width === 4 ? 'total.x + total.y + total.z + total.w' : 'total';
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${fmaPeakParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;              // iteration count and seed
@group(0) @binding(1) var<storage, read_write> out: array<f32>; // one value per invocation (defeats DCE)

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  let s = params.seed + f32(i) * 1e-7;
  // A multiplier just below 1 and a tiny addend keep every chain finite for any iteration count.
  let m = ${type}(0.9999999);
  let c = ${type}(1e-7);
${init}
  for (var k = 0u; k < params.iterations; k++) {
${step}
  }
  let total = ${sum};
  // A grid folded into 2-D can overshoot the invocation count by part of a row of workgroups.
  if (i < arrayLength(&out)) { out[i] = ${reduce}; }
}
`;
}

/** Shape of the copy kernel. */
export interface CopyOptions {
  /** What one load and one store move: a vec4f (16 bytes) or a mat4x4f (64 bytes). */
  element: 'vec4f' | 'mat4x4f';
}

/** Bytes of one element of the copy kernel. */
export function copyElementBytes(o: CopyOptions): number {
  return o.element === 'vec4f' ? 16 : 64;
}

/** Uniforms of the copy kernel. */
export const copyParams = uniformLayout({
  count: 'u32', // elements to copy
  perInvocation: 'u32', // consecutive elements each invocation copies
});

/** WGSL of the copy kernel; override WG_SIZE = 64. */
export function copyWGSL(o: CopyOptions): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${copyParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;                // size, run length
@group(0) @binding(1) var<storage, read> src: array<${o.element}>;       // source
@group(0) @binding(2) var<storage, read_write> dst: array<${o.element}>; // destination

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let first = (wg_linear_index(wid, nwg) * WG_SIZE + lid) * params.perInvocation;
  let end = min(first + params.perInvocation, params.count);
  for (var i = first; i < end; i++) { dst[i] = src[i]; }
}
`;
}
