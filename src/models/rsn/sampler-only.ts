/**
 * The sampler-only baselines of Chen et al. (SEEDS.md §5.3): networks whose d neurons are the
 * output themselves, with firing-rate (SO-FR) or synaptic-current (SO-SC) dynamics,
 *   SO-FR: s(x) = [γ ∘ (φ(Wx + b) − x)] ΣΣᵀ,   SO-SC: s(x) = [γ ∘ (Wφ(x) + b − x)] ΣΣᵀ,
 * sampled as x' = x + dt·s(x) + √(2dt)ξ. They have d² + d + d + d² parameters, so they are trained
 * by denoising score matching in float64 on the CPU (closed-form gradients, the same Philox batches
 * as the GPU trainer, Adam), and sampled on the GPU by the SDE engine from their equations.
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { philoxArray } from '../../reference/philox.js';
import { defineSDE, simulate, type SDEModel } from '../../sde/index.js';
import { adamStepReference } from '../es/reference.js';
import { dsmBatchReference, RSN_DSM_TAG, type RsnActivation } from './reference.js';

/** A sampler-only network: `theta` packs W (d × d), b (d), γ (d), Σ (d × d), row-major. */
export interface SamplerOnlyNetwork {
  kind: 'fr' | 'sc';
  dim: number;
  activation: RsnActivation;
  theta: Float64Array;
}

function parts(n: SamplerOnlyNetwork): { W: number; b: number; g: number; L: number } {
  const d = n.dim;
  return { W: 0, b: d * d, g: d * d + d, L: d * d + 2 * d };
}

const act = (a: RsnActivation, u: number): number => (a === 'relu' ? Math.max(u, 0) : Math.tanh(u));
const dact = (a: RsnActivation, u: number): number => (a === 'relu' ? (u > 0 ? 1 : 0) : 1 - Math.tanh(u) ** 2);

/** M = ΣΣᵀ. */
function noiseMetric(n: SamplerOnlyNetwork): Float64Array {
  const d = n.dim;
  const { L } = parts(n);
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += n.theta[L + i * d + k]! * n.theta[L + j * d + k]!;
    M[i * d + j] = s;
  }
  return M;
}

/** The inner vector a(x) (before the metric) and what the gradient needs of it. */
function inner(n: SamplerOnlyNetwork, x: ArrayLike<number>): { a: Float64Array; pre: Float64Array } {
  const d = n.dim;
  const t = n.theta;
  const { W, b, g } = parts(n);
  const a = new Float64Array(d);
  const pre = new Float64Array(d); // FR: u = Wx + b; SC: Wφ(x) + b
  for (let i = 0; i < d; i++) {
    let u = t[b + i]!;
    for (let j = 0; j < d; j++) u += t[W + i * d + j]! * (n.kind === 'fr' ? x[j]! : act(n.activation, x[j]!));
    pre[i] = u;
    a[i] = t[g + i]! * ((n.kind === 'fr' ? act(n.activation, u) : u) - x[i]!);
  }
  return { a, pre };
}

/** s(x) = a(x)ᵀ ΣΣᵀ at one point. */
export function samplerOnlyScore(n: SamplerOnlyNetwork, x: ArrayLike<number>): Float64Array {
  const d = n.dim;
  const M = noiseMetric(n);
  const { a } = inner(n, x);
  const s = new Float64Array(d);
  for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) s[j] = s[j]! + a[i]! * M[i * d + j]!;
  return s;
}

/** ½·mean_b ‖s(x̃_b) − target_b‖² and its gradient in θ, for a DSM batch (see `dsmBatchReference`). */
export function samplerOnlyDsmGradient(n: SamplerOnlyNetwork, noisy: ArrayLike<number>, shifted: ArrayLike<number>, batch: number): { loss: number; grad: Float64Array } {
  const d = n.dim;
  const t = n.theta;
  const { W, b, g, L } = parts(n);
  const M = noiseMetric(n);
  const grad = new Float64Array(t.length);
  const gM = new Float64Array(d * d);
  let loss = 0;
  const x = new Float64Array(d);
  for (let r = 0; r < batch; r++) {
    for (let j = 0; j < d; j++) x[j] = noisy[r * (d + 1) + j]!;
    const { a, pre } = inner(n, x);
    // residual = s(x̃) − target, target = q − x̃
    const res = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += a[i]! * M[i * d + j]!;
      res[j] = (s - (shifted[r * d + j]! - x[j]!)) / batch;
      loss += (0.5 * res[j]! * res[j]! * batch);
    }
    for (let i = 0; i < d; i++) {
      let da = 0;
      for (let j = 0; j < d; j++) {
        gM[i * d + j] = gM[i * d + j]! + a[i]! * res[j]!;
        da += M[i * d + j]! * res[j]!;
      }
      const gamma = t[g + i]!;
      const f = n.kind === 'fr' ? act(n.activation, pre[i]!) : pre[i]!;
      grad[g + i] = grad[g + i]! + da * (f - x[i]!);
      const du = da * gamma * (n.kind === 'fr' ? dact(n.activation, pre[i]!) : 1);
      grad[b + i] = grad[b + i]! + du;
      for (let j = 0; j < d; j++) grad[W + i * d + j] = grad[W + i * d + j]! + du * (n.kind === 'fr' ? x[j]! : act(n.activation, x[j]!));
    }
  }
  // M = ΣΣᵀ: ∂L/∂Σ = (G + Gᵀ)Σ.
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (gM[i * d + j]! + gM[j * d + i]!) * t[L + j * d + k]!;
    grad[L + i * d + k] = s;
  }
  return { loss, grad };
}

