/**
 * Float64 twin of the recurrent Morris–Lecar network kernels (shaders/models-ml-network.wgsl.ts):
 * the network of Hazelden et al. (SEEDS.md §6.3), z = W_inpᵀx_t + W_recᵀT_{t−1},
 * I_tot = (I_app + z)·36.75 + 39.9, the semi-implicit neuron update, T = σ((V − V_t)/K_p), and the
 * cross-entropy of a linear readout of T averaged over the last steps.
 */
import { seedToKey } from '../../core/seed.js';
import { normal4FromBits, philox4x32_10 } from '../../reference/philox.js';
import { ML_INPUT_OFFSET, ML_INPUT_SCALE, ML_OUTPUT, mlStep, type MorrisLecarParams } from './reference.js';

/** One launch of the network: S weight copies × B phrases. */
export interface MlNetworkProblem {
  p: MorrisLecarParams;
  neurons: number;
  /** Copies S and phrases B: trial r = s·B + b runs copy s on phrase b. */
  copies: number;
  batch: number;
  /** W_rec [copies or 1][pre][post]. */
  wRec: ArrayLike<number>;
  recCopies: number;
  /** W_inpᵀx for each token: [copies or 1][token][neuron]. */
  drive: ArrayLike<number>;
  driveCopies: number;
  /** Tokens [phrase][word]. */
  tokens: ArrayLike<number>;
  words: number;
  wordSteps: number;
  steps: number;
  /** Outputs of steps ≥ this are summed. */
  windowStart: number;
  iApp: number;
  /** Initial V and w, [trial][neuron]. T starts at σ((V − V_t)/K_p) of the initial V. */
  v0: ArrayLike<number>;
  w0: ArrayLike<number>;
  /** Input noise σ_z ξ, ξ from Philox at counter (neuron, step, phrase, stream) under `seed`. Default none. */
  noise?: MlInputNoise;
}

/** Input noise of the network: z += std·ξ. */
export interface MlInputNoise {
  std: number;
  seed: number;
  stream: number;
}

/** Final V, w, T and the summed outputs ΣT, each [trial][neuron]. */
export interface MlNetworkState {
  v: Float64Array;
  w: Float64Array;
  t: Float64Array;
  tSum: Float64Array;
}

/** T = σ((V − V_t)/K_p). */
export function mlNetworkOutput(v: number): number {
  return 1 / (1 + Math.exp(-(v - ML_OUTPUT.Vt) / ML_OUTPUT.Kp));
}

/** Run every trial of `q` for `q.steps` steps in float64. */
export function mlNetworkReference(q: MlNetworkProblem): MlNetworkState {
  const N = q.neurons;
  const trials = q.copies * q.batch;
  const out: MlNetworkState = {
    v: new Float64Array(trials * N), w: new Float64Array(trials * N), t: new Float64Array(trials * N), tSum: new Float64Array(trials * N),
  };
  const vocabulary = q.drive.length / (q.driveCopies * N);
  const s = new Float64Array(2);
  const key = q.noise && q.noise.std > 0 ? seedToKey(q.noise.seed) : null;
  const bits = new Uint32Array(4);
  const normals = new Float64Array(4);
  const prev = new Float64Array(N);
  const next = new Float64Array(N);
  for (let r = 0; r < trials; r++) {
    const copy = Math.floor(r / q.batch);
    const phrase = r % q.batch;
    const rec = q.recCopies === 1 ? 0 : copy * N * N;
    const drv = q.driveCopies === 1 ? 0 : copy * vocabulary * N;
    const v = Float64Array.from({ length: N }, (_, i) => q.v0[r * N + i]!);
    const w = Float64Array.from({ length: N }, (_, i) => q.w0[r * N + i]!);
    for (let i = 0; i < N; i++) prev[i] = mlNetworkOutput(v[i]!);
    const sum = new Float64Array(N);
    for (let step = 0; step < q.steps; step++) {
      const token = q.tokens[phrase * q.words + Math.min(Math.floor(step / q.wordSteps), q.words - 1)]!;
      for (let i = 0; i < N; i++) {
        let z = q.drive[drv + token * N + i]!;
        for (let j = 0; j < N; j++) z += q.wRec[rec + j * N + i]! * prev[j]!;
        if (key) z += q.noise!.std * normal4FromBits(philox4x32_10([i, step, phrase, q.noise!.stream], key, bits), normals)[0]!;
        s[0] = v[i]!;
        s[1] = w[i]!;
        mlStep(q.p, s, (q.iApp + z) * ML_INPUT_SCALE + ML_INPUT_OFFSET);
        v[i] = s[0];
        w[i] = s[1];
        next[i] = mlNetworkOutput(s[0]);
        if (step >= q.windowStart) sum[i] = sum[i]! + next[i]!;
      }
      prev.set(next);
    }
    out.v.set(v, r * N);
    out.w.set(w, r * N);
    out.t.set(prev, r * N);
    out.tSum.set(sum, r * N);
  }
  return out;
}

/** Logits W_ro·T̄ + b_ro of one trial; `readout` is W_ro [class][neuron] then b_ro [class]. */
export function mlReadoutLogits(readout: ArrayLike<number>, classes: number, tMean: ArrayLike<number>): Float64Array {
  const N = tMean.length;
  const logits = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    let a = readout[classes * N + c]!;
    for (let i = 0; i < N; i++) a += readout[c * N + i]! * tMean[i]!;
    logits[c] = a;
  }
  return logits;
}

/** Cross-entropy −log softmax(logits)[label], and whether the first largest logit is the label. */
export function crossEntropy(logits: ArrayLike<number>, label: number): { loss: number; correct: boolean; probs: Float64Array } {
  let best = 0;
  for (let c = 1; c < logits.length; c++) if (logits[c]! > logits[best]!) best = c;
  const probs = Float64Array.from(logits, (l) => Math.exp(l - logits[best]!));
  const e = probs.reduce((a, b) => a + b, 0);
  for (let c = 0; c < probs.length; c++) probs[c] = probs[c]! / e;
  return { loss: logits[best]! + Math.log(e) - logits[label]!, correct: best === label, probs };
}

/** Per copy: mean cross-entropy over its B trials and the count classified right (the loss kernel's twin). */
export function mlReadoutLossReference(
  tSum: ArrayLike<number>, neurons: number, copies: number, batch: number, windowSteps: number,
  readout: ArrayLike<number>, classes: number, labels: ArrayLike<number>,
): { losses: Float64Array; correct: Float64Array } {
  const losses = new Float64Array(copies);
  const correct = new Float64Array(copies);
  const mean = new Float64Array(neurons);
  for (let s = 0; s < copies; s++) {
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < neurons; i++) mean[i] = tSum[(s * batch + b) * neurons + i]! / windowSteps;
      const ce = crossEntropy(mlReadoutLogits(readout, classes, mean), labels[b]!);
      losses[s] = losses[s]! + ce.loss / batch;
      if (ce.correct) correct[s] = correct[s]! + 1;
    }
  }
  return { losses, correct };
}
