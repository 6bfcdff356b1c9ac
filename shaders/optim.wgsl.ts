/**
 * First-order optimizers as in-place updates of one parameter tensor per dispatch (src/autodiff/
 * optim.ts): SGD with heavy-ball momentum (Polyak 1964, in the form PyTorch uses: the velocity
 * accumulates raw gradients) and Adam (Kingma & Ba 2015) with decoupled weight decay (AdamW,
 * Loshchilov & Hutter 2019). Float64 twins in src/reference/optim.ts.
 */
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';

/** Uniforms of the SGD step. */
export const sgdParams = uniformLayout({
  count: 'u32', // parameters
  lr: 'f32', // learning rate
  momentum: 'f32', // velocity decay μ (0: plain SGD)
  weight_decay: 'f32', // L2 coefficient λ added to the gradient (λ θ)
});

/** v ← μ v + (g + λ θ); θ ← θ − lr v; override WG_SIZE = 64. */
export function sgdWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${sgdParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;                  // step settings
@group(0) @binding(1) var<storage, read> grad: array<f32>;           // gradient g
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;    // parameters, updated in place
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>; // momentum buffer v

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
  let v = params.momentum * velocity[i] + grad[i] + params.weight_decay * theta[i];
  velocity[i] = v;
  theta[i] = theta[i] - params.lr * v;
}
`;
}

/** Uniforms of the Adam step; the bias corrections of step t are folded in on the CPU. */
export const adamParams = uniformLayout({
  count: 'u32', // parameters
  step_size: 'f32', // lr · √(1 − β₂ᵗ)/(1 − β₁ᵗ)
  beta1: 'f32', // first-moment decay
  beta2: 'f32', // second-moment decay
  epsilon_hat: 'f32', // ε · √(1 − β₂ᵗ), the denominator's guard after folding the corrections
  decay: 'f32', // 1 − lr · λ, the decoupled weight decay applied to θ before the step
});

/** m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← (1 − lr λ)θ − step·m/(√v + ε̂); override WG_SIZE = 64. */
export function adamWGSL(): string {
  return /* wgsl */ `
${WGSL_LINEAR_INDEX}
${adamParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup

@group(0) @binding(0) var<uniform> params: Params;                 // step size, decays, weight decay
@group(0) @binding(1) var<storage, read> grad: array<f32>;          // gradient g
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;   // parameters, updated in place
@group(0) @binding(3) var<storage, read_write> moments: array<f32>; // m then v, 2 × count

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (i >= params.count) { return; }
  let g = grad[i];
  let m = params.beta1 * moments[i] + (1.0 - params.beta1) * g;
  let v = params.beta2 * moments[params.count + i] + (1.0 - params.beta2) * g * g;
  moments[i] = m;
  moments[params.count + i] = v;
  theta[i] = params.decay * theta[i] - params.step_size * m / (sqrt(v) + params.epsilon_hat);
}
`;
}
