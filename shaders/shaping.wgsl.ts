/**
 * The shaping circuit of Lipshutz & Simoncelli (NeurIPS 2024; SEEDS.md §2.2) on the GPU, with its
 * float64 twin in `src/reference/shaping.ts`:
 * - `learn`: one workgroup runs a chunk of learning iterations. Each iteration, invocation t < B
 *   solves the steady state of sample indices[it·B + t] by damped Newton and writes its
 *   contributions (c, ∂c/∂θ, r nᵀ); invocation q < Q sums quantity q over the batch (fixed order,
 *   so runs are reproducible); invocation 0 updates g, θ, W and normalises W's columns. The
 *   parameters stay in workgroup memory across the chunk.
 * - `respond`: one invocation per sample computes its steady state (the evaluation pass).
 *
 * The steady state minimises the convex L(r) = Σ_i g_i C(θ_i, w_iᵀr) − sᵀr, C(θ, z) =
 * a z²/2 + b|z|^{θ+1}/(θ+1): Newton steps δ = J⁻¹F with F = W(g∘f) − s, J = W diag(g f′) Wᵀ
 * (N = 1: a division; N = 2: the closed-form 2 × 2 inverse; N > 2: Cholesky), damped by Armijo
 * backtracking on L (Nocedal & Wright, "Numerical Optimization", 2nd ed., Alg. 3.1).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';

/** Largest N (primary neurons) and K (interneurons) the kernels are built for. */
export const SHAPING_MAX_N = 4;
export const SHAPING_MAX_K = 8;
/** Invocations of the learning workgroup: the largest batch. */
export const SHAPING_LEARN_WORKGROUP = 64;

/**
 * Layout of the circuit's parameter record (f32): g[K], θ[K], W[N·K] row-major (column i = w_i).
 * Derived here once; the TS side packs and unpacks with the same offsets.
 */
export function circuitStateLayout(n: number, k: number): { g: number; theta: number; w: number; size: number } {
  return { g: 0, theta: k, w: 2 * k, size: 2 * k + n * k };
}

/** Layout of one learning-curve record: the state followed by the batch means ⟨c(θ_i, z_i)⟩[K]. */
export function circuitHistoryLayout(n: number, k: number): { state: number; meanC: number; size: number } {
  const state = circuitStateLayout(n, k);
  return { state: 0, meanC: state.size, size: state.size + k };
}

/** Uniforms of both kernels. */
export const shapingParams = uniformLayout({
  samples: 'u32', // rows of the data (P)
  batch: 'u32', // B, samples per learning iteration (≤ 64)
  iterStart: 'u32', // global index of this chunk's first iteration
  iterCount: 'u32', // iterations in this chunk
  recordEvery: 'u32', // a learning-curve record after every this many iterations
  maxNewton: 'u32', // Newton iterations at most
  etaG: 'f32', // gain learning rate
  etaTheta: 'f32', // shape learning rate
  etaW: 'f32', // Hebbian weight learning rate
  newtonTol: 'f32', // stop when max|F| ≤ tol · (1 + max|s|)
  armijoSlack: 'f32', // relative rounding allowance of the line search's decrease test
});

/** Compile-time variant: the circuit's sizes. */
export interface ShapingShaderOptions {
  n: number;
  k: number;
}

