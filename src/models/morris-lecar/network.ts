/**
 * Recurrent Morris–Lecar networks on the GPU, S weight copies × B phrases as the trials of one
 * launch (shaders/models-ml-network.wgsl.ts), and the readout's cross-entropy reduced per copy.
 *
 * Why a fused kernel and not the network engine (src/network): the engine advances populations by
 * Euler–Maruyama steps of a drift, and the semi-implicit map is one only for a fixed dt (see
 * equations.ts); its per-trial weights are one full matrix per trial (S·B copies where S suffice);
 * and its continuous coupling is one dispatch per projection per step. Here a whole training batch
 * is one dispatch per few hundred steps, with the previous outputs of a trial in workgroup memory.
 */
import {
  ML_MAX_CLASSES, ML_NETWORK_SECTIONS, mlNetworkSection, mlNetworkParams, mlNetworkWGSL, mlReadoutLossParams, mlReadoutLossWGSL,
} from '../../../shaders/models-ml-network.wgsl.js';
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { seedToKey } from '../../core/seed.js';
import { mlNetworkOutput, type MlInputNoise } from './network-reference.js';
import { DEFAULT_ML, ML_INPUT_OFFSET, ML_INPUT_SCALE, ML_OUTPUT, validateMl, type MorrisLecarParams } from './reference.js';

/** Sizes of an {@link MlNetwork}, fixed at creation. */
export interface MlNetworkOptions {
  neurons: number;
  /** Largest number of trials (copies × phrases) of one run. */
  maxTrials: number;
  /** Neuron constants. Default {@link DEFAULT_ML}. */
  params?: MorrisLecarParams;
  /** Steps per dispatch (bounds one GPU submission). Default 250. Results do not depend on it. */
  stepsPerDispatch?: number;
  label?: string;
}

/** One run: see {@link MlNetwork.run}. */
export interface MlNetworkRun {
  copies: number;
  batch: number;
  /** W_rec [recCopies][pre][post], recCopies = copies or 1 (shared). */
  wRec: Tensor;
  recCopies: number;
  /** W_inpᵀx per token [driveCopies][token][neuron], driveCopies = copies or 1. */
  drive: Tensor;
  driveCopies: number;
  /** Tokens [batch][words] (ids below the drive table's token count). */
  tokens: Uint32Array;
  words: number;
  wordSteps: number;
  /** Steps summed for the readout: the last `windowSteps` of `words · wordSteps`. */
  windowSteps: number;
  iApp: number;
  /** Initial V and w, [batch][neuron] (every copy starts a phrase from the same state). */
  v0: ArrayLike<number>;
  w0: ArrayLike<number>;
  /** Input noise z += std·ξ (ξ: Philox at counter (neuron, step, phrase, stream)). Default none. */
  noise?: MlInputNoise;
}

/** Readout losses of a run: see {@link MlNetwork.losses}. */
export interface MlReadout {
  /** W_ro [class][neuron] then b_ro [class]. */
  weights: Tensor;
  classes: number;
  /** Labels [batch]. */
  labels: Uint32Array;
}

/** A network kernel with its state buffer. */
export interface MlNetwork {
  readonly neurons: number;
  readonly maxTrials: number;
  /** [V, w, T, ΣT] × [trial][neuron] of the last run. */
  readonly state: Tensor<'f32'>;
  /** Simulate every trial of `run` from its initial state; ΣT is left in `state`. */
  run(run: MlNetworkRun): Promise<void>;
  /** Per copy, the mean cross-entropy of the last run's readout and the phrases classified right. */
  losses(readout: MlReadout): Promise<{ losses: Tensor<'f32'>; correct: Tensor<'f32'> }>;
  /** ΣT/windowSteps of the trials [first, first + count) of the last run, [trial][neuron]. */
  readMeans(first: number, count: number): Promise<Float32Array>;
  destroy(): void;
}

function checkWhole(value: number, name: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new InputError(`ml-network: ${name} must be a whole number ≥ ${min}, got ${value}`);
}

