/**
 * `wgneuro run ml-es`: a recurrent Morris–Lecar network trained by evolution strategies (the
 * Gaussian-smoothing / SONG estimator of Hazelden et al., SEEDS.md §6.3–6.6) on the
 * evidence-integration task, S weight copies × B phrases per launch; or, with `--task node-spiral`,
 * the neural-ODE spiral of §6.4 by the same estimator.
 *
 * Defaults are sized for a CPU adapter (SwiftShader on two cores: a few minutes); the paper's run
 * `song_all_lr0.005_std0.1_S100` is
 * `--hidden 128 --S 100 --batch 50 --words 50 --hold 40 --window 100 --input 50 --train 3200 --valid 100 --lr 0.005`.
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { numberParams, type Experiment, type Figure } from '../experiment.js';
import { spiralLossReference, spiralTrajectory } from '../node-spiral/reference.js';
import { spiralInitialWeights, trainSpiral } from '../node-spiral/train.js';
import { evidenceTask } from './task.js';
import { trainMlEs, type MlEsEpoch } from './train.js';

/** Result of `ml-es`. */
export interface MlEsResult {
  task: 'evidence' | 'node-spiral';
  params: Record<string, number | string>;
  /** Before training (epoch 0) and after each epoch. Accuracies are null for node-spiral. */
  epochs: { epoch: number; trainLoss: number | null; trainAccuracy: number | null; validLoss: number | null; validAccuracy: number | null }[];
  /** Chance accuracy (1/3 for three classes); null for node-spiral. */
  chance: number | null;
  /** Training steps (one matrix each, alternating). */
  steps: number;
  wallMs: number;
}

const NUMBER_PARAMS = ['hidden', 'S', 'sigma', 'lr', 'epochs', 'batch', 'words', 'hold', 'window', 'input', 'train', 'valid', 'iapp', 'noise', 'clip', 'seed'] as const;

export const mlEsExperiment: Experiment<MlEsResult> = {
  name: 'ml-es',
  description: 'recurrent Morris–Lecar network trained by evolution strategies (S weight copies × B phrases per launch) on evidence integration',
  params: {
    task: { default: 'evidence', description: 'evidence (3-way evidence integration) or node-spiral (the neural-ODE spiral by the same estimator)' },
    hidden: { default: 16, description: 'Morris–Lecar neurons (paper: 128); node-spiral: hidden units', integer: true, min: 1, max: 4096 },
    S: { default: 16, description: 'weight copies per gradient estimate, copy 0 unperturbed (paper: 100)', integer: true, min: 2 },
    sigma: { default: 0.1, description: 'perturbation scale σ (paper: 0.1; node-spiral works with 0.01)', above: 0 },
    lr: { default: 0.05, description: 'Adam learning rate (paper: 0.005 over up to 1000 epochs)', above: 0 },
    epochs: { default: 12, description: 'passes over the training phrases (node-spiral: 10 steps each)', integer: true, min: 1 },
    batch: { default: 10, description: 'phrases per batch B (paper: 50)', integer: true, min: 1 },
    words: { default: 5, description: 'tokens per phrase, the last one <eos> (paper: 50)', integer: true, min: 2 },
    hold: { default: 20, description: 'steps of 0.1 ms each word is held (paper: 40)', integer: true, min: 1 },
    window: { default: 40, description: 'final steps averaged for the readout (paper: 100)', integer: true, min: 1 },
    input: { default: 10, description: 'size of the word vectors (paper: 50)', integer: true, min: 1 },
    train: { default: 200, description: 'training phrases (paper: 3200)', integer: true, min: 1 },
    valid: { default: 100, description: 'validation phrases (paper: 100)', integer: true, min: 1 },
    iapp: { default: 0.1, description: 'constant applied input I_app (I_tot = (I_app + z)·36.75 + 39.9)' },
    clip: { default: 10, description: 'largest norm of one step\'s gradient (active matrix and readout together; the reference clips at 10)', above: 0 },
    noise: { default: 0, description: 'standard deviation of Gaussian noise added to z every step (the reference\'s noise_std; its value is not recorded)', min: 0 },
    seed: { default: 1, description: 'random seed (task, initial weights and states, perturbations)', integer: true, min: 0 },
  },

  async run(ctx: Context, params, progress, signal): Promise<MlEsResult> {
    const task = params.task;
    if (task !== 'evidence' && task !== 'node-spiral') throw new InputError(`--task: got ${JSON.stringify(task)}, expected "evidence" or "node-spiral"`);
    const p = numberParams(params, NUMBER_PARAMS);
    if (p.window > p.words * p.hold) throw new InputError(`--window: got ${p.window}, expected at most words × hold = ${p.words * p.hold} steps`);
    if (p.batch > p.train) throw new InputError(`--batch: got ${p.batch}, expected at most --train (${p.train})`);
    const started = performance.now();
    if (task === 'node-spiral') return runSpiral(ctx, p, progress, signal, started);
    const train = evidenceTask({ words: p.words, inputSize: p.input, count: p.train, seed: p.seed });
    const valid = evidenceTask({ words: p.words, inputSize: p.input, count: p.valid, seed: p.seed, stream: 1 });
    const r = await trainMlEs(ctx, train, valid, {
      neurons: p.hidden, samples: p.S, sigma: p.sigma, lr: p.lr, epochs: p.epochs, batch: p.batch, wordSteps: p.hold,
      windowSteps: p.window, iApp: p.iapp, noise: p.noise, clip: p.clip, seed: p.seed, progress, signal,
    });
    const epochs: MlEsResult['epochs'] = [
      { epoch: 0, trainLoss: null, trainAccuracy: null, ...r.initial },
      ...r.epochs.map((e: MlEsEpoch) => ({ ...e })),
    ];
    return { task, params: { task, ...p }, epochs, chance: 1 / 3, steps: r.steps, wallMs: performance.now() - started };
  },

  toJSON(r) {
    return { task: r.task, params: r.params, epochs: r.epochs, chance: r.chance, steps: r.steps, wallMs: r.wallMs };
  },

  tables(r) {
    return { epochs: r.epochs.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v ?? '']))) };
  },

  figures(r): Figure[] {
    return [curveFigure(r, 'loss'), ...(r.task === 'evidence' ? [curveFigure(r, 'accuracy')] : [])];
  },

  summary(r) {
    const f = (x: number | null, d = 4): string => (x === null ? '—' : x.toFixed(d));
    const last = r.epochs.at(-1)!;
    const lines = [
      `task ${r.task}: hidden ${r.params.hidden}, S = ${r.params.S}, σ = ${r.params.sigma}, lr ${r.params.lr}, ${r.steps} steps in ${(r.wallMs / 1000).toFixed(1)} s`,
      ' epoch  train loss  train acc  valid loss  valid acc',
      ...r.epochs.map((e) => `${String(e.epoch).padStart(6)}  ${f(e.trainLoss).padStart(10)}  ${f(e.trainAccuracy, 3).padStart(9)}  ${f(e.validLoss).padStart(10)}  ${f(e.validAccuracy, 3).padStart(9)}`),
    ];
    if (r.chance !== null) lines.push(`final validation accuracy ${f(last.validAccuracy, 3)} (chance ${r.chance.toFixed(3)})`);
    return lines.join('\n');
  },
};

