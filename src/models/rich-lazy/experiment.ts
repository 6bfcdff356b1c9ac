/**
 * `wgneuro run rich-lazy`: how the effective rank of the initial connectivity sets rich vs lazy
 * learning (Liu et al., arXiv 2310.08513). Set up as the authors' RNN experiment (their code,
 * github.com/Helena-Yuhan-Liu/BioRNN_RichLazy, for the settings the paper leaves out): a ReLU RNN
 * h_{t+1} = relu(W h_t + U u_t) (their leaky CTRNN with α = dt/τ = 1) with a linear readout at every
 * step learns a two-alternative perceptual decision (cross-entropy over all steps) by
 * backpropagation through time, with SGD with momentum 0.9 on all weights for a fixed number of
 * steps. W₀ is the rank-r SVD truncation of one Gaussian matrix (entry std gain/√N) rescaled to that
 * matrix's Frobenius norm, swept over r = 1, 2, 4, …, N; the aligned init replaces the leading
 * singular pair by the task's readout and input axes. Laziness is measured as in the paper: the
 * relative change of W, and 1 − the alignment of the tangent kernel of the outputs (every trial,
 * step and class) with respect to W after training with the one before (computed in float64 on the
 * CPU from the weights read back). Every init of one seed
 * shares the Gaussian matrix, input/readout weights and data, so inits are compared paired by seed
 * (mean ± s.e., sign test). The abstract: higher-rank inits learn lazier (smaller changes),
 * low-rank ones richer, except low-rank inits aligned with the task, which can be lazy.
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { createOptimizer, createTape, rnnRollout, type Tape, type Var } from '../../autodiff/index.js';
import { listParam, numberParam, type Experiment, type Figure } from '../experiment.js';
import {
  decisionBatch, effectiveRank, initialNetwork, kernelAlignment, relativeChange, seedDraw, tangentKernel, TASK_INPUTS, TASK_OUTPUTS,
  type InitKind, type Network, type TaskBatch, type TaskTiming,
} from './task.js';
import { meanSE, pairedComparison, type MeanSE, type PairedComparison } from './stats.js';

/** Label of an initialization in the results. */
export type InitLabel = 'full-rank-random' | 'low-rank-random' | 'low-rank-aligned';

/** One training run. */
export interface RichLazyRun {
  init: InitLabel;
  /** Rank of W₀ by construction. */
  rank: number;
  /** Participation-ratio effective rank of W₀. */
  effectiveRank: number;
  seed: number;
  /** ‖W_final − W₀‖_F / ‖W₀‖_F (‖W₀‖_F is the same for every init of a seed). */
  relWeightChange: number;
  /** 1 − alignment between the final and the initial tangent kernels on held-out trials. */
  kernelAlignmentChange: number;
  initialLoss: number;
  finalLoss: number;
  /** Held-out accuracy (argmax of the decision-step output) before and after training. */
  initialAccuracy: number;
  accuracy: number;
}

/** Mean ± s.e. over seeds of one init at one rank. */
export interface RichLazyGroup {
  init: InitLabel;
  rank: number;
  seeds: number;
  effectiveRank: number;
  relWeightChange: MeanSE;
  kernelAlignmentChange: MeanSE;
  initialLoss: MeanSE;
  finalLoss: MeanSE;
  accuracy: MeanSE;
}

/** A paired comparison of two groups on one measure, with the direction the abstract predicts. */
export interface RichLazyComparison extends PairedComparison {
  measure: 'relWeightChange' | 'kernelAlignmentChange';
  a: { init: InitLabel; rank: number };
  b: { init: InitLabel; rank: number };
  /** The abstract's prediction: a changes more ('a > b') or less ('a < b') than b. */
  predicted: 'a > b' | 'a < b';
  /** 'seen' when the sign test has p < 0.05 in the predicted direction, 'opposite' when in the other, else 'unresolved'. */
  verdict: 'seen' | 'opposite' | 'unresolved';
}

