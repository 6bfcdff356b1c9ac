/**
 * `wgneuro run lif-rate`: firing rate of the conductance-based LIF neuron with OU conductance noise
 * as the synaptic time constant τ_s shrinks at fixed noise intensity, beside the short-τ_s theory
 * (first-passage quadrature with the Stratonovich drift), its naive Itô reading, and the
 * current-based Siegert formula (SEEDS.md §4).
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { rateFromCounts, validateLifSettings, type LifParams, type LifSimSettings } from './reference.js';
import { listParam, numberParam, numberParams, type Experiment, type Figure } from '../experiment.js';
import { simulateLif } from './simulate.js';
import { DEFAULT_LIF, emNoiseDriftFactor as emKappa, lifTheory, type LifTheory } from './theory.js';

/** One simulated τ_s. */
export interface LifRatePoint {
  /** Synaptic time constant, ms. */
  tauS: number;
  /** Time step used, ms (τ_s / dtRatio). */
  dt: number;
  /** Mean rate over trials, Hz, and its standard error. */
  rateHz: number;
  stderrHz: number;
  /** Total spikes counted. */
  spikes: number;
}

/** Result of the `lif-rate` experiment (theory numbers in Hz, see {@link LifTheory}). */
export interface LifRateResult extends LifTheory {
  params: LifParams & { trials: number; durationMs: number; warmupMs: number; dtRatio: number; seed: number; fitMaxTauS: number };
  /** rate(τ_s) = a + b√τ_s fitted (weighted) to the points with τ_s ≤ fitMaxTauS; a, in Hz. */
  extrapolatedHz: number;
  extrapolatedStderrHz: number;
  /** Slope b, Hz per √ms. */
  sqrtSlope: number;
  points: LifRatePoint[];
  /** Trajectory-steps simulated, and wall time of the simulations. */
  trajectorySteps: number;
  wallMs: number;
}

const DESCRIPTIONS: Record<keyof LifParams, string> = {
  tauL: 'membrane time constant τ_L, ms',
  EL: 'leak reversal potential, mV',
  EE: 'excitatory reversal potential, mV',
  EI: 'inhibitory reversal potential, mV',
  gE: 'mean excitatory conductance ḡ_E (leak units)',
  gI: 'mean inhibitory conductance ḡ_I (leak units)',
  DE: 'excitatory noise intensity D_E = s_E² τ_s, ms (fixed as τ_s varies)',
  DI: 'inhibitory noise intensity D_I = s_I² τ_s, ms',
  threshold: 'spike threshold θ, mV',
  reset: 'reset potential V_r, mV',
  refractory: 'refractory period τ_rp, ms',
};

/** Bounds of the neuron parameters (the relations between them are checked by validateLifSettings). */
const LIF_BOUNDS = new Map<string, { min?: number; above?: number }>([
  ['tauL', { above: 0 }], ['gE', { min: 0 }], ['gI', { min: 0 }], ['DE', { min: 0 }], ['DI', { min: 0 }], ['refractory', { min: 0 }],
]);

/** Weighted least squares y = a + b x; returns a, b and the standard error of a. */
function fitLine(x: number[], y: number[], sd: number[]): { a: number; b: number; aStderr: number } {
  let s = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const w = 1 / Math.max(sd[i]! ** 2, 1e-300);
    s += w; sx += w * x[i]!; sy += w * y[i]!; sxx += w * x[i]! ** 2; sxy += w * x[i]! * y[i]!;
  }
  const det = s * sxx - sx * sx;
  const b = (s * sxy - sx * sy) / det;
  const a = (sy - b * sx) / s;
  return { a, b, aStderr: Math.sqrt(sxx / det) };
}