/** The model's functions and the Newton solver, shared by both kernels. */
function circuitCommon(options: ShapingShaderOptions): string {
  const { n, k } = options;
  const layout = circuitStateLayout(n, k);
  return wgsl`
const N: u32 = ${n}u;                 // primary neurons
const K: u32 = ${k}u;                 // interneurons
const OFF_G: u32 = ${layout.g}u;      // state record: gains
const OFF_THETA: u32 = ${layout.theta}u; // state record: shapes
const OFF_W: u32 = ${layout.w}u;      // state record: W, N × K row-major
const STATE_SIZE: u32 = ${layout.size}u;

// Parameters of the current iteration, copied into every invocation (K ≤ 8, N·K ≤ 32 values).
var<private> pg: array<f32, K>;       // gains
var<private> pth: array<f32, K>;      // shapes θ
var<private> pa: array<f32, K>;       // a(θ)
var<private> pb: array<f32, K>;       // b(θ)
var<private> pw: array<f32, N * K>;   // W

fn shape_a(theta: f32) -> f32 { return exp(pow_abs(max(2.0 * theta - 3.85, 0.0), 1.95)); }
fn shape_b(theta: f32) -> f32 { return exp(max(pow(theta, 2.32) - 6.0, 0.0)); }
fn shape_a_prime(theta: f32) -> f32 { return 3.9 * shape_a(theta) * pow_abs(max(2.0 * theta - 3.85, 0.0), 0.95); }
fn shape_b_prime(theta: f32) -> f32 { return 2.32 * shape_b(theta) * pow(theta, 1.32); }

// |z|^e with 0^0 = 1 and 0^e = 0 (WGSL leaves pow(0, e) undefined).
fn pow_abs(z: f32, e: f32) -> f32 {
  let az = abs(z);
  if (az == 0.0) { return select(0.0, 1.0, e == 0.0); }
  return pow(az, e);
}

// ln Γ(x), x > 0: shift to x ≥ 8 by Γ(x + 1) = xΓ(x), then Stirling's series (error ~1e-7).
fn lgamma(x0: f32) -> f32 {
  var x = x0;
  var logProduct = 0.0;
  while (x < 8.0) { logProduct += log(x); x += 1.0; }
  let inv = 1.0 / x;
  let inv2 = inv * inv;
  return (x - 0.5) * log(x) - x + 0.91893853320467274 + inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 / 1260.0)) - logProduct;
}

// Digamma ψ(x), x > 0: recurrence to x ≥ 8, then the asymptotic series.
fn digamma(x0: f32) -> f32 {
  var x = x0;
  var shift = 0.0;
  while (x < 8.0) { shift -= 1.0 / x; x += 1.0; }
  let inv2 = 1.0 / (x * x);
  return shift + log(x) - 0.5 / x - inv2 * (1.0 / 12.0 - inv2 * (1.0 / 120.0 - inv2 / 252.0));
}

// Gaussian absolute moment m_p = √(2^p/π) Γ((p+1)/2) and its derivative ½ m_p (ln 2 + ψ((p+1)/2)).
fn gaussian_moment(p: f32) -> f32 { return sqrt(exp2(p) / 3.14159265358979) * exp(lgamma(0.5 * (p + 1.0))); }
fn gaussian_moment_prime(p: f32) -> f32 { return 0.5 * gaussian_moment(p) * (0.69314718055994531 + digamma(0.5 * (p + 1.0))); }

// f(θ, z) = a z + b sign(z)|z|^θ and f′ = a + bθ|z|^{θ−1}, for interneuron i.
fn act(i: u32, z: f32) -> f32 { return pa[i] * z + pb[i] * sign(z) * pow_abs(z, pth[i]); }
fn act_prime(i: u32, z: f32) -> f32 { return pa[i] + pb[i] * pth[i] * pow_abs(z, pth[i] - 1.0); }

// z = Wᵀ r.
fn project(r: array<f32, N>) -> array<f32, K> {
  var z = array<f32, K>();
  for (var i = 0u; i < K; i++) {
    var acc = 0.0;
    for (var j = 0u; j < N; j++) { acc = fma(pw[j * K + i], r[j], acc); }
    z[i] = acc;
  }
  return z;
}

// L(r) = Σ g_i (a z_i²/2 + b|z_i|^{θ+1}/(θ+1)) − sᵀr.
fn potential(r: array<f32, N>, s: array<f32, N>) -> f32 {
  let z = project(r);
  var value = 0.0;
  for (var i = 0u; i < K; i++) {
    value += pg[i] * (0.5 * pa[i] * z[i] * z[i] + pb[i] * pow_abs(z[i], pth[i] + 1.0) / (pth[i] + 1.0));
  }
  for (var j = 0u; j < N; j++) { value -= s[j] * r[j]; }
  return value;
}

// Solve J x = F for the symmetric PD J (row-major N × N); ok = false when J is not PD.
struct Solve {
  x: array<f32, N>,   // the solution (F itself when ok is false)
  ok: bool,           // whether J was positive definite
}

fn solve_spd(J: array<f32, N * N>, F: array<f32, N>) -> Solve {
  var res: Solve;
  res.x = F;
  res.ok = false;
#if ${n === 1}
  if (J[0] > 0.0) { res.x[0] = F[0] / J[0]; res.ok = true; }
#elif ${n === 2}
  let det = J[0] * J[3] - J[1] * J[2];
  if (J[0] > 0.0 && det > 0.0) {
    res.x[0] = (J[3] * F[0] - J[1] * F[1]) / det;
    res.x[1] = (J[0] * F[1] - J[2] * F[0]) / det;
    res.ok = true;
  }
#else
  var L: array<f32, N * N>;
  for (var i = 0u; i < N; i++) {
    for (var j = 0u; j <= i; j++) {
      var acc = J[i * N + j];
      for (var q = 0u; q < j; q++) { acc -= L[i * N + q] * L[j * N + q]; }
      if (i == j) {
        if (!(acc > 0.0)) { return res; }
        L[i * N + i] = sqrt(acc);
      } else {
        L[i * N + j] = acc / L[j * N + j];
      }
    }
  }
  var y: array<f32, N>;
  for (var i = 0u; i < N; i++) {
    var acc = F[i];
    for (var q = 0u; q < i; q++) { acc -= L[i * N + q] * y[q]; }
    y[i] = acc / L[i * N + i];
  }
  for (var ii = 0u; ii < N; ii++) {
    let i = N - 1u - ii;
    var acc = y[i];
    for (var q = i + 1u; q < N; q++) { acc -= L[q * N + i] * y[q]; }
    y[i] = acc / L[i * N + i];
  }
  res.x = y;
  res.ok = true;
#endif
  return res;
}

// Steady state r = T(s) by damped Newton from r = s (see the file comment).
fn steady_state(s: array<f32, N>) -> array<f32, N> {
  var smax = 0.0;
  for (var j = 0u; j < N; j++) { smax = max(smax, abs(s[j])); }
  var r = s;
  for (var it = 0u; it < params.maxNewton; it++) {
    let z = project(r);
    // Explicitly zeroed: some WGSL compilers hoist loop-body declarations and keep the previous values.
    var F = array<f32, N>();
    var J = array<f32, N * N>();
    for (var i = 0u; i < K; i++) {
      let ni = pg[i] * act(i, z[i]);
      let d = pg[i] * act_prime(i, z[i]);
      for (var p = 0u; p < N; p++) {
        F[p] = fma(pw[p * K + i], ni, F[p]);
        for (var q = 0u; q < N; q++) { J[p * N + q] = fma(pw[p * K + i] * d, pw[q * K + i], J[p * N + q]); }
      }
    }
    var fmax = 0.0;
    for (var j = 0u; j < N; j++) { F[j] -= s[j]; fmax = max(fmax, abs(F[j])); }
    if (fmax <= params.newtonTol * (1.0 + smax)) { break; }
    let delta = solve_spd(J, F).x;
    var decrease = 0.0;
    for (var j = 0u; j < N; j++) { decrease += F[j] * delta[j]; }
    let l0 = potential(r, s);
    var t = 1.0;
    var trial: array<f32, N>;
    for (var h = 0u; h < 30u; h++) {
      for (var j = 0u; j < N; j++) { trial[j] = r[j] - t * delta[j]; }
      if (potential(trial, s) <= l0 - 0.25 * t * decrease + params.armijoSlack * (abs(l0) + 1.0)) { break; }
      t *= 0.5;
    }
    r = trial;
  }
  return r;
}
`;
}