/** Result of `rich-lazy`. */
export interface RichLazyResult {
  params: Record<string, number | number[] | boolean>;
  runs: RichLazyRun[];
  groups: RichLazyGroup[];
  comparisons: RichLazyComparison[];
  curves: { init: InitLabel; rank: number; seed: number; step: number; loss: number }[];
  wallMs: number;
}

/** The authors' sizes (their main.py defaults): N = 300, ranks 1, 30, 100 (and 300), 10,000 SGD steps at learning rate 0.003. */
const PAPER = { units: 300, ranks: [1, 30, 100], steps: 10000, lr: 0.003 } as const;

/** Sign-test level of the verdicts. */
const ALPHA = 0.05;

/** The network of one run on the GPU. */
interface GpuNetwork {
  W: Tensor<'f32'>;
  U: Tensor<'f32'>;
  readout: Tensor<'f32'>;
  destroy(): void;
}

function upload(ctx: Context, net: Network): GpuNetwork {
  const W = ctx.tensor([net.units, net.units], { label: 'rich_lazy.W', data: net.W });
  const U = ctx.tensor([net.units, TASK_INPUTS], { label: 'rich_lazy.U', data: net.U });
  const readout = ctx.tensor([TASK_OUTPUTS, net.units], { label: 'rich_lazy.readout', data: net.readout });
  return { W, U, readout, destroy: () => ctx.releaseAfterSubmit(W, U, readout) };
}

/** The recorded forward pass: the weights as tape leaves and the output logits [trials, classes] of every step. */
interface Forward {
  W: Var;
  U: Var;
  readout: Var;
  logits: Var[];
}

/** Records the network on `task`; `trainAll` makes U and the readout parameters too (else constants). */
async function forward(ctx: Context, tape: Tape, net: GpuNetwork, task: TaskBatch, alpha: number, trainAll: boolean, owned: Tensor[]): Promise<Forward> {
  const units = net.W.shape[0]!;
  const W = tape.param(net.W);
  const U = trainAll ? tape.param(net.U) : tape.constant(net.U);
  const readout = trainAll ? tape.param(net.readout) : tape.constant(net.readout);
  const x0 = tape.full([task.trials, units], 0, 'rich_lazy.x0');
  const inputs = task.inputs.map((u) => {
    const t = ctx.tensor([task.trials, TASK_INPUTS], { label: 'rich_lazy.u', data: u });
    owned.push(t);
    return tape.constant(t);
  });
  // x_{t+1} = x_t + α(−x_t + W relu(x_t) + U u_t); with α = 1, h = relu(x) follows h_{t+1} = relu(W h_t + U u_t)
  const states = await rnnRollout(tape, x0, inputs, { W, U }, { dt: alpha, phi: 'relu(x)' });
  const logits: Var[] = [];
  for (const x of states.slice(1)) logits.push(await tape.matmul(await tape.map('relu(x)', { x }), readout, { transB: true }));
  return { W, U, readout, logits };
}

/** Cross-entropy averaged over trials and steps, recorded on the tape. */
async function crossEntropy(ctx: Context, tape: Tape, logits: Var[], task: TaskBatch, owned: Tensor[]): Promise<Var> {
  let total: Var | null = null;
  for (let t = 0; t < logits.length; t++) {
    const y = ctx.tensor([task.trials, TASK_OUTPUTS], { label: 'rich_lazy.target', data: task.targets[t] });
    owned.push(y);
    const ce = await tape.softmaxCrossEntropy(logits[t]!, tape.constant(y));
    total = total ? await tape.add(total, ce) : ce;
  }
  return tape.map('s * scale', { s: total! }, { scale: 1 / logits.length });
}

