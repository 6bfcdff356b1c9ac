/**
 * Batched complex FFT along one axis of a complex-interleaved f32 array (`vec2f` per element),
 * power-of-two lengths, by the Stockham autosort algorithm: every pass reads one buffer and writes
 * the other, so the output comes out in natural order with no bit-reversal pass (Stockham, 1966;
 * the radix-2 and radix-4 passes follow the formulation of Van Loan, "Computational Frameworks for
 * the Fast Fourier Transform", SIAM 1992, §1.7, and E. Bainville's "OpenCL Fast Fourier Transform",
 * 2010). Radix-4 passes halve the number of passes (and memory round trips); an odd exponent ends
 * with one radix-2 pass.
 *
 * The transformed axis has length n and element stride `stride`; the array is viewed as
 * [outer][n][inner] with inner = stride, so one kernel serves rows (stride 1) and columns
 * (stride = row length) of a batch of 2-D arrays. Twiddle factors come from a table
 * w_k = exp(−2πik/n), k < n, computed in float64 on the CPU and rounded once to f32, because WGSL's
 * sin/cos only promise an absolute error of 2⁻¹¹ on [−π, π], which would dominate the transform's
 * error.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';

/** Uniforms of one Stockham pass. */
export const fftPassParams = uniformLayout({
  n: 'u32', // transform length (a power of two)
  span: 'u32', // length of the sub-transforms already combined (1, r, r², … before this pass)
  stride: 'u32', // element stride of the transformed axis (= inner count)
  butterflies: 'u32', // total butterflies of this pass: outer · inner · n / radix
  sign: 'f32', // −1 forward (e^{−2πi…}), +1 inverse: the sign of the twiddle's imaginary part
  scale: 'f32', // factor applied to every output (1, or 1/n on the last inverse pass)
});

/** Compile-time variant of a Stockham pass. */
export interface FftShaderOptions {
  /** Butterfly radix of this pass. */
  radix: 2 | 4;
}

/** WGSL of one radix-2 or radix-4 Stockham pass; override WG_SIZE = 64. */
export function fftPassWGSL(options: FftShaderOptions): string {
  return wgsl`
${WGSL_LINEAR_INDEX}
${fftPassParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;                 // sizes of this pass
@group(0) @binding(1) var<storage, read> src: array<vec2f>;        // input, complex interleaved
@group(0) @binding(2) var<storage, read_write> dst: array<vec2f>;  // output of this pass
@group(0) @binding(3) var<storage, read> twiddle: array<vec2f>;    // w_k = exp(−2πik/n), k < n

fn cmul(a: vec2f, b: vec2f) -> vec2f {
  return vec2f(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

// exp(sign · 2πi · m / n) for 0 ≤ m < n, from the forward table (conjugated for the inverse).
fn w(m: u32) -> vec2f {
  let t = twiddle[m];
  return vec2f(t.x, -params.sign * t.y);
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let id = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (id >= params.butterflies) { return; }
  let n = params.n;
  let s = params.stride;
#if ${options.radix === 2}
  let quarter = n / 2u;                 // butterflies per transform
#else
  let quarter = n / 4u;
#endif
  // id = (outer · quarter + i) · stride + inner
  let inner = id % s;
  let rest = id / s;
  let i = rest % quarter;
  let outer = rest / quarter;
  let base = outer * n * s + inner;
  let p = params.span;
  let k = i & (p - 1u);                 // position inside the current sub-transform
#if ${options.radix === 2}
  // Twiddle exp(∓πik/p) = w_{k·n/(2p)}.
  let x0 = src[base + i * s];
  let x1 = cmul(src[base + (i + quarter) * s], w(k * (n / (2u * p))));
  let j = 2u * i - k;                   // (i − k)·2 + k
  dst[base + j * s] = params.scale * (x0 + x1);
  dst[base + (j + p) * s] = params.scale * (x0 - x1);
#else
  // Radix-4: inputs i + q·n/4 (q = 0..3) times exp(∓2πi·q·k/(4p)) = w_{q·k·n/(4p)}, then a 4-point DFT.
  let step = n / (4u * p);
  let x0 = src[base + i * s];
  let x1 = cmul(src[base + (i + quarter) * s], w(k * step));
  let x2 = cmul(src[base + (i + 2u * quarter) * s], w(2u * k * step));
  let x3 = cmul(src[base + (i + 3u * quarter) * s], w(3u * k * step));
  let a0 = x0 + x2;
  let a1 = x0 - x2;
  let b0 = x1 + x3;
  // (x1 − x3) times ∓i: the 4-point DFT's inner twiddle.
  let d = x1 - x3;
  let b1 = vec2f(-params.sign * d.y, params.sign * d.x);
  let j = 4u * i - 3u * k;              // (i − k)·4 + k
  dst[base + j * s] = params.scale * (a0 + b0);
  dst[base + (j + p) * s] = params.scale * (a1 + b1);
  dst[base + (j + 2u * p) * s] = params.scale * (a0 - b0);
  dst[base + (j + 3u * p) * s] = params.scale * (a1 - b1);
#endif
}
`;
}

/** Uniforms of the pointwise kernels (real ↔ complex, spectrum masks). */
export const fftPointwiseParams = uniformLayout({
  count: 'u32', // complex elements to process
  period: 'u32', // mask length: the mask repeats every `period` elements (batch broadcasting)
});

/** The pointwise companions of the FFT. */
export type FftPointwiseOp = 'real-to-complex' | 'real-part' | 'mask-real' | 'mask-complex';

/**
 * WGSL of a pointwise kernel: `real-to-complex` (x → x + 0i), `real-part`, `mask-real`
 * (spectrum × real mask), `mask-complex` (spectrum × complex mask); the mask is broadcast over the
 * batch. Override WG_SIZE = 64.
 */
export function fftPointwiseWGSL(op: FftPointwiseOp): string {
  const input = op === 'real-to-complex' ? 'f32' : 'vec2f';
  const output = op === 'real-part' ? 'f32' : 'vec2f';
  const mask = op === 'mask-real' ? 'f32' : 'vec2f';
  return wgsl`
${WGSL_LINEAR_INDEX}
${fftPointwiseParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;                   // counts
@group(0) @binding(1) var<storage, read> src: array<${input}>;       // input
@group(0) @binding(2) var<storage, read_write> dst: array<${output}>; // output
#if ${op === 'mask-real' || op === 'mask-complex'}
@group(0) @binding(3) var<storage, read> mask: array<${mask}>;       // mask, one period
#endif

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let id = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (id >= params.count) { return; }
#if ${op === 'real-to-complex'}
  dst[id] = vec2f(src[id], 0.0);
#elif ${op === 'real-part'}
  dst[id] = src[id].x;
#elif ${op === 'mask-real'}
  dst[id] = src[id] * mask[id % params.period];
#else
  let a = src[id];
  let b = mask[id % params.period];
  dst[id] = vec2f(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
#endif
}
`;
}
