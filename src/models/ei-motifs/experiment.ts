/**
 * `wgneuro run ei-motifs`: E–I networks with pairwise connectivity motifs (Shao, Dahmen, Recanatesi,
 * Shea-Brown & Ostojic, arXiv:2411.06802; SEEDS.md §3). Connectivity is drawn on the GPU, dominant
 * eigenvalues come from restarted Arnoldi, and each is printed beside the low-rank prediction
 * (reduced matrix K); then the response to extra input into I is swept over the E-chain loading.
 */
import type { Context } from '../../core/context.js';
import { listParam, numberParams, type Experiment, type Figure } from '../experiment.js';
import { InputError } from '../../gpu/errors.js';
import {
  bulkRadius, denseEigenvalues, lowRankResponse, lowRankResponseRealized, meanFieldResponse, onePopulationNetwork,
  onePopulationOutliers, outliersOutside, reducedMatrixExpected, reducedMatrixRealized, type ComplexValue, type MotifNetwork,
  type MotifStatistics,
} from './reference.js';
import { dominantEigenvalues, motifStatisticsGPU, steadyState } from './analysis.js';
import { generateMotifConnectivity } from './generate.js';

/** One realization of one motif case. */
export interface MotifRealization {
  stream: number;
  eigenvalues: ComplexValue[];
  residuals: number[];
  converged: boolean;
  /** Outliers of the realized reduced matrix (the same factors, exact inner products). */
  predictedRealized: ComplexValue[];
  /** Motif statistics measured on the generated matrix. */
  measured: MotifStatistics;
}

/** One chain-motif strength of the one-population sweep. */
export interface MotifCase {
  tauChain: number;
  tauCon: number;
  tauDiv: number;
  /** τ^rec = (1 − τcon − τdiv)ρ + 2τ^chn. */
  tauRec: number;
  g: number;
  lambda0: number;
  /** Mean over realizations of the outliers (sorted by real part, then imaginary part). */
  eigenvalues: ComplexValue[];
  /** Outliers of the expected reduced matrix K (= roots of λ² − λ₀λ − N g² τ^chn = 0, plus λ₀ when τ^chn = 0). */
  predicted: ComplexValue[];
  bulkRadius: number;
  realizations: MotifRealization[];
}

/** One E-chain loading of the paradoxical-response sweep. */
export interface ParadoxPoint {
  loading: number;
  /** Largest real part of J's eigenvalues (Arnoldi, 'LR'). */
  maxReal: number;
  maxRealConverged: boolean;
  /** max(bulk radius, real parts of the predicted outliers). */
  maxRealPredicted: number;
  rII: number;
  rEI: number;
  rIIPredicted: number;
  rEIPredicted: number;
  /** Low-rank prediction with this realization's inner products. */
  rIIPredictedRealized: number;
  /** Mean-field (no motifs) R_II = (1 − w_EE)/det(I − W). */
  rIIMeanField: number;
  residual: number;
}

/** Everything `ei-motifs` computes; `toJSON` gives the shape. */
export interface EIMotifsResult {
  N: number;
  cases: MotifCase[];
  paradox: ParadoxPoint[];
  paradoxNetwork: { NE: number; NI: number; wE: number; wI: number; bulk: number };
  seed: number;
}

const byReal = (x: ComplexValue, y: ComplexValue): number => y.re - x.re || y.im - x.im;

/** The E–I network of the paradoxical-response sweep: unit-rank mean, bulk loading, E-chain loading L. */
export function paradoxNetwork(NE: number, NI: number, wE: number, wI: number, bulk: number, loading: number): MotifNetwork {
  return {
    sizes: [NE, NI],
    j0: [[wE / NE, wI / NI], [wE / NE, wI / NI]],
    a: [[bulk, bulk], [bulk, bulk]],
    b: [[loading, 0], [loading, 0]],
    d: [[loading, 0], [loading, 0]],
    corr: [1, 0],
    rho: 0,
  };
}

