/**
 * `wgneuro run rsn`: a reservoir-sampler network (Chen et al., NeurIPS 2023; SEEDS.md §5) trained
 * by annealed denoising score matching, then sampled by its own firing-rate dynamics, with the
 * samples compared to the target: the 1-D double-peak mixture (`--task gmm`) or the 2-D mixture of
 * two correlated multivariate Laplace laws (`--task laplace`).
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { philoxArray } from '../../reference/philox.js';
import { numberParam, type Experiment, type Figure } from '../experiment.js';
import { DOUBLE_PEAK, mixtureCdf, mixtureDensity, mixtureScore } from './reference.js';
import { sampleReservoir } from './sample.js';
import { sampleReservoirNetwork } from './network-sampler.js';
import { sampleSamplerOnly, trainSamplerOnly } from './sampler-only.js';
import { createScoreModel, evaluateScore, noiseLevels, trainScoreModel, type DsmCurvePoint } from './train.js';

type Task = 'gmm' | 'laplace';

/** Sample statistics of the 1-D task, generated and target. */
export interface GmmStats {
  fractionPositive: number;
  /** Means of the negative and positive samples. */
  modes: [number, number];
  /** Standard deviations of the negative and positive samples. */
  modeStd: [number, number];
}

/** Result of `rsn`. */
export interface RsnResult {
  task: Task;
  params: Record<string, number | string>;
  curve: DsmCurvePoint[];
  samples: number;
  gmm?: GmmStats & {
    target: GmmStats;
    /** Kolmogorov–Smirnov distance of the samples from the target CDF. */
    ks: number;
    /** KL(generated ‖ target) over `histogram`'s bins (tails lumped into the end bins). */
    klHistogram: number;
    histogram: { x: number; generated: number; target: number }[];
    score: { x: number; learned: number; exact: number; smoothed: number }[];
  };
  laplace?: {
    kurtosis: { target: [number, number]; data: [number, number]; generated: [number, number] };
    histograms: { x: number; y: number; target: number; generated: number }[];
  };
  /** The sampler-only baselines (trained and sampled the same way), when run. */
  baselines: { name: 'SO-FR' | 'SO-SC'; finalLoss: number; gmm?: GmmStats & { ks: number; klHistogram: number }; kurtosis?: [number, number] }[];
  wallMs: { train: number; sample: number };
}

/** Mixture-of-Laplace data: X = √W·LZ, W ~ Exp(1), Z ~ N(0, I), LLᵀ = [[1, ±0.9], [±0.9, 1]] with equal weights. */
function laplaceData(count: number, seed: number): Float64Array {
  const z = philoxArray(2 * count, seed, { distribution: 'normal', stream: 11 });
  const u = philoxArray(2 * count, seed, { distribution: 'uniform', stream: 12 });
  const out = new Float64Array(2 * count);
  const r = 0.9;
  const c = Math.sqrt(1 - r * r);
  for (let i = 0; i < count; i++) {
    const sign = u[2 * i]! < 0.5 ? 1 : -1;
    const w = Math.sqrt(-Math.log(u[2 * i + 1]!));
    out[2 * i] = w * z[2 * i]!;
    out[2 * i + 1] = w * sign * (r * z[2 * i]! + c * z[2 * i + 1]!);
  }
  return out;
}

function gmmData(count: number, seed: number): Float64Array {
  const u = philoxArray(count, seed, { distribution: 'uniform', stream: 11 });
  const z = philoxArray(count, seed, { distribution: 'normal', stream: 12 });
  return Float64Array.from({ length: count }, (_, i) => {
    const k = u[i]! < DOUBLE_PEAK.weights[0]! ? 0 : 1;
    return DOUBLE_PEAK.means[k]! + DOUBLE_PEAK.stds[k]! * z[i]!;
  });
}

function halfStats(xs: ArrayLike<number>): GmmStats {
  const parts = [[], []] as number[][];
  for (let i = 0; i < xs.length; i++) parts[xs[i]! > 0 ? 1 : 0]!.push(xs[i]!);
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
  const std = (a: number[]): number => { const m = mean(a); return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1)); };
  return { fractionPositive: parts[1]!.length / xs.length, modes: [mean(parts[0]!), mean(parts[1]!)], modeStd: [std(parts[0]!), std(parts[1]!)] };
}

