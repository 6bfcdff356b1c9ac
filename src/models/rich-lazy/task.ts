/**
 * The pieces of `rich-lazy` that run on the CPU: a two-alternative perceptual decision task in the
 * format of neurogym's PerceptualDecisionMaking (the task the paper's RNN experiments use first),
 * initial recurrent weights whose rank is set by truncating the SVD of one Gaussian matrix and
 * renormalising to its Frobenius norm (the paper's construction), a low-rank initialization aligned
 * with the task's input and readout directions, and the measures of how far learning moved
 * (relative weight change, tangent-kernel alignment).
 * Liu, Baratin, Cornford, Mihalas, Shea-Brown & Lajoie, "How connectivity structure shapes rich and
 * lazy learning in neural circuits" (arXiv 2310.08513, ICLR 2024).
 */
import { InputError } from '../../gpu/errors.js';
import { jacobiEigReference } from '../../reference/eig.js';
import { gramRows, traceParticipationRatio } from '../../reference/linalg.js';
import { philoxSequence } from '../../reference/philox.js';

/** Philox tags (counter word 3) of the experiment's draws, so different uses never share numbers. */
const TAG_WEIGHTS = 0x524c0001;
const TAG_TASK = 0x524c0002;

/** Inputs per step: fixation cue and the two stimulus channels. */
export const TASK_INPUTS = 3;
/** Output classes: 0 = fixate, 1 and 2 = the two choices. */
export const TASK_OUTPUTS = 3;
/** Signed-evidence coherences in percent, neurogym's PerceptualDecisionMaking set. */
export const COHERENCES: readonly number[] = [0, 6.4, 12.8, 25.6, 51.2];

/** One batch of trials: inputs and one-hot targets per time step (row-major, one row per trial). */
export interface TaskBatch {
  trials: number;
  /** u_t for t = 0 … steps−1, each [trials, TASK_INPUTS]. */
  inputs: Float32Array[];
  /** One-hot class per step, each [trials, TASK_OUTPUTS]. */
  targets: Float32Array[];
  /** The correct choice (0 or 1) per trial. */
  choice: Uint8Array;
}

/** Timing of {@link decisionBatch}: steps of stimulus, then one decision step (neurogym's 700 ms + 100 ms at dt = 100 ms). */
export interface TaskTiming {
  stimulusSteps: number;
  /** Std of the input noise per step (neurogym: σ / √dt = 1 / √100). */
  noise: number;
}

/** The paper's 2AF timing: 7 stimulus steps and one decision step, noise 0.1. */
export const PAPER_TIMING: TaskTiming = { stimulusSteps: 7, noise: 0.1 };

/**
 * Two-alternative perceptual decision making. Trial b draws a choice c_b ∈ {0, 1} and a coherence
 * from {@link COHERENCES}; during the stimulus steps the fixation input is 1 and stimulus channel
 * i ∈ {0, 1} is 0.5 + cos(π(i − c_b)) · coh/200 plus Gaussian noise; the target is "fixate"
 * (class 0). At the final decision step all inputs are 0 and the target is class 1 + c_b.
 * Deterministic in (seed, stream).
 */
export function decisionBatch(trials: number, timing: TaskTiming, seed: number, stream: number): TaskBatch {
  const rand = philoxSequence(seed, { distribution: 'uniform', tag: TAG_TASK, stream });
  const normal = philoxSequence(seed, { distribution: 'normal', tag: TAG_TASK, stream: stream + 0x10000 });
  const choice = new Uint8Array(trials);
  const evidence = new Float64Array(trials);
  for (let b = 0; b < trials; b++) {
    choice[b] = rand() < 0.5 ? 0 : 1;
    evidence[b] = COHERENCES[Math.min(COHERENCES.length - 1, Math.floor(rand() * COHERENCES.length))]! / 200;
  }
  const steps = timing.stimulusSteps + 1;
  const inputs: Float32Array[] = [];
  const targets: Float32Array[] = [];
  for (let t = 0; t < steps; t++) {
    const u = new Float32Array(trials * TASK_INPUTS);
    const y = new Float32Array(trials * TASK_OUTPUTS);
    for (let b = 0; b < trials; b++) {
      if (t < timing.stimulusSteps) {
        u[b * TASK_INPUTS] = 1;
        for (let i = 0; i < 2; i++) u[b * TASK_INPUTS + 1 + i] = 0.5 + (i === choice[b] ? 1 : -1) * evidence[b]! + timing.noise * normal();
        y[b * TASK_OUTPUTS] = 1;
      } else {
        y[b * TASK_OUTPUTS + 1 + choice[b]!] = 1;
      }
    }
    inputs.push(u);
    targets.push(y);
  }
  return { trials, inputs, targets, choice };
}

/** The two families of initial connectivity. */
export type InitKind = 'random' | 'aligned';

/** Input, recurrent and readout weights of one network (row-major). */
export interface Network {
  units: number;
  /** W₀ [units, units]. */
  W: Float32Array;
  /** Input weights [units, TASK_INPUTS]. */
  U: Float32Array;
  /** Readout weights [TASK_OUTPUTS, units]. */
  readout: Float32Array;
}