/** Loss and decision accuracy on a batch (no gradient). */
async function evaluate(ctx: Context, net: GpuNetwork, task: TaskBatch, alpha: number): Promise<{ loss: number; accuracy: number }> {
  const tape = createTape(ctx);
  const owned: Tensor[] = [];
  try {
    const { logits } = await forward(ctx, tape, net, task, alpha, false, owned);
    const loss = await crossEntropy(ctx, tape, logits, task, owned);
    const z = await logits[logits.length - 1]!.value.read();
    let correct = 0;
    for (let b = 0; b < task.trials; b++) {
      const row = Array.from(z.subarray(b * TASK_OUTPUTS, (b + 1) * TASK_OUTPUTS));
      if (row.indexOf(Math.max(...row)) === 1 + task.choice[b]!) correct++;
    }
    return { loss: (await loss.value.read())[0]!, accuracy: correct / task.trials };
  } finally {
    tape.destroy();
    ctx.releaseAfterSubmit(...owned);
  }
}

interface RunSettings {
  alpha: number;
  timing: TaskTiming;
  batch: number;
  steps: number;
  lr: number;
  momentum: number;
  evalTrials: number;
  kernelTrials: number;
}

/** Trains one network from `net` for the fixed number of steps and measures how far it moved. */
async function trainOne(
  ctx: Context, net: Network, seed: number, s: RunSettings, curve: (step: number, loss: number) => void, signal?: AbortSignal,
): Promise<Omit<RichLazyRun, 'init' | 'rank' | 'seed'>> {
  const gpu = upload(ctx, net);
  // the authors' optimizer: SGD with momentum 0.9 on every weight (torch's net.parameters())
  const opt = createOptimizer(ctx, [gpu.W, gpu.U, gpu.readout], { method: 'sgd', lr: s.lr, momentum: s.momentum });
  try {
    // held-out trials (stream 0) for the loss, accuracy and kernel; training batches use streams 1, 2, …
    const held = decisionBatch(s.evalTrials, s.timing, seed, 0);
    const kernelTrials = decisionBatch(s.kernelTrials, s.timing, seed, 0);
    const before = await evaluate(ctx, gpu, held, s.alpha);
    // the kernel on the CPU in float64 (task.ts): a GPU tape would need one synchronised readback per output
    const K0 = tangentKernel(net, kernelTrials, s.alpha);
    const every = Math.max(1, Math.floor(s.steps / 25));
    for (let step = 0; step < s.steps; step++) {
      if (signal?.aborted) throw new InputError('rich-lazy: cancelled');
      const task = decisionBatch(s.batch, s.timing, seed, 1 + step);
      const tape = createTape(ctx);
      const owned: Tensor[] = [];
      try {
        const { W, U, readout, logits } = await forward(ctx, tape, gpu, task, s.alpha, true, owned);
        const loss = await crossEntropy(ctx, tape, logits, task, owned);
        const grads = await tape.grad(loss, [W, U, readout]);
        await opt.step(grads.map((g) => g.value));
        if (step % every === 0 || step === s.steps - 1) curve(step, (await loss.value.read())[0]!);
      } finally {
        tape.destroy();
        ctx.releaseAfterSubmit(...owned);
      }
    }
    const after = await evaluate(ctx, gpu, held, s.alpha);
    const trained: Network = { units: net.units, W: await gpu.W.read(), U: await gpu.U.read(), readout: await gpu.readout.read() };
    const K1 = tangentKernel(trained, kernelTrials, s.alpha);
    const W1 = trained.W;
    return {
      effectiveRank: effectiveRank(net.W, net.units),
      relWeightChange: relativeChange(W1, net.W),
      kernelAlignmentChange: 1 - kernelAlignment(K1, K0),
      initialLoss: before.loss,
      finalLoss: after.loss,
      initialAccuracy: before.accuracy,
      accuracy: after.accuracy,
    };
  } finally {
    opt.destroy();
    gpu.destroy();
  }
}

function label(kind: InitKind, rank: number, units: number): InitLabel {
  if (kind === 'aligned') return 'low-rank-aligned';
  return rank === units ? 'full-rank-random' : 'low-rank-random';
}