/** The target's half-line statistics by quadrature (Simpson, step 1e-3 on [−8, 8]). */
function targetHalfStats(): GmmStats {
  const moments = (a: number, b: number): [number, number, number] => {
    const n = 8000;
    const h = (b - a) / n;
    let m0 = 0, m1 = 0, m2 = 0;
    for (let i = 0; i <= n; i++) {
      const x = a + i * h;
      const w = (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * (h / 3) * mixtureDensity(DOUBLE_PEAK, x);
      m0 += w; m1 += w * x; m2 += w * x * x;
    }
    return [m0, m1 / m0, Math.sqrt(m2 / m0 - (m1 / m0) ** 2)];
  };
  const neg = moments(-8, 0);
  const pos = moments(0, 8);
  return { fractionPositive: pos[0], modes: [neg[1], pos[1]], modeStd: [neg[2], pos[2]] };
}

function kurtosis(xs: ArrayLike<number>, stride: number, offset: number): number {
  const n = xs.length / stride;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i * stride + offset]!;
  m /= n;
  let m2 = 0, m4 = 0;
  for (let i = 0; i < n; i++) { const d = xs[i * stride + offset]! - m; m2 += d * d; m4 += d ** 4; }
  m2 /= n; m4 /= n;
  return m4 / (m2 * m2);
}

