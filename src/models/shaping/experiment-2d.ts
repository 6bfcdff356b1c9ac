/**
 * `wgneuro run shaping-2d`: three interneurons reduce the dependence between neighbouring
 * steerable-pyramid coefficients (Lipshutz & Simoncelli, NeurIPS 2024, Fig. 2; SEEDS.md §2):
 * plug-in mutual information (nats, 0.5-wide bins, every 10th pair) of the pairs, of their ZCA
 * whitening and of the circuit's responses, against the displacement d.
 */
import type { Context } from '../../core/context.js';
import type { Tensor } from '../../core/tensor.js';
import { InputError } from '../../gpu/errors.js';
import { listParam, numberParam, type Experiment, type Figure } from '../experiment.js';
import { createCircuit, learnCircuit, readCircuit, respondCircuit } from './circuit.js';
import { bandPairs, imageBand, initialState2D } from './data.js';
import { imageList } from './experiment-1d.js';
import { BUNDLED_IMAGES, loadImage } from './images.js';
import { columnMoments, mutualInformation, zcaWhiten, type Histogram2D } from './metrics.js';

/** The three representations compared. */
export type Representation = 'signal' | 'zca' | 'circuit';
const REPRESENTATIONS: Representation[] = ['signal', 'zca', 'circuit'];

/** One (image, offset, seed) run. */
export interface Shaping2DRun {
  image: string;
  offset: number;
  seed: number;
  mi: Record<Representation, number>;
  /** Mean marginal excess kurtosis of the two coordinates. */
  kurtosis: Record<Representation, number>;
  /**
   * Mean marginal standard deviation of the two coordinates: the plug-in MI on a fixed 0.5-wide
   * grid depends on the scale, so a representation much narrower than 1 would read low.
   */
  std: Record<Representation, number>;
  g: number[];
  theta: number[];
  w: number[];
}

/** Everything `shaping-2d` computes. */
export interface Shaping2DResult {
  params: { offsets: number[]; iterations: number; batch: number; etaG: number; etaTheta: number; etaW: number; seeds: number; seed: number; size: number; miStep: number };
  images: string[];
  runs: Shaping2DRun[];
  /** Joint histograms of the first image, first offset, first seed (for the figure). */
  histograms: Record<Representation, Histogram2D> | null;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)));


async function measure(ctx: Context, pairs: Tensor, step: number, keep: boolean): Promise<{ mi: number; kurtosis: number; std: number; histogram: Histogram2D | null }> {
  const { mi, histogram } = await mutualInformation(ctx, pairs, step);
  const { kurtosis, covariance } = await columnMoments(ctx, pairs);
  return {
    mi, kurtosis: (kurtosis[0]! + kurtosis[1]!) / 2, std: (Math.sqrt(covariance[0]!) + Math.sqrt(covariance[3]!)) / 2, histogram: keep ? histogram : null,
  };
}

async function runOffset(
  ctx: Context, image: string, band: Float32Array, side: number, offset: number, seed: number, p: Shaping2DResult['params'], keep: boolean,
  progress: (f: number) => void, signal?: AbortSignal,
): Promise<{ run: Shaping2DRun; histograms: Record<Representation, Histogram2D> | null }> {
  const pairs = bandPairs(band, side, side, offset);
  const count = pairs.length / 2;
  const data = ctx.tensor([count, 2], { label: 'shaping-2d.pairs', data: pairs });
  const circuit = createCircuit(ctx, initialState2D(seed));
  const made: Tensor[] = [data];
  try {
    await learnCircuit(ctx, circuit, data, {
      iterations: p.iterations, batch: p.batch, etaG: p.etaG, etaTheta: p.etaTheta, etaW: p.etaW, seed, signal, progress,
    });
    const learned = await readCircuit(circuit);
    const responses = await respondCircuit(ctx, circuit, data);
    made.push(responses);
    const { whitened } = await zcaWhiten(ctx, data);
    made.push(whitened);
    const tensors: Record<Representation, Tensor> = { signal: data, zca: whitened, circuit: responses };
    const mi = {} as Record<Representation, number>;
    const kurtosis = {} as Record<Representation, number>;
    const stds = {} as Record<Representation, number>;
    const histograms = {} as Record<Representation, Histogram2D>;
    for (const which of REPRESENTATIONS) {
      const m = await measure(ctx, tensors[which], p.miStep, keep);
      mi[which] = m.mi;
      kurtosis[which] = m.kurtosis;
      stds[which] = m.std;
      if (m.histogram) histograms[which] = m.histogram;
    }
    return {
      run: { image, offset, seed, mi, kurtosis, std: stds, g: Array.from(learned.g), theta: Array.from(learned.theta), w: Array.from(learned.w) },
      histograms: keep ? histograms : null,
    };
  } finally {
    await ctx.sync();
    circuit.destroy();
    for (const t of made) t.destroy();
  }
}

