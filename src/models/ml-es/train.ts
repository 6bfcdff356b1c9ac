/**
 * Training a recurrent Morris–Lecar network on the evidence-integration task by the
 * Gaussian-smoothing ("SONG") estimator, as Hazelden et al. do (SEEDS.md §6.3–6.6): per batch, S
 * copies of the active matrix (W_rec on even steps, W_inp on odd ones; copy 0 unperturbed) × B
 * phrases run as S·B trials of one launch, the S cross-entropies are reduced on the GPU and turned
 * into a gradient there, Adam updates the active matrix on the GPU; the linear readout (W_ro, b_ro)
 * takes the closed-form gradient of the cross-entropy at copy 0, (softmax − onehot)·T̄ᵀ, with Adam
 * on the CPU in float64.
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { mapExpr, matmul, norm2 } from '../../linalg/index.js';
import { philoxArray } from '../../reference/philox.js';
import { adamStepReference } from '../es/reference.js';
import { createAdam, createSmoothingEstimator } from '../es/estimator.js';
import { createMlNetwork, type MlNetwork } from '../morris-lecar/network.js';
import { crossEntropy, mlNetworkReference, mlReadoutLogits, mlReadoutLossReference } from '../morris-lecar/network-reference.js';
import { DEFAULT_ML, ML_INITIAL } from '../morris-lecar/reference.js';
import { EVIDENCE_CLASSES, EVIDENCE_VOCABULARY, type EvidenceTask } from './task.js';

const INIT_TAG = 0x6d6c6533; // Philox tag of the initial weights
const STATE_TAG = 0x6d6c6534; // … of the initial neuron states
const SHUFFLE_TAG = 0x6d6c6535; // … of the epoch's phrase order
/** Noise stream of validation runs; training step k uses stream k (Philox counter word 3, below the tags above). */
const VALID_STREAM = 0xffffffff;

/** Weights of the network (float64 on the CPU side). */
export interface MlEsWeights {
  neurons: number;
  inputSize: number;
  /** W_inp [input][neuron]: z = W_inpᵀx. */
  wInp: Float64Array;
  /** W_rec [pre][post]: z = W_recᵀT. */
  wRec: Float64Array;
  /** W_ro [class][neuron] then b_ro [class]. */
  readout: Float64Array;
}

/**
 * Initial weights as the reference code draws them: W_inp and the readout U(0.1 ± 1/√fan_in),
 * W_rec U(1e-3 ± 1/√N) with about 20 % of the entries then set to 1e-3.
 */
export function mlEsInitialWeights(neurons: number, inputSize: number, seed: number): MlEsWeights {
  const u = (count: number, stream: number): Float64Array => philoxArray(count, seed, { distribution: 'uniform', stream, tag: INIT_TAG });
  const around = (x: Float64Array, centre: number, half: number): Float64Array => x.map((v) => centre + half * (2 * v - 1));
  const wInp = around(u(inputSize * neurons, 0), 0.1, 1 / Math.sqrt(inputSize));
  const wRec = around(u(neurons * neurons, 1), 1e-3, 1 / Math.sqrt(neurons));
  const reset = u(neurons * neurons, 2);
  for (let k = 0; k < wRec.length; k++) if (reset[k]! > 0.8) wRec[k] = 1e-3;
  const readout = around(u(EVIDENCE_CLASSES * neurons + EVIDENCE_CLASSES, 3), 0.1, 1 / Math.sqrt(neurons));
  return { neurons, inputSize, wInp, wRec, readout };
}

/** Initial V = −20 + N(0, 5²) mV and w = 0.014173 of `count` phrases (stream = batch index). */
export function mlEsInitialState(neurons: number, count: number, seed: number, stream: number): { v0: Float32Array; w0: Float32Array } {
  const z = philoxArray(count * neurons, seed, { distribution: 'normal', stream, tag: STATE_TAG });
  return { v0: Float32Array.from(z, (x) => ML_INITIAL.v + 5 * x), w0: new Float32Array(count * neurons).fill(ML_INITIAL.w) };
}