/** Mean ± s.e. per (init, rank), random ranks ascending then the aligned init. */
export function groupRuns(runs: readonly RichLazyRun[]): RichLazyGroup[] {
  const keys = [...new Set(runs.map((r) => `${r.init}|${r.rank}`))];
  const order = (k: string) => (k.startsWith('low-rank-aligned') ? 1e9 : 0) + Number(k.split('|')[1]);
  return keys.sort((a, b) => order(a) - order(b)).map((key) => {
    const xs = runs.filter((r) => `${r.init}|${r.rank}` === key);
    const stat = (f: (r: RichLazyRun) => number) => meanSE(xs.map(f));
    return {
      init: xs[0]!.init, rank: xs[0]!.rank, seeds: xs.length, effectiveRank: stat((r) => r.effectiveRank).mean,
      relWeightChange: stat((r) => r.relWeightChange), kernelAlignmentChange: stat((r) => r.kernelAlignmentChange),
      initialLoss: stat((r) => r.initialLoss), finalLoss: stat((r) => r.finalLoss), accuracy: stat((r) => r.accuracy),
    };
  });
}

/**
 * The abstract's claims as paired comparisons, on both measures: each low-rank random init against
 * the full-rank one (predicted: changes more), and the aligned init against the random one of its
 * rank (predicted: changes less). Runs are paired by seed; seeds missing either side are skipped.
 */
export function compareRuns(runs: readonly RichLazyRun[], units: number): RichLazyComparison[] {
  const pick = (init: InitLabel, rank: number) => new Map(runs.filter((r) => r.init === init && r.rank === rank).map((r) => [r.seed, r]));
  const full = pick('full-rank-random', units);
  const pairs: { a: Map<number, RichLazyRun>; b: Map<number, RichLazyRun>; predicted: 'a > b' | 'a < b' }[] = [];
  const lowRanks = [...new Set(runs.filter((r) => r.init === 'low-rank-random').map((r) => r.rank))].sort((x, y) => x - y);
  for (const rank of lowRanks) pairs.push({ a: pick('low-rank-random', rank), b: full, predicted: 'a > b' });
  const alignedRanks = [...new Set(runs.filter((r) => r.init === 'low-rank-aligned').map((r) => r.rank))].sort((x, y) => x - y);
  for (const rank of alignedRanks) pairs.push({ a: pick('low-rank-aligned', rank), b: pick(rank === units ? 'full-rank-random' : 'low-rank-random', rank), predicted: 'a < b' });
  const out: RichLazyComparison[] = [];
  for (const { a, b, predicted } of pairs) {
    const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
    if (seeds.length === 0) continue;
    const first = a.get(seeds[0]!)!;
    const other = b.get(seeds[0]!)!;
    for (const measure of ['kernelAlignmentChange', 'relWeightChange'] as const) {
      const c = pairedComparison(seeds.map((s) => a.get(s)![measure]), seeds.map((s) => b.get(s)![measure]));
      const forPrediction = predicted === 'a > b' ? c.aLarger > c.bLarger : c.bLarger > c.aLarger;
      const verdict = c.signTestP < ALPHA ? (forPrediction ? 'seen' : 'opposite') : 'unresolved';
      out.push({ measure, a: { init: first.init, rank: first.rank }, b: { init: other.init, rank: other.rank }, predicted, ...c, verdict });
    }
  }
  return out;
}

interface Resolved {
  numbers: Record<string, number>;
  ranks: number[];
  paper: boolean;
}