/** Allocate a Morris–Lecar network of `neurons` neurons for up to `maxTrials` trials per run. */
export function createMlNetwork(ctx: Context, options: MlNetworkOptions): MlNetwork {
  const N = options.neurons;
  const p = options.params ?? DEFAULT_ML;
  const label = options.label ?? 'ml_network';
  const stepsPerDispatch = options.stepsPerDispatch ?? 250;
  checkWhole(N, 'neurons', 1);
  checkWhole(options.maxTrials, 'maxTrials', 1);
  checkWhole(stepsPerDispatch, 'stepsPerDispatch', 1);
  validateMl(p);
  if (N > 4096) throw new InputError(`ml-network: neurons must be at most 4096 (one trial's outputs live in workgroup memory), got ${N}`);
  const words = ML_NETWORK_SECTIONS.length * options.maxTrials * N;
  if (4 * words > ctx.limits.maxStorageBufferBindingSize) {
    throw new InputError(`ml-network: ${options.maxTrials} trials × ${N} neurons need ${4 * words} bytes of state, more than this device's largest storage binding (${ctx.limits.maxStorageBufferBindingSize})`);
  }
  const state = ctx.tensor([words], { label: `${label}.state` });
  // outputs sized per number of copies: the estimator takes a tensor of exactly S losses
  const outputs = new Map<number, { losses: Tensor<'f32'>; correct: Tensor<'f32'> }>();
  // Workgroup: a power of two up to 64 that covers small networks without idle invocations.
  const workgroupSize = Math.min(64, 2 ** Math.ceil(Math.log2(Math.max(1, N))));
  let last: { trials: number; copies: number; batch: number; windowSteps: number } | null = null;
  const neuron = {
    c_m: p.C, g_ca: p.gCa, g_k: p.gK, g_l: p.gL, e_ca: p.ECa, e_k: p.EK, e_l: p.EL,
    phi: p.phi, v1: p.V1, v2: p.V2, v3: p.V3, v4: p.V4, dt: p.dt,
  };
  return {
    neurons: N, maxTrials: options.maxTrials, state,
    async run(q) {
      const trials = validateRun(q, N, options.maxTrials);
      const init = new Float32Array(ML_NETWORK_SECTIONS.length * trials * N);
      for (let r = 0; r < trials; r++) {
        const b = r % q.batch;
        for (let i = 0; i < N; i++) {
          const v = q.v0[b * N + i]!;
          init[mlNetworkSection('v') * trials * N + r * N + i] = v;
          init[mlNetworkSection('w') * trials * N + r * N + i] = q.w0[b * N + i]!;
          init[mlNetworkSection('t') * trials * N + r * N + i] = mlNetworkOutput(v);
        }
      }
      state.write(init);
      const tokens = ctx.tensor([q.tokens.length], { label: `${label}.tokens`, dtype: 'u32', data: q.tokens });
      const pipeline = await ctx.kernel({ label: 'ml_network', code: mlNetworkWGSL({ neurons: N, workgroupSize }) });
      const total = q.words * q.wordSteps;
      const [seedLo, seedHi] = seedToKey(q.noise?.seed ?? 0);
      try {
        for (let done = 0; done < total; done += stepsPerDispatch) {
          ctx.dispatch({
            label: 'ml_network', pipeline,
            bindings: [
              mlNetworkParams.pack({
                ...neuron, trials, batch: q.batch,
                rec_stride: q.recCopies === 1 ? 0 : N * N, drive_stride: q.driveCopies === 1 ? 0 : q.drive.size / q.driveCopies,
                words: q.words, word_steps: q.wordSteps, steps: Math.min(stepsPerDispatch, total - done), step_offset: done,
                window_start: total - q.windowSteps, i_app: q.iApp, input_scale: ML_INPUT_SCALE, input_offset: ML_INPUT_OFFSET,
                v_t: ML_OUTPUT.Vt, k_p: ML_OUTPUT.Kp,
                noise_std: q.noise?.std ?? 0, noise_stream: q.noise?.stream ?? 0, seed_lo: seedLo, seed_hi: seedHi,
              }),
              q.wRec, q.drive, tokens, state,
            ],
            workgroups: trials, workgroupSize,
          });
        }
      } finally {
        ctx.releaseAfterSubmit(tokens);
      }
      last = { trials, copies: q.copies, batch: q.batch, windowSteps: q.windowSteps };
    },
    async losses(readout) {
      if (!last) throw new InputError('ml-network: losses() needs a run() first');
      const { trials, copies, batch, windowSteps } = last;
      const C = readout.classes;
      if (!Number.isInteger(C) || C < 2 || C > ML_MAX_CLASSES) throw new InputError(`ml-network: classes must be a whole number in [2, ${ML_MAX_CLASSES}], got ${C}`);
      if (readout.weights.size !== C * N + C) throw new InputError(`ml-network: readout weights must hold classes × neurons + classes = ${C * N + C} values, got ${readout.weights.size}`);
      if (readout.labels.length !== batch) throw new InputError(`ml-network: expected ${batch} labels (one per phrase), got ${readout.labels.length}`);
      const bad = readout.labels.findIndex((l) => l >= C);
      if (bad >= 0) throw new InputError(`ml-network: labels[${bad}] is ${readout.labels[bad]}, expected a class below ${C}`);
      const labels = ctx.tensor([batch], { label: `${label}.labels`, dtype: 'u32', data: readout.labels });
      let out = outputs.get(copies);
      if (!out) {
        out = { losses: ctx.tensor([copies], { label: `${label}.losses` }), correct: ctx.tensor([copies], { label: `${label}.correct` }) };
        outputs.set(copies, out);
      }
      const pipeline = await ctx.kernel({ label: 'ml_readout_loss', code: mlReadoutLossWGSL(), constants: { WG_SIZE: 64 } });
      ctx.dispatch({
        label: 'ml_readout_loss', pipeline,
        bindings: [mlReadoutLossParams.pack({ neurons: N, trials, batch, copies, classes: C, inv_window: 1 / windowSteps }), state, readout.weights, labels, out.losses, out.correct],
        workgroups: Math.ceil(copies / 64), workgroupSize: 64,
      });
      ctx.releaseAfterSubmit(labels);
      return out;
    },
    async readMeans(first, count) {
      if (!last) throw new InputError('ml-network: readMeans() needs a run() first');
      if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > last.trials) {
        throw new InputError(`ml-network: trials [${first}, ${first + count}) are not within the last run's ${last.trials}`);
      }
      const raw = new Float32Array(await ctx.read(state.buffer, 4 * (mlNetworkSection('t_sum') * last.trials * N + first * N), 4 * count * N));
      const inv = 1 / last.windowSteps;
      for (let k = 0; k < raw.length; k++) raw[k] = raw[k]! * inv;
      return raw;
    },
    destroy() {
      ctx.releaseAfterSubmit(state, ...[...outputs.values()].flatMap((o) => [o.losses, o.correct]));
    },
  };
}