/** Options of {@link trainMlEs}. */
export interface TrainMlEsOptions {
  neurons: number;
  /** Copies S per estimate, including the unperturbed one (paper: 100). */
  samples: number;
  /** Perturbation scale σ (paper: 0.1). */
  sigma: number;
  /** Adam learning rate of every matrix (paper: 5e-3). */
  lr: number;
  epochs: number;
  /** Phrases per batch B (paper: 50). */
  batch: number;
  /** Steps each word is held (paper: 40, i.e. 4 ms). */
  wordSteps: number;
  /** Steps at the end of a phrase averaged for the readout (paper: 100, 10 ms). */
  windowSteps: number;
  /** Constant applied input I_app (paper: 0.1). */
  iApp: number;
  /**
   * Standard deviation of the input noise added to z (the reference's `noise_std`, value not
   * recorded). Default 0. The noise of a phrase is the same for every copy (common random numbers).
   */
  noise?: number;
  /**
   * Largest Euclidean norm of one step's gradient, the active matrix's estimate and the readout's
   * gradient together (the reference's clip_grad_norm_ of 10); larger steps are scaled down.
   * Default 10; Infinity turns clipping off.
   */
  clip?: number;
  seed: number;
  stepsPerDispatch?: number;
  progress?: (fraction: number, message?: string) => void;
  signal?: AbortSignal;
}

/** One epoch: mean training loss/accuracy of copy 0 over its batches, and validation after it. */
export interface MlEsEpoch {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  validLoss: number;
  validAccuracy: number;
}

/** What {@link trainMlEs} returns. */
export interface MlEsTraining {
  /** Validation before training. */
  initial: { validLoss: number; validAccuracy: number };
  epochs: MlEsEpoch[];
  initialWeights: MlEsWeights;
  weights: MlEsWeights;
  /** Training steps taken (one matrix each). */
  steps: number;
}

