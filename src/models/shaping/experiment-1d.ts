/**
 * `wgneuro run shaping-1d`: one interneuron Gaussianizes the finest steerable-pyramid band of
 * natural images (Lipshutz & Simoncelli, NeurIPS 2024, Fig. 1; SEEDS.md §2): the learned map
 * beside the exact optimal map Φ⁻¹∘F_s, and the response's kurtosis and KS distance to N(0, 1).
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { numberParam, type Experiment, type Figure, type ParamValue } from '../experiment.js';
import { createCircuit, learnCircuit, readCircuit, respondCircuit, type LearningCurve } from './circuit.js';
import { imageBand, initialState1D } from './data.js';
import { BUNDLED_IMAGES, loadImage } from './images.js';
import { columnMoments } from './metrics.js';
import { empiricalOptimalMap, ksDistanceNormal } from './reference.js';

/** Statistics of a 1-D sample. */
export interface Shape1D {
  kurtosis: number;
  ks: number;
}

/** One image's 1-D result. */
export interface Shaping1DImage {
  image: string;
  size: number;
  input: Shape1D;
  output: Shape1D;
  theta: number;
  gain: number;
  /** RMS of T(s) − Φ⁻¹(F̂(s)) over every coefficient (F̂: mid-rank empirical CDF). */
  optimalMapError: number;
  curve: LearningCurve;
  /** About 400 points (s, T(s), Φ⁻¹(F̂(s))) spread over the sorted coefficients, for the figure. */
  map: { s: number; learned: number; optimal: number }[];
  /** Densities on 0.25-wide bins over [−6, 6] of the input and the response. */
  histogram: { x: number; input: number; output: number }[];
}

/** Everything `shaping-1d` computes. */
export interface Shaping1DResult {
  params: { iterations: number; batch: number; etaG: number; etaTheta: number; seed: number; size: number };
  images: Shaping1DImage[];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)));


/** The images an experiment runs on: `--image` (comma-separated) or the bundled photographs. */
export function imageList(params: Record<string, ParamValue>): string[] {
  const given = String(params.image ?? '').trim();
  return given === '' ? BUNDLED_IMAGES.map((b) => b.name) : given.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function densities(values: ArrayLike<number>, lo: number, hi: number, width: number): number[] {
  const bins = Math.round((hi - lo) / width);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor((values[i]! - lo) / width);
    if (b >= 0 && b < bins) counts[b]!++;
  }
  return counts.map((c) => c / (values.length * width));
}

async function runImage(ctx: Context, name: string, p: Shaping1DResult['params'], progress: (f: number, m: string) => void, signal?: AbortSignal): Promise<Shaping1DImage> {
  const image = await loadImage(name, p.size);
  const band = await imageBand(ctx, image);
  const count = band.length;
  const data = ctx.tensor([count, 1], { label: 'shaping-1d.band', data: band });
  const circuit = createCircuit(ctx, initialState1D(p.seed));
  try {
    const curve = await learnCircuit(ctx, circuit, data, {
      iterations: p.iterations, batch: p.batch, etaG: p.etaG, etaTheta: p.etaTheta, etaW: 0, seed: p.seed, signal,
      progress: (f) => progress(f, `${image.name}: learning`),
    });
    const learned = await readCircuit(circuit);
    const responses = await respondCircuit(ctx, circuit, data);
    let r: Float32Array;
    let inputMoments;
    let outputMoments;
    try {
      inputMoments = await columnMoments(ctx, data);
      outputMoments = await columnMoments(ctx, responses);
      r = await responses.read();
    } finally {
      responses.destroy();
    }
    for (let i = 0; i < r.length; i++) {
      if (!Number.isFinite(r[i]!)) throw new Error(`shaping-1d: the response to coefficient ${i} of ${image.name} is ${r[i]} (Newton failed)`);
    }
    const optimal = empiricalOptimalMap(band);
    let err = 0;
    for (let i = 0; i < count; i++) err += (r[i]! - optimal[i]!) ** 2;
    const order = Array.from({ length: count }, (_, i) => i).sort((i, j) => band[i]! - band[j]!);
    const stride = Math.max(1, Math.floor(count / 400));
    const map = [];
    for (let q = 0; q < count; q += stride) map.push({ s: band[order[q]!]!, learned: r[order[q]!]!, optimal: optimal[order[q]!]! });
    const last = order[count - 1]!;
    map.push({ s: band[last]!, learned: r[last]!, optimal: optimal[last]! });
    const dIn = densities(band, -6, 6, 0.25);
    const dOut = densities(r, -6, 6, 0.25);
    return {
      image: image.name,
      size: image.width,
      input: { kurtosis: inputMoments.kurtosis[0]!, ks: ksDistanceNormal(band) },
      output: { kurtosis: outputMoments.kurtosis[0]!, ks: ksDistanceNormal(r) },
      theta: learned.theta[0]!,
      gain: learned.g[0]!,
      optimalMapError: Math.sqrt(err / count),
      curve,
      map,
      histogram: dIn.map((v, i) => ({ x: -6 + 0.25 * (i + 0.5), input: v, output: dOut[i]! })),
    };
  } finally {
    await ctx.sync();
    circuit.destroy();
    data.destroy();
  }
}