export const rsnExperiment: Experiment<RsnResult> = {
  name: 'rsn',
  description: 'reservoir-sampler network: train the score by annealed DSM, sample with the reservoir dynamics, compare with the target',
  params: {
    task: { default: 'gmm', description: "'gmm' (1-D double peak, means ±1, std 0.5) or 'laplace' (2-D mixture of two multivariate Laplace laws)" },
    hidden: { default: 64, description: 'reservoir units N (paper: 1000 for gmm)' },
    activation: { default: 'tanh', description: "reservoir nonlinearity φ: 'tanh' (bounded, so s(x) → −x far from the data; measured better samples here) or 'relu' (the paper's default)" },
    levels: { default: 10, description: 'noise levels L, σ from 1 down to 1/50 (gmm) or 1/100 (laplace), exclusive' },
    stepsPerLevel: { default: 500, description: 'Adam steps per noise level (Adam re-created per level)' },
    batch: { default: 128, description: 'batch size' },
    lr: { default: 3e-3, description: 'Adam learning rate at the largest σ (paper: 1e-4 throughout, over far more steps)' },
    lrBySigma: { default: true, description: 'scale the learning rate with σ_n/σ_0 at each level (false: one rate, as the paper)' },
    data: { default: 10_000, description: 'training samples drawn from the target' },
    chains: { default: 4096, description: 'sampling chains run at once' },
    dt: { default: 0.02, description: 'sampling time step' },
    steps: { default: 500, description: 'sampling steps per chain' },
    seed: { default: 1, description: 'random seed (data, initialisation, batches, sampling)' },
    baselines: { default: true, description: 'also train and sample the sampler-only networks SO-FR and SO-SC' },
    sampler: { default: 'fused', description: "'fused' (this model's own sampling kernel) or 'network' (the network engine: W_rec = W₂W₁ as a projection, the noise through Σ from a noise population)" },
  },

  async run(ctx: Context, params, progress, signal): Promise<RsnResult> {
    const task = params.task;
    if (task !== 'gmm' && task !== 'laplace') throw new InputError(`rsn: --task must be 'gmm' or 'laplace', got '${String(task)}'`);
    const hidden = numberParam(params, 'hidden');
    const levels = numberParam(params, 'levels');
    const stepsPerLevel = numberParam(params, 'stepsPerLevel');
    const batch = numberParam(params, 'batch');
    const lr = numberParam(params, 'lr');
    const dataSize = numberParam(params, 'data');
    const chains = numberParam(params, 'chains');
    const dt = numberParam(params, 'dt');
    const steps = numberParam(params, 'steps');
    const seed = numberParam(params, 'seed');
    const lrBySigma = params.lrBySigma !== false;
    const activation = params.activation;
    if (activation !== 'relu' && activation !== 'tanh') throw new InputError(`rsn: --activation must be 'relu' or 'tanh', got '${String(activation)}'`);
    const sampler = params.sampler ?? 'fused';
    if (sampler !== 'fused' && sampler !== 'network') throw new InputError(`rsn: --sampler must be 'fused' or 'network', got '${String(sampler)}'`);
    if (!(lr > 0)) throw new InputError(`rsn: --lr must be positive, got ${lr}`);
    if (!Number.isInteger(dataSize) || dataSize < 2) throw new InputError(`rsn: --data must be a whole number ≥ 2, got ${dataSize}`);
    const dim = task === 'gmm' ? 1 : 2;
    const data = task === 'gmm' ? gmmData(dataSize, seed) : laplaceData(dataSize, seed);
    const sigmas = noiseLevels(1, task === 'gmm' ? 1 / 50 : 1 / 100, levels);
    const model = createScoreModel(ctx, dim, { hidden, seed, activation });
    try {
      const t0 = performance.now();
      const curve = await trainScoreModel(ctx, model, data, {
        sigmas, stepsPerLevel, batch, lr, lrBySigma, seed, lossEvery: Math.max(1, Math.floor(stepsPerLevel / 4)), signal,
        progress: (f) => progress(0.6 * f, 'training'),
      });
      const t1 = performance.now();
      const weights = await model.read();
      const init = task === 'gmm' ? 'uniform' as const : 'normal' as const;
      const x = sampler === 'network'
        ? await sampleReservoirNetwork(ctx, weights, { chains, steps, dt, seed, init })
        : await sampleReservoir(ctx, weights, { chains, steps, dt, seed, init, signal, progress: (f) => progress(0.6 + 0.4 * f, 'sampling') });
      const t2 = performance.now();
      const baselines: RsnResult['baselines'] = [];
      if (params.baselines !== false) {
        for (const [name, kind] of [['SO-FR', 'fr'], ['SO-SC', 'sc']] as const) {
          const { network, finalLoss } = trainSamplerOnly(data, dim, { kind, activation, sigmas, stepsPerLevel, batch, lr, lrBySigma, seed });
          const xs = await sampleSamplerOnly(ctx, network, { chains, steps, dt, seed: seed + 1, signal });
          if (task === 'gmm') {
            const g = gmmStatistics(xs);
            baselines.push({ name, finalLoss, gmm: { ...halfStats(xs), ks: g.ks, klHistogram: g.klHistogram } });
          } else {
            baselines.push({ name, finalLoss, kurtosis: [kurtosis(xs, 2, 0), kurtosis(xs, 2, 1)] });
          }
        }
      }
      const result: RsnResult = {
        task, samples: chains, curve, baselines,
        params: { task, hidden, activation, levels, stepsPerLevel, batch, lr, lrBySigma: String(lrBySigma), data: dataSize, chains, dt, steps, seed, sigmaMin: sigmas.at(-1)!, sampler },
        wallMs: { train: t1 - t0, sample: t2 - t1 },
      };
      if (task === 'gmm') result.gmm = await gmmSummary(ctx, model, x, sigmas.at(-1)!);
      else result.laplace = laplaceSummary(x, data);
      return result;
    } finally {
      model.destroy();
    }
  },

  toJSON(r) {
    const base = { task: r.task, params: r.params, samples: r.samples, trainingCurve: r.curve, baselines: r.baselines, wallMs: r.wallMs };
    if (r.gmm) {
      const g = r.gmm;
      return { ...base, fractionPositive: g.fractionPositive, modes: g.modes, modeStd: g.modeStd, ks: g.ks, klHistogram: g.klHistogram, target: g.target };
    }
    const l = r.laplace!;
    return { ...base, kurtosis: l.kurtosis, histograms: l.histograms };
  },

  tables(r) {
    const out: Record<string, Record<string, number | string>[]> = {
      training: r.curve.map((c) => ({ level: c.level, sigma: c.sigma, step: c.step, loss: c.loss })),
    };
    if (r.gmm) {
      out.histogram = r.gmm.histogram;
      out.score = r.gmm.score;
    } else {
      out.histograms = r.laplace!.histograms;
    }
    return out;
  },

  figures(r) {
    const figs: Figure[] = [curveFigure(r)];
    if (r.gmm) figs.push(histogramFigure(r), scoreFigure(r));
    else figs.push(...(['target', 'generated'] as const).map((k) => heatmapFigure(r, k)));
    return figs;
  },

  summary(r) {
    const f = (x: number, d = 3): string => x.toFixed(d);
    const lines = [
      `trained N = ${r.params.hidden} reservoir units on ${r.params.data} samples: ${r.params.levels} levels × ${r.params.stepsPerLevel} steps in ${(r.wallMs.train / 1000).toFixed(1)} s`,
      `  loss at each level's end: ${r.curve.filter((c, i, a) => i === a.length - 1 || a[i + 1]!.level !== c.level).map((c) => `σ=${f(c.sigma, 3)}: ${f(c.loss)}`).join(', ')}`,
      `sampled ${r.samples} chains × ${r.params.steps} steps (dt = ${r.params.dt}) in ${(r.wallMs.sample / 1000).toFixed(1)} s`,
    ];
    if (r.gmm) {
      const g = r.gmm;
      lines.push(
        '                 generated        target',
        `  P(x > 0)       ${f(g.fractionPositive).padStart(9)}  ${f(g.target.fractionPositive).padStart(12)}`,
        `  modes          ${f(g.modes[0])}, ${f(g.modes[1])}   ${f(g.target.modes[0])}, ${f(g.target.modes[1])}`,
        `  mode std       ${f(g.modeStd[0])}, ${f(g.modeStd[1])}   ${f(g.target.modeStd[0])}, ${f(g.target.modeStd[1])}`,
        `  KS distance ${f(g.ks, 4)}, histogram KL ${f(g.klHistogram, 4)}`,
        ...r.baselines.map((b) => `  ${b.name} baseline: P(x > 0) ${f(b.gmm!.fractionPositive)}, modes ${f(b.gmm!.modes[0])}, ${f(b.gmm!.modes[1])}, std ${f(b.gmm!.modeStd[0])}, ${f(b.gmm!.modeStd[1])}, KS ${f(b.gmm!.ks, 4)}, KL ${f(b.gmm!.klHistogram, 4)}`),
      );
    } else {
      const k = r.laplace!.kurtosis;
      lines.push(`  kurtosis per axis: generated ${f(k.generated[0], 2)}, ${f(k.generated[1], 2)}; training data ${f(k.data[0], 2)}, ${f(k.data[1], 2)}; target ${k.target[0]}, ${k.target[1]}`);
      for (const b of r.baselines) lines.push(`  ${b.name} baseline kurtosis: ${f(b.kurtosis![0], 2)}, ${f(b.kurtosis![1], 2)}`);
    }
    return lines.join('\n');
  },
};

