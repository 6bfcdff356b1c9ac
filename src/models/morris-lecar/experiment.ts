/**
 * `wgneuro run morris-lecar-fi`: the f–I curve of the Morris–Lecar neuron as Hazelden et al.
 * integrate it (SEEDS.md §6.3), with the resting potential, the firing onset and the
 * depolarisation block, beside the fixed-point theory of the same update map.
 */
import type { Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import { listParam, numberParam, type Experiment, type Figure } from '../experiment.js';
import { DEFAULT_ML, hopfCurrent, restingPotential, saddleNode } from './reference.js';
import { findFiringBoundaries, simulateMlCurrents } from './simulate.js';

/** One current of the f–I curve. */
export interface MlFiPoint {
  /** Total input current I_tot, μA/cm². */
  iTot: number;
  /** Spikes per second over the counted window. */
  rateHz: number;
  spikes: number;
}

/** Result of `morris-lecar-fi`. */
export interface MlFiResult {
  params: { durationMs: number; warmupMs: number; tol: number; dt: number };
  /** Final V of a neuron simulated at I_tot = 0, mV. */
  restMv: number;
  /** Firing onset and depolarisation block (bracket midpoints, ± tol/2); NaN when the grid does not bracket them. */
  onsetCurrent: number;
  blockCurrent: number;
  points: MlFiPoint[];
  theory: {
    /** Lowest fixed point at I = 0 (float64 bisection of I_ss(V) = 0). */
    restMv: number;
    /** Saddle-node (knee) current of I_ss(V): the class-I onset for an infinitely long window. */
    saddleNodeCurrent: number;
    /** Current where the upper fixed point of the map turns stable. */
    hopfCurrent: number;
  };
  /** GPU launches of the boundary search. */
  searchRounds: number;
  wallMs: number;
}

function defaultCurrents(): number[] {
  const xs: number[] = [];
  for (let i = 0; i <= 130; i += 5) xs.push(i);
  return xs;
}

/** The silent→firing bracket walking up the sorted grid (onset), and firing→silent above it (block). */
function brackets(points: MlFiPoint[]): { onset?: { silent: number; firing: number }; block?: { silent: number; firing: number } } {
  const sorted = [...points].sort((a, b) => a.iTot - b.iTot);
  const first = sorted.findIndex((p) => p.spikes > 0);
  if (first < 0) return {};
  const onset = first > 0 ? { silent: sorted[first - 1]!.iTot, firing: sorted[first]!.iTot } : undefined;
  const stop = sorted.findIndex((p, i) => i > first && p.spikes === 0);
  const block = stop > 0 ? { silent: sorted[stop]!.iTot, firing: sorted[stop - 1]!.iTot } : undefined;
  return { onset, block };
}

export const morrisLecarFiExperiment: Experiment<MlFiResult> = {
  name: 'morris-lecar-fi',
  description: 'f–I curve of the Morris–Lecar neuron (semi-implicit update, dt = 0.1 ms): rest, firing onset, depolarisation block',
  params: {
    currents: { default: defaultCurrents(), description: 'total input currents I_tot, μA/cm² (comma-separated); all run as trials of one launch' },
    duration: { default: 20_000, description: 'counted simulated time per current, ms' },
    warmup: { default: 1000, description: 'simulated time before counting, ms' },
    tol: { default: 0.05, description: 'width of the final onset/block brackets, μA/cm²' },
  },

  async run(ctx: Context, params, progress, signal): Promise<MlFiResult> {
    const currents = listParam(params, 'currents');
    const duration = numberParam(params, 'duration');
    const warmup = numberParam(params, 'warmup');
    const tol = numberParam(params, 'tol');
    if (!(duration > 0)) throw new InputError(`morris-lecar-fi: --duration must be > 0 ms, got ${duration}`);
    if (!(warmup >= 0)) throw new InputError(`morris-lecar-fi: --warmup must be ≥ 0 ms, got ${warmup}`);
    if (!(tol > 0)) throw new InputError(`morris-lecar-fi: --tol must be > 0, got ${tol}`);
    const p = DEFAULT_ML;
    const steps = Math.round(duration / p.dt);
    const warmupSteps = Math.round(warmup / p.dt);
    const started = performance.now();
    // The curve and a neuron at I = 0 (for the resting potential) in one launch.
    const run = await simulateMlCurrents(ctx, [...currents, 0], {
      steps, warmupSteps, signal, progress: (f) => progress(0.5 * f, 'f–I curve'),
    });
    const seconds = run.countedMs / 1000;
    const points = currents.map((iTot, i) => ({ iTot, spikes: run.spikes[i]!, rateHz: run.spikes[i]! / seconds }));
    const restMv = run.v[currents.length]!;
    const b = brackets(points);
    const wanted = [b.onset, b.block].filter((x): x is { silent: number; firing: number } => x !== undefined);
    progress(0.5, 'onset and block');
    const found = await findFiringBoundaries(ctx, wanted, { steps, warmupSteps, tol, signal });
    const onset = b.onset ? found[0]! : undefined;
    const block = b.block ? found[b.onset ? 1 : 0]! : undefined;
    progress(1);
    return {
      params: { durationMs: duration, warmupMs: warmup, tol, dt: p.dt },
      restMv,
      onsetCurrent: onset?.current ?? NaN,
      blockCurrent: block?.current ?? NaN,
      points,
      theory: { restMv: restingPotential(p, 0), saddleNodeCurrent: saddleNode(p)?.current ?? NaN, hopfCurrent: hopfCurrent(p) },
      searchRounds: Math.max(0, ...found.map((f) => f.rounds)),
      wallMs: performance.now() - started,
    };
  },

  toJSON(r) {
    const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
    return {
      restMv: r.restMv,
      onsetCurrent: num(r.onsetCurrent),
      blockCurrent: num(r.blockCurrent),
      points: r.points.map((p) => ({ iTot: p.iTot, rateHz: p.rateHz })),
      theory: r.theory,
      params: r.params,
      searchRounds: r.searchRounds,
      wallMs: r.wallMs,
    };
  },

  tables(r) {
    return {
      points: r.points.map((p) => ({ iTot: p.iTot, rateHz: p.rateHz, spikes: p.spikes })),
      summary: [
        { quantity: 'rest (simulated, I=0), mV', value: r.restMv, theory: r.theory.restMv },
        { quantity: 'onset current, uA/cm2', value: r.onsetCurrent, theory: r.theory.saddleNodeCurrent },
        { quantity: 'block current, uA/cm2', value: r.blockCurrent, theory: r.theory.hopfCurrent },
      ],
    };
  },

  figures(r) {
    return [fiFigure(r)];
  },

  summary(r) {
    const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : 'not bracketed by the grid');
    return [
      `rest at I_tot = 0: ${f(r.restMv)} mV (fixed point ${f(r.theory.restMv)} mV)`,
      `firing onset:  ${f(r.onsetCurrent)} ± ${r.params.tol / 2} μA/cm²  (saddle-node of I_ss(V) ${f(r.theory.saddleNodeCurrent)})`,
      `depolarisation block: ${f(r.blockCurrent)} ± ${r.params.tol / 2} μA/cm²  (upper fixed point stable above ${f(r.theory.hopfCurrent)}; firing from V = −20 mV persists beyond it)`,
      `   I_tot    rate (Hz)  over ${r.params.durationMs / 1000} s`,
      ...r.points.map((p) => `  ${p.iTot.toFixed(2).padStart(7)}  ${p.rateHz.toFixed(2).padStart(8)}`),
      `${r.searchRounds} multisection launches; ${(r.wallMs / 1000).toFixed(1)} s`,
    ].join('\n');
  },
};

