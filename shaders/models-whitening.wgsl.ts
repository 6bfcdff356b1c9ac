/**
 * Whitening circuits of Lipshutz, Pehlevan & Chklovskii (ICLR 2023, arXiv:2209.10634), many
 * independent trials at once: one invocation per trial keeps its small synaptic matrix (n ≤ 16,
 * k ≤ 32) in private memory and loops `steps` learning steps inside the kernel, so a chunk of
 * thousands of steps is a single dispatch (SEEDS.md §1.5).
 *
 * - direct network: M ← M + η(S − I)
 * - interneurons:   W ← W + η(S W − W), with M = WWᵀ
 * where S = (1/B)Σ_b r_b r_bᵀ, r_b = M⁻¹x_b, x_b = C^{1/2}ξ_b (online rule, fresh Philox normals), or
 * S = M⁻¹CM⁻¹ (averaged ODE, explicit Euler with dt = η). Linear solves use a Cholesky factor of M.
 * After each step the relative error ‖M − C^{1/2}‖_F/‖C^{1/2}‖_F is measured and the first step
 * below `tol` recorded. The float64 twin is `whiteningStepsReference` in src/models/whitening/reference.ts.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { philoxWGSL } from './common/philox.wgsl.js';

/** Largest n and k the kernel's private arrays hold. */
export const WHITENING_MAX_N = 16;
export const WHITENING_MAX_K = 32;

export interface WhiteningKernelOptions {
  network: 'direct' | 'interneuron';
  /** `'online'`: stochastic rule on fresh samples; `'ode'`: averaged synaptic ODE. */
  mode: 'online' | 'ode';
}

export const whiteningParams = uniformLayout({
  trials: 'u32', // independent trials (m0 grid × seeds)
  n: 'u32', // primary neurons
  k: 'u32', // interneurons (columns of W); unused by the direct network
  batch: 'u32', // input samples per online step
  steps: 'u32', // learning steps in this dispatch
  step_offset: 'u32', // global index of the first step (Philox counter word 1)
  seeds: 'u32', // trial t uses Philox stream t % seeds (common samples across m0)
  seed_lo: 'u32', // Philox key, low word
  seed_hi: 'u32', // Philox key, high word
  tag: 'u32', // Philox counter word 3
  eta: 'f32', // learning rate = Euler time step
  tol: 'f32', // relative Frobenius tolerance that defines convergence
  norm_sqrt_cov: 'f32', // ‖C^{1/2}‖_F
});