/** Resolved sizes: `--paper` replaces units, ranks, steps and lr by the authors' values. */
function resolveParams(params: Record<string, unknown>, defaults: Record<string, { default: unknown }>): Resolved {
  const paper = params.paper === true;
  const p: Record<string, number> = {};
  for (const name of Object.keys(defaults)) if (name !== 'ranks' && name !== 'paper') p[name] = numberParam(params as never, name);
  let ranks = listParam(params as never, 'ranks');
  if (paper) {
    for (const name of ['units', 'steps', 'lr'] as const) {
      if (p[name] !== defaults[name]!.default) throw new InputError(`rich-lazy: --paper sets --${name} to ${PAPER[name]}; drop --${name} ${p[name]} or --paper`);
      p[name] = PAPER[name];
    }
    if (ranks.join(',') !== (defaults.ranks!.default as number[]).join(',')) throw new InputError(`rich-lazy: --paper sets --ranks to ${PAPER.ranks.join(',')}; drop --ranks or --paper`);
    ranks = [...PAPER.ranks];
  }
  const units = p.units!;
  for (const r of ranks) {
    if (!Number.isInteger(r) || r < 1 || r > units) throw new InputError(`rich-lazy: --ranks must hold whole numbers in [1, units = ${units}], got ${r}`);
  }
  // the comparisons are against full rank, so it is always swept
  ranks = [...new Set([...ranks, units])].sort((a, b) => a - b);
  if (!ranks.includes(p.alignedRank!)) throw new InputError(`rich-lazy: --alignedRank ${p.alignedRank} must be one of --ranks (${ranks.join(',')}) so it has a random partner`);
  return { numbers: p, ranks, paper };
}

function fmt(x: MeanSE, digits = 3): string {
  return `${x.mean.toFixed(digits)} ± ${Number.isFinite(x.se) ? x.se.toFixed(digits) : '—'}`;
}