export const lifRateExperiment: Experiment<LifRateResult> = {
  name: 'lif-rate',
  description: 'conductance-based LIF rate vs synaptic time constant τ_s, beside the short-τ_s (Stratonovich) theory',
  params: {
    tauS: { default: [0.025, 0.05, 0.1, 0.2, 0.4, 0.8], description: 'synaptic time constants τ_s to simulate, ms (comma-separated)', above: 0 },
    trials: { default: 512, description: 'neurons simulated per τ_s', integer: true, min: 1 },
    duration: { default: 400, description: 'counted simulated time per neuron, ms', above: 0 },
    warmup: { default: 20, description: 'simulated time discarded first, ms', min: 0 },
    dtRatio: { default: 10, description: 'time step dt = τ_s / dtRatio', min: 1 },
    seed: { default: 1, description: 'random seed', integer: true, min: 0, max: Number.MAX_SAFE_INTEGER },
    fitMaxTauS: { default: 0.1, description: 'fit rate = a + b√τ_s to the points with τ_s ≤ this, ms', above: 0 },
    ...Object.fromEntries(Object.entries(DEFAULT_LIF).map(([k, v]) => [k, { default: v, description: DESCRIPTIONS[k as keyof LifParams], ...LIF_BOUNDS.get(k) }])),
  },

  async run(ctx: Context, params, progress, signal): Promise<LifRateResult> {
    const neuron: LifParams = numberParams(params, Object.keys(DEFAULT_LIF) as (keyof LifParams)[]);
    const tauS = listParam(params, 'tauS');
    const trials = numberParam(params, 'trials');
    const duration = numberParam(params, 'duration');
    const warmup = numberParam(params, 'warmup');
    const dtRatio = numberParam(params, 'dtRatio');
    const seed = numberParam(params, 'seed');
    const fitMaxTauS = numberParam(params, 'fitMaxTauS');
    if (!(dtRatio >= 1)) throw new InputError(`lif-rate: dtRatio must be ≥ 1, got ${dtRatio}`);
    if (!(duration > 0) || !(warmup >= 0)) throw new InputError(`lif-rate: duration must be > 0 and warmup ≥ 0 ms, got ${duration}, ${warmup}`);
    // Theory first: it validates the neuron parameters before any GPU work.
    const theory = lifTheory(neuron, dtRatio);
    const settings: LifSimSettings[] = tauS.map((t, k) => {
      const dt = t / dtRatio;
      const s: LifSimSettings = {
        tauS: t, dt, trials, seed, stream: k,
        steps: Math.max(1, Math.round(duration / dt)),
        warmupSteps: Math.round(warmup / dt),
      };
      validateLifSettings(s);
      return s;
    });
    // The warm-up is simulated twice (see simulateLif).
    const work = settings.map((s) => s.trials * (s.steps + 2 * (s.warmupSteps ?? 0)));
    const totalWork = work.reduce((a, b) => a + b, 0);
    let done = 0;
    const points: LifRatePoint[] = [];
    const started = performance.now();
    for (let k = 0; k < settings.length; k++) {
      const s = settings[k]!;
      const label = `τ_s = ${s.tauS} ms`;
      const sim = await simulateLif(ctx, neuron, s, {
        signal,
        progress: (f) => progress((done + f * work[k]!) / totalWork, label),
      });
      done += work[k]!;
      const { rateHz, stderrHz } = rateFromCounts(sim.counts, sim.durationMs);
      let spikes = 0;
      for (const c of sim.counts) spikes += c;
      points.push({ tauS: s.tauS, dt: s.dt, rateHz, stderrHz, spikes });
      progress(done / totalWork, label);
    }
    const wallMs = performance.now() - started;
    const fitPoints = points.filter((p) => p.tauS <= fitMaxTauS);
    let fit = { a: Number.NaN, b: Number.NaN, aStderr: Number.NaN };
    if (new Set(fitPoints.map((p) => p.tauS)).size >= 2) {
      fit = fitLine(fitPoints.map((p) => Math.sqrt(p.tauS)), fitPoints.map((p) => p.rateHz), fitPoints.map((p) => p.stderrHz));
    }
    return {
      params: { ...neuron, trials, durationMs: duration, warmupMs: warmup, dtRatio, seed, fitMaxTauS },
      ...theory,
      extrapolatedHz: fit.a,
      extrapolatedStderrHz: fit.aStderr,
      sqrtSlope: fit.b,
      points,
      trajectorySteps: totalWork,
      wallMs,
    };
  },

  toJSON(r) {
    return {
      params: { ...r.params, tauS: r.points.map((p) => p.tauS) },
      theoryHz: r.theoryHz,
      siegertHz: r.siegertHz,
      itoHz: r.itoHz,
      schemeHz: r.schemeHz,
      quadratureCheck: r.quadratureCheck,
      extrapolatedHz: r.extrapolatedHz,
      extrapolatedStderrHz: r.extrapolatedStderrHz,
      sqrtSlope: r.sqrtSlope,
      points: r.points.map((p) => ({ tauS: p.tauS, rateHz: p.rateHz, stderrHz: p.stderrHz, dt: p.dt, spikes: p.spikes })),
      trajectorySteps: r.trajectorySteps,
      wallMs: r.wallMs,
    };
  },

  tables(r) {
    return {
      points: r.points.map((p) => ({ tauS: p.tauS, sqrtTauS: Math.sqrt(p.tauS), dt: p.dt, rateHz: p.rateHz, stderrHz: p.stderrHz, spikes: p.spikes })),
      theory: [
        { quantity: 'theory (Stratonovich, tauS -> 0)', rateHz: r.theoryHz },
        { quantity: 'Ito reading (wrong)', rateHz: r.itoHz },
        { quantity: `Euler-Maruyama limit at dt = tauS/${r.params.dtRatio}`, rateHz: r.schemeHz },
        { quantity: 'Siegert (noise frozen at mean)', rateHz: r.siegertHz },
        { quantity: 'extrapolated a + b sqrt(tauS) at 0', rateHz: r.extrapolatedHz },
      ],
    };
  },

  figures(r) {
    return [rateFigure(r, 'rate-vs-tau-s', false), rateFigure(r, 'rate-vs-sqrt-tau-s', true)];
  },

  summary(r) {
    const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
    const sigmas = (target: number): string =>
      (Number.isFinite(r.extrapolatedHz) ? `${f((r.extrapolatedHz - target) / r.extrapolatedStderrHz, 1)} s.e.` : 'fit needs 2 points');
    const lines = [
      `theory (short-τ_s limit, Stratonovich)  ${f(r.theoryHz, 3)} Hz`,
      `  Itô reading (no noise-induced drift)  ${f(r.itoHz, 3)} Hz`,
      `  limit of this scheme (dt = τ_s/${r.params.dtRatio})    ${f(r.schemeHz, 3)} Hz  (EM keeps ${f(100 * emKappa(r.params.dtRatio), 1)}% of the noise-induced drift)`,
      `  Siegert, noise frozen at μ            ${f(r.siegertHz, 3)} Hz`,
      `  quadrature vs Siegert (additive)      rel. error ${r.quadratureCheck.relError.toExponential(1)}`,
      `simulation (${r.params.trials} neurons × ${r.params.durationMs} ms per point, dt = τ_s/${r.params.dtRatio}):`,
      '   τ_s (ms)   rate (Hz)   ± s.e.   rate/theory',
      ...r.points.map((p) => `  ${p.tauS.toString().padStart(8)}  ${f(p.rateHz).padStart(10)}  ${f(p.stderrHz).padStart(7)}   ${f(p.rateHz / r.theoryHz, 3)}`),
      `fit a + b√τ_s over τ_s ≤ ${r.params.fitMaxTauS} ms: a = ${f(r.extrapolatedHz)} ± ${f(r.extrapolatedStderrHz)} Hz` +
        ` (theory ${f(r.theoryHz)}, ${sigmas(r.theoryHz)}; scheme limit ${f(r.schemeHz)}, ${sigmas(r.schemeHz)}), b = ${f(r.sqrtSlope)} Hz/√ms`,
      `${(r.trajectorySteps / 1e6).toFixed(1)}M trajectory-steps in ${(r.wallMs / 1000).toFixed(1)} s`,
    ];
    return lines.join('\n');
  },
};