/** Options of {@link trainSamplerOnly}. */
export interface SamplerOnlyTrainOptions {
  kind: 'fr' | 'sc';
  activation?: RsnActivation;
  sigmas: number[];
  stepsPerLevel: number;
  batch: number;
  lr: number;
  /** Scale the rate with σ_n/σ_0 (see `TrainScoreOptions.lrBySigma`). Default false. */
  lrBySigma?: boolean;
  seed?: number;
}

/** Annealed DSM for a sampler-only network on `data` (n × dim); W, b ~ U(±1/√d), γ = 1, Σ = I to start. */
export function trainSamplerOnly(data: ArrayLike<number>, dim: number, options: SamplerOnlyTrainOptions): { network: SamplerOnlyNetwork; finalLoss: number } {
  const d = dim;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(d) || d < 1) throw new InputError(`rsn: dim must be a whole number ≥ 1, got ${d}`);
  const net: SamplerOnlyNetwork = { kind: options.kind, dim: d, activation: options.activation ?? 'tanh', theta: new Float64Array(2 * d * d + 2 * d) };
  const { W, g, L } = parts(net);
  const u = philoxArray(d * d + d, seed, { distribution: 'uniform', stream: 7, tag: RSN_DSM_TAG });
  for (let k = 0; k < d * d + d; k++) net.theta[W + k] = (2 * u[k]! - 1) / Math.sqrt(d);
  for (let i = 0; i < d; i++) { net.theta[g + i] = 1; net.theta[L + i * d + i] = 1; }
  let finalLoss = NaN;
  let step = 0;
  for (const sigma of options.sigmas) {
    const m = new Float64Array(net.theta.length);
    const v = new Float64Array(net.theta.length);
    const lr = options.lrBySigma ? (options.lr * sigma) / options.sigmas[0]! : options.lr;
    for (let k = 0; k < options.stepsPerLevel; k++, step++) {
      // A shifted seed keeps these batches apart from the reservoir trainer's (same seed, same steps).
      const { noisy, shifted } = dsmBatchReference(data, d, options.batch, sigma, seed + 0x100000, step);
      const { loss, grad } = samplerOnlyDsmGradient(net, noisy, shifted, options.batch);
      adamStepReference(net.theta, m, v, grad, k + 1, { lr });
      finalLoss = loss;
    }
  }
  return { network: net, finalLoss };
}

/** The network as equations for the SDE engine: drift s(x), diffusion √2 on every axis. */
export function samplerOnlyModel(n: SamplerOnlyNetwork): SDEModel {
  const d = n.dim;
  const names = Array.from({ length: d }, (_, i) => `x${i}`);
  const { W, b, g } = parts(n);
  const M = noiseMetric(n);
  const num = (v: number): string => `(${v.toPrecision(9)})`;
  const phi = (e: string): string => (n.activation === 'relu' ? `max(${e}, 0)` : `tanh(${e})`);
  const a = names.map((xi, i) => {
    const terms = names.map((xj, j) => `${num(n.theta[W + i * d + j]!)} * ${n.kind === 'fr' ? xj : phi(xj)}`).join(' + ');
    const pre = `${terms} + ${num(n.theta[b + i]!)}`;
    return `${num(n.theta[g + i]!)} * (${n.kind === 'fr' ? phi(pre) : `(${pre})`} - ${xi})`;
  });
  const drift = Object.fromEntries(names.map((xj, j) => [xj, names.map((_, i) => `${num(M[i * d + j]!)} * (${a[i]})`).join(' + ')]));
  return defineSDE({
    name: `so_${n.kind}`,
    state: names,
    drift,
    diffusion: Object.fromEntries(names.map((x) => [x, 'sqrt(2)'])),
  });
}

/** C chains of a sampler-only network on the GPU (SDE engine, Euler–Maruyama from x = 0); C × d samples, float64. */
export async function sampleSamplerOnly(ctx: Context, n: SamplerOnlyNetwork, options: { chains: number; steps: number; dt: number; seed?: number; signal?: AbortSignal }): Promise<Float64Array> {
  const run = await simulate(ctx, samplerOnlyModel(n), {
    trials: options.chains, steps: options.steps, dt: options.dt, seed: options.seed ?? 0, integrator: 'em', signal: options.signal,
  });
  if (run.partial) throw new Error('rsn: sampler-only sampling was cancelled');
  if (run.diverged > 0) throw new Error(`rsn: ${run.diverged} sampler-only (${n.kind}) chains diverged; lower dt (${options.dt})`);
  const d = n.dim;
  const out = new Float64Array(options.chains * d);
  for (let c = 0; c < options.chains; c++) for (let j = 0; j < d; j++) out[c * d + j] = run.finalState![j * options.chains + c]!;
  return out;
}