function fiFigure(r: MlFiResult): Figure {
  const rules = [
    { label: 'onset (simulated)', iTot: r.onsetCurrent },
    { label: 'block (simulated)', iTot: r.blockCurrent },
    { label: 'saddle-node of I_ss', iTot: r.theory.saddleNodeCurrent },
    { label: 'Hopf of the map', iTot: r.theory.hopfCurrent },
  ].filter((x) => Number.isFinite(x.iTot));
  return {
    name: 'f-i-curve',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `Morris–Lecar f–I curve (dt = ${r.params.dt} ms, ${r.params.durationMs / 1000} s per current)`,
      width: 420,
      height: 300,
      layer: [
        {
          data: { values: rules },
          mark: { type: 'rule', strokeDash: [6, 3] },
          encoding: { x: { field: 'iTot', type: 'quantitative' }, color: { field: 'label', type: 'nominal', title: null, legend: { orient: 'bottom' } } },
        },
        {
          data: { values: r.points },
          mark: { type: 'line', point: true, color: 'black' },
          encoding: {
            x: { field: 'iTot', type: 'quantitative', title: 'I_tot (μA/cm²)' },
            y: { field: 'rateHz', type: 'quantitative', title: 'firing rate (Hz)' },
          },
        },
      ],
    },
  };
}
