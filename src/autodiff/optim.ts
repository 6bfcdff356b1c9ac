/**
 * First-order optimizers on the GPU: SGD with momentum and Adam with decoupled weight decay, each
 * an in-place kernel over one parameter tensor (shaders/optim.wgsl.ts), and `createOptimizer` for
 * a set of parameter tensors. Deterministic: the same gradients give the same bits on one device.
 * Float64 twins: src/reference/optim.ts.
 */
import type { Context } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { adamConstants, type AdamOptions, type SGDOptions } from '../reference/optim.js';
import { adamParams, adamWGSL, sgdParams, sgdWGSL } from '../../shaders/optim.wgsl.js';

export type { AdamOptions, SGDOptions } from '../reference/optim.js';

/** Invocations per workgroup of the optimizer kernels. */
const WORKGROUP_SIZE = 64;

/** An optimizer for one parameter tensor of `count` elements (state kept on the GPU). */
export interface TensorOptimizer {
  /** Steps taken so far. */
  readonly t: number;
  /** Update `theta` in place from gradient `grad` (both `count` f32 elements). */
  step(theta: Tensor, grad: Tensor): Promise<void>;
  destroy(): void;
}

/** An Adam {@link TensorOptimizer} (the name the evolution-strategies trainers use). */
export type AdamOptimizer = TensorOptimizer;

function assertVector(t: Tensor, count: number, what: string, name: string): void {
  if (!t || typeof t !== 'object' || !('shape' in t)) throw new InputError(`${what}: ${name} must be a Tensor`);
  t.assertAlive();
  if (t.dtype !== 'f32' || t.size !== count) throw new InputError(`${what}: ${name} ('${t.label}') must be f32 with ${count} elements, got ${t.dtype} with ${t.size}`);
}

function checkCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 1) throw new InputError(`${what}: count must be a whole number ≥ 1, got ${count}`);
}

function checkNonNegative(options: object, keys: readonly string[], what: string): void {
  for (const k of keys) {
    const v = (options as Record<string, unknown>)[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new InputError(`${what}: options.${k} must be a non-negative number, got ${String(v)}`);
    }
  }
}

/**
 * What Adam and SGD share: step t (from 1) runs the `name` kernel in place over `count` elements
 * with bindings (uniforms(t), grad, theta, state), where `state` is the optimizer's own tensor
 * (released by `destroy`).
 */
function inPlaceOptimizer(ctx: Context, count: number, name: 'adam' | 'sgd', code: () => string, state: Tensor, uniforms: (t: number) => ArrayBuffer): TensorOptimizer {
  let t = 0;
  return {
    get t() {
      return t;
    },
    async step(theta, grad) {
      assertVector(theta, count, name, 'theta');
      assertVector(grad, count, name, 'grad');
      t++;
      const pipeline = await ctx.kernel({ label: name, code: code(), constants: { WG_SIZE: WORKGROUP_SIZE } });
      ctx.dispatch({
        label: name,
        pipeline,
        bindings: [uniforms(t), grad, theta, state],
        workgroups: Math.ceil(count / WORKGROUP_SIZE),
        workgroupSize: WORKGROUP_SIZE,
      });
    },
    destroy() {
      ctx.releaseAfterSubmit(state);
    },
  };
}

/**
 * Adam (Kingma & Ba 2015) for `count` parameters, with decoupled weight decay (AdamW) when
 * `weightDecay` > 0; defaults lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8, weightDecay 0.
 */
export function createAdam(ctx: Context, count: number, options: AdamOptions & { label?: string } = {}): TensorOptimizer {
  checkCount(count, 'adam');
  checkNonNegative(options, ['lr', 'beta1', 'beta2', 'epsilon', 'weightDecay'], 'adam');
  if ((options.beta1 ?? 0.9) >= 1 || (options.beta2 ?? 0.999) >= 1) throw new InputError('adam: options.beta1 and options.beta2 must be below 1');
  const moments = ctx.tensor([2, count], { label: `${options.label ?? 'adam'}.moments`, fill: 0 });
  return inPlaceOptimizer(ctx, count, 'adam', adamWGSL, moments, (t) => {
    const c = adamConstants(options, t);
    return adamParams.pack({ count, step_size: c.stepSize, beta1: c.beta1, beta2: c.beta2, epsilon_hat: c.epsilonHat, decay: c.decay });
  });
}

/** SGD with heavy-ball momentum for `count` parameters; defaults lr 1e-2, momentum 0, weightDecay 0. */
export function createSGD(ctx: Context, count: number, options: SGDOptions & { label?: string } = {}): TensorOptimizer {
  checkCount(count, 'sgd');
  checkNonNegative(options, ['lr', 'momentum', 'weightDecay'], 'sgd');
  if ((options.momentum ?? 0) >= 1) throw new InputError(`sgd: options.momentum must be below 1, got ${options.momentum}`);
  const velocity = ctx.tensor([count], { label: `${options.label ?? 'sgd'}.velocity`, fill: 0 });
  return inPlaceOptimizer(ctx, count, 'sgd', sgdWGSL, velocity,
    () => sgdParams.pack({ count, lr: options.lr ?? 1e-2, momentum: options.momentum ?? 0, weight_decay: options.weightDecay ?? 0 }));
}

/** Options of {@link createOptimizer}. */
export type OptimizerOptions = ({ method: 'adam' } & AdamOptions) | ({ method: 'sgd' } & SGDOptions);

/** An optimizer over a set of parameter tensors. */
export interface ParameterOptimizer {
  /** Steps taken so far. */
  readonly t: number;
  /** Update every parameter in place from its gradient (same order as the parameters). */
  step(grads: readonly Tensor[]): Promise<void>;
  destroy(): void;
}

/** One optimizer state per parameter tensor of `params` (updated in place by `step`). */
export function createOptimizer(ctx: Context, params: readonly Tensor[], options: OptimizerOptions): ParameterOptimizer {
  if (!Array.isArray(params) || params.length === 0) throw new InputError('createOptimizer: params must be a non-empty array of tensors');
  if (options?.method !== 'adam' && options?.method !== 'sgd') {
    throw new InputError(`createOptimizer: options.method must be 'adam' or 'sgd', got ${String((options as { method?: unknown })?.method)}`);
  }
  const { method, ...settings } = options;
  const states = params.map((p, i) =>
    method === 'adam'
      ? createAdam(ctx, p.size, { ...settings, label: `adam.${p.label}.${i}` })
      : createSGD(ctx, p.size, { ...settings, label: `sgd.${p.label}.${i}` }));
  return {
    get t() {
      return states[0]!.t;
    },
    async step(grads) {
      if (grads.length !== params.length) throw new InputError(`optimizer.step: expected ${params.length} gradients, got ${grads.length}`);
      for (let i = 0; i < params.length; i++) await states[i]!.step(params[i]!, grads[i]!);
    },
    destroy() {
      for (const s of states) s.destroy();
    },
  };
}