/** `--task node-spiral`: epochs of 10 alternating steps; validation = L1 on 50 fixed windows in float64. */
async function runSpiral(ctx: Context, p: Record<string, number>, progress: (f: number, m?: string) => void, signal: AbortSignal | undefined, started: number): Promise<MlEsResult> {
  const truth = spiralTrajectory();
  const H = p.hidden!;
  const window = 10;
  const starts = Array.from({ length: 50 }, (_, i) => i * 19);
  const stepsPerEpoch = 10;
  const init = spiralInitialWeights(H, p.seed!);
  const epochs: MlEsResult['epochs'] = [{ epoch: 0, trainLoss: null, trainAccuracy: null, validLoss: spiralLossReference(init.w1, init.w2, H, truth, starts, window), validAccuracy: null }];
  const r = await trainSpiral(ctx, truth, {
    hidden: H, samples: p.S!, sigma: p.sigma!, lr: p.lr!, steps: p.epochs! * stepsPerEpoch, batch: p.batch!, window, seed: p.seed!,
    lossEvery: 1, progress, signal,
  });
  for (let e = 1; e <= p.epochs!; e++) {
    const inEpoch = r.curve.filter((c) => c.step >= (e - 1) * stepsPerEpoch && c.step < e * stepsPerEpoch);
    epochs.push({ epoch: e, trainLoss: inEpoch.reduce((a, c) => a + c.loss, 0) / inEpoch.length, trainAccuracy: null, validLoss: null, validAccuracy: null });
  }
  // the trainer returns only the final weights: validation after the last epoch
  epochs.at(-1)!.validLoss = spiralLossReference(r.w1, r.w2, H, truth, starts, window);
  return {
    task: 'node-spiral', params: { task: 'node-spiral', ...p }, epochs,
    chance: null, steps: p.epochs! * stepsPerEpoch, wallMs: performance.now() - started,
  };
}

function curveFigure(r: MlEsResult, what: 'loss' | 'accuracy'): Figure {
  const values = r.epochs.flatMap((e) => [
    { epoch: e.epoch, set: 'train', value: what === 'loss' ? e.trainLoss : e.trainAccuracy },
    { epoch: e.epoch, set: 'validation', value: what === 'loss' ? e.validLoss : e.validAccuracy },
  ]).filter((x) => x.value !== null);
  const layers: Record<string, unknown>[] = [{
    data: { values }, mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' },
      y: { field: 'value', type: 'quantitative', title: what === 'loss' ? (r.task === 'evidence' ? 'cross-entropy' : 'mean L1') : 'accuracy' },
      color: { field: 'set', type: 'nominal', title: null },
    },
  }];
  if (what === 'accuracy' && r.chance !== null) {
    layers.push({ data: { values: [{ chance: r.chance }] }, mark: { type: 'rule', strokeDash: [6, 3] }, encoding: { y: { field: 'chance', type: 'quantitative' } } });
  }
  return {
    name: `training-${what}`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `ml-es (${r.task}): ${what} per epoch${what === 'accuracy' ? ' (dashed: chance)' : ''}`,
      width: 420, height: 260, layer: layers,
    },
  };
}
