/**
 * `wgneuro run node-spiral`: the neural-ODE spiral benchmark of Hazelden et al. (SEEDS.md §6.4)
 * trained by the Gaussian-smoothing (SONG) estimator alone: S weight copies × B windows integrated
 * in one batch of GEMMs per RK4 stage, losses reduced on the GPU, layers alternating.
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { numberParams, type Experiment, type Figure } from '../experiment.js';
import { spiralRollout, spiralTrajectory } from './reference.js';
import { spiralInitialWeights, trainSpiral } from './train.js';

/** Result of `node-spiral`. */
export interface NodeSpiralResult {
  params: Record<string, number>;
  /** Unperturbed batch loss L₀ (mean L1 over windows) during training. */
  curve: { step: number; loss: number }[];
  /** Mean L1 distance of the whole rollout from y₀ (1000 samples) to the true spiral, before and after training. */
  rolloutL1: { initial: number; trained: number };
  /** The true and trained paths, every 5th sample. */
  paths: { t: number; y1: number; y2: number; curve: string }[];
  wallMs: number;
}

export const nodeSpiralExperiment: Experiment<NodeSpiralResult> = {
  name: 'node-spiral',
  description: 'neural-ODE spiral (dy/dt = tanh(y³W₁)W₂) trained by the Gaussian-smoothing gradient estimator, S × B trajectories per step',
  params: {
    hidden: { default: 64, description: 'hidden units H (4H weights; paper: 1000)' },
    samples: { default: 32, description: 'copies S per gradient estimate (paper sweeps 20 … 2000)' },
    sigma: { default: 0.01, description: 'perturbation scale σ (paper sweeps 1e-4 … 0.1)' },
    lr: { default: 0.01, description: 'Adam learning rate (the reference uses RMSprop, lr 1e-3)' },
    steps: { default: 300, description: 'training steps (W₁ and W₂ alternate)' },
    batch: { default: 20, description: 'windows per batch' },
    window: { default: 10, description: 'consecutive samples per window' },
    seed: { default: 1, description: 'random seed (initial weights, windows, perturbations)' },
  },

  async run(ctx: Context, params, progress, signal): Promise<NodeSpiralResult> {
    const p = numberParams(params, Object.keys(this.params));
    if (!(p.sigma! > 0) || !(p.lr! > 0)) throw new InputError(`node-spiral: --sigma and --lr must be positive, got ${p.sigma} and ${p.lr}`);
    const truth = spiralTrajectory();
    const H = p.hidden!;
    if (!Number.isInteger(H) || H < 1) throw new InputError(`node-spiral: --hidden must be a whole number ≥ 1, got ${H}`);
    const init = spiralInitialWeights(H, p.seed!);
    const initial = spiralRollout(init.w1, init.w2, H, truth);
    const started = performance.now();
    const trained = await trainSpiral(ctx, truth, {
      hidden: H, samples: p.samples!, sigma: p.sigma!, lr: p.lr!, steps: p.steps!, batch: p.batch!, window: p.window!, seed: p.seed!,
      lossEvery: Math.max(1, Math.floor(p.steps! / 30)), progress, signal,
    });
    const wallMs = performance.now() - started;
    const after = spiralRollout(trained.w1, trained.w2, H, truth);
    const dt = 25 / 999;
    const paths: NodeSpiralResult['paths'] = [];
    for (let i = 0; i < 1000; i += 5) {
      paths.push({ t: i * dt, y1: truth[2 * i]!, y2: truth[2 * i + 1]!, curve: 'true' });
      paths.push({ t: i * dt, y1: after.path[2 * i]!, y2: after.path[2 * i + 1]!, curve: 'trained' });
    }
    return { params: p, curve: trained.curve, rolloutL1: { initial: initial.l1, trained: after.l1 }, paths, wallMs };
  },

  toJSON(r) {
    return { params: r.params, curve: r.curve, rolloutL1: r.rolloutL1, wallMs: r.wallMs };
  },

  tables(r) {
    return { training: r.curve, paths: r.paths };
  },

  figures(r): Figure[] {
    const schema = 'https://vega.github.io/schema/vega-lite/v6.json';
    return [
      {
        name: 'training-loss',
        spec: {
          $schema: schema, title: 'Spiral neural ODE: batch L1 loss under ES', width: 420, height: 260,
          data: { values: r.curve }, mark: { type: 'line', point: true },
          encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative', scale: { type: 'log' } } },
        },
      },
      {
        name: 'phase-plane',
        spec: {
          $schema: schema, title: 'True spiral and the trained model rolled out from y₀', width: 320, height: 320,
          data: { values: r.paths }, mark: { type: 'line' },
          encoding: {
            x: { field: 'y1', type: 'quantitative' }, y: { field: 'y2', type: 'quantitative' },
            order: { field: 't', type: 'quantitative' }, color: { field: 'curve', type: 'nominal', title: null },
          },
        },
      },
    ];
  },

  summary(r) {
    const first = r.curve[0]!;
    const last = r.curve.at(-1)!;
    return [
      `H = ${r.params.hidden} (${4 * r.params.hidden!} weights), S = ${r.params.samples}, σ = ${r.params.sigma}, ${r.params.steps} steps in ${(r.wallMs / 1000).toFixed(1)} s`,
      `batch L1 loss: ${first.loss.toFixed(4)} (step ${first.step}) → ${last.loss.toFixed(4)} (step ${last.step})`,
      `rollout from y₀ over t ∈ [0, 25], mean L1 to the true spiral: ${r.rolloutL1.initial.toFixed(4)} before, ${r.rolloutL1.trained.toFixed(4)} after`,
    ].join('\n');
  },
};
