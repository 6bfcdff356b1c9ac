/**
 * `wgneuro run whitening`: convergence time of the two whitening circuits of Lipshutz, Pehlevan &
 * Chklovskii (ICLR 2023) against the spread m₀ of their initial spectrum, online rule and averaged
 * ODE on the GPU, closed-form ODE times beside them (SEEDS.md §1).
 */
import { listParam, numberParams, type Experiment, type Figure } from '../experiment.js';
import { sqrtm } from '../../linalg/index.js';
import { linearFit, whiteningTheoryConvergenceTime, type WhiteningNetwork } from './reference.js';
import { runWhiteningTrials, whiteningCovariance, type WhiteningTrialsResult } from './simulate.js';

/** One row per m₀: simulation (online mean ± std over seeds, ODE) beside the closed form. */
export interface WhiteningRow {
  m0: number;
  tDirect: number;
  tDirectStd: number;
  tDirectODE: number;
  tDirectTheory: number;
  tInterneuron: number;
  tInterneuronStd: number;
  tInterneuronODE: number;
  tInterneuronTheory: number;
}

/** Everything `whitening` computes; `toJSON` gives the shape plus ODE and theory columns. */
export interface WhiteningResult {
  params: { n: number; k: number; lambdaMin: number; lambdaMax: number; seeds: number; batch: number; eta: number; tol: number; seed: number };
  lambdas: number[];
  rows: WhiteningRow[];
  /** Slope of t against m₀ (direct) and against ln m₀ (interneurons): online, ODE, theory. */
  slopes: {
    direct: { online: number; ode: number; theory: number };
    interneuronPerLog: { online: number; ode: number; theory: number };
  };
  /** Mean relative Frobenius error ‖M − C^{1/2}‖_F/‖C^{1/2}‖_F at the end of each run. */
  finalError: { direct: number; interneuron: number; directODE: number; interneuronODE: number };
  /** Per-trial results of the online runs, for the CSV. */
  trials: { network: WhiteningNetwork; m0: number; seedIndex: number; time: number; finalError: number }[];
  simulatedTime: { direct: number; interneuron: number; directODE: number; interneuronODE: number };
  /** max |C^{1/2}(GPU Newton–Schulz, f32) − C^{1/2}(float64 Jacobi)|: the target the errors are measured against. */
  sqrtCovAgreement: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]): number => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

/** The row columns holding each estimate's convergence times (direct, interneurons). */
const ESTIMATE_COLUMNS = {
  online: ['tDirect', 'tInterneuron'],
  ode: ['tDirectODE', 'tInterneuronODE'],
  theory: ['tDirectTheory', 'tInterneuronTheory'],
} as const satisfies Record<string, readonly [keyof WhiteningRow, keyof WhiteningRow]>;

/** One estimate's times per m₀ and slopes, under the same keys for all three in the JSON result. */
function convergenceJSON(r: WhiteningResult, estimate: keyof typeof ESTIMATE_COLUMNS) {
  const [direct, interneuron] = ESTIMATE_COLUMNS[estimate];
  return {
    tDirect: r.rows.map((x) => x[direct]),
    tInterneuron: r.rows.map((x) => x[interneuron]),
    slopeDirect: r.slopes.direct[estimate],
    slopeInterneuronPerLog: r.slopes.interneuronPerLog[estimate],
  };
}

function perM0(result: WhiteningTrialsResult, stat: (xs: number[]) => number): number[] {
  return result.m0.map((_, mi) => {
    const xs: number[] = [];
    for (let si = 0; si < result.seeds; si++) xs.push(result.convergenceTime[mi * result.seeds + si]!);
    return stat(xs);
  });
}

/**
 * The `whitening` experiment (see the file comment). Defaults: n = 6, k = 12, C eigenvalues
 * log-spaced in [0.25, 4], m₀ ∈ {4, 8, 16, 32, 64}, 4 seeds, batch 32, η = 0.01, tolerance 0.05 relative
 * Frobenius error. About half a minute on SwiftShader.
 */