/**
 * What every initialization of one seed shares: the Gaussian matrix G (entries N(0, gain²/units))
 * whose SVD truncations are the random inits, its right singular vectors, and the input and
 * readout weights (uniform in ±1/√fan-in, PyTorch's default for the paper's linear layers).
 */
export interface SeedDraw {
  units: number;
  gain: number;
  G: Float64Array;
  /** Singular values of G, descending. */
  singular: Float64Array;
  /** Row-major [units, units]; column j is the right singular vector of singular[j]. */
  V: Float64Array;
  U: Float32Array;
  readout: Float32Array;
}

/** The shared draw of one seed (a float64 Jacobi eigen-decomposition of GᵀG gives G's SVD). */
export function seedDraw(units: number, gain: number, seed: number): SeedDraw {
  if (!Number.isInteger(units) || units < 2) throw new InputError(`rich-lazy: --units must be a whole number ≥ 2, got ${units}`);
  if (!(gain > 0)) throw new InputError(`rich-lazy: --gain must be positive, got ${gain}`);
  const normal = philoxSequence(seed, { distribution: 'normal', tag: TAG_WEIGHTS, stream: 0 });
  const G = Float64Array.from({ length: units * units }, () => (gain * normal()) / Math.sqrt(units));
  const uniform = philoxSequence(seed, { distribution: 'uniform', tag: TAG_WEIGHTS, stream: 1 });
  const U = Float32Array.from({ length: units * TASK_INPUTS }, () => (2 * uniform() - 1) / Math.sqrt(TASK_INPUTS));
  const readout = Float32Array.from({ length: TASK_OUTPUTS * units }, () => (2 * uniform() - 1) / Math.sqrt(units));
  const GtG = gramRows(transpose(G, units), units, units);
  const eig = jacobiEigReference(GtG, units);
  const singular = eig.values.map((l) => Math.sqrt(Math.max(l, 0)));
  return { units, gain, G, singular, V: eig.vectors, U, readout };
}

/** Frobenius norm of a matrix. */
export function frobenius(A: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i]! ** 2;
  return Math.sqrt(s);
}

/**
 * The initial recurrent weights of one run, all of Frobenius norm ‖G‖_F:
 * - random, rank r: the best rank-r approximation of G (its SVD truncated to the top r singular
 *   triples, G V_r V_rᵀ), rescaled to ‖G‖_F; rank = units gives G itself;
 * - aligned, rank r: the same, but the leading singular pair (u₁, v₁) is replaced by task
 *   directions — the readout's choice axis (row 1 − row 2 of the readout: choice 0 minus choice 1) as the output
 *   direction and the input's evidence axis (column 1 − column 2 of U: evidence for choice 0
 *   minus evidence for choice 1) as the input direction — keeping σ₁:
 *   σ₁ m̂ n̂ᵀ + Σ_{i=2..r} σᵢ uᵢ vᵢᵀ, rescaled to ‖G‖_F.
 */
export function initialNetwork(draw: SeedDraw, kind: InitKind, rank: number): Network {
  const n = draw.units;
  if (kind !== 'random' && kind !== 'aligned') throw new InputError(`rich-lazy: unknown init '${String(kind)}' (known: random, aligned)`);
  if (!Number.isInteger(rank) || rank < 1 || rank > n) throw new InputError(`rich-lazy: rank must be a whole number in [1, units = ${n}], got ${rank}`);
  const W = new Float64Array(n * n);
  const first = kind === 'aligned' ? 1 : 0;
  // G V_r V_rᵀ restricted to singular triples first … rank−1: (G v_j) v_jᵀ = σ_j u_j v_jᵀ
  for (let j = first; j < rank; j++) {
    const Gv = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += draw.G[i * n + k]! * draw.V[k * n + j]!;
      Gv[i] = s;
    }
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) W[i * n + k] = W[i * n + k]! + Gv[i]! * draw.V[k * n + j]!;
  }
  if (kind === 'aligned') {
    const m = Float64Array.from({ length: n }, (_, i) => draw.readout[n + i]! - draw.readout[2 * n + i]!);
    const v = Float64Array.from({ length: n }, (_, i) => draw.U[i * TASK_INPUTS + 1]! - draw.U[i * TASK_INPUTS + 2]!);
    const scale = draw.singular[0]! / (frobenius(m) * frobenius(v));
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) W[i * n + k] = W[i * n + k]! + scale * m[i]! * v[k]!;
  }
  const rescale = frobenius(draw.G) / frobenius(W);
  return { units: n, W: Float32Array.from(W, (w) => w * rescale), U: draw.U.slice(), readout: draw.readout.slice() };
}

/** Participation-ratio effective rank (Σσ²)²/Σσ⁴ of a matrix's singular values, from WᵀW's trace moments. */
export function effectiveRank(W: ArrayLike<number>, n: number): number {
  // tr(WᵀW) = Σσ², tr((WᵀW)²) = Σσ⁴
  return traceParticipationRatio(gramRows(transpose(W, n), n, n), n);
}

