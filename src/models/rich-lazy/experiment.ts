/**
 * `wgneuro run rich-lazy`: how the initial connectivity's effective rank sets rich vs lazy learning
 * (Liu et al., arXiv 2310.08513). A rate RNN x_{t+1} = x_t + dt(−x_t + W tanh(x_t) + U u_t) with
 * readout y = r·tanh(x_T) learns a perceptual decision (the sign of a noisy evidence stream) by
 * backpropagation through time (src/autodiff) with gradient descent on W alone, from three initial W of equal
 * Frobenius norm: full-rank random, low-rank random, and low-rank aligned with the task's input and
 * readout directions. Laziness is measured as in the paper: the relative change of W, and the
 * change of the empirical tangent kernel K_ij = ⟨∂y_i/∂W, ∂y_j/∂W⟩ over held-out trials
 * (1 − alignment of the final kernel with the initial one). The abstract expects low-rank random
 * initializations to learn richer (larger changes) than full-rank ones, and aligned low-rank ones
 * lazier.
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { createOptimizer, createTape, rnnRollout, type Tape, type Var } from '../../autodiff/index.js';
import { numberParam, type Experiment, type Figure } from '../experiment.js';
import {
  decisionBatch, effectiveRank, gram, initialNetwork, INIT_KINDS, kernelAlignment, relativeChange, type InitKind, type Network, type TaskBatch,
} from './task.js';

/** One training run. */
export interface RichLazyRun {
  init: InitKind;
  /** Rank of W₀ by construction (units for full rank). */
  rank: number;
  /** Participation-ratio effective rank of W₀. */
  effectiveRank: number;
  seed: number;
  /** ‖W_final − W₀‖_F / ‖W₀‖_F. */
  relWeightChange: number;
  /** 1 − alignment between the final and the initial tangent kernels on held-out trials. */
  kernelAlignmentChange: number;
  initialLoss: number;
  finalLoss: number;
  /** Held-out accuracy (sign of the output) after training. */
  accuracy: number;
}

/** Result of `rich-lazy`. */
export interface RichLazyResult {
  params: Record<string, number>;
  runs: RichLazyRun[];
  curves: { init: InitKind; seed: number; step: number; loss: number }[];
  wallMs: number;
}

/** The rate RNN of one run on the GPU: W trained, U and the readout fixed. */
interface GpuNetwork {
  W: Tensor<'f32'>;
  U: Tensor<'f32'>;
  readout: Tensor<'f32'>;
  destroy(): void;
}

function upload(ctx: Context, net: Network): GpuNetwork {
  const W = ctx.tensor([net.units, net.units], { label: 'rich_lazy.W', data: net.W });
  const U = ctx.tensor([net.units, 1], { label: 'rich_lazy.U', data: net.U });
  const readout = ctx.tensor([1, net.units], { label: 'rich_lazy.readout', data: net.readout });
  return { W, U, readout, destroy: () => ctx.releaseAfterSubmit(W, U, readout) };
}

/** Outputs y [batch, 1] of the network on a batch, recorded on `tape` with W as the parameter. */
async function outputs(ctx: Context, tape: Tape, net: GpuNetwork, task: TaskBatch, dt: number, owned: Tensor[]): Promise<{ W: Var; y: Var }> {
  const batch = task.targets.length;
  const units = net.W.shape[0]!;
  const W = tape.param(net.W);
  const x0 = tape.full([batch, units], 0, 'rich_lazy.x0');
  const inputs = task.inputs.map((u) => {
    const t = ctx.tensor([batch, 1], { label: 'rich_lazy.u', data: u });
    owned.push(t);
    return tape.constant(t);
  });
  const states = await rnnRollout(tape, x0, inputs, { W, U: tape.constant(net.U) }, { dt, phi: 'tanh(x)' });
  const rate = await tape.map('tanh(x)', { x: states[states.length - 1]! });
  return { W, y: await tape.matmul(rate, tape.constant(net.readout), { transB: true }) };
}