async function gmmSummary(ctx: Context, model: Parameters<typeof evaluateScore>[1], x: Float64Array, sigmaMin: number): Promise<NonNullable<RsnResult['gmm']>> {
  const stats = halfStats(x);
  const { ks, klHistogram, histogram } = gmmStatistics(x);
  const grid = Array.from({ length: 121 }, (_, i) => -3 + 0.05 * i);
  const learned = await evaluateScore(ctx, model, grid);
  const score = grid.map((g, i) => ({ x: g, learned: learned[i]!, exact: mixtureScore(DOUBLE_PEAK, g), smoothed: mixtureScore(DOUBLE_PEAK, g, sigmaMin) }));
  return { ...stats, target: targetHalfStats(), ks, klHistogram, histogram, score };
}

/** KS distance to the target CDF, and KL(generated ‖ target) over 40 bins on [−3, 3] (tails in the end bins). */
function gmmStatistics(x: Float64Array): { ks: number; klHistogram: number; histogram: { x: number; generated: number; target: number }[] } {
  const sorted = Float64Array.from(x).sort();
  const n = sorted.length;
  let ks = 0;
  sorted.forEach((v, i) => { const F = mixtureCdf(DOUBLE_PEAK, v); ks = Math.max(ks, Math.abs(F - i / n), Math.abs(F - (i + 1) / n)); });
  const bins = 40, lo = -3, hi = 3, width = (hi - lo) / bins;
  const counts = new Float64Array(bins);
  for (const v of x) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]! += 1;
  let kl = 0;
  const histogram = Array.from({ length: bins }, (_, b) => {
    const a = b === 0 ? 0 : mixtureCdf(DOUBLE_PEAK, lo + b * width);
    const c = b === bins - 1 ? 1 : mixtureCdf(DOUBLE_PEAK, lo + (b + 1) * width);
    const p = c - a;
    const q = counts[b]! / n;
    if (q > 0) kl += q * Math.log(q / p);
    return { x: lo + (b + 0.5) * width, generated: q / width, target: mixtureDensity(DOUBLE_PEAK, lo + (b + 0.5) * width) };
  });
  return { ks, klHistogram: kl, histogram };
}