function validateRun(q: MlNetworkRun, N: number, maxTrials: number): number {
  for (const [name, v, min] of [['copies', q.copies, 1], ['batch', q.batch, 1], ['words', q.words, 1], ['wordSteps', q.wordSteps, 1], ['windowSteps', q.windowSteps, 1]] as const) {
    checkWhole(v, name, min);
  }
  const trials = q.copies * q.batch;
  if (trials > maxTrials) throw new InputError(`ml-network: copies × batch = ${trials} trials, more than the ${maxTrials} this network was made for`);
  if (q.windowSteps > q.words * q.wordSteps) throw new InputError(`ml-network: windowSteps ${q.windowSteps} exceeds the run's ${q.words * q.wordSteps} steps`);
  if (q.recCopies !== 1 && q.recCopies !== q.copies) throw new InputError(`ml-network: recCopies must be 1 or copies (${q.copies}), got ${q.recCopies}`);
  if (q.driveCopies !== 1 && q.driveCopies !== q.copies) throw new InputError(`ml-network: driveCopies must be 1 or copies (${q.copies}), got ${q.driveCopies}`);
  if (q.wRec.size !== q.recCopies * N * N) throw new InputError(`ml-network: wRec must hold ${q.recCopies} × ${N} × ${N} values, got ${q.wRec.size}`);
  if (q.drive.size % (q.driveCopies * N) !== 0 || q.drive.size === 0) throw new InputError(`ml-network: drive must hold ${q.driveCopies} × tokens × ${N} values, got ${q.drive.size}`);
  const vocabulary = q.drive.size / (q.driveCopies * N);
  if (q.tokens.length !== q.batch * q.words) throw new InputError(`ml-network: tokens must hold batch × words = ${q.batch * q.words} ids, got ${q.tokens.length}`);
  const bad = q.tokens.findIndex((t) => t >= vocabulary);
  if (bad >= 0) throw new InputError(`ml-network: tokens[${bad}] is ${q.tokens[bad]}, expected an id below ${vocabulary} (rows of the drive table)`);
  if (q.v0.length !== q.batch * N || q.w0.length !== q.batch * N) throw new InputError(`ml-network: v0 and w0 must hold batch × neurons = ${q.batch * N} values, got ${q.v0.length} and ${q.w0.length}`);
  if (!Number.isFinite(q.iApp)) throw new InputError(`ml-network: iApp must be a finite number, got ${q.iApp}`);
  if (q.noise) {
    if (!(q.noise.std >= 0) || !Number.isFinite(q.noise.std)) throw new InputError(`ml-network: noise.std must be a non-negative number, got ${q.noise.std}`);
    if (!Number.isSafeInteger(q.noise.seed) || q.noise.seed < 0) throw new InputError(`ml-network: noise.seed must be a non-negative whole number, got ${q.noise.seed}`);
    if (!Number.isInteger(q.noise.stream) || q.noise.stream < 0 || q.noise.stream >= 2 ** 32) throw new InputError(`ml-network: noise.stream must be a whole number in [0, 2^32), got ${q.noise.stream}`);
  }
  return trials;
}