async function runCase(
  ctx: Context, N: number, g: number, lambda0: number, tauCon: number, tauDiv: number, tauChain: number, rho: number,
  realizations: number, seed: number, signal?: AbortSignal,
): Promise<MotifCase> {
  let net: MotifNetwork;
  try {
    net = onePopulationNetwork({ N, g, J0: lambda0 / N, tauCon, tauDiv, tauChain, rho });
  } catch (err) {
    throw new InputError((err as Error).message);
  }
  const radius = bulkRadius(net);
  const predicted = outliersOutside(onePopulationOutliers(N, lambda0 / N, g, tauChain), radius * 1.05);
  const out: MotifRealization[] = [];
  for (let r = 0; r < realizations; r++) {
    if (signal?.aborted) throw new InputError('ei-motifs run was cancelled');
    const { J, factors } = await generateMotifConnectivity(ctx, net, { seed, stream: r });
    try {
      const measured = await motifStatisticsGPU(ctx, J, lambda0 / N);
      const predictedRealized = outliersOutside(denseEigenvalues(reducedMatrixRealized(net, await factors.read())), radius * 1.05);
      // Ask Arnoldi for every outlier either prediction expects (finite-N fluctuations can add one).
      const k = Math.max(1, predicted.length, predictedRealized.length);
      const eig = await dominantEigenvalues(ctx, J, { k, which: 'LM', seed: r });
      const order = eig.values.map((_, i) => i).sort((i, j) => byReal(eig.values[i]!, eig.values[j]!));
      out.push({
        stream: r,
        eigenvalues: order.map((i) => eig.values[i]!),
        residuals: order.map((i) => eig.residuals[i]!),
        converged: eig.converged,
        predictedRealized,
        measured,
      });
    } finally {
      J.destroy();
      factors.destroy();
    }
  }
  const count = Math.min(...out.map((o) => o.eigenvalues.length));
  const eigenvalues = Array.from({ length: count }, (_, i) => ({
    re: out.reduce((s, o) => s + o.eigenvalues[i]!.re, 0) / out.length,
    im: out.reduce((s, o) => s + o.eigenvalues[i]!.im, 0) / out.length,
  }));
  return { tauChain, tauCon, tauDiv, tauRec: (1 - tauCon - tauDiv) * rho + 2 * tauChain, g, lambda0, eigenvalues, predicted, bulkRadius: radius, realizations: out };
}

async function runParadox(ctx: Context, NE: number, NI: number, wE: number, wI: number, bulk: number, loading: number, seed: number): Promise<ParadoxPoint> {
  const net = paradoxNetwork(NE, NI, wE, wI, bulk, loading);
  const N = NE + NI;
  const radius = bulkRadius(net);
  const predictedOutliers = outliersOutside(denseEigenvalues(reducedMatrixExpected(net)), radius);
  const { J, factors } = await generateMotifConnectivity(ctx, net, { seed, stream: 1000 });
  try {
    const eig = await dominantEigenvalues(ctx, J, { k: 1, which: 'LR', maxIter: 12, tol: 1e-3 });
    const h = new Float64Array(N);
    h.fill(1, NE);
    const ss = await steadyState(ctx, J, h);
    let rII = 0;
    let rEI = 0;
    for (let i = 0; i < N; i++) {
      if (i < NE) rEI += ss.x[i]!;
      else rII += ss.x[i]!;
    }
    const pred = lowRankResponse(net);
    const f = await factors.read();
    return {
      loading,
      maxReal: Math.max(...eig.values.map((z) => z.re)),
      maxRealConverged: eig.converged,
      maxRealPredicted: Math.max(radius, ...predictedOutliers.map((z) => z.re)),
      rII: rII / NI,
      rEI: rEI / NE,
      rIIPredicted: pred.rII,
      rEIPredicted: pred.rEI,
      rIIPredictedRealized: lowRankResponseRealized(net, f).rII,
      rIIMeanField: meanFieldResponse(net).rII,
      residual: ss.relativeResidual,
    };
  } finally {
    J.destroy();
    factors.destroy();
  }
}

