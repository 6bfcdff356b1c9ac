/**
 * Krotov & Hopfield, "Unsupervised learning by competing hidden units", PNAS 116:7723 (2019): the
 * local competitive learning rule on a minibatch, and the softmax readout on the frozen layer.
 * The products (input currents I = V·W̃ᵀ with W̃ = sign(W)|W|^{p−1}, the Hebbian sum GᵀV, logits and
 * readout gradients) are GEMMs from src/linalg; the kernels here are the parts a GEMM cannot do:
 *   - `khGatherWGSL`: copy the minibatch's images (rows picked by a permutation) contiguously;
 *   - `khRankWGSL`: per sample, rank the hidden units by current: g = 1 for the largest, −Δ for the
 *     k-th largest, 0 otherwise (ties go to the lower unit index);
 *   - `khRowTermWGSL` and `khSubtractWGSL`: the decay term of the plasticity rule,
 *     ΔW_μi = Σ_b g_bμ (v_bi − I_bμ W_μi) = (GᵀV)_μi − (Σ_b g_bμ I_bμ) W_μi;
 *   - `khApplyWGSL`: W ← W + ε ΔW / max|ΔW| (the authors' published code scales each minibatch's
 *     update so its largest element is ε), then W̃ = sign(W)|W|^{p−1} for the next currents;
 *   - `khActivationWGSL`: the hidden layer the readout sees, h = max(I, 0)^n standardised per unit
 *     (the paper's ReLU^n, n ≈ 4.5; standardising is ours, so plain gradient descent is well
 *     conditioned), with a trailing 1 for the bias;
 *   - `softmaxResidualWGSL`: per row, P = softmax(z), R = (P − onehot(label))/rows, −log P_label and
 *     whether argmax z = label, so the cross-entropy gradient is RᵀX (one more GEMM).
 * Float64 twins: src/models/krotov-hopfield/reference.ts.
 */
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';

/** Largest ranking depth k the ranking kernel keeps in registers. */
export const KH_MAX_K = 16;

export const khGatherParams = uniformLayout({
  batch: 'u32', // rows B of the minibatch
  pixels: 'u32', // values N per row
  offset: 'u32', // first entry of `order` this minibatch uses
});

/** `batch[b, i] = data[order[offset + b], i]`, one invocation per element. */
export function khGatherWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${khGatherParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;              // sizes and offset
@group(0) @binding(1) var<storage, read> data: array<f32>;       // all images, rows × N
@group(0) @binding(2) var<storage, read> order: array<u32>;      // this epoch's permutation of the rows
@group(0) @binding(3) var<storage, read_write> batch: array<f32>; // the minibatch, B × N

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let e = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (e >= params.batch * params.pixels) { return; }
  let b = e / params.pixels;
  let i = e % params.pixels;
  batch[e] = data[order[params.offset + b] * params.pixels + i];
}
`;
}

export const khRankParams = uniformLayout({
  batch: 'u32', // samples B
  hidden: 'u32', // hidden units H
  k: 'u32', // ranking depth k, 2 ≤ k ≤ min(H, KH_MAX_K)
  delta: 'f32', // anti-Hebbian strength Δ
});

/**
 * One invocation per sample: a running top-k of the currents (insertion into k registers, strict
 * comparison so the lower index wins a tie), then the sample's row of G.
 */
export function khRankWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${khRankParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;
const MAX_K: u32 = ${KH_MAX_K}u;

@group(0) @binding(0) var<uniform> params: Params;               // sizes, k, Δ
@group(0) @binding(1) var<storage, read> currents: array<f32>;    // I, B × H
@group(0) @binding(2) var<storage, read_write> g: array<f32>;     // G, B × H: 1, −Δ or 0

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let b = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (b >= params.batch) { return; }
  let h = params.hidden;
  let k = params.k;
  let row = b * h;
  var top_value: array<f32, MAX_K>;
  var top_index: array<u32, MAX_K>;
  var filled = 0u;
  for (var mu = 0u; mu < h; mu++) {
    let v = currents[row + mu];
    g[row + mu] = 0.0;
    // slot where v goes: after every kept value ≥ v
    var slot = filled;
    while (slot > 0u && top_value[slot - 1u] < v) { slot--; }
    if (slot >= k) { continue; }
    var j = min(filled, k - 1u);
    while (j > slot) {
      top_value[j] = top_value[j - 1u];
      top_index[j] = top_index[j - 1u];
      j--;
    }
    top_value[slot] = v;
    top_index[slot] = mu;
    filled = min(filled + 1u, k);
  }
  g[row + top_index[0]] = 1.0;
  g[row + top_index[k - 1u]] = -params.delta;
}
`;
}

export const khRowTermParams = uniformLayout({
  batch: 'u32', // samples B
  hidden: 'u32', // hidden units H
});

/** `row_term[μ] = Σ_b g[b, μ]·I[b, μ]`, one invocation per hidden unit. */
export function khRowTermWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${khRowTermParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                 // sizes
@group(0) @binding(1) var<storage, read> currents: array<f32>;      // I, B × H
@group(0) @binding(2) var<storage, read> g: array<f32>;             // G, B × H
@group(0) @binding(3) var<storage, read_write> row_term: array<f32>; // Σ_b g I per unit, H

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let mu = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (mu >= params.hidden) { return; }
  var acc = 0.0;
  for (var b = 0u; b < params.batch; b++) {
    let e = b * params.hidden + mu;
    acc += g[e] * currents[e];
  }
  row_term[mu] = acc;
}
`;
}

export const khSubtractParams = uniformLayout({
  hidden: 'u32', // hidden units H
  pixels: 'u32', // inputs N
});

/** `ds[μ, i] −= row_term[μ]·W[μ, i]` in place (ds holds GᵀV on entry). */
export function khSubtractWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${khSubtractParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;             // sizes
@group(0) @binding(1) var<storage, read> w: array<f32>;         // W, H × N
@group(0) @binding(2) var<storage, read> row_term: array<f32>;  // Σ_b g I per unit, H
@group(0) @binding(3) var<storage, read_write> ds: array<f32>;  // GᵀV in, ΔW out, H × N

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let e = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (e >= params.hidden * params.pixels) { return; }
  ds[e] = ds[e] - row_term[e / params.pixels] * w[e];
}
`;
}