/** Mean squared error of the outputs against the targets, recorded on the tape. */
async function mse(ctx: Context, tape: Tape, y: Var, targets: Float32Array, owned: Tensor[]): Promise<Var> {
  const t = ctx.tensor([targets.length, 1], { label: 'rich_lazy.target', data: targets });
  owned.push(t);
  return tape.mean(await tape.map('(y - t) ^ 2', { y, t: tape.constant(t) }));
}

/** Loss and accuracy on a batch (no gradient). */
async function evaluate(ctx: Context, net: GpuNetwork, task: TaskBatch, dt: number): Promise<{ loss: number; accuracy: number }> {
  const tape = createTape(ctx);
  const owned: Tensor[] = [];
  try {
    const { y } = await outputs(ctx, tape, net, task, dt, owned);
    const loss = await mse(ctx, tape, y, task.targets, owned);
    const ys = await y.value.read();
    const correct = task.targets.reduce((a, t, b) => a + (Math.sign(ys[b]!) === t ? 1 : 0), 0);
    return { loss: (await loss.value.read())[0]!, accuracy: correct / task.targets.length };
  } finally {
    tape.destroy();
    ctx.releaseAfterSubmit(...owned);
  }
}

/** The empirical tangent kernel over the trials of `task`: one backward pass per trial's output. */
async function tangentKernel(ctx: Context, net: GpuNetwork, task: TaskBatch, dt: number): Promise<Float64Array> {
  const tape = createTape(ctx);
  const owned: Tensor[] = [];
  const trials = task.targets.length;
  const dim = net.W.size;
  const jacobian = new Float32Array(trials * dim);
  try {
    const { W, y } = await outputs(ctx, tape, net, task, dt, owned);
    for (let i = 0; i < trials; i++) {
      const mark = tape.mark();
      const pick = ctx.tensor([trials, 1], { label: 'rich_lazy.pick', data: Float32Array.from({ length: trials }, (_, b) => (b === i ? 1 : 0)) });
      owned.push(pick);
      const yi = await tape.sum(await tape.map('y * e', { y, e: tape.constant(pick) }));
      const [g] = await tape.grad(yi, [W]);
      jacobian.set(await g!.value.read(), i * dim);
      tape.release(mark);
    }
  } finally {
    tape.destroy();
    ctx.releaseAfterSubmit(...owned);
  }
  return gram(jacobian, trials, dim);
}

interface RunSettings {
  units: number;
  rank: number;
  gain: number;
  time: number;
  dt: number;
  noise: number;
  batch: number;
  trainSteps: number;
  lr: number;
  evalTrials: number;
}