/** Per-offset mean and sd over images (each image first averaged over its seeds). */
function perOffset(r: Shaping2DResult, value: (run: Shaping2DRun) => number): { mean: number[]; sd: number[] } {
  const out = { mean: [] as number[], sd: [] as number[] };
  for (const offset of r.params.offsets) {
    const perImage = r.images.map((image) => mean(r.runs.filter((x) => x.image === image && x.offset === offset).map(value)));
    out.mean.push(mean(perImage));
    out.sd.push(std(perImage));
  }
  return out;
}

/**
 * The `shaping-2d` experiment. Defaults are the paper's (SEEDS §2.3): K = 3, batch 10, 3,000
 * iterations, η_g = 1e-3, η_θ = 1e-5, η_w = 1e-2, offsets 2, 8, 32, MI on every 10th pair; three
 * bundled photographs, three seeds each.
 */
export const shaping2DExperiment: Experiment<Shaping2DResult> = {
  name: 'shaping-2d',
  description: 'Three interneurons reduce the MI of neighbouring pyramid coefficients: signal vs ZCA vs circuit against offset (Lipshutz & Simoncelli 2024, Fig. 2)',
  params: {
    offsets: { default: [2, 8, 32], description: 'displacements d of the pairs (c[y, x], c[y + d, x]), along rows' },
    image: { default: '', description: `images (comma-separated): bundled names (${BUNDLED_IMAGES.map((b) => b.name).join(', ')}) or JPEG/.npy paths; empty: all bundled` },
    iterations: { default: 3000, description: 'learning iterations' },
    batch: { default: 10, description: 'samples per iteration (≤ 64)' },
    etaG: { default: 1e-3, description: 'gain learning rate η_g' },
    etaTheta: { default: 1e-5, description: 'shape learning rate η_θ' },
    etaW: { default: 1e-2, description: 'Hebbian weight learning rate η_w' },
    seeds: { default: 3, description: 'seeds (initial states and batches) per image and offset' },
    seed: { default: 0, description: 'first seed' },
    size: { default: 512, description: 'largest side of the power-of-two centre crop' },
    miStep: { default: 10, description: 'MI uses every miStep-th pair (the paper: 10)' },
  },

  async run(ctx, params, progress, signal) {
    const offsets = listParam(params, 'offsets');
    const p: Shaping2DResult['params'] = {
      offsets, iterations: numberParam(params, 'iterations'), batch: numberParam(params, 'batch'), etaG: numberParam(params, 'etaG'), etaTheta: numberParam(params, 'etaTheta'),
      etaW: numberParam(params, 'etaW'), seeds: numberParam(params, 'seeds'), seed: numberParam(params, 'seed'), size: numberParam(params, 'size'), miStep: numberParam(params, 'miStep'),
    };
    if (!Number.isInteger(p.seeds) || p.seeds < 1) throw new InputError(`--seeds must be a positive integer, got ${p.seeds}`);
    if (offsets.length === 0 || offsets.some((d) => !Number.isInteger(d) || d < 1)) throw new InputError(`--offsets must be positive integers, got ${offsets.join(',')}`);
    const names = imageList(params);
    const runs: Shaping2DRun[] = [];
    const images: string[] = [];
    let histograms: Shaping2DResult['histograms'] = null;
    const total = names.length * offsets.length * p.seeds;
    let done = 0;
    for (const name of names) {
      const image = await loadImage(name, p.size);
      const tooLarge = offsets.filter((d) => d >= image.height);
      if (tooLarge.length) throw new InputError(`--offsets ${tooLarge.join(',')} do not fit in ${image.name}'s ${image.height}-row crop`);
      images.push(image.name);
      const band = await imageBand(ctx, image);
      for (const offset of offsets) {
        for (let s = 0; s < p.seeds; s++) {
          const keep = histograms === null;
          const out = await runOffset(ctx, image.name, band, image.width, offset, p.seed + s, p, keep,
            (f) => progress((done + f) / total, `${image.name}, d = ${offset}, seed ${p.seed + s}`), signal);
          runs.push(out.run);
          if (keep) histograms = out.histograms;
          done++;
        }
      }
    }
    return { params: p, images, runs, histograms };
  },

  toJSON(r) {
    const mi = (which: Representation) => perOffset(r, (x) => x.mi[which]);
    return {
      offsets: r.params.offsets,
      mi: { signal: mi('signal').mean, zca: mi('zca').mean, circuit: mi('circuit').mean },
      miSpread: { signal: mi('signal').sd, zca: mi('zca').sd, circuit: mi('circuit').sd },
      // K: the mean marginal excess kurtosis of each representation, per offset.
      K: {
        signal: perOffset(r, (x) => x.kurtosis.signal).mean,
        zca: perOffset(r, (x) => x.kurtosis.zca).mean,
        circuit: perOffset(r, (x) => x.kurtosis.circuit).mean,
      },
      std: {
        signal: perOffset(r, (x) => x.std.signal).mean,
        zca: perOffset(r, (x) => x.std.zca).mean,
        circuit: perOffset(r, (x) => x.std.circuit).mean,
      },
      interneurons: 3,
      images: r.images.map((image) => ({
        image,
        mi: Object.fromEntries(REPRESENTATIONS.map((which) => [which, r.params.offsets.map((d) => mean(r.runs.filter((x) => x.image === image && x.offset === d).map((x) => x.mi[which])))])),
        miSeedSpread: Object.fromEntries(REPRESENTATIONS.map((which) => [which, r.params.offsets.map((d) => std(r.runs.filter((x) => x.image === image && x.offset === d).map((x) => x.mi[which])))])),
      })),
      runs: r.runs,
      params: r.params,
    };
  },

  tables(r) {
    return {
      runs: r.runs.map((x) => ({
        image: x.image, offset: x.offset, seed: x.seed,
        miSignal: x.mi.signal, miZCA: x.mi.zca, miCircuit: x.mi.circuit,
        kurtosisSignal: x.kurtosis.signal, kurtosisZCA: x.kurtosis.zca, kurtosisCircuit: x.kurtosis.circuit,
        stdSignal: x.std.signal, stdZCA: x.std.zca, stdCircuit: x.std.circuit,
        g: x.g.map((v) => v.toPrecision(4)).join(' '), theta: x.theta.map((v) => v.toPrecision(4)).join(' '),
      })),
    };
  },

  figures(r): Figure[] {
    const figures: Figure[] = [];
    const lines = REPRESENTATIONS.flatMap((which) => {
      const s = perOffset(r, (x) => x.mi[which]);
      return r.params.offsets.map((d, i) => ({ offset: d, representation: which, mi: s.mean[i]!, lo: s.mean[i]! - s.sd[i]!, hi: s.mean[i]! + s.sd[i]! }));
    });
    figures.push({
      name: 'mi-vs-offset',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        title: `Mutual information (nats) vs offset: mean ± sd over ${r.images.length} image(s)`,
        width: 360, height: 260,
        data: { values: lines },
        layer: [
          { mark: { type: 'line', point: true }, encoding: {
            x: { field: 'offset', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'offset d (pixels)' },
            y: { field: 'mi', type: 'quantitative', title: 'MI (nats)' },
            color: { field: 'representation', type: 'nominal' } } },
          { mark: { type: 'rule' }, encoding: {
            x: { field: 'offset', type: 'quantitative', scale: { type: 'log', base: 2 } },
            y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { field: 'representation', type: 'nominal' } } },
        ],
      },
    });
    if (r.histograms) {
      const cells: Record<string, number | string>[] = [];
      for (const which of REPRESENTATIONS) {
        const h = r.histograms[which];
        for (let i = 0; i < h.binsX; i++) {
          for (let j = 0; j < h.binsY; j++) {
            const c = h.counts[i * h.binsY + j]!;
            const x = (h.originX + i) * 0.5;
            const y = (h.originY + j) * 0.5;
            if (c > 0 && Math.abs(x) <= 6 && Math.abs(y) <= 6) cells.push({ representation: which, x, x2: x + 0.5, y, y2: y + 0.5, log10count: Math.log10(c) });
          }
        }
      }
      const first = r.runs[0]!;
      figures.push({
        name: 'joint-histograms',
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
          title: `${first.image}, d = ${first.offset}: joint histograms (0.5-wide bins, every ${r.params.miStep}th pair)`,
          data: { values: cells },
          facet: { column: { field: 'representation', type: 'nominal', sort: REPRESENTATIONS, title: null } },
          spec: {
            width: 220, height: 220,
            mark: { type: 'rect' },
            encoding: {
              x: { field: 'x', type: 'quantitative', scale: { domain: [-6, 6] }, title: 'first coordinate' }, x2: { field: 'x2' },
              y: { field: 'y', type: 'quantitative', scale: { domain: [-6, 6] }, title: 'second coordinate' }, y2: { field: 'y2' },
              color: { field: 'log10count', type: 'quantitative', title: 'log₁₀ count' },
            },
          },
        },
      });
    }
    return figures;
  },

  summary(r) {
    const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));
    const p = r.params;
    const lines = [
      `shaping-2d: N = 2, K = 3, ${p.iterations} iterations of batch ${p.batch}, η_g = ${p.etaG}, η_θ = ${p.etaTheta}, η_w = ${p.etaW}; ` +
        `${r.images.length} image(s) × ${p.seeds} seed(s); MI in nats on every ${p.miStep}th pair, 0.5-wide bins`,
      '   d | MI signal        | MI ZCA           | MI circuit       | kurtosis signal  ZCA  circuit | std signal  ZCA  circuit',
    ];
    const s = (which: Representation) => perOffset(r, (x) => x.mi[which]);
    const k = (which: Representation) => perOffset(r, (x) => x.kurtosis[which]);
    const sd = (which: Representation) => perOffset(r, (x) => x.std[which]);
    p.offsets.forEach((d, i) => {
      lines.push(`${String(d).padStart(4)} | ${REPRESENTATIONS.map((w) => `${f(s(w).mean[i]!)} ± ${f(s(w).sd[i]!)}`.padEnd(16)).join(' | ')} | ` +
        `${REPRESENTATIONS.map((w) => f(k(w).mean[i]!, 2).padStart(7)).join(' ')}          | ${REPRESENTATIONS.map((w) => f(sd(w).mean[i]!, 2).padStart(5)).join(' ')}`);
    });
    for (const image of r.images) {
      lines.push(`  ${image}: ` + p.offsets.map((d) => {
        const runs = r.runs.filter((x) => x.image === image && x.offset === d);
        return `d=${d} ${REPRESENTATIONS.map((w) => f(mean(runs.map((x) => x.mi[w])))).join('/')}`;
      }).join(', ') + ' (signal/ZCA/circuit)');
    }
    return lines.join('\n');
  },
};