const fmt = (z: ComplexValue): string => (Math.abs(z.im) < 1e-9 ? z.re.toFixed(3) : `${z.re.toFixed(3)}${z.im >= 0 ? '+' : '−'}${Math.abs(z.im).toFixed(3)}i`);

/**
 * The `ei-motifs` experiment (see the file comment). Defaults: one-population networks of N = 2048
 * with g = 0.5, λ₀ = −2, τcon = τdiv = 0.2, τchn ∈ {−0.05, 0, 0.02, 0.05}, one realization; the
 * paradox sweep on N_E = 800, N_I = 200 with w_E = 0.4, w_I = −0.5, bulk loading 0.3 and E-chain
 * loadings 0 … 0.035. About 1.5 minutes on SwiftShader.
 */
export const eiMotifsExperiment: Experiment<EIMotifsResult> = {
  name: 'ei-motifs',
  description: 'E–I networks with chain/convergent/divergent/reciprocal motifs: outlier eigenvalues vs low-rank theory, paradoxical response (Shao et al. 2024)',
  params: {
    N: { default: 2048, description: 'neurons of the one-population motif networks (GPU generation; tested up to 4096)', integer: true, min: 2 },
    g: { default: 0.5, description: 'Var(J_ij) = g²/N', min: 0 },
    lambda0: { default: -2, description: 'eigenvalue N·J0 of the mean connectivity (inhibition-dominated < 0)' },
    tauCon: { default: 0.2, description: 'convergent motif strength', min: 0 },
    tauDiv: { default: 0.2, description: 'divergent motif strength', min: 0 },
    tauChain: { default: [-0.05, 0, 0.02, 0.05], description: 'chain motif strengths, |τchn| ≤ √(τcon τdiv)' },
    rho: { default: 0, description: 'reciprocal correlation of the bulk (τrec = (1 − τcon − τdiv)ρ + 2τchn)' },
    realizations: { default: 1, description: 'independent networks per case (Philox streams)', integer: true, min: 1 },
    NE: { default: 800, description: 'excitatory neurons of the paradoxical-response network', integer: true, min: 1 },
    NI: { default: 200, description: 'inhibitory neurons of the paradoxical-response network', integer: true, min: 1 },
    wE: { default: 0.4, description: 'total mean excitatory input weight (w_EE = w_IE)' },
    wI: { default: -0.5, description: 'total mean inhibitory input weight (w_EI = w_II)' },
    bulk: { default: 0.3, description: 'loading of the i.i.d. part in every block', min: 0 },
    loadings: { default: [0, 0.01, 0.02, 0.025, 0.03, 0.0325, 0.035], description: 'E-chain loadings L (b = d = L on presynaptic E, corr 1)' },
    seed: { default: 1, description: 'Philox seed', integer: true, min: 0, max: Number.MAX_SAFE_INTEGER },
  },

  async run(ctx, params, progress, signal) {
    const { N, g, lambda0, tauCon, tauDiv, rho, realizations, NE, NI, wE, wI, bulk, seed } = numberParams(params,
      ['N', 'g', 'lambda0', 'tauCon', 'tauDiv', 'rho', 'realizations', 'NE', 'NI', 'wE', 'wI', 'bulk', 'seed']);
    const chains = listParam(params, 'tauChain');
    const loadings = listParam(params, 'loadings');
    if (!Number.isInteger(N) || N < 16) throw new InputError(`--N must be an integer ≥ 16, got ${N}`);
    if (!Number.isInteger(realizations) || realizations < 1) throw new InputError(`--realizations must be a positive integer, got ${realizations}`);
    if (!Number.isInteger(NE) || !Number.isInteger(NI) || NE < 1 || NI < 1) throw new InputError(`--NE and --NI must be positive integers, got ${NE}, ${NI}`);
    const total = chains.length * realizations * 3 + loadings.length * 2;
    let done = 0;
    const cases: MotifCase[] = [];
    for (const tauChain of chains) {
      progress(done / total, `motifs τchn = ${tauChain}`);
      cases.push(await runCase(ctx, N, g, lambda0, tauCon, tauDiv, tauChain, rho, realizations, seed, signal));
      done += realizations * 3;
    }
    const paradox: ParadoxPoint[] = [];
    for (const loading of loadings) {
      if (signal?.aborted) throw new InputError('ei-motifs run was cancelled');
      progress(done / total, `paradox L = ${loading}`);
      paradox.push(await runParadox(ctx, NE, NI, wE, wI, bulk, loading, seed));
      done += 2;
    }
    progress(1, 'done');
    return { N, cases, paradox, paradoxNetwork: { NE, NI, wE, wI, bulk }, seed };
  },

  toJSON(r) {
    return {
      N: r.N,
      cases: r.cases.map((c) => ({
        tauChain: c.tauChain, tauCon: c.tauCon, tauDiv: c.tauDiv, tauRec: c.tauRec, g: c.g, lambda0: c.lambda0,
        bulkRadius: c.bulkRadius,
        eigenvalues: c.eigenvalues,
        predicted: c.predicted,
        realizations: c.realizations,
      })),
      paradox: r.paradox,
      paradoxNetwork: r.paradoxNetwork,
      seed: r.seed,
    };
  },

  tables(r) {
    const eigen: Record<string, number | string>[] = [];
    for (const c of r.cases) {
      for (const real of c.realizations) {
        real.eigenvalues.forEach((z, i) => {
          const p = c.predicted[i];
          eigen.push({
            tauChain: c.tauChain, realization: real.stream, index: i, re: z.re, im: z.im,
            predictedRe: p?.re ?? NaN, predictedIm: p?.im ?? NaN,
            realizedRe: real.predictedRealized[i]?.re ?? NaN, realizedIm: real.predictedRealized[i]?.im ?? NaN,
            residual: real.residuals[i] ?? NaN, bulkRadius: c.bulkRadius,
            tauConMeasured: real.measured.tauCon, tauDivMeasured: real.measured.tauDiv, tauChainMeasured: real.measured.tauChain,
          });
        });
      }
    }
    return { eigenvalues: eigen, paradox: r.paradox.map((p) => ({ ...p, maxRealConverged: String(p.maxRealConverged) })) };
  },

  figures(r): Figure[] {
    const values: Record<string, number | string>[] = [];
    for (const c of r.cases) {
      const label = `τchn = ${c.tauChain}`;
      for (const real of c.realizations) for (const z of real.eigenvalues) values.push({ case: label, kind: 'Arnoldi (GPU)', re: z.re, im: z.im });
      for (const z of c.predicted) values.push({ case: label, kind: 'low-rank prediction', re: z.re, im: z.im });
      for (let t = 0; t <= 72; t++) {
        const phi = (2 * Math.PI * t) / 72;
        values.push({ case: label, kind: 'bulk edge', re: c.bulkRadius * Math.cos(phi), im: c.bulkRadius * Math.sin(phi), order: t });
      }
    }
    const eigenvalues: Figure = {
      name: 'eigenvalues',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        config: { legend: { labelLimit: 320 } },
        description: `Outlier eigenvalues of motif networks (N = ${r.N}) with the low-rank predictions and the bulk edge`,
        data: { values },
        facet: { column: { field: 'case', type: 'nominal', title: null } },
        spec: {
          width: 220,
          height: 220,
          layer: [
            {
              transform: [{ filter: "datum.kind === 'bulk edge'" }],
              mark: { type: 'line', color: 'gray' },
              encoding: { x: { field: 're', type: 'quantitative', title: 'Re λ' }, y: { field: 'im', type: 'quantitative', title: 'Im λ' }, order: { field: 'order' } },
            },
            {
              transform: [{ filter: "datum.kind !== 'bulk edge'" }],
              mark: { type: 'point', size: 90, strokeWidth: 2 },
              encoding: {
                x: { field: 're', type: 'quantitative' },
                y: { field: 'im', type: 'quantitative' },
                shape: { field: 'kind', type: 'nominal', scale: { domain: ['Arnoldi (GPU)', 'low-rank prediction'], range: ['circle', 'cross'] }, title: null },
                color: { field: 'kind', type: 'nominal', title: null },
              },
            },
          ],
        },
      },
    };
    const pv: Record<string, number | string>[] = [];
    for (const p of r.paradox) {
      pv.push({ loading: p.loading, quantity: 'R_II', source: 'network (GMRES on GPU)', value: p.rII });
      pv.push({ loading: p.loading, quantity: 'R_II', source: 'low-rank prediction', value: p.rIIPredicted });
      pv.push({ loading: p.loading, quantity: 'R_II', source: 'mean field, no motifs', value: p.rIIMeanField });
      pv.push({ loading: p.loading, quantity: 'max Re λ', source: 'network (GMRES on GPU)', value: p.maxReal });
      pv.push({ loading: p.loading, quantity: 'max Re λ', source: 'low-rank prediction', value: p.maxRealPredicted });
    }
    const paradox: Figure = {
      name: 'paradoxical-response',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        config: { legend: { labelLimit: 320 } },
        description: 'Response of I to extra input into I, and stability, vs E-chain loading',
        data: { values: pv },
        facet: { column: { field: 'quantity', type: 'nominal', title: null } },
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: 260,
          height: 220,
          layer: [
            { mark: { type: 'rule', color: 'lightgray' }, encoding: { y: { datum: 0 } } },
            {
              mark: { type: 'line', point: true },
              encoding: {
                x: { field: 'loading', type: 'quantitative', title: 'E-chain loading L' },
                y: { field: 'value', type: 'quantitative', title: null },
                color: { field: 'source', type: 'nominal', title: null },
                strokeDash: { field: 'source', type: 'nominal', title: null },
              },
            },
          ],
        },
      },
    };
    return [eigenvalues, paradox];
  },

  summary(r) {
    const lines = [`ei-motifs: one population, N = ${r.N} (outliers: Arnoldi on GPU | low-rank K prediction | realized-factor K)`];
    for (const c of r.cases) {
      const m = c.realizations[0]!.measured;
      lines.push(
        `  τchn ${String(c.tauChain).padStart(6)}: λ = ${c.eigenvalues.map(fmt).join(', ')} | predicted ${c.predicted.map(fmt).join(', ')} | ` +
          `realized ${c.realizations[0]!.predictedRealized.map(fmt).join(', ')}; bulk radius ${c.bulkRadius.toFixed(3)}; ` +
          `measured τcon ${m.tauCon.toFixed(3)}, τdiv ${m.tauDiv.toFixed(3)}, τchn ${m.tauChain.toFixed(4)}`,
      );
    }
    const pn = r.paradoxNetwork;
    lines.push(`paradoxical response: N_E = ${pn.NE}, N_I = ${pn.NI}, w_E = ${pn.wE}, w_I = ${pn.wI} (w_EE < 1: no classical ISN), bulk ${pn.bulk}`);
    lines.push('  loading   max Re λ (pred)    R_II  (low-rank, realized, mean field)    R_EI (low-rank)');
    for (const p of r.paradox) {
      lines.push(
        `  ${p.loading.toFixed(4).padStart(7)}   ${p.maxReal.toFixed(3)}${p.maxRealConverged ? ' ' : '*'} (${p.maxRealPredicted.toFixed(3)})   ` +
          `${p.rII.toFixed(3).padStart(7)} (${p.rIIPredicted.toFixed(3)}, ${p.rIIPredictedRealized.toFixed(3)}, ${p.rIIMeanField.toFixed(3)})   ` +
          `${p.rEI.toFixed(3)} (${p.rEIPredicted.toFixed(3)})`,
      );
    }
    lines.push('  (* = Arnoldi stopped before its tolerance: the largest-real eigenvalue lies in the bulk)');
    return lines.join('\n');
  },
};
