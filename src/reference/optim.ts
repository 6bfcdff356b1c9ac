/**
 * Float64 twins of the optimizer kernels (shaders/optim.wgsl.ts): SGD with momentum and Adam with
 * decoupled weight decay.
 */

/** SGD hyper-parameters (defaults: lr 1e-2, momentum 0, weightDecay 0). */
export interface SGDOptions {
  /** Learning rate. Default 1e-2. */
  lr?: number;
  /** Heavy-ball momentum μ in [0, 1). Default 0 (plain SGD). */
  momentum?: number;
  /** L2 coefficient λ: the gradient becomes g + λθ. Default 0. */
  weightDecay?: number;
}

/** One SGD step in place: v ← μv + g + λθ, θ ← θ − lr·v. */
export function sgdStepReference(theta: Float64Array, velocity: Float64Array, grad: ArrayLike<number>, options: SGDOptions = {}): void {
  const lr = options.lr ?? 1e-2;
  const mu = options.momentum ?? 0;
  const wd = options.weightDecay ?? 0;
  for (let i = 0; i < theta.length; i++) {
    const v = mu * velocity[i]! + grad[i]! + wd * theta[i]!;
    velocity[i] = v;
    theta[i] = theta[i]! - lr * v;
  }
}

/** Adam hyper-parameters (defaults of Kingma & Ba: lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8; no weight decay). */
export interface AdamOptions {
  /** Learning rate. Default 1e-3. */
  lr?: number;
  /** First-moment decay. Default 0.9. */
  beta1?: number;
  /** Second-moment decay. Default 0.999. */
  beta2?: number;
  /** Denominator guard. Default 1e-8. */
  epsilon?: number;
  /** Decoupled weight decay λ (AdamW): θ ← (1 − lr·λ)θ before the Adam step. Default 0. */
  weightDecay?: number;
}

/** Resolved Adam settings, and the folded step size, guard and decay factor of step t (1-based). */
export function adamConstants(options: AdamOptions, t: number): { beta1: number; beta2: number; stepSize: number; epsilonHat: number; decay: number } {
  const lr = options.lr ?? 1e-3;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  const c2 = Math.sqrt(1 - beta2 ** t);
  return { beta1, beta2, stepSize: (lr * c2) / (1 - beta1 ** t), epsilonHat: epsilon * c2, decay: 1 - lr * (options.weightDecay ?? 0) };
}

/** One Adam step (t is 1-based) in place on θ and the moments m, v. */
export function adamStepReference(theta: Float64Array, m: Float64Array, v: Float64Array, grad: ArrayLike<number>, t: number, options: AdamOptions = {}): void {
  const { beta1, beta2, stepSize, epsilonHat, decay } = adamConstants(options, t);
  for (let i = 0; i < theta.length; i++) {
    const g = grad[i]!;
    m[i] = beta1 * m[i]! + (1 - beta1) * g;
    v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
    theta[i] = decay * theta[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) + epsilonHat);
  }
}