function laplaceSummary(x: Float64Array, data: Float64Array): NonNullable<RsnResult['laplace']> {
  const bins = 30, lo = -4, hi = 4, width = (hi - lo) / bins;
  const hist = (xs: Float64Array): Float64Array => {
    const h = new Float64Array(bins * bins);
    const n = xs.length / 2;
    for (let i = 0; i < n; i++) {
      const a = Math.floor((xs[2 * i]! - lo) / width);
      const b = Math.floor((xs[2 * i + 1]! - lo) / width);
      if (a >= 0 && a < bins && b >= 0 && b < bins) h[a * bins + b] = h[a * bins + b]! + 1 / (n * width * width);
    }
    return h;
  };
  const ht = hist(data);
  const hg = hist(x);
  const histograms = Array.from({ length: bins * bins }, (_, k) => ({
    x: lo + (Math.floor(k / bins) + 0.5) * width, y: lo + ((k % bins) + 0.5) * width, target: ht[k]!, generated: hg[k]!,
  }));
  return {
    // X = √W·Z with W ~ Exp(1): E X⁴ / (E X²)² = 3·E W² / (E W)² = 6 on each axis, for both components.
    kurtosis: { target: [6, 6], data: [kurtosis(data, 2, 0), kurtosis(data, 2, 1)], generated: [kurtosis(x, 2, 0), kurtosis(x, 2, 1)] },
    histograms,
  };
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

function curveFigure(r: RsnResult): Figure {
  return {
    name: 'training-loss',
    spec: {
      $schema: SCHEMA, title: 'Denoising score matching loss (annealed σ)', width: 420, height: 260,
      data: { values: r.curve },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative' },
        y: { field: 'loss', type: 'quantitative', scale: { type: 'log' } },
        color: { field: 'sigma', type: 'quantitative', title: 'σ', scale: { type: 'log' } },
      },
    },
  };
}

function histogramFigure(r: RsnResult): Figure {
  return {
    name: 'samples-vs-target',
    spec: {
      $schema: SCHEMA, title: `RSN samples (${r.samples} chains) over the target density`, width: 420, height: 260,
      data: { values: r.gmm!.histogram },
      layer: [
        { mark: { type: 'bar', opacity: 0.6 }, encoding: { x: { field: 'x', type: 'quantitative', bin: { binned: true, step: 0.15 } }, y: { field: 'generated', type: 'quantitative', title: 'density' } } },
        { mark: { type: 'line', color: 'black' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'target', type: 'quantitative' } } },
      ],
    },
  };
}

function scoreFigure(r: RsnResult): Figure {
  const rows = r.gmm!.score.flatMap((s) => [
    { x: s.x, score: s.learned, curve: 'learned s_θ' },
    { x: s.x, score: s.exact, curve: 'exact score' },
    { x: s.x, score: s.smoothed, curve: `exact at σ = ${Number(r.params.sigmaMin).toFixed(3)}` },
  ]);
  return {
    name: 'score',
    spec: {
      $schema: SCHEMA, title: 'Learned score vs the exact mixture score', width: 420, height: 260,
      data: { values: rows }, mark: 'line',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'score', type: 'quantitative' }, color: { field: 'curve', type: 'nominal', title: null } },
    },
  };
}

function heatmapFigure(r: RsnResult, which: 'target' | 'generated'): Figure {
  return {
    name: `histogram-${which}`,
    spec: {
      $schema: SCHEMA, title: `${which === 'target' ? 'Training data' : 'RSN samples'}: 2-D histogram`, width: 300, height: 300,
      data: { values: r.laplace!.histograms },
      mark: 'rect',
      encoding: {
        x: { field: 'x', type: 'ordinal', axis: null },
        y: { field: 'y', type: 'ordinal', axis: null, sort: 'descending' },
        color: { field: which, type: 'quantitative', title: 'density' },
      },
    },
  };
}
