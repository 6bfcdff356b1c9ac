/**
 * Float64 twins of the Krotov–Hopfield kernels (shaders/models-krotov-hopfield.wgsl.ts): one
 * minibatch of the competitive learning rule, the hidden activations, and the softmax readout's
 * loss and gradient.
 *
 * The rule (Krotov & Hopfield, PNAS 116:7723, 2019, eqs. 2–3 and the fast "ranking" form of their
 * eq. 10; p-norm inner product ⟨X, Y⟩_p = Σ_i sign(X_i)|X_i|^{p−1} Y_i):
 *   I_bμ  = ⟨W_μ, v_b⟩_p                                       (input current of unit μ, sample b)
 *   g_bμ  = 1 for the unit with the largest I_b·, −Δ for the k-th largest, 0 otherwise
 *   ΔW_μi = Σ_b g_bμ (v_bi − I_bμ W_μi)                        (R = 1: ‖W_μ‖_p → 1 is the fixed point)
 *   W    ← W + ε ΔW / max_μi |ΔW_μi|
 * The division by the largest element follows the authors' published implementation; it makes ε
 * the largest weight change of every minibatch whatever the scale of the data.
 */
import { InputError } from '../../gpu/errors.js';

/** Philox tag (counter word 3) of the Krotov–Hopfield draws (initial weights, epoch permutations). */
export const KH_RNG_TAG = 0x4b48; // 'KH'

/** Sizes of one minibatch update. */
export interface KhSizes {
  /** Hidden units H. */
  hidden: number;
  /** Inputs N per sample (784 for MNIST). */
  pixels: number;
  /** Samples B in the minibatch. */
  batch: number;
}

/** Constants of the learning rule. */
export interface KhRule {
  /** Lebesgue exponent p ≥ 2 (paper, MNIST: 3). */
  p: number;
  /** Rank that receives the anti-Hebbian update, k ≥ 2 (paper, MNIST: 7). */
  k: number;
  /** Anti-Hebbian strength Δ (paper: 0.4). */
  delta: number;
}

/** sign(w)|w|^q. */
export function signedPower(w: number, q: number): number {
  return w === 0 ? 0 : Math.sign(w) * Math.abs(w) ** q;
}

/** I = ⟨W_μ, v_b⟩_p for every sample b and unit μ: B × H, from W (H × N) and V (B × N). */
export function lebesgueCurrentsRef(w: ArrayLike<number>, v: ArrayLike<number>, sizes: KhSizes, p: number): Float64Array {
  const { hidden: h, pixels: n, batch } = sizes;
  const wp = Float64Array.from({ length: h * n }, (_, e) => signedPower(w[e]!, p - 1));
  const out = new Float64Array(batch * h);
  for (let b = 0; b < batch; b++) {
    for (let mu = 0; mu < h; mu++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += wp[mu * n + i]! * v[b * n + i]!;
      out[b * h + mu] = acc;
    }
  }
  return out;
}

/**
 * The units of one sample ordered by current, largest first (a stable sort: the lower index wins a
 * tie, as in the ranking kernel).
 */
export function rankUnits(currents: ArrayLike<number>, offset: number, hidden: number): number[] {
  return Array.from({ length: hidden }, (_, mu) => mu).sort((a, b) => currents[offset + b]! - currents[offset + a]! || a - b);
}

/** G (B × H): 1 for each sample's most driven unit, −Δ for its k-th most driven, 0 elsewhere. */
export function rankRef(currents: ArrayLike<number>, batch: number, hidden: number, k: number, delta: number): Float64Array {
  const g = new Float64Array(batch * hidden);
  for (let b = 0; b < batch; b++) {
    const order = rankUnits(currents, b * hidden, hidden);
    g[b * hidden + order[0]!] = 1;
    g[b * hidden + order[k - 1]!] = -delta;
  }
  return g;
}

/** Result of {@link khUpdateRef}. */
export interface KhUpdate {
  currents: Float64Array;
  g: Float64Array;
  /** ΔW before scaling, H × N. */
  ds: Float64Array;
  /** max |ΔW|. */
  maxAbs: number;
  /** W after the update, H × N. */
  w: Float64Array;
}