export const richLazyExperiment: Experiment<RichLazyResult> = {
  name: 'rich-lazy',
  description: 'ReLU RNN trained by BPTT on a 2AF decision from W₀ of swept rank (SVD truncation, equal Frobenius norm) and a task-aligned low-rank W₀: weight and tangent-kernel change, paired by seed (2310.08513)',
  params: {
    units: { default: 32, description: `recurrent units N (--paper: ${PAPER.units})`, min: 2, integer: true },
    ranks: { default: [1, 4, 16], description: `ranks of the random W₀ below N to sweep; full rank N is always added (--paper: ${PAPER.ranks.join(',')})`, min: 1, integer: true },
    alignedRank: { default: 1, description: 'rank of the task-aligned W₀ (compared with the random W₀ of that rank, which must be swept)', min: 1, integer: true },
    gain: { default: 1.25, description: 'entry std × √N of the Gaussian W₀ before truncation (authors: 1.25)', above: 0 },
    alpha: { default: 1, description: 'leak α = dt/τ of h ← (1−α)h + α(…) (authors: dt = τ = 100 ms, α = 1)', above: 0, max: 1 },
    stimulusSteps: { default: 7, description: 'stimulus steps before the one decision step (authors: 700 ms at dt = 100 ms)', min: 1, integer: true },
    noise: { default: 0.1, description: 'stimulus noise std per step (neurogym: 1/√dt with dt = 100 ms)', min: 0 },
    batch: { default: 32, description: 'trials per training batch (authors: 32)', min: 1, integer: true },
    steps: { default: 100, description: `SGD steps, the same for every run (--paper: ${PAPER.steps})`, min: 1, integer: true },
    lr: { default: 0.03, description: `SGD learning rate (10× the authors' for 1% of their steps; --paper: ${PAPER.lr})`, above: 0 },
    momentum: { default: 0.9, description: 'SGD momentum (authors: 0.9)', min: 0, max: 0.999 },
    evalTrials: { default: 128, description: 'held-out trials for the losses and the accuracy', min: 1, integer: true },
    kernelTrials: { default: 32, description: 'held-out trials of the tangent kernel (× steps × 3 classes outputs; authors: 32)', min: 1, integer: true },
    seeds: { default: 6, description: 'seeds (each: one Gaussian matrix, input/readout weights and data shared by every init)', min: 1, integer: true },
    seed: { default: 1, description: 'first seed', min: 0, integer: true },
    paper: { default: false, description: `the authors' sizes: --units ${PAPER.units} --ranks ${PAPER.ranks.join(',')} --steps ${PAPER.steps} --lr ${PAPER.lr} (replaces those flags; days on a CPU adapter)` },
  },

  async run(ctx: Context, params, progress, signal): Promise<RichLazyResult> {
    const { numbers: p, ranks, paper } = resolveParams(params, this.params);
    const settings: RunSettings = {
      alpha: p.alpha!, timing: { stimulusSteps: p.stimulusSteps!, noise: p.noise! }, batch: p.batch!, steps: p.steps!, lr: p.lr!,
      momentum: p.momentum!, evalTrials: p.evalTrials!, kernelTrials: p.kernelTrials!,
    };
    const inits: { kind: InitKind; rank: number }[] = [...ranks.map((rank) => ({ kind: 'random' as const, rank })), { kind: 'aligned', rank: p.alignedRank! }];
    const started = performance.now();
    const runs: RichLazyRun[] = [];
    const curves: RichLazyResult['curves'] = [];
    const total = inits.length * p.seeds!;
    for (let k = 0; k < p.seeds!; k++) {
      const seed = p.seed! + k;
      const draw = seedDraw(p.units!, p.gain!, seed);
      for (const { kind, rank } of inits) {
        const init = label(kind, rank, p.units!);
        progress(runs.length / total, `${init} rank ${rank}, seed ${seed}`);
        const measured = await trainOne(ctx, initialNetwork(draw, kind, rank), seed, settings, (step, loss) => curves.push({ init, rank, seed, step, loss }), signal);
        runs.push({ init, rank, seed, ...measured });
      }
    }
    progress(1);
    return { params: { ...p, ranks, paper }, runs, groups: groupRuns(runs), comparisons: compareRuns(runs, p.units!), curves, wallMs: performance.now() - started };
  },

  toJSON(r) {
    return {
      params: r.params,
      runs: r.runs.map((x) => ({ ...x })),
      summary: { groups: r.groups, comparisons: r.comparisons, signTestLevel: ALPHA },
      wallMs: r.wallMs,
    };
  },

  tables(r) {
    const flat = (m: MeanSE) => ({ mean: m.mean, se: m.se });
    return {
      runs: r.runs.map((x) => ({ ...x })),
      groups: r.groups.map((g) => ({
        init: g.init, rank: g.rank, seeds: g.seeds, effectiveRank: g.effectiveRank,
        ...Object.fromEntries((['relWeightChange', 'kernelAlignmentChange', 'initialLoss', 'finalLoss', 'accuracy'] as const).flatMap((k) => Object.entries(flat(g[k])).map(([s, v]) => [`${k}_${s}`, v]))),
      })),
      comparisons: r.comparisons.map((c) => ({
        measure: c.measure, a: `${c.a.init} r${c.a.rank}`, b: `${c.b.init} r${c.b.rank}`, predicted: c.predicted, meanDifference: c.difference.mean,
        se: c.difference.se, aLarger: c.aLarger, bLarger: c.bLarger, ties: c.ties, signTestP: c.signTestP, verdict: c.verdict,
      })),
      training: r.curves.map((c) => ({ ...c })),
    };
  },

  figures(r): Figure[] {
    const schema = 'https://vega.github.io/schema/vega-lite/v6.json';
    const measures = [['relWeightChange', 'relative weight change ‖ΔW‖/‖W₀‖'], ['kernelAlignmentChange', 'tangent-kernel change 1 − alignment']] as const;
    const points = r.runs.flatMap((x) => measures.map(([key, name]) => ({ init: x.init === 'low-rank-aligned' ? 'aligned' : 'random', rank: x.rank, seed: x.seed, measure: name, value: x[key] })));
    const means = r.groups.flatMap((g) => measures.map(([key, name]) => ({
      init: g.init === 'low-rank-aligned' ? 'aligned' : 'random', rank: g.rank, measure: name, mean: g[key].mean,
      lo: g[key].mean - (Number.isFinite(g[key].se) ? g[key].se : 0), hi: g[key].mean + (Number.isFinite(g[key].se) ? g[key].se : 0),
    })));
    const x = { field: 'rank', type: 'quantitative', title: 'rank of W₀', scale: { type: 'log', base: 2 } };
    const color = { field: 'init', type: 'nominal', title: 'W₀' };
    return [
      {
        name: 'laziness-vs-rank',
        spec: {
          $schema: schema, title: 'How far learning moved, by the rank of W₀ (points: seeds; line and bars: mean ± s.e.)',
          // one data set for every layer: a facet's layers cannot bring their own
          data: { values: [...points.map((d) => ({ ...d, kind: 'seed' })), ...means.map((d) => ({ ...d, kind: 'mean' }))] },
          facet: { column: { field: 'measure', type: 'nominal', title: null } },
          spec: {
            width: 300, height: 240,
            layer: [
              { transform: [{ filter: "datum.kind === 'seed'" }], mark: { type: 'point', opacity: 0.5 }, encoding: { x, y: { field: 'value', type: 'quantitative', title: 'change' }, color } },
              { transform: [{ filter: "datum.kind === 'mean'" }], mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
              { transform: [{ filter: "datum.kind === 'mean'" }], mark: { type: 'rule' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
            ],
          },
          resolve: { scale: { y: 'independent' } },
        },
      },
      {
        name: 'training-loss',
        spec: {
          $schema: schema, title: 'Training loss (batch cross-entropy)', width: 420, height: 260,
          data: { values: r.curves.map((c) => ({ ...c, group: `${c.init} r${c.rank}`, run: `${c.init} r${c.rank} seed ${c.seed}` })) }, mark: { type: 'line', opacity: 0.6 },
          encoding: {
            x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative', scale: { type: 'log' } },
            color: { field: 'group', type: 'nominal' }, detail: { field: 'run', type: 'nominal' },
          },
        },
      },
    ];
  },

  summary(r) {
    const p = r.params;
    const seeds = r.groups[0]?.seeds ?? 0;
    const lines = [
      `${r.runs.length} runs in ${(r.wallMs / 1000).toFixed(1)} s: N = ${p.units}, ${seeds} seeds, ${p.steps} SGD steps (lr ${p.lr}, momentum ${p.momentum}) on all weights, BPTT over ${Number(p.stimulusSteps) + 1} steps`,
      'init               rank  eff.rank   ΔW/W₀ (mean ± s.e.)   kernel change         loss start → end       accuracy',
    ];
    for (const g of r.groups) {
      lines.push(
        `${g.init.padEnd(18)} ${String(g.rank).padStart(4)}  ${g.effectiveRank.toFixed(1).padStart(8)}   ${fmt(g.relWeightChange).padEnd(20)}  ${fmt(g.kernelAlignmentChange).padEnd(20)}  ` +
          `${g.initialLoss.mean.toFixed(3)} → ${fmt(g.finalLoss)}   ${g.accuracy.mean.toFixed(2)}`,
      );
    }
    lines.push(`paired by seed (a − b mean ± s.e.; seeds with a > b : a < b; exact two-sided sign test, verdict at p < ${ALPHA}):`);
    for (const c of r.comparisons) {
      const name = c.measure === 'relWeightChange' ? 'ΔW/W₀' : 'kernel';
      lines.push(
        `  ${name.padEnd(6)} ${`${c.a.init} r${c.a.rank}`.padEnd(22)} vs ${`${c.b.init} r${c.b.rank}`.padEnd(22)} predicted ${c.predicted}: ${fmt(c.difference, 4)}, ` +
          `${c.aLarger}:${c.bLarger}${c.ties ? ` (${c.ties} ties)` : ''}, p = ${c.signTestP.toPrecision(2)} → ${c.verdict}`,
      );
    }
    return lines.join('\n');
  },
};
