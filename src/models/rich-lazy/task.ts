/**
 * The pieces of `rich-lazy` that run on the CPU: the perceptual-decision task (a noisy evidence
 * stream whose sign is the answer), initial recurrent weights of controlled effective rank at equal
 * variance, and the measures of how far learning moved (relative weight change, kernel alignment).
 * Liu, Ghosh, Mudrik, Ge, Shea-Brown & Lajoie, "How connectivity structure shapes rich and lazy
 * learning in neural circuits" (arXiv 2310.08513; SEEDS.md).
 */
import { InputError } from '../../gpu/errors.js';
import { philoxSequence } from '../../reference/philox.js';

/** Philox tags (counter word 3) of the experiment's draws, so different uses never share numbers. */
const TAG_WEIGHTS = 0x524c0001;
const TAG_TASK = 0x524c0002;

/** One batch of trials: inputs per time step ([batch, 1] each, row-major) and targets ±1. */
export interface TaskBatch {
  /** u_t for t = 0 … steps−1, each of length batch. */
  inputs: Float32Array[];
  /** The sign of the evidence, per trial. */
  targets: Float32Array;
}

/**
 * Perceptual decision making: trial b has a sign s_b = ±1 and coherence c_b uniform in
 * [0.1, 0.5]; its input is u_t = s_b c_b + noise ξ_t (standard normal times `noise`) at every
 * step; the network must answer s_b at the end. Deterministic in (seed, stream).
 */
export function decisionBatch(batch: number, steps: number, noise: number, seed: number, stream: number): TaskBatch {
  const rand = philoxSequence(seed, { distribution: 'uniform', tag: TAG_TASK, stream });
  const normal = philoxSequence(seed, { distribution: 'normal', tag: TAG_TASK, stream: stream + 0x10000 });
  const targets = new Float32Array(batch);
  const mean = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    targets[b] = rand() < 0.5 ? -1 : 1;
    mean[b] = targets[b]! * (0.1 + 0.4 * rand());
  }
  const inputs = Array.from({ length: steps }, () => Float32Array.from({ length: batch }, (_, b) => mean[b]! + noise * normal()));
  return { inputs, targets };
}

/** The three initial connectivities the paper contrasts. */
export type InitKind = 'low-rank-random' | 'full-rank-random' | 'low-rank-aligned';
export const INIT_KINDS: readonly InitKind[] = ['full-rank-random', 'low-rank-random', 'low-rank-aligned'];

/** Fixed input and readout weights and the initial recurrent weights of one run. */
export interface Network {
  units: number;
  /** W₀ [units, units] row-major. */
  W: Float32Array;
  /** Input weights [units, 1]. */
  U: Float32Array;
  /** Readout weights [1, units]. */
  readout: Float32Array;
}

/**
 * Input weights U ~ N(0, 1), readout ~ N(0, 1/units), and W₀ of Frobenius norm g·√units (the
 * norm of a Gaussian matrix with entry variance g²/units, "equal variance"):
 * - full-rank-random: Gaussian entries;
 * - low-rank-random: Σ_{r<rank} m_r n_rᵀ with Gaussian m_r, n_r;
 * - low-rank-aligned: the same with m_0 along the readout and n_0 along the input weights, so
 *   the connectivity is aligned with the task's input and output directions from the start.
 */
export function initialNetwork(kind: InitKind, units: number, rank: number, gain: number, seed: number): Network {
  if (!INIT_KINDS.includes(kind)) throw new InputError(`rich-lazy: unknown init '${kind}' (known: ${INIT_KINDS.join(', ')})`);
  if (!Number.isInteger(rank) || rank < 1 || rank > units) throw new InputError(`rich-lazy: --rank must be a whole number in [1, units = ${units}], got ${rank}`);
  // input and readout weights depend on the seed only, so every init of one seed shares them
  const shared = philoxSequence(seed, { distribution: 'normal', tag: TAG_WEIGHTS, stream: 0 });
  const U = Float32Array.from({ length: units }, () => shared());
  const readout = Float32Array.from({ length: units }, () => shared() / Math.sqrt(units));
  const normal = philoxSequence(seed, { distribution: 'normal', tag: TAG_WEIGHTS, stream: 1 + INIT_KINDS.indexOf(kind) });
  const W = new Float64Array(units * units);
  if (kind === 'full-rank-random') {
    for (let i = 0; i < W.length; i++) W[i] = normal();
  } else {
    for (let r = 0; r < rank; r++) {
      const m = Float64Array.from({ length: units }, () => normal());
      const n = Float64Array.from({ length: units }, () => normal());
      if (kind === 'low-rank-aligned' && r === 0) {
        m.set(readout);
        n.set(U);
      }
      for (let i = 0; i < units; i++) for (let j = 0; j < units; j++) W[i * units + j] = W[i * units + j]! + m[i]! * n[j]!;
    }
  }
  const norm = Math.sqrt(W.reduce((a, w) => a + w * w, 0));
  const scale = (gain * Math.sqrt(units)) / norm;
  return { units, W: Float32Array.from(W, (w) => w * scale), U, readout };
}

/** Participation-ratio effective rank (Σσ²)²/Σσ⁴ of a matrix's singular values, from WᵀW's trace moments. */
export function effectiveRank(W: ArrayLike<number>, n: number): number {
  // tr(WᵀW) = Σσ², tr((WᵀW)²) = Σσ⁴
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += W[k * n + i]! * W[k * n + j]!;
      gram[i * n + j] = s;
    }
  }
  let t1 = 0;
  let t2 = 0;
  for (let i = 0; i < n; i++) t1 += gram[i * n + i]!;
  for (let i = 0; i < n * n; i++) t2 += gram[i]! * gram[i]!;
  return (t1 * t1) / t2;
}

/** ‖a − b‖_F / ‖b‖_F. */
export function relativeChange(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** Gram matrix K[i, j] = ⟨g_i, g_j⟩ of `count` vectors of length `dim` (the empirical tangent kernel). */
export function gram(vectors: ArrayLike<number>, count: number, dim: number): Float64Array {
  const K = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = i; j < count; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += vectors[i * dim + k]! * vectors[j * dim + k]!;
      K[i * count + j] = s;
      K[j * count + i] = s;
    }
  }
  return K;
}

/** Kernel alignment ⟨K₁, K₂⟩_F / (‖K₁‖_F ‖K₂‖_F) (Cristianini et al. 2001): 1 for proportional kernels. */
export function kernelAlignment(K1: ArrayLike<number>, K2: ArrayLike<number>): number {
  let dot = 0;
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < K1.length; i++) {
    dot += K1[i]! * K2[i]!;
    n1 += K1[i]! ** 2;
    n2 += K2[i]! ** 2;
  }
  return dot / Math.sqrt(n1 * n2);
}
