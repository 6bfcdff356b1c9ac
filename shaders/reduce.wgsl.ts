/**
 * Reductions (sum, max, min, sum of squares, dot) of an array viewed as [outer, len, inner] over
 * its middle axis, in chunks: pass p writes [outer, chunks, inner] partial results, and the host
 * repeats passes until one chunk is left (the classic multi-pass tree reduction, Harris,
 * "Optimizing parallel reduction in CUDA", 2007). Each workgroup owns one (outer, chunk, inner)
 * output: its invocations stride through the chunk, then combine their partials in workgroup
 * memory with a tree of halving steps. Partial sums of ~len/WG_SIZE terms each keep the rounding
 * error growth near O(√len·ε) rather than O(len·ε).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { workgroupReduceWGSL } from './common/workgroup-reduce.wgsl.js';

/** Compile-time variant of the reduction kernel. */
export interface ReduceShaderOptions {
  /** How partials combine. */
  combine: 'sum' | 'max' | 'min';
  /** Applied to each input element first: x, x², |x|, or x·y with a second input. */
  map: 'identity' | 'square' | 'abs' | 'product';
  /** Applied to each final result: nothing, or the square root (for norms). */
  finalize: 'none' | 'sqrt';
}

/** Uniforms of the reduction kernel. */
export const reduceParams = uniformLayout({
  outer: 'u32', // product of the extents before the reduced axis
  len: 'u32', // extent of the reduced axis
  inner: 'u32', // product of the extents after the reduced axis
  chunks: 'u32', // number of chunks the reduced axis is split into (outputs per (outer, inner))
  chunk_len: 'u32', // elements of the reduced axis per chunk
});

/** WGSL of one reduction pass; override WG_SIZE = 64 (a power of two). */
export function reduceWGSL(o: ReduceShaderOptions): string {
  // ∓ the largest finite f32, as bit patterns (a decimal literal would round out of range).
  const identity = o.combine === 'sum' ? '0.0' : o.combine === 'max' ? 'bitcast<f32>(0xff7fffffu)' : 'bitcast<f32>(0x7f7fffffu)';
  const combine = o.combine === 'sum' ? 'p + q' : o.combine === 'max' ? 'max(p, q)' : 'min(p, q)';
  const map =
    o.map === 'identity' ? 'x[idx]' : o.map === 'square' ? 'x[idx] * x[idx]' : o.map === 'abs' ? 'abs(x[idx])' : 'x[idx] * y[idx]';
  return wgsl`
${WGSL_LINEAR_INDEX}
${reduceParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup (a power of two)

@group(0) @binding(0) var<uniform> params: Params;              // shape of the reduction
@group(0) @binding(1) var<storage, read> x: array<f32>;         // input [outer, len, inner]
#if ${o.map === 'product'}
@group(0) @binding(2) var<storage, read> y: array<f32>;         // second factor of a dot product
#endif
@group(0) @binding(${o.map === 'product' ? 3 : 2}) var<storage, read_write> out: array<f32>; // partials [outer, chunks, inner]

var<workgroup> partial: array<f32, WG_SIZE>;                    // one partial per invocation

fn combine(p: f32, q: f32) -> f32 { return ${combine}; }

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let w = wg_linear_index(wid, nwg);                // which output this workgroup owns
  let total = params.outer * params.chunks * params.inner;
  let valid = w < total;
  let i = w % params.inner;
  let c = (w / params.inner) % params.chunks;
  let o = w / (params.inner * params.chunks);
  let first = c * params.chunk_len;
  let last = min(first + params.chunk_len, params.len);
  var acc = ${identity};
  if (valid) {
    for (var l = first + lid; l < last; l += WG_SIZE) {
      let idx = (o * params.len + l) * params.inner + i;
      acc = combine(acc, ${map});
    }
  }
  partial[lid] = acc;
${workgroupReduceWGSL({ size: 'WG_SIZE', combine: (into, from) => `partial[${into}] = combine(partial[${into}], partial[${from}]);` })}
  if (valid && lid == 0u) {
#if ${o.finalize === 'sqrt'}
    out[w] = sqrt(partial[0]);
#else
    out[w] = partial[0];
#endif
  }
}
`;
}