export const khApplyParams = uniformLayout({
  count: 'u32', // elements H·N
  eps: 'f32', // learning rate ε of this minibatch
  p_minus_one: 'f32', // p − 1 of the Lebesgue norm
  floor: 'f32', // smallest divisor max|ΔW| (guards an all-zero update)
});

/** `W += ε ΔW / max(m, floor)` with m = max|ΔW| from a reduction, then `W̃ = sign(W)|W|^{p−1}`. */
export function khApplyWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${khApplyParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;               // size, ε, p − 1
@group(0) @binding(1) var<storage, read> ds: array<f32>;          // ΔW, H × N
@group(0) @binding(2) var<storage, read> max_abs: array<f32>;     // [max|ΔW|]
@group(0) @binding(3) var<storage, read_write> w: array<f32>;     // W, H × N
@group(0) @binding(4) var<storage, read_write> w_pow: array<f32>; // W̃ = sign(W)|W|^{p−1}, H × N

// sign(w)|w|^q, exact for q = 1 and 0 at w = 0 (WGSL's pow is exp2(q·log2|w|), undefined at 0).
fn signed_power(w: f32, q: f32) -> f32 {
  let a = abs(w);
  if (q == 1.0) { return w; }
  if (a == 0.0) { return 0.0; }
  return sign(w) * pow(a, q);
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let e = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (e >= params.count) { return; }
  let w_new = w[e] + params.eps * ds[e] / max(max_abs[0], params.floor);
  w[e] = w_new;
  w_pow[e] = signed_power(w_new, params.p_minus_one);
}
`;
}

export const khActivationParams = uniformLayout({
  rows: 'u32', // samples
  hidden: 'u32', // hidden units H (the output has H + 1 columns)
  power: 'f32', // n of ReLU^n
});

/** `out[b, μ] = (max(I[b, μ], 0)^n − mean[μ])·inv_std[μ]` for μ < H, and `out[b, H] = 1`. */
export function khActivationWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${khActivationParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;             // sizes, n
@group(0) @binding(1) var<storage, read> currents: array<f32>;  // I = V Wᵀ, rows × H
@group(0) @binding(2) var<storage, read> mean: array<f32>;      // per-unit shift, H
@group(0) @binding(3) var<storage, read> inv_std: array<f32>;   // per-unit scale, H
@group(0) @binding(4) var<storage, read_write> out: array<f32>; // features with a bias column, rows × (H + 1)

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let e = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  let cols = params.hidden + 1u;
  if (e >= params.rows * cols) { return; }
  let b = e / cols;
  let mu = e % cols;
  if (mu == params.hidden) { out[e] = 1.0; return; }
  let x = max(currents[b * params.hidden + mu], 0.0);
  // pow(0, n) is exp2(n·log2 0), not defined by WGSL: return 0 explicitly
  let h = select(pow(x, params.power), 0.0, x == 0.0);
  out[e] = (h - mean[mu]) * inv_std[mu];
}
`;
}

export const softmaxResidualParams = uniformLayout({
  rows: 'u32', // samples n
  classes: 'u32', // classes C
  inv_rows: 'f32', // 1/n (the mean over samples)
});

/**
 * One invocation per row of logits z (C values): P = softmax(z) by the max-shifted exponentials,
 * R = (P − onehot(label))/n, loss = log Σ exp(z − max) − (z_label − max), correct = argmax z = label
 * (the lower class wins a tie).
 */
export function softmaxResidualWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${softmaxResidualParams.wgslStruct('Params')}
override WG_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;                  // sizes, 1/n
@group(0) @binding(1) var<storage, read> logits: array<f32>;         // z, n × C
@group(0) @binding(2) var<storage, read> labels: array<u32>;         // class of each row, n
@group(0) @binding(3) var<storage, read_write> residual: array<f32>; // (P − Y)/n, n × C
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>; // −log P_label, n
@group(0) @binding(5) var<storage, read_write> correct: array<f32>;  // 1 when argmax z = label, n

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg_linear_index(wid, nwg) * WG_SIZE + lid.x;
  if (r >= params.rows) { return; }
  let c = params.classes;
  let base = r * c;
  let label = labels[r];
  var top = logits[base];
  var arg = 0u;
  for (var j = 1u; j < c; j++) {
    let z = logits[base + j];
    if (z > top) { top = z; arg = j; }
  }
  var total = 0.0;
  for (var j = 0u; j < c; j++) { total += exp(logits[base + j] - top); }
  for (var j = 0u; j < c; j++) {
    let p = exp(logits[base + j] - top) / total;
    residual[base + j] = (p - select(0.0, 1.0, j == label)) * params.inv_rows;
  }
  row_loss[r] = log(total) - (logits[base + label] - top);
  correct[r] = select(0.0, 1.0, arg == label);
}
`;
}