async function trainOne(ctx: Context, kind: InitKind, seed: number, s: RunSettings, curve: (step: number, loss: number) => void, signal?: AbortSignal): Promise<RichLazyRun> {
  const net = initialNetwork(kind, s.units, s.rank, s.gain, seed);
  const gpu = upload(ctx, net);
  // plain gradient descent: Adam's per-weight normalisation would make every run move its weights
  // by about lr per step whatever the gradients, hiding the differences being measured
  const opt = createOptimizer(ctx, [gpu.W], { method: 'sgd', lr: s.lr });
  try {
    // held-out trials (stream 0) for the kernel and the losses; training batches use streams 1, 2, …
    const held = decisionBatch(s.evalTrials, s.time, s.noise, seed, 0);
    const before = await evaluate(ctx, gpu, held, s.dt);
    const K0 = await tangentKernel(ctx, gpu, held, s.dt);
    const every = Math.max(1, Math.floor(s.trainSteps / 25));
    for (let step = 0; step < s.trainSteps; step++) {
      if (signal?.aborted) throw new InputError('rich-lazy: cancelled');
      const task = decisionBatch(s.batch, s.time, s.noise, seed, 1 + step);
      const tape = createTape(ctx);
      const owned: Tensor[] = [];
      try {
        const { W, y } = await outputs(ctx, tape, gpu, task, s.dt, owned);
        const loss = await mse(ctx, tape, y, task.targets, owned);
        const [g] = await tape.grad(loss, [W]);
        await opt.step([g!.value]);
        if (step % every === 0 || step === s.trainSteps - 1) curve(step, (await loss.value.read())[0]!);
      } finally {
        tape.destroy();
        ctx.releaseAfterSubmit(...owned);
      }
    }
    const after = await evaluate(ctx, gpu, held, s.dt);
    const K1 = await tangentKernel(ctx, gpu, held, s.dt);
    const W1 = await gpu.W.read();
    return {
      init: kind,
      rank: kind === 'full-rank-random' ? s.units : s.rank,
      effectiveRank: effectiveRank(net.W, s.units),
      seed,
      relWeightChange: relativeChange(W1, net.W),
      kernelAlignmentChange: 1 - kernelAlignment(K1, K0),
      initialLoss: before.loss,
      finalLoss: after.loss,
      accuracy: after.accuracy,
    };
  } finally {
    opt.destroy();
    gpu.destroy();
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export const richLazyExperiment: Experiment<RichLazyResult> = {
  name: 'rich-lazy',
  description: 'rate RNN trained by BPTT from low-rank random, full-rank random and low-rank aligned W₀ (equal variance): weight and tangent-kernel change (2310.08513)',
  params: {
    units: { default: 32, description: 'recurrent units N (paper: 300)', min: 2, integer: true },
    rank: { default: 2, description: 'rank of the low-rank initializations', min: 1, integer: true },
    gain: { default: 0.9, description: 'W₀ Frobenius norm / √N (entry std × √N of the full-rank init)', above: 0 },
    time: { default: 15, description: 'time steps per trial (BPTT length)', min: 1, integer: true },
    dt: { default: 0.2, description: 'Euler step dt (time constant 1)', above: 0 },
    noise: { default: 0.5, description: 'evidence noise std per step', min: 0 },
    batch: { default: 32, description: 'trials per training batch', min: 1, integer: true },
    trainSteps: { default: 100, description: 'gradient-descent steps on W', min: 1, integer: true },
    lr: { default: 0.05, description: 'gradient-descent learning rate', above: 0 },
    evalTrials: { default: 16, description: 'held-out trials for the loss and the tangent kernel', min: 2, integer: true },
    seeds: { default: 2, description: 'seeds per initialization', min: 1, integer: true },
    seed: { default: 1, description: 'first seed', min: 0, integer: true },
  },

  async run(ctx: Context, params, progress, signal): Promise<RichLazyResult> {
    const p = Object.fromEntries(Object.keys(this.params).map((k) => [k, numberParam(params, k)])) as Record<string, number>;
    if (p.rank! > p.units!) throw new InputError(`rich-lazy: --rank ${p.rank} exceeds --units ${p.units}`);
    const settings: RunSettings = {
      units: p.units!, rank: p.rank!, gain: p.gain!, time: p.time!, dt: p.dt!, noise: p.noise!, batch: p.batch!,
      trainSteps: p.trainSteps!, lr: p.lr!, evalTrials: p.evalTrials!,
    };
    const started = performance.now();
    const runs: RichLazyRun[] = [];
    const curves: RichLazyResult['curves'] = [];
    const total = INIT_KINDS.length * p.seeds!;
    for (let k = 0; k < p.seeds!; k++) {
      const seed = p.seed! + k;
      for (const init of INIT_KINDS) {
        progress(runs.length / total, `${init}, seed ${seed}`);
        runs.push(await trainOne(ctx, init, seed, settings, (step, loss) => curves.push({ init, seed, step, loss }), signal));
      }
    }
    progress(1);
    return { params: p, runs, curves, wallMs: performance.now() - started };
  },

  toJSON(r) {
    return {
      params: r.params,
      runs: r.runs.map((x) => ({
        init: x.init, rank: x.rank, effectiveRank: x.effectiveRank, seed: x.seed, relWeightChange: x.relWeightChange,
        kernelAlignmentChange: x.kernelAlignmentChange, initialLoss: x.initialLoss, finalLoss: x.finalLoss, accuracy: x.accuracy,
      })),
      wallMs: r.wallMs,
    };
  },

  tables(r) {
    return { runs: r.runs.map((x) => ({ ...x })), training: r.curves.map((c) => ({ ...c })) };
  },

  figures(r): Figure[] {
    const schema = 'https://vega.github.io/schema/vega-lite/v6.json';
    const long = r.runs.flatMap((x) => [
      { init: x.init, seed: x.seed, measure: 'relative weight change', value: x.relWeightChange },
      { init: x.init, seed: x.seed, measure: 'tangent-kernel change', value: x.kernelAlignmentChange },
    ]);
    return [
      {
        name: 'laziness',
        spec: {
          $schema: schema, title: 'How far learning moved, by initial connectivity (each point a seed)',
          data: { values: long }, mark: { type: 'point', filled: true, size: 80 },
          encoding: {
            column: { field: 'measure', type: 'nominal', title: null },
            x: { field: 'init', type: 'nominal', title: null, sort: [...INIT_KINDS] },
            y: { field: 'value', type: 'quantitative', title: 'change' },
            color: { field: 'init', type: 'nominal', legend: null },
          },
          resolve: { scale: { y: 'independent' } },
        },
      },
      {
        name: 'training-loss',
        spec: {
          $schema: schema, title: 'Training loss (batch MSE)', width: 420, height: 260,
          data: { values: r.curves.map((c) => ({ ...c, run: `${c.init} seed ${c.seed}` })) }, mark: { type: 'line' },
          encoding: {
            x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative', scale: { type: 'log' } },
            color: { field: 'init', type: 'nominal' }, detail: { field: 'run', type: 'nominal' },
          },
        },
      },
    ];
  },

  summary(r) {
    const lines = [`${r.runs.length} runs in ${(r.wallMs / 1000).toFixed(1)} s (N = ${r.params.units}, rank ${r.params.rank}, ${r.params.trainSteps} gradient steps, BPTT over ${r.params.time} steps)`];
    const byInit = new Map<InitKind, RichLazyRun[]>();
    for (const x of r.runs) byInit.set(x.init, [...(byInit.get(x.init) ?? []), x]);
    for (const [init, xs] of byInit) {
      lines.push(
        `${init.padEnd(18)} eff. rank ${mean(xs.map((x) => x.effectiveRank)).toFixed(1).padStart(5)}  ΔW/W ${mean(xs.map((x) => x.relWeightChange)).toFixed(4)}  ` +
          `kernel change ${mean(xs.map((x) => x.kernelAlignmentChange)).toFixed(4)}  loss ${mean(xs.map((x) => x.initialLoss)).toFixed(3)} → ${mean(xs.map((x) => x.finalLoss)).toFixed(3)}  accuracy ${mean(xs.map((x) => x.accuracy)).toFixed(2)}`,
      );
    }
    const m = (init: InitKind, f: (x: RichLazyRun) => number) => mean((byInit.get(init) ?? []).map(f));
    const richer = m('low-rank-random', (x) => x.kernelAlignmentChange) > m('full-rank-random', (x) => x.kernelAlignmentChange);
    const lazier = m('low-rank-aligned', (x) => x.kernelAlignmentChange) < m('low-rank-random', (x) => x.kernelAlignmentChange);
    lines.push(`abstract: low-rank random richer than full-rank — ${richer ? 'seen' : 'not seen'} here (kernel change); aligned low-rank lazier than random low-rank — ${lazier ? 'seen' : 'not seen'} here`);
    return lines.join('\n');
  },
};