export const whiteningExperiment: Experiment<WhiteningResult> = {
  name: 'whitening',
  description: 'Whitening circuits with direct recurrence vs interneurons: convergence time vs initial spectrum m0 (Lipshutz et al. 2023)',
  params: {
    n: { default: 6, description: 'primary neurons (input dimension), ≤ 16', integer: true, min: 1, max: 16 },
    k: { default: 12, description: 'interneurons, n ≤ k ≤ 32', integer: true, min: 1, max: 32 },
    lambdaMin: { default: 0.25, description: 'smallest eigenvalue of the input covariance C', above: 0 },
    lambdaMax: { default: 4, description: 'largest eigenvalue of C (eigenvalues log-spaced)', above: 0 },
    m0: { default: [4, 8, 16, 32, 64], description: 'initial spectra: M0 = m0 I and W0 W0ᵀ = m0 I', above: 0 },
    seeds: { default: 4, description: 'independent input streams (and W0 orientations) per m0', integer: true, min: 1 },
    batch: { default: 32, description: 'input samples per online learning step', integer: true, min: 1 },
    eta: { default: 0.01, description: 'learning rate (= time per step)', above: 0 },
    tol: { default: 0.05, description: 'convergence: ‖M − C^{1/2}‖_F / ‖C^{1/2}‖_F below this', above: 0 },
    settle: { default: 10, description: 'time simulated after the last trial converged (final error)', min: 0 },
    seed: { default: 1, description: 'Philox seed (covariance orientation, inputs, W0)', integer: true, min: 0, max: Number.MAX_SAFE_INTEGER },
  },

  async run(ctx, params, progress, signal) {
    const { n, k, lambdaMin, lambdaMax, seeds, batch, eta, tol, settle: settleTime, seed } = numberParams(params,
      ['n', 'k', 'lambdaMin', 'lambdaMax', 'seeds', 'batch', 'eta', 'tol', 'settle', 'seed']);
    const m0 = listParam(params, 'm0', 2); // two or more to fit a slope
    const covariance = whiteningCovariance(n, { lambdaMin, lambdaMax, seed });
    const covTensor = ctx.tensor([n, n], { label: 'whitening.C', data: Float32Array.from(covariance.cov) });
    let sqrtCovAgreement = NaN;
    try {
      const root = await sqrtm(ctx, covTensor);
      const values = await root.read();
      root.destroy();
      sqrtCovAgreement = Math.max(...covariance.sqrtCov.map((x, i) => Math.abs(x - values[i]!)));
    } finally {
      covTensor.destroy();
    }
    const common = { covariance, k, m0, batch, eta, tol, seed, settleTime, signal };
    // Rough cost weights for the progress bar: online runs dominate, direct runs are longest.
    const parts: [WhiteningNetwork, 'online' | 'ode', number][] = [
      ['interneuron', 'online', 0.15], ['direct', 'online', 0.6], ['interneuron', 'ode', 0.05], ['direct', 'ode', 0.2],
    ];
    const results: Partial<Record<string, WhiteningTrialsResult>> = {};
    let base = 0;
    for (const [network, mode, weight] of parts) {
      progress(base, `${network} ${mode}`);
      results[`${network}.${mode}`] = await runWhiteningTrials(ctx, {
        ...common, network, mode, seeds: mode === 'ode' ? 1 : seeds,
        progress: (f) => progress(base + weight * f, `${network} ${mode}`),
      });
      base += weight;
    }
    progress(1, 'done');
    const dOn = results['direct.online']!;
    const iOn = results['interneuron.online']!;
    const dOde = results['direct.ode']!;
    const iOde = results['interneuron.ode']!;
    const tD = perM0(dOn, mean);
    const tI = perM0(iOn, mean);
    const tDOde = perM0(dOde, mean);
    const tIOde = perM0(iOde, mean);
    const tDTh = m0.map((m) => whiteningTheoryConvergenceTime('direct', covariance.lambdas, m, tol));
    const tITh = m0.map((m) => whiteningTheoryConvergenceTime('interneuron', covariance.lambdas, m, tol));
    const logM0 = m0.map(Math.log);
    const rows: WhiteningRow[] = m0.map((m, i) => ({
      m0: m,
      tDirect: tD[i]!, tDirectStd: perM0(dOn, std)[i]!, tDirectODE: tDOde[i]!, tDirectTheory: tDTh[i]!,
      tInterneuron: tI[i]!, tInterneuronStd: perM0(iOn, std)[i]!, tInterneuronODE: tIOde[i]!, tInterneuronTheory: tITh[i]!,
    }));
    const trials: WhiteningResult['trials'] = [];
    for (const r of [dOn, iOn]) {
      r.m0.forEach((m, mi) => {
        for (let si = 0; si < r.seeds; si++) {
          const t = mi * r.seeds + si;
          trials.push({ network: r.network, m0: m, seedIndex: si, time: r.convergenceTime[t]!, finalError: r.finalError[t]! });
        }
      });
    }
    return {
      params: { n, k, lambdaMin, lambdaMax, seeds, batch, eta, tol, seed },
      lambdas: [...covariance.lambdas],
      rows,
      slopes: {
        direct: { online: linearFit(m0, tD).slope, ode: linearFit(m0, tDOde).slope, theory: linearFit(m0, tDTh).slope },
        interneuronPerLog: { online: linearFit(logM0, tI).slope, ode: linearFit(logM0, tIOde).slope, theory: linearFit(logM0, tITh).slope },
      },
      finalError: {
        direct: mean([...dOn.finalError]), interneuron: mean([...iOn.finalError]),
        directODE: mean([...dOde.finalError]), interneuronODE: mean([...iOde.finalError]),
      },
      trials,
      simulatedTime: { direct: dOn.time, interneuron: iOn.time, directODE: dOde.time, interneuronODE: iOde.time },
      sqrtCovAgreement,
    };
  },

  toJSON(r) {
    return {
      m0: r.rows.map((x) => x.m0),
      ...convergenceJSON(r, 'online'),
      finalError: { direct: r.finalError.direct, interneuron: r.finalError.interneuron },
      ode: {
        ...convergenceJSON(r, 'ode'),
        finalError: { direct: r.finalError.directODE, interneuron: r.finalError.interneuronODE },
      },
      theory: convergenceJSON(r, 'theory'),
      tDirectStd: r.rows.map((x) => x.tDirectStd),
      tInterneuronStd: r.rows.map((x) => x.tInterneuronStd),
      lambdas: r.lambdas,
      sqrtCovAgreement: r.sqrtCovAgreement,
      params: r.params,
    };
  },

  tables(r) {
    return {
      convergence: r.rows.map((x) => ({ ...x })),
      trials: r.trials.map((x) => ({ ...x })),
    };
  },

  figures(r): Figure[] {
    const values: Record<string, number | string>[] = [];
    for (const row of r.rows) {
      for (const [network, t, sd, ode, theory] of [
        ['direct', row.tDirect, row.tDirectStd, row.tDirectODE, row.tDirectTheory],
        ['interneurons', row.tInterneuron, row.tInterneuronStd, row.tInterneuronODE, row.tInterneuronTheory],
      ] as const) {
        values.push({ network, m0: row.m0, source: 'online rule (mean ± sd over seeds)', time: t, lo: t - sd, hi: t + sd });
        values.push({ network, m0: row.m0, source: 'averaged ODE (GPU)', time: ode, lo: ode, hi: ode });
        values.push({ network, m0: row.m0, source: 'closed form', time: theory, lo: theory, hi: theory });
      }
    }
    const panel = (network: string, scale: 'linear' | 'log', title: string): Record<string, unknown> => ({
      title,
      width: 300,
      height: 240,
      transform: [{ filter: `datum.network === '${network}'` }],
      layer: [
        {
          transform: [{ filter: "datum.source === 'closed form'" }],
          mark: { type: 'line', color: 'black', strokeDash: [4, 3] },
          encoding: { x: { field: 'm0', type: 'quantitative', scale: { type: scale }, title: 'initial spectrum m₀' }, y: { field: 'time', type: 'quantitative', title: `time to ${r.params.tol} relative error` } },
        },
        {
          transform: [{ filter: "datum.source !== 'closed form'" }],
          mark: { type: 'point', filled: true, size: 50 },
          encoding: {
            x: { field: 'm0', type: 'quantitative', scale: { type: scale } },
            y: { field: 'time', type: 'quantitative' },
            color: { field: 'source', type: 'nominal', title: null },
            shape: { field: 'source', type: 'nominal', title: null },
          },
        },
        {
          transform: [{ filter: "datum.source === 'online rule (mean ± sd over seeds)'" }],
          mark: { type: 'rule' },
          encoding: { x: { field: 'm0', type: 'quantitative', scale: { type: scale } }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
        },
      ],
    });
    return [{
      name: 'convergence-time',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        config: { legend: { labelLimit: 320 } },
        description: 'Convergence time vs initial spectrum m0 for the direct and interneuron whitening circuits',
        data: { values },
        hconcat: [
          panel('direct', 'linear', `Direct recurrence: slope ${r.slopes.direct.online.toFixed(3)} per unit m₀ (theory ${r.slopes.direct.theory.toFixed(3)})`),
          panel('interneurons', 'log', `Interneurons: slope ${r.slopes.interneuronPerLog.online.toFixed(3)} per ln m₀ (theory ${r.slopes.interneuronPerLog.theory.toFixed(3)})`),
        ],
      },
    }];
  },

  summary(r) {
    const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));
    const lines = [
      `whitening: n = ${r.params.n}, k = ${r.params.k}, C eigenvalues ${r.lambdas.map((x) => f(x, 3)).join(', ')}; ` +
        `convergence = relative Frobenius error < ${r.params.tol}; η = ${r.params.eta}, batch ${r.params.batch}, ${r.params.seeds} seeds`,
      '    m0 | direct: online ± sd   ODE    theory | interneurons: online ± sd   ODE   theory',
      ...r.rows.map((x) =>
        `${f(x.m0, 1).padStart(6)} | ${f(x.tDirect).padStart(8)} ± ${f(x.tDirectStd).padEnd(5)} ${f(x.tDirectODE).padStart(7)} ${f(x.tDirectTheory).padStart(7)} | ` +
        `${f(x.tInterneuron, 3).padStart(8)} ± ${f(x.tInterneuronStd, 3).padEnd(5)} ${f(x.tInterneuronODE, 3).padStart(7)} ${f(x.tInterneuronTheory, 3).padStart(7)}`),
      `slope of t vs m0 (direct):        online ${f(r.slopes.direct.online, 3)}, ODE ${f(r.slopes.direct.ode, 3)}, theory ${f(r.slopes.direct.theory, 3)} (asymptote 1)`,
      `slope of t vs ln m0 (interneurons): online ${f(r.slopes.interneuronPerLog.online, 3)}, ODE ${f(r.slopes.interneuronPerLog.ode, 3)}, theory ${f(r.slopes.interneuronPerLog.theory, 3)} (asymptote 0.5)`,
      `final ‖M − C^½‖/‖C^½‖: direct ${f(r.finalError.direct, 4)} (ODE ${f(r.finalError.directODE, 5)}), interneurons ${f(r.finalError.interneuron, 4)} (ODE ${f(r.finalError.interneuronODE, 5)})`,
      `C^½: GPU Newton–Schulz (sqrtm) vs float64 Jacobi agree to ${r.sqrtCovAgreement.toExponential(1)}`,
    ];
    return lines.join('\n');
  },
};