function checkOptions(o: TrainMlEsOptions, train: EvidenceTask, valid: EvidenceTask): void {
  for (const [name, v, min] of [['neurons', o.neurons, 1], ['samples', o.samples, 2], ['epochs', o.epochs, 0], ['batch', o.batch, 1], ['wordSteps', o.wordSteps, 1], ['windowSteps', o.windowSteps, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new InputError(`ml-es: ${name} must be a whole number ≥ ${min}, got ${v}`);
  }
  if (!(o.sigma > 0) || !Number.isFinite(o.sigma)) throw new InputError(`ml-es: sigma must be a positive number, got ${o.sigma}`);
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new InputError(`ml-es: lr must be a positive number, got ${o.lr}`);
  if (!Number.isFinite(o.iApp)) throw new InputError(`ml-es: iApp must be a finite number, got ${o.iApp}`);
  if (o.clip !== undefined && !(o.clip > 0)) throw new InputError(`ml-es: clip must be a positive number (Infinity: off), got ${o.clip}`);
  if (o.noise !== undefined && !(o.noise >= 0 && Number.isFinite(o.noise))) throw new InputError(`ml-es: noise must be a non-negative number, got ${o.noise}`);
  if (o.batch > train.count) throw new InputError(`ml-es: batch ${o.batch} exceeds the ${train.count} training phrases`);
  if (o.windowSteps > train.words * o.wordSteps) throw new InputError(`ml-es: the readout window (${o.windowSteps} steps) exceeds a phrase (${train.words} words × ${o.wordSteps} steps)`);
  if (train.inputSize !== valid.inputSize || train.words !== valid.words) throw new InputError('ml-es: the training and validation sets must share words and input size');
}

/** Closed-form gradient of the mean cross-entropy with respect to (W_ro, b_ro), from T̄ [batch][neuron]. */
export function readoutGradient(readout: ArrayLike<number>, tMean: ArrayLike<number>, labels: ArrayLike<number>, neurons: number, classes: number): Float64Array {
  const batch = labels.length;
  const g = new Float64Array(classes * neurons + classes);
  for (let b = 0; b < batch; b++) {
    const t = Array.prototype.slice.call(tMean, b * neurons, (b + 1) * neurons) as number[];
    const { probs } = crossEntropy(mlReadoutLogits(readout, classes, t), labels[b]!);
    for (let c = 0; c < classes; c++) {
      const d = (probs[c]! - (c === labels[b] ? 1 : 0)) / batch;
      for (let i = 0; i < neurons; i++) g[c * neurons + i] = g[c * neurons + i]! + d * t[i]!;
      g[classes * neurons + c] = g[classes * neurons + c]! + d;
    }
  }
  return g;
}

/** Train on `train`, validating on `valid` after every epoch. */
export async function trainMlEs(ctx: Context, train: EvidenceTask, valid: EvidenceTask, o: TrainMlEsOptions): Promise<MlEsTraining> {
  checkOptions(o, train, valid);
  const N = o.neurons;
  const S = o.samples;
  const B = o.batch;
  const nIn = train.inputSize;
  const V = EVIDENCE_VOCABULARY;
  const C = EVIDENCE_CLASSES;
  const initialWeights = mlEsInitialWeights(N, nIn, o.seed);
  const readout = Float64Array.from(initialWeights.readout);
  const moments = { m: new Float64Array(readout.length), v: new Float64Array(readout.length), t: 0 };
  const owned: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(x: T): T => { owned.push(x); return x; };
  const vocab = own(ctx.tensor([V, nIn], { label: 'ml_es.vocabulary', data: Float32Array.from(train.vocabulary) }));
  const wInp = own(ctx.tensor([nIn * N], { label: 'ml_es.w_inp', data: Float32Array.from(initialWeights.wInp) }));
  const wRec = own(ctx.tensor([N * N], { label: 'ml_es.w_rec', data: Float32Array.from(initialWeights.wRec) }));
  const readoutT = own(ctx.tensor([readout.length], { label: 'ml_es.readout', data: Float32Array.from(readout) }));
  const driveShared = own(ctx.tensor([V, N], { label: 'ml_es.drive' }));
  const driveCopies = own(ctx.tensor([S, V, N], { label: 'ml_es.drive_copies' }));
  const groups = [wRec, wInp].map((w, k) => ({
    w,
    es: own(createSmoothingEstimator(ctx, w.size, { samples: S, sigma: o.sigma, seed: 2 * o.seed + k, label: `ml_es.es_${k ? 'inp' : 'rec'}` })),
    adam: own(createAdam(ctx, w.size, { lr: o.lr, label: `ml_es.adam_${k ? 'inp' : 'rec'}` })),
  }));
  const gradNorm = own(ctx.tensor([1], { label: 'ml_es.grad_norm' }));
  const clip = o.clip ?? 10;
  const net: MlNetwork = own(createMlNetwork(ctx, { neurons: N, maxTrials: Math.max(S * B, valid.count), stepsPerDispatch: o.stepsPerDispatch, label: 'ml_es.network' }));
  const common = { words: train.words, wordSteps: o.wordSteps, windowSteps: o.windowSteps, iApp: o.iApp };
  const validState = mlEsInitialState(N, valid.count, o.seed, VALID_STREAM);
  const noise = (stream: number) => ({ std: o.noise ?? 0, seed: o.seed, stream });

  const validate = async (): Promise<{ validLoss: number; validAccuracy: number }> => {
    await matmul(ctx, vocab, wInp.reshape([nIn, N]), { dst: driveShared });
    await net.run({ ...common, copies: 1, batch: valid.count, wRec, recCopies: 1, drive: driveShared, driveCopies: 1, tokens: valid.tokens, ...validState, noise: noise(VALID_STREAM) });
    const out = await net.losses({ weights: readoutT, classes: C, labels: valid.labels });
    const loss = (await out.losses.read())[0]!;
    const right = (await out.correct.read())[0]!;
    return { validLoss: loss, validAccuracy: right / valid.count };
  };

  try {
    const initial = await validate();
    const epochs: MlEsEpoch[] = [];
    const batches = Math.floor(train.count / B);
    let step = 0;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const order = Array.from({ length: train.count }, (_, k) => k);
      const u = philoxArray(train.count, o.seed, { distribution: 'uniform', stream: epoch, tag: SHUFFLE_TAG });
      for (let k = order.length - 1; k > 0; k--) {
        const j = Math.min(k, Math.floor(u[k]! * (k + 1)));
        [order[k], order[j]] = [order[j]!, order[k]!];
      }
      let lossSum = 0;
      let right = 0;
      for (let batch = 0; batch < batches; batch++, step++) {
        if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('ml-es: training cancelled');
        const picked = order.slice(batch * B, (batch + 1) * B);
        const tokens = new Uint32Array(B * train.words);
        picked.forEach((n, b) => tokens.set(train.tokens.subarray(n * train.words, (n + 1) * train.words), b * train.words));
        const labels = Uint32Array.from(picked, (n) => train.labels[n]!);
        const active = groups[step % 2]!;
        const copies = await active.es.perturb(active.w, step);
        const recActive = step % 2 === 0;
        if (recActive) await matmul(ctx, vocab, wInp.reshape([nIn, N]), { dst: driveShared });
        else await matmul(ctx, vocab, copies.reshape([S, nIn, N]), { dst: driveCopies });
        await net.run({
          ...common, copies: S, batch: B, tokens, ...mlEsInitialState(N, B, o.seed, step),
          wRec: recActive ? copies : wRec, recCopies: recActive ? S : 1,
          drive: recActive ? driveShared : driveCopies, driveCopies: recActive ? 1 : S, noise: noise(step),
        });
        const out = await net.losses({ weights: readoutT, classes: C, labels });
        const grad = await active.es.gradient(out.losses);
        // the readout: closed-form gradient at the unperturbed copy (trials 0 … B − 1)
        const tMean = await net.readMeans(0, B);
        const l0 = (await out.losses.read())[0]!;
        const r0 = (await out.correct.read())[0]!;
        if (!Number.isFinite(l0)) throw new Error(`ml-es: the loss became ${l0} at step ${step}; lower --lr or --sigma`);
        lossSum += l0;
        right += r0;
        const gReadout = readoutGradient(readout, tMean, labels, N, C);
        if (Number.isFinite(clip)) {
          const esNorm = (await (await norm2(ctx, grad, { dst: gradNorm })).read())[0]!;
          const total = Math.hypot(esNorm, ...gReadout);
          if (total > clip) {
            await mapExpr(ctx, 'g * c', { g: grad }, { dst: grad, params: { c: clip / total } });
            for (let k = 0; k < gReadout.length; k++) gReadout[k] = (gReadout[k]! * clip) / total;
          }
        }
        await active.adam.step(active.w, grad);
        adamStepReference(readout, moments.m, moments.v, gReadout, ++moments.t, { lr: o.lr });
        readoutT.write(Float32Array.from(readout));
        o.progress?.((epoch - 1 + (batch + 1) / batches) / Math.max(1, o.epochs), `epoch ${epoch}`);
      }
      epochs.push({ epoch, trainLoss: lossSum / batches, trainAccuracy: right / (batches * B), ...(await validate()) });
    }
    const weights: MlEsWeights = {
      neurons: N, inputSize: nIn, wInp: Float64Array.from(await wInp.read()), wRec: Float64Array.from(await wRec.read()), readout: Float64Array.from(readout),
    };
    return { initial, epochs, initialWeights, weights, steps: step };
  } finally {
    ctx.releaseAfterSubmit(...owned);
  }
}

/**
 * Validation loss and accuracy of `weights` on `valid` in float64 (the same initial states as
 * {@link trainMlEs} validates from), for tests and for checking the GPU's numbers.
 */
export function mlValidationReference(weights: MlEsWeights, valid: EvidenceTask, o: Pick<TrainMlEsOptions, 'wordSteps' | 'windowSteps' | 'iApp' | 'seed' | 'noise'>): { validLoss: number; validAccuracy: number } {
  const N = weights.neurons;
  const V = EVIDENCE_VOCABULARY;
  const drive = new Float64Array(V * N);
  for (let t = 0; t < V; t++) for (let j = 0; j < weights.inputSize; j++) {
    const x = valid.vocabulary[t * weights.inputSize + j]!;
    if (x !== 0) for (let i = 0; i < N; i++) drive[t * N + i] = drive[t * N + i]! + x * weights.wInp[j * N + i]!;
  }
  const state = mlEsInitialState(N, valid.count, o.seed, VALID_STREAM);
  const steps = valid.words * o.wordSteps;
  const run = mlNetworkReference({
    p: DEFAULT_ML, neurons: N, copies: 1, batch: valid.count, wRec: weights.wRec, recCopies: 1, drive, driveCopies: 1,
    tokens: valid.tokens, words: valid.words, wordSteps: o.wordSteps, steps, windowStart: steps - o.windowSteps, iApp: o.iApp,
    v0: state.v0, w0: state.w0, noise: { std: o.noise ?? 0, seed: o.seed, stream: VALID_STREAM },
  });
  const r = mlReadoutLossReference(run.tSum, N, 1, valid.count, o.windowSteps, weights.readout, EVIDENCE_CLASSES, valid.labels);
  return { validLoss: r.losses[0]!, validAccuracy: r.correct[0]! / valid.count };
}