/** Rate vs τ_s (log axis) or vs √τ_s (with the fitted line), with error bars and theory rules. */
function rateFigure(r: LifRateResult, name: string, sqrtAxis: boolean): Figure {
  const xField = sqrtAxis ? 'sqrtTauS' : 'tauS';
  const xTitle = sqrtAxis ? '√τ_s (√ms)' : 'τ_s (ms)';
  const points = r.points.map((p) => ({
    tauS: p.tauS, sqrtTauS: Math.sqrt(p.tauS), rateHz: p.rateHz,
    lo: p.rateHz - 2 * p.stderrHz, hi: p.rateHz + 2 * p.stderrHz,
  }));
  const rules = [
    { label: 'theory (Stratonovich)', rateHz: r.theoryHz },
    { label: `EM limit, dt = τ_s/${r.params.dtRatio}`, rateHz: r.schemeHz },
    { label: 'Itô reading', rateHz: r.itoHz },
    { label: 'Siegert (frozen noise)', rateHz: r.siegertHz },
  ];
  const x = { field: xField, type: 'quantitative', title: xTitle, ...(sqrtAxis ? { scale: { zero: true } } : { scale: { type: 'log' } }) };
  const layers: Record<string, unknown>[] = [
    {
      data: { values: rules },
      mark: { type: 'rule', strokeDash: [6, 3] },
      encoding: {
        y: { field: 'rateHz', type: 'quantitative' },
        color: {
          field: 'label', type: 'nominal', title: null, legend: { labelLimit: 300, orient: 'bottom', columns: 2 },
          scale: { domain: rules.map((x) => x.label), range: ['#d62728', '#ff9896', '#1f77b4', '#7f7f7f'] },
        },
      },
    },
    { data: { values: points }, mark: { type: 'rule' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    {
      data: { values: points },
      mark: { type: 'point', filled: true, color: 'black' },
      encoding: { x, y: { field: 'rateHz', type: 'quantitative', title: 'firing rate (Hz)', scale: { zero: false } } },
    },
  ];
  if (sqrtAxis && Number.isFinite(r.extrapolatedHz)) {
    const xMax = Math.sqrt(r.params.fitMaxTauS);
    layers.push({
      data: { values: [0, xMax].map((sx) => ({ sqrtTauS: sx, rateHz: r.extrapolatedHz + r.sqrtSlope * sx })) },
      mark: { type: 'line', color: 'black', strokeDash: [2, 2] },
      encoding: { x: { field: 'sqrtTauS', type: 'quantitative' }, y: { field: 'rateHz', type: 'quantitative' } },
    });
  }
  return {
    name,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `LIF with conductance noise: rate vs ${sqrtAxis ? '√τ_s' : 'τ_s'} (error bars ±2 s.e.)`,
      width: 420,
      height: 300,
      layer: layers,
    },
  };
}