/** WGSL of the learning kernel (`learn`, one workgroup of 64) and the evaluation kernel (`respond`, WG_SIZE). */
export function shapingWGSL(options: ShapingShaderOptions): string {
  const { n, k } = options;
  const quantities = 2 * k + n * k;
  const history = circuitHistoryLayout(n, k);
  return wgsl`
${WGSL_LINEAR_INDEX}
${shapingParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup of respond
const LEARN_WG: u32 = ${SHAPING_LEARN_WORKGROUP}u; // invocations of learn (the largest batch)
const Q: u32 = ${quantities}u;  // batch quantities: c[K], ∂c/∂θ[K], r nᵀ[N·K]
const HIST_MEAN_C: u32 = ${history.meanC}u; // learning-curve record: offset of ⟨c⟩
const HIST_SIZE: u32 = ${history.size}u;    // learning-curve record: size

@group(0) @binding(0) var<uniform> params: Params;               // sizes and rates
@group(0) @binding(1) var<storage, read> data: array<f32>;       // samples, P × N row-major
@group(0) @binding(2) var<storage, read_write> state: array<f32>; // g, θ, W (circuitStateLayout)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;  // learn: learning curve; respond: r, P × N
@group(0) @binding(4) var<storage, read> indices: array<u32>;    // learn: sample indices, B per iteration

${circuitCommon(options)}

fn load_from_state() {
  for (var i = 0u; i < K; i++) {
    pg[i] = state[OFF_G + i];
    pth[i] = state[OFF_THETA + i];
    pa[i] = shape_a(pth[i]);
    pb[i] = shape_b(pth[i]);
  }
  for (var q = 0u; q < N * K; q++) { pw[q] = state[OFF_W + q]; }
}

fn load_sample(p: u32) -> array<f32, N> {
  var s: array<f32, N>;
  for (var j = 0u; j < N; j++) { s[j] = data[p * N + j]; }
  return s;
}

@compute @workgroup_size(WG_SIZE)
fn respond(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let p = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (p >= params.samples) { return; }
  load_from_state();
  let r = steady_state(load_sample(p));
  for (var j = 0u; j < N; j++) { out[p * N + j] = r[j]; }
}

var<workgroup> wg_state: array<f32, STATE_SIZE>;       // g, θ, W during the chunk
var<workgroup> wg_contrib: array<f32, LEARN_WG * Q>;    // per-sample contributions
var<workgroup> wg_mean: array<f32, Q>;                  // batch means
var<workgroup> wg_moment: array<f32, 2 * K>;           // m_{θ+1}, m′_{θ+1} per interneuron

fn load_from_workgroup() {
  for (var i = 0u; i < K; i++) {
    pg[i] = wg_state[OFF_G + i];
    pth[i] = wg_state[OFF_THETA + i];
    pa[i] = shape_a(pth[i]);
    pb[i] = shape_b(pth[i]);
  }
  for (var q = 0u; q < N * K; q++) { pw[q] = wg_state[OFF_W + q]; }
}

fn update_moments() {
  for (var i = 0u; i < K; i++) {
    wg_moment[i] = gaussian_moment(wg_state[OFF_THETA + i] + 1.0);
    wg_moment[K + i] = gaussian_moment_prime(wg_state[OFF_THETA + i] + 1.0);
  }
}

@compute @workgroup_size(LEARN_WG)
fn learn(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) {
    for (var q = 0u; q < STATE_SIZE; q++) { wg_state[q] = state[q]; }
    update_moments();
  }
  workgroupBarrier();
  let B = params.batch;
  for (var it = 0u; it < params.iterCount; it++) {
    let iter = params.iterStart + it;
    if (lid < B) {
      load_from_workgroup();
      let r = steady_state(load_sample(indices[iter * B + lid]));
      let z = project(r);
      for (var i = 0u; i < K; i++) {
        let th = pth[i];
        let p = th + 1.0;
        let m = wg_moment[i];
        let mono = (pow_abs(z[i], p) - m) / p;
        let az = abs(z[i]);
        let logTerm = select(0.0, log(az) * pow_abs(z[i], p), az > 0.0);
        // c(θ, z) and ∂c/∂θ (SEEDS §2.2), then r nᵀ with n_i = g_i f(θ_i, z_i).
        wg_contrib[lid * Q + i] = 0.5 * pa[i] * (z[i] * z[i] - 1.0) + pb[i] * mono;
        wg_contrib[lid * Q + K + i] = 0.5 * shape_a_prime(th) * (z[i] * z[i] - 1.0) + shape_b_prime(th) * mono
          - pb[i] * mono / p + pb[i] * (logTerm - wg_moment[K + i]) / p;
        let ni = pg[i] * act(i, z[i]);
        for (var j = 0u; j < N; j++) { wg_contrib[lid * Q + 2u * K + j * K + i] = r[j] * ni; }
      }
    }
    workgroupBarrier();
    if (lid < Q) {
      var acc = 0.0;
      for (var t = 0u; t < B; t++) { acc += wg_contrib[t * Q + lid]; }
      wg_mean[lid] = acc / f32(B);
    }
    workgroupBarrier();
    if (lid == 0u) {
      for (var i = 0u; i < K; i++) {
        let g = wg_state[OFF_G + i];
        wg_state[OFF_G + i] = max(g + params.etaG * g * wg_mean[i], 0.0);
        wg_state[OFF_THETA + i] = clamp(wg_state[OFF_THETA + i] + params.etaTheta * wg_mean[K + i], 1.0, 3.0);
      }
      for (var q = 0u; q < N * K; q++) { wg_state[OFF_W + q] += params.etaW * wg_mean[2u * K + q]; }
      for (var i = 0u; i < K; i++) {
        var norm = 0.0;
        for (var j = 0u; j < N; j++) { norm += wg_state[OFF_W + j * K + i] * wg_state[OFF_W + j * K + i]; }
        let inv = 1.0 / sqrt(norm);
        for (var j = 0u; j < N; j++) { wg_state[OFF_W + j * K + i] *= inv; }
      }
      update_moments();
      if ((iter + 1u) % params.recordEvery == 0u) {
        let row = (iter + 1u) / params.recordEvery;
        for (var q = 0u; q < STATE_SIZE; q++) { out[row * HIST_SIZE + q] = wg_state[q]; }
        for (var i = 0u; i < K; i++) { out[row * HIST_SIZE + HIST_MEAN_C + i] = wg_mean[i]; }
      }
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    for (var q = 0u; q < STATE_SIZE; q++) { state[q] = wg_state[q]; }
  }
}
`;
}