/** The transpose of a square n × n row-major matrix, in float64. */
function transpose(W: ArrayLike<number>, n: number): Float64Array {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) T[k * n + i] = W[i * n + k]!;
  return T;
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
export const gram = gramRows;

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

/** States x_0 … x_T (x_0 = 0) of the network on one trial b of `task`, in float64: x ← x + α(−x + W relu(x) + U u). */
function trialStates(net: Network, task: TaskBatch, b: number, alpha: number): Float64Array[] {
  const n = net.units;
  const states = [new Float64Array(n)];
  for (const u of task.inputs) {
    const x = states[states.length - 1]!;
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let drive = 0;
      for (let j = 0; j < n; j++) drive += net.W[i * n + j]! * Math.max(x[j]!, 0);
      for (let q = 0; q < TASK_INPUTS; q++) drive += net.U[i * TASK_INPUTS + q]! * u[b * TASK_INPUTS + q]!;
      next[i] = x[i]! + alpha * (drive - x[i]!);
    }
    states.push(next);
  }
  return states;
}

/** Logits of step t (0-based) from the state after it: readout · relu(x_{t+1}). */
function stepLogits(net: Network, x: Float64Array): Float64Array {
  const n = net.units;
  return Float64Array.from({ length: TASK_OUTPUTS }, (_, k) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += net.readout[k * n + i]! * Math.max(x[i]!, 0);
    return s;
  });
}

/** Float64 CPU twin of the experiment's loss: softmax cross-entropy averaged over trials and steps. */
export function lossReference(net: Network, task: TaskBatch, alpha: number): number {
  let total = 0;
  for (let b = 0; b < task.trials; b++) {
    const states = trialStates(net, task, b, alpha);
    for (let t = 0; t < task.inputs.length; t++) {
      const z = stepLogits(net, states[t + 1]!);
      const top = Math.max(...z);
      const logSum = top + Math.log(z.reduce((a, v) => a + Math.exp(v - top), 0));
      for (let k = 0; k < TASK_OUTPUTS; k++) total -= task.targets[t]![b * TASK_OUTPUTS + k]! * (z[k]! - logSum);
    }
  }
  return total / (task.trials * task.inputs.length);
}

/**
 * Jacobian of every output (trial b, step t, class k) with respect to W, in float64: row
 * (b·steps + t)·classes + k of a [trials·steps·classes, units²] matrix. By backpropagation through
 * time on the CPU: a backward pass per output costs O(t·units²) and needs no GPU round trip, where
 * the tape would need one synchronised readback per row.
 */
export function outputJacobian(net: Network, task: TaskBatch, alpha: number): Float64Array {
  const n = net.units;
  const steps = task.inputs.length;
  const J = new Float64Array(task.trials * steps * TASK_OUTPUTS * n * n);
  const gx = new Float64Array(n);
  const back = new Float64Array(n);
  for (let b = 0; b < task.trials; b++) {
    const states = trialStates(net, task, b, alpha);
    for (let t = 0; t < steps; t++) {
      for (let k = 0; k < TASK_OUTPUTS; k++) {
        const row = J.subarray(((b * steps + t) * TASK_OUTPUTS + k) * n * n, ((b * steps + t) * TASK_OUTPUTS + k + 1) * n * n);
        // ∂z/∂x_{t+1} = readout_k ⊙ relu'(x_{t+1})
        for (let i = 0; i < n; i++) gx[i] = states[t + 1]![i]! > 0 ? net.readout[k * n + i]! : 0;
        for (let s = t; s >= 0; s--) {
          // x_{s+1} = (1 − α) x_s + α (W relu(x_s) + U u_s): ∂/∂W += α gx relu(x_s)ᵀ
          const x = states[s]!;
          for (let i = 0; i < n; i++) {
            const a = alpha * gx[i]!;
            if (a === 0) continue;
            for (let j = 0; j < n; j++) if (x[j]! > 0) row[i * n + j] = row[i * n + j]! + a * x[j]!;
          }
          if (s === 0) break;
          // gx ← (1 − α) gx + α relu'(x_s) ⊙ Wᵀ gx
          back.fill(0);
          for (let i = 0; i < n; i++) {
            const g = gx[i]!;
            if (g === 0) continue;
            for (let j = 0; j < n; j++) back[j] = back[j]! + net.W[i * n + j]! * g;
          }
          for (let j = 0; j < n; j++) gx[j] = (1 - alpha) * gx[j]! + (x[j]! > 0 ? alpha * back[j]! : 0);
        }
      }
    }
  }
  return J;
}

/** The empirical tangent kernel with respect to W over every (trial, step, class) output, as in the authors' code. */
export function tangentKernel(net: Network, task: TaskBatch, alpha: number): Float64Array {
  const rows = task.trials * task.inputs.length * TASK_OUTPUTS;
  return gram(outputJacobian(net, task, alpha), rows, net.units * net.units);
}