/**
 * The `shaping-1d` experiment. Defaults are the paper's (SEEDS §2.3): batch 10, 20,000 iterations,
 * η_g = 1e-3, η_θ = 1e-4, on the three bundled photographs (512² crops).
 */
export const shaping1DExperiment: Experiment<Shaping1DResult> = {
  name: 'shaping-1d',
  description: 'One interneuron Gaussianizes a steerable-pyramid band of natural images: learned vs optimal map (Lipshutz & Simoncelli 2024, Fig. 1)',
  params: {
    image: { default: '', description: `images (comma-separated): bundled names (${BUNDLED_IMAGES.map((b) => b.name).join(', ')}) or JPEG/.npy paths; empty: all bundled` },
    iterations: { default: 20_000, description: 'learning iterations' },
    batch: { default: 10, description: 'samples per iteration (≤ 64)' },
    etaG: { default: 1e-3, description: 'gain learning rate η_g' },
    etaTheta: { default: 1e-4, description: 'shape learning rate η_θ' },
    seed: { default: 0, description: 'seed of the initial state and the batches' },
    size: { default: 512, description: 'largest side of the power-of-two centre crop' },
  },

  async run(ctx, params, progress, signal) {
    const p = {
      iterations: numberParam(params, 'iterations'), batch: numberParam(params, 'batch'), etaG: numberParam(params, 'etaG'), etaTheta: numberParam(params, 'etaTheta'),
      seed: numberParam(params, 'seed'), size: numberParam(params, 'size'),
    };
    const names = imageList(params);
    const images: Shaping1DImage[] = [];
    for (let i = 0; i < names.length; i++) {
      images.push(await runImage(ctx, names[i]!, p, (f, m) => progress((i + f) / names.length, m), signal));
    }
    return { params: p, images };
  },

  toJSON(r) {
    const agg = (f: (x: Shaping1DImage) => number): number => mean(r.images.map(f));
    const spread = (f: (x: Shaping1DImage) => number): number => std(r.images.map(f));
    return {
      input: { kurtosis: agg((x) => x.input.kurtosis), ks: agg((x) => x.input.ks) },
      output: { kurtosis: agg((x) => x.output.kurtosis), ks: agg((x) => x.output.ks) },
      theta: agg((x) => x.theta),
      gain: agg((x) => x.gain),
      optimalMapError: agg((x) => x.optimalMapError),
      spread: {
        input: { kurtosis: spread((x) => x.input.kurtosis), ks: spread((x) => x.input.ks) },
        output: { kurtosis: spread((x) => x.output.kurtosis), ks: spread((x) => x.output.ks) },
        theta: spread((x) => x.theta),
        gain: spread((x) => x.gain),
        optimalMapError: spread((x) => x.optimalMapError),
      },
      images: r.images.map((x) => ({ image: x.image, size: x.size, input: x.input, output: x.output, theta: x.theta, gain: x.gain, optimalMapError: x.optimalMapError })),
      params: r.params,
    };
  },

  tables(r) {
    return {
      images: r.images.map((x) => ({
        image: x.image, size: x.size, inputKurtosis: x.input.kurtosis, inputKS: x.input.ks, outputKurtosis: x.output.kurtosis, outputKS: x.output.ks,
        theta: x.theta, gain: x.gain, optimalMapError: x.optimalMapError,
      })),
      curves: r.images.flatMap((x) => x.curve.iterations.map((it, i) => ({ image: x.image, iteration: it, g: x.curve.g[i]![0]!, theta: x.curve.theta[i]![0]!, meanC: x.curve.meanC[i]![0]! }))),
    };
  },

  figures(r): Figure[] {
    const first = r.images[0];
    if (!first) return [];
    // N(0, 1) down to the smallest density a 0.25-wide bin of this sample can show.
    const floor = 1 / (first.size * first.size * 0.25);
    const gauss = Array.from({ length: 121 }, (_, i) => {
      const x = -6 + 0.1 * i;
      return { x, density: Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI) };
    }).filter((g) => g.density >= floor);
    const hist = first.histogram.flatMap((h) => [
      { x: h.x, which: 'input s (band coefficients)', density: h.input },
      { x: h.x, which: 'response r = T(s)', density: h.output },
    ]);
    return [
      {
        name: 'response-histogram',
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
          title: `${first.image}: densities (log scale), N(0, 1) dashed`,
          width: 380, height: 260,
          config: { legend: { orient: 'bottom', labelLimit: 320 } },
          layer: [
            { data: { values: hist.filter((h) => h.density > 0) }, mark: { type: 'line', interpolate: 'step', point: false },
              encoding: { x: { field: 'x', type: 'quantitative', title: 'value' }, y: { field: 'density', type: 'quantitative', scale: { type: 'log' }, title: 'density' }, color: { field: 'which', type: 'nominal', title: null } } },
            { data: { values: gauss }, mark: { type: 'line', color: 'black', strokeDash: [4, 3] },
              encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'density', type: 'quantitative' } } },
          ],
        },
      },
      {
        name: 'learned-map',
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
          title: `${first.image}: learned T(s) vs optimal Φ⁻¹∘F_s (RMS ${first.optimalMapError.toFixed(3)})`,
          width: 380, height: 300,
          config: { legend: { orient: 'bottom', labelLimit: 320 } },
          data: { values: first.map.flatMap((m) => [{ s: m.s, which: 'learned T(s)', r: m.learned }, { s: m.s, which: 'optimal Φ⁻¹(F_s(s))', r: m.optimal }]) },
          mark: { type: 'line' },
          encoding: {
            x: { field: 's', type: 'quantitative', title: 's (band coefficient / std)' },
            y: { field: 'r', type: 'quantitative', title: 'response r' },
            color: { field: 'which', type: 'nominal', title: null },
            strokeDash: { field: 'which', type: 'nominal', title: null },
          },
        },
      },
      {
        name: 'learning-curves',
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
          data: { values: r.images.flatMap((x) => x.curve.iterations.flatMap((it, i) => [
            { image: x.image, iteration: it, parameter: 'gain g', value: x.curve.g[i]![0]! },
            { image: x.image, iteration: it, parameter: 'shape θ', value: x.curve.theta[i]![0]! },
          ])) },
          facet: { row: { field: 'parameter', type: 'nominal', title: null } },
          spec: {
            width: 380, height: 160,
            mark: { type: 'line' },
            encoding: {
              x: { field: 'iteration', type: 'quantitative' },
              y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
              color: { field: 'image', type: 'nominal' },
            },
          },
          resolve: { scale: { y: 'independent' } },
        },
      },
    ];
  },

  summary(r) {
    const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));
    const lines = [
      `shaping-1d: N = K = 1, ${r.params.iterations} iterations of batch ${r.params.batch}, η_g = ${r.params.etaG}, η_θ = ${r.params.etaTheta}, seed ${r.params.seed}`,
      'image                      | input kurtosis   KS | response kurtosis   KS |   θ     g   | RMS(T − Φ⁻¹∘F_s)',
      ...r.images.map((x) => `${`${x.image} (${x.size}²)`.padEnd(26)} | ${f(x.input.kurtosis, 2).padStart(14)} ${f(x.input.ks).padStart(6)} | ${f(x.output.kurtosis, 3).padStart(17)} ${f(x.output.ks).padStart(6)} | ${f(x.theta).padStart(5)} ${f(x.gain).padStart(5)} | ${f(x.optimalMapError).padStart(8)}`),
    ];
    if (r.images.length > 1) {
      const m = (g: (x: Shaping1DImage) => number): string => `${f(mean(r.images.map(g)))} ± ${f(std(r.images.map(g)))}`;
      lines.push(`mean ± sd over ${r.images.length} images: response kurtosis ${m((x) => x.output.kurtosis)}, KS ${m((x) => x.output.ks)}, map RMS ${m((x) => x.optimalMapError)}`);
    }
    return lines.join('\n');
  },
};