export function whiteningWGSL(options: WhiteningKernelOptions): string {
  const direct = options.network === 'direct';
  const online = options.mode === 'online';
  return wgsl`
${philoxWGSL}
${WGSL_LINEAR_INDEX}

${whiteningParams.wgslStruct('Params')}

const MAX_N: u32 = ${WHITENING_MAX_N}u;
const MAX_NN: u32 = ${WHITENING_MAX_N * WHITENING_MAX_N}u;
const MAX_NK: u32 = ${WHITENING_MAX_N * WHITENING_MAX_K}u;
const FAILED: f32 = 3.0e38;          // error value of a trial whose M lost positive definiteness

override WG_SIZE: u32 = 8u;

@group(0) @binding(0) var<uniform> params: Params;                // sizes, step range, seed, rates
@group(0) @binding(1) var<storage, read> cov: array<f32>;          // C then C^{1/2}, each n×n row-major
@group(0) @binding(2) var<storage, read_write> state: array<f32>;  // per trial: M (n×n) or W (n×k)
@group(0) @binding(3) var<storage, read_write> status: array<f32>; // per trial: (last error, first step below tol or -1)

var<private> m: array<f32, MAX_NN>;    // M, or M = WWᵀ for the interneuron network
var<private> chol: array<f32, MAX_NN>; // lower Cholesky factor of M
var<private> drive: array<f32, MAX_NN>; // S: batch mean of r rᵀ, or M⁻¹CM⁻¹
var<private> v: array<f32, MAX_N>;     // right-hand side / solution of M v = b
#if ${!direct}
var<private> w: array<f32, MAX_NK>;    // W, n×k row-major
var<private> tw: array<f32, MAX_NK>;   // S W before the update
#endif
#if ${!online}
var<private> y: array<f32, MAX_NN>;    // M⁻¹C
#endif

// Cholesky factorisation M = L Lᵀ (Golub & Van Loan, Alg. 4.2.1); false if M is not positive definite.
fn factor(n: u32) -> bool {
  for (var j = 0u; j < n; j++) {
    var d = m[j * n + j];
    for (var p = 0u; p < j; p++) { d -= chol[j * n + p] * chol[j * n + p]; }
    if (!(d > 0.0)) { return false; }
    let ljj = sqrt(d);
    chol[j * n + j] = ljj;
    for (var i = j + 1u; i < n; i++) {
      var s = m[i * n + j];
      for (var p = 0u; p < j; p++) { s -= chol[i * n + p] * chol[j * n + p]; }
      chol[i * n + j] = s / ljj;
    }
  }
  return true;
}

// v ← M⁻¹ v by forward and back substitution with the Cholesky factor.
fn solve(n: u32) {
  for (var i = 0u; i < n; i++) {
    var s = v[i];
    for (var p = 0u; p < i; p++) { s -= chol[i * n + p] * v[p]; }
    v[i] = s / chol[i * n + i];
  }
  for (var ii = 0u; ii < n; ii++) {
    let i = n - 1u - ii;
    var s = v[i];
    for (var p = i + 1u; p < n; p++) { s -= chol[p * n + i] * v[p]; }
    v[i] = s / chol[i * n + i];
  }
}

#if ${!direct}
// M ← W Wᵀ.
fn gram(n: u32, k: u32) {
  for (var i = 0u; i < n; i++) {
    for (var j = 0u; j <= i; j++) {
      var s = 0.0;
      for (var p = 0u; p < k; p++) { s += w[i * k + p] * w[j * k + p]; }
      m[i * n + j] = s;
      m[j * n + i] = s;
    }
  }
}
#endif

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let trial = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (trial >= params.trials) { return; }
  let n = params.n;
  let nn = n * n;
  if (status[2u * trial] >= FAILED) { return; }
  let key = vec2u(params.seed_lo, params.seed_hi);
  let stream = trial % params.seeds;
  let blocks_per_sample = (n + 3u) / 4u;
  let inv_batch = 1.0 / f32(params.batch);

#if ${direct}
  for (var i = 0u; i < nn; i++) { m[i] = state[trial * nn + i]; }
#else
  let k = params.k;
  let nk = n * k;
  for (var i = 0u; i < nk; i++) { w[i] = state[trial * nk + i]; }
#endif

  var first = status[2u * trial + 1u];
  var err = status[2u * trial];
#if ${!direct}
  gram(n, k);   // afterwards each step leaves WWᵀ of its updated W in m
#endif
  for (var s = 0u; s < params.steps; s++) {
    let step = params.step_offset + s;
    if (!factor(n)) { err = FAILED; break; }
    for (var i = 0u; i < nn; i++) { drive[i] = 0.0; }
#if ${online}
    for (var b = 0u; b < params.batch; b++) {
      var xi: array<f32, MAX_N>;   // standard normals of this sample
      for (var blk = 0u; blk < blocks_per_sample; blk++) {
        let z = philox_normal4(philox4x32_10(vec4u(b * blocks_per_sample + blk, step, stream, params.tag), key));
        for (var q = 0u; q < 4u; q++) {
          let idx = blk * 4u + q;
          if (idx < n) { xi[idx] = z[q]; }
        }
      }
      for (var i = 0u; i < n; i++) {
        var x = 0.0;
        for (var j = 0u; j < n; j++) { x += cov[nn + i * n + j] * xi[j]; }
        v[i] = x;
      }
      solve(n);
      for (var i = 0u; i < n; i++) {
        for (var j = 0u; j < n; j++) { drive[i * n + j] += v[i] * v[j] * inv_batch; }
      }
    }
#else
    for (var j = 0u; j < n; j++) {
      for (var i = 0u; i < n; i++) { v[i] = cov[i * n + j]; }
      solve(n);
      for (var i = 0u; i < n; i++) { y[i * n + j] = v[i]; }
    }
    for (var j = 0u; j < n; j++) {
      for (var i = 0u; i < n; i++) { v[i] = y[j * n + i]; }
      solve(n);
      for (var i = 0u; i < n; i++) { drive[i * n + j] = v[i]; }
    }
#endif

#if ${direct}
    for (var i = 0u; i < n; i++) {
      for (var j = 0u; j < n; j++) {
        let delta = select(0.0, 1.0, i == j);
        m[i * n + j] += params.eta * (drive[i * n + j] - delta);
      }
    }
#else
    for (var i = 0u; i < n; i++) {
      for (var j = 0u; j < k; j++) {
        var sw = 0.0;
        for (var p = 0u; p < n; p++) { sw += drive[i * n + p] * w[p * k + j]; }
        tw[i * k + j] = sw;
      }
    }
    for (var i = 0u; i < nk; i++) { w[i] += params.eta * (tw[i] - w[i]); }
    gram(n, k);
#endif
    var sq = 0.0;
    for (var i = 0u; i < nn; i++) {
      let d = m[i] - cov[nn + i];
      sq += d * d;
    }
    err = sqrt(sq) / params.norm_sqrt_cov;
    if (first < 0.0 && err < params.tol) { first = f32(step); }
  }

#if ${direct}
  for (var i = 0u; i < nn; i++) { state[trial * nn + i] = m[i]; }
#else
  for (var i = 0u; i < nk; i++) { state[trial * nk + i] = w[i]; }
#endif
  status[2u * trial] = err;
  status[2u * trial + 1u] = first;
}
`;
}