/** One minibatch of the rule (see the file comment) in float64; `floor` bounds the divisor below. */
export function khUpdateRef(w: ArrayLike<number>, v: ArrayLike<number>, sizes: KhSizes, rule: KhRule & { eps: number; floor?: number }): KhUpdate {
  const { hidden: h, pixels: n, batch } = sizes;
  if (rule.k < 2 || rule.k > h) throw new InputError(`krotov-hopfield: k must be in [2, ${h}], got ${rule.k}`);
  const currents = lebesgueCurrentsRef(w, v, sizes, rule.p);
  const g = rankRef(currents, batch, h, rule.k, rule.delta);
  const ds = new Float64Array(h * n);
  for (let mu = 0; mu < h; mu++) {
    let rowTerm = 0;
    for (let b = 0; b < batch; b++) rowTerm += g[b * h + mu]! * currents[b * h + mu]!;
    for (let i = 0; i < n; i++) {
      let hebb = 0;
      for (let b = 0; b < batch; b++) hebb += g[b * h + mu]! * v[b * n + i]!;
      ds[mu * n + i] = hebb - rowTerm * w[mu * n + i]!;
    }
  }
  let maxAbs = 0;
  for (const x of ds) maxAbs = Math.max(maxAbs, Math.abs(x));
  const scale = rule.eps / Math.max(maxAbs, rule.floor ?? 1e-30);
  const out = Float64Array.from({ length: h * n }, (_, e) => w[e]! + scale * ds[e]!);
  return { currents, g, ds, maxAbs, w: out };
}

/** The readout's features: max(I, 0)^n per unit, then (h − mean)/std, with a trailing 1 (rows × (H + 1)). */
export function activationRef(currents: ArrayLike<number>, rows: number, hidden: number, power: number, mean: ArrayLike<number>, invStd: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows * (hidden + 1));
  for (let b = 0; b < rows; b++) {
    for (let mu = 0; mu < hidden; mu++) out[b * (hidden + 1) + mu] = (Math.max(currents[b * hidden + mu]!, 0) ** power - mean[mu]!) * invStd[mu]!;
    out[b * (hidden + 1) + hidden] = 1;
  }
  return out;
}

/** Result of {@link softmaxGradientRef}. */
export interface SoftmaxGradient {
  /** Mean cross-entropy −(1/n) Σ_r log P_r,label. */
  loss: number;
  /** ∂loss/∂S = Xᵀ(P − Y)/n arranged as S: C × D. */
  grad: Float64Array;
  /** (P − Y)/n, n × C. */
  residual: Float64Array;
  /** Rows whose largest logit is their label's (the lower class wins a tie). */
  correct: number;
}

/**
 * Softmax regression with logits z_r = S x_r (S: C × D, X: n × D, labels in 0 … C − 1): the mean
 * cross-entropy, its gradient Xᵀ(P − Y)/n (as C × D) and the count of correct rows, in float64.
 */
export function softmaxGradientRef(x: ArrayLike<number>, labels: ArrayLike<number>, s: ArrayLike<number>, rows: number, dim: number, classes: number): SoftmaxGradient {
  const residual = new Float64Array(rows * classes);
  const grad = new Float64Array(classes * dim);
  const z = new Float64Array(classes);
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const label = labels[r]!;
    let top = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) {
      let acc = 0;
      for (let j = 0; j < dim; j++) acc += s[c * dim + j]! * x[r * dim + j]!;
      z[c] = acc;
      if (acc > top) { top = acc; arg = c; }
    }
    let total = 0;
    for (let c = 0; c < classes; c++) total += Math.exp(z[c]! - top);
    loss += Math.log(total) - (z[label]! - top);
    if (arg === label) correct++;
    for (let c = 0; c < classes; c++) {
      const rc = (Math.exp(z[c]! - top) / total - (c === label ? 1 : 0)) / rows;
      residual[r * classes + c] = rc;
      for (let j = 0; j < dim; j++) grad[c * dim + j] = grad[c * dim + j]! + rc * x[r * dim + j]!;
    }
  }
  return { loss: loss / rows, grad, residual, correct };
}
