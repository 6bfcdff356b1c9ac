/**
 * `simulate`: run many independent trials of an SDE model on the GPU with a fused integrator,
 * recording final states, snapshots, ensemble statistics, histograms, events and per-trial flags.
 */
import {
  sdeKernelWGSL, sdeNoiseStride, sdeUniforms, SDE_FLAG_ABSORBED, SDE_FLAG_DIVERGED, SDE_STATUS_WORDS,
} from '../../shaders/sde.wgsl.js';
import {
  sdeStatsPairs, sdeStatsRecordSize, sdeStatsUniforms, sdeStatsWGSL, sdeStatsWorkgroupSize,
} from '../../shaders/sde-stats.wgsl.js';
import type { Context } from '../core/context.js';
import { MAX_LINEAR_INVOCATIONS } from '../core/dispatch.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { seedToKey } from '../core/seed.js';
import { resolveIntegrator, type IntegratorInfo, type IntegratorName } from './integrators.js';
import { checkTrialArrays, trialInputs, type SDEModel } from './model.js';

/** What to record during a run. */
export interface RecordOptions {
  /** Read back the final state of every trial. Default true. */
  final?: boolean;
  /**
   * Read back per-trial bookkeeping (flags, stop steps, spike counts, MALA acceptance). Default
   * true; false saves 24 bytes per trial of transfer, and `diverged`/`absorbed` are then NaN.
   */
  perTrial?: boolean;
  /** Strided snapshots of chosen variables: every `every` steps (default all variables). */
  snapshots?: { every: number; variables?: string[] };
  /**
   * Mean, variance and covariance across trials, reduced on the GPU every `every` steps
   * (default: at the end only). `covariance` defaults to true for up to 8 variables.
   */
  stats?: { every?: number; covariance?: boolean };
  /** Histogram of one variable over [range[0], range[1]) in `bins` bins, at the stats times. */
  histogram?: { variable: string; bins: number; range: [number, number] };
}

/** Reported after each dispatch when `onProgress` is given. */
export interface SimulateProgress {
  /** Fraction of all trial-steps done, in [0, 1]. */
  fraction: number;
  chunk: number;
  chunks: number;
  /** Global step reached in the current chunk. */
  step: number;
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Number of independent trials. */
  trials: number;
  /** Time steps per trial. */
  steps: number;
  /** Step size h. */
  dt: number;
  /** Random seed (integer below 2^53). Default 0. */
  seed?: number;
  /** Integrator (see `INTEGRATORS`). Default `'em'`. */
  integrator?: IntegratorName;
  /** Time at step 0. Default 0. */
  t0?: number;
  /** What to record. Default: final state only. */
  record?: RecordOptions;
  /** Time steps per kernel dispatch; results do not depend on it. Default min(steps, 1024). */
  stepsPerDispatch?: number;
  /** Upper bound on trials per chunk (chunks are also sized to the device limits). Default none. */
  maxTrialsPerChunk?: number;
  /**
   * Brownian sub-increments per step: a run with dt and refine r uses the same Brownian path as a
   * run with dt / r and refine 1 (for strong-order studies). Default 1.
   */
  refine?: number;
  /** Friction γ of `baoab` (which starts every trial at zero velocity). Default 1. */
  friction?: number;
  /** Called after every dispatch (the run then waits for each dispatch to finish). */
  onProgress?: (progress: SimulateProgress) => void;
  /** Cancels between dispatches; the result is then marked `partial`. */
  signal?: AbortSignal;
}

/** Ensemble statistics at the recording times (float64, merged across chunks). */
export interface EnsembleStats {
  /** Times of the records. */
  times: Float64Array;
  /** Trials counted at each time (diverged trials are left out; absorbed ones count, frozen). */
  count: Float64Array;
  /** [time][variable]. */
  mean: Float64Array;
  /** [time][variable] (unbiased). */
  variance: Float64Array;
  /** [time][variable][variable] (unbiased), when covariance was recorded. */
  covariance?: Float64Array;
}

/** Everything {@link simulate} recorded. */
export interface SimulateResult {
  model: SDEModel;
  integrator: IntegratorInfo;
  trials: number;
  steps: number;
  dt: number;
  seed: number;
  /** Final state, [variable][trial] (NaN for trials never run when `partial`). */
  finalState?: Float32Array;
  /** Final state by variable name (views into `finalState`). */
  final?: Record<string, Float32Array>;
  /** BAOAB: final velocities, [variable][trial]. */
  velocities?: Float32Array;
  snapshots?: { every: number; variables: string[]; times: Float64Array; data: Float32Array };
  stats?: EnsembleStats;
  histogram?: { variable: string; edges: Float64Array; counts: Uint32Array; underflow: Uint32Array; overflow: Uint32Array; times: Float64Array };
  /** Per trial: bit 0 diverged (non-finite, frozen at the last finite state), bit 1 absorbed. */
  flags: Uint8Array;
  /** Step at which a flagged trial stopped (0 otherwise). */
  stopStep: Uint32Array;
  /** Number of diverged / absorbed trials (NaN when `record.perTrial` is false). */
  diverged: number;
  absorbed: number;
  /** Events (models with an `event`): counts and first-event times (NaN: none). */
  spikes?: { counts: Uint32Array; firstSpikeTime: Float32Array };
  /** MALA: accepted fraction per trial and overall. */
  acceptance?: { perTrial: Float32Array; mean: number };
  /** True when cancelled: only trials with `stepsCompleted === steps` are complete. */
  partial: boolean;
  stepsCompleted: Uint32Array;
  chunks: number;
  trialsPerChunk: number;
}

const WORKGROUP_SIZE = 64;

function checkInt(value: number, name: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new InputError(`${name} must be a whole number in [${min}, ${max}], got ${value}`);
}

/**
 * Simulate `trials` independent trials of `model` for `steps` steps of size `dt`.
 *
 * One kernel invocation integrates one trial for up to `stepsPerDispatch` steps with the state in
 * registers; trials are split into chunks when buffers would exceed the device limits. Results are
 * bit-identical for any chunking and any `stepsPerDispatch` (random numbers are indexed by seed,
 * trial and step). A trial whose state becomes NaN/Inf is flagged and frozen; the others go on.
 *
 * @throws InputError for bad options (before any GPU work); LimitError when one trial does not fit.
 */
export async function simulate(ctx: Context, model: SDEModel, options: SimulateOptions): Promise<SimulateResult> {
  const { trials, steps, dt } = options;
  checkInt(trials, 'trials', 1, 2 ** 32 - 1);
  checkInt(steps, 'steps', 0, 2 ** 32 - 1);
  if (!(dt > 0) || !Number.isFinite(dt)) throw new InputError(`dt must be a positive number, got ${dt}`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`seed must be a non-negative integer below 2^53, got ${seed}`);
  const integrator = resolveIntegrator(options.integrator ?? 'em', model);
  const refine = options.refine ?? 1;
  checkInt(refine, 'refine', 1, 2 ** 16);
  const normalsPerTrial = steps * refine * sdeNoiseStride(model.activeNoise.length);
  if (normalsPerTrial >= 2 ** 34) {
    throw new InputError(`steps × refine × noise processes = ${normalsPerTrial} must stay below 2^34 (the Philox block counter)`);
  }
  const stepsPerDispatch = options.stepsPerDispatch ?? Math.max(1, Math.min(steps, 1024));
  checkInt(stepsPerDispatch, 'stepsPerDispatch', 1);
  const friction = options.friction ?? 1;
  if (!(friction > 0)) throw new InputError(`friction must be positive, got ${friction}`);
  const t0 = options.t0 ?? 0;
  checkTrialArrays(model, trials);
  const n = model.state.length;
  const record = options.record ?? {};
  const wantFinal = record.final ?? true;
  const wantPerTrial = record.perTrial ?? true;
  const stateIndex = (v: string, what: string): number => {
    const k = model.state.indexOf(v);
    if (k < 0) throw new InputError(`${what}: '${v}' is not a state variable of '${model.name}' (${model.state.join(', ')})`);
    return k;
  };
  let snapVars: number[] = [];
  let snapEvery = 0;
  let nSnap = 0;
  if (record.snapshots) {
    snapEvery = record.snapshots.every;
    checkInt(snapEvery, 'record.snapshots.every', 1);
    snapVars = (record.snapshots.variables ?? [...model.state]).map((v) => stateIndex(v, 'record.snapshots.variables'));
    nSnap = Math.floor(steps / snapEvery);
  }
  const wantStats = Boolean(record.stats) || Boolean(record.histogram);
  const statsEvery = record.stats?.every ?? Math.max(steps, 1);
  checkInt(statsEvery, 'record.stats.every', 1);
  const nSlots = wantStats ? Math.floor(steps / statsEvery) : 0;
  const covariance = record.stats?.covariance ?? n <= 8;
  const hist = record.histogram;
  let histVar = 0;
  if (hist) {
    histVar = stateIndex(hist.variable, 'record.histogram.variable');
    checkInt(hist.bins, 'record.histogram.bins', 1, 1 << 20);
    if (!Array.isArray(hist.range) || !(hist.range[0] < hist.range[1])) throw new InputError(`record.histogram.range must be [lo, hi] with lo < hi`);
  }
  if (options.maxTrialsPerChunk !== undefined) checkInt(options.maxTrialsPerChunk, 'maxTrialsPerChunk', 1);

  // ---- chunk size from the device limits
  const rows = integrator.kernel === 'baoab' ? 2 * n : n;
  const swept = model.paramValues.flatMap((v, k) => (typeof v === 'number' ? [] : [k]));
  const perTrialBytes = {
    'sde.state': rows * 4,
    'sde.sweep': swept.length * 4,
    'sde.status': SDE_STATUS_WORDS * 4,
    'sde.snapshots': nSnap * snapVars.length * 4,
  };
  const maxBinding = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  let chunk = Math.min(trials, options.maxTrialsPerChunk ?? trials, MAX_LINEAR_INVOCATIONS - WORKGROUP_SIZE);
  for (const [label, bytes] of Object.entries(perTrialBytes)) {
    if (bytes === 0) continue;
    if (bytes > maxBinding) {
      throw new InputError(`one trial needs ${bytes} bytes of '${label}', more than this device's largest storage binding (${maxBinding}); record fewer snapshots`);
    }
    chunk = Math.min(chunk, Math.floor(maxBinding / bytes));
  }
  const chunks = Math.ceil(trials / chunk);

  // ---- pipelines
  const kernelCode = sdeKernelWGSL({
    scheme: integrator.kernel,
    modelWGSL: model.wgsl,
    state: model.state,
    params: model.params,
    swept,
    wiener: model.wiener,
    activeNoise: model.activeNoise,
    eventIndex: model.event?.index ?? -1,
    absorb: model.absorb,
    snapshot: snapVars,
  });
  const label = `sde.${integrator.kernel}`;
  const pipeline = await ctx.kernel({ label, code: kernelCode, constants: { WG_SIZE: WORKGROUP_SIZE } });
  const statsWG = sdeStatsWorkgroupSize(n, covariance);
  const statsPipeline = wantStats
    ? await ctx.kernel({ label: 'sde.stats', code: sdeStatsWGSL({ n, covariance, histogram: Boolean(hist), workgroupSize: statsWG }) })
    : null;
  const K = sdeStatsRecordSize(n, covariance);
  const layout = sdeUniforms(model.params);
  const [seedLo, seedHi] = seedToKey(seed);
  const scalarParams: Record<string, number> = {};
  model.params.forEach((p, k) => {
    const v = model.paramValues[k]!;
    scalarParams[`p_${p}`] = typeof v === 'number' ? v : 0;
  });
  const refractorySteps = model.event ? Math.round(model.event.refractory / dt) : 0;

  // ---- host-side results
  const finalState = wantFinal ? new Float32Array(n * trials).fill(Number.NaN) : undefined;
  const velocities = integrator.kernel === 'baoab' && wantFinal ? new Float32Array(n * trials).fill(Number.NaN) : undefined;
  const snapData = nSnap > 0 ? new Float32Array(nSnap * snapVars.length * trials).fill(Number.NaN) : undefined;
  const flags = new Uint8Array(trials);
  const stopStep = new Uint32Array(trials);
  const stepsCompleted = new Uint32Array(trials);
  const spikeCounts = model.event ? new Uint32Array(trials) : undefined;
  const firstSpike = model.event ? new Float32Array(trials).fill(Number.NaN) : undefined;
  const accepted = integrator.kernel === 'mala' ? new Float32Array(trials).fill(Number.NaN) : undefined;
  const statsAcc = Array.from({ length: nSlots }, () => ({ n: 0, mean: new Float64Array(n), cm: new Float64Array(n * n) }));
  const histBins = hist ? hist.bins + 2 : 1;
  const histCounts = hist ? new Uint32Array(nSlots * histBins) : undefined;
  const pairs = sdeStatsPairs(n, covariance);

  const chunkTrials = Math.min(chunk, trials);
  const groups = wantStats ? Math.max(1, Math.min(256, Math.ceil(chunkTrials / (statsWG * 32)))) : 1;
  const made: Tensor[] = [];
  const tensor = (shape: number[], opts: Parameters<Context['tensor']>[1]): Tensor => {
    const t = ctx.tensor(shape, opts);
    made.push(t);
    return t;
  };
  let partial = false;
  try {
    const stateT = tensor([rows * chunkTrials], { label: 'sde.state' });
    const sweepT = tensor([Math.max(1, swept.length * chunkTrials)], { label: 'sde.sweep', fill: 0 });
    const statusT = tensor([SDE_STATUS_WORDS * chunkTrials], { label: 'sde.status', dtype: 'u32' });
    const snapT = tensor([Math.max(1, nSnap * snapVars.length * chunkTrials)], { label: 'sde.snapshots', fill: Number.NaN });
    const partialsT = tensor([Math.max(1, nSlots * groups * K)], { label: 'sde.stats.partials', fill: Number.NaN });
    const histT = tensor([Math.max(1, nSlots * histBins)], { label: 'sde.histogram', dtype: 'u32', fill: 0 });
    const totalWork = trials * Math.max(steps, 1);
    let workDone = 0;

    for (let c = 0; c < chunks && !partial; c++) {
      const offset = c * chunk;
      const count = Math.min(chunk, trials - offset);
      // inputs of this chunk
      const inputs = trialInputs(model, trials, offset, count);
      const init = new Float32Array(rows * count);
      init.set(inputs.init);
      stateT.write(init);
      if (swept.length) {
        const sw = new Float32Array(swept.length * count);
        swept.forEach((k, j) => sw.set(inputs.params.subarray(k * count, (k + 1) * count), j * count));
        sweepT.write(sw);
      }
      const status = new Uint32Array(SDE_STATUS_WORDS * count);
      for (let i = 0; i < count; i++) status[i * SDE_STATUS_WORDS + 2] = 0xbf800000; // first_spike = -1.0
      statusT.write(status);
      if (hist) histT.write(new Uint32Array(nSlots * histBins));

      let step = 0;
      while (step < steps) {
        if (options.signal?.aborted) {
          partial = true;
          break;
        }
        const nextStats = wantStats ? (Math.floor(step / statsEvery) + 1) * statsEvery : Infinity;
        const end = Math.min(steps, step + stepsPerDispatch, nextStats);
        ctx.dispatch({
          label,
          pipeline,
          bindings: [
            layout.pack({
              trials: count, trial_offset: offset, step_begin: step, step_count: end - step, seed_lo: seedLo, seed_hi: seedHi,
              refine, refractory_steps: refractorySteps, snap_every: snapEvery, dt, t0, friction, ...scalarParams,
            }),
            stateT, sweepT, statusT, snapT,
          ],
          workgroups: Math.ceil(count / WORKGROUP_SIZE),
          workgroupSize: WORKGROUP_SIZE,
        });
        if (statsPipeline && end === nextStats && end / statsEvery <= nSlots) {
          ctx.dispatch({
            label: 'sde.stats',
            pipeline: statsPipeline,
            bindings: [
              sdeStatsUniforms.pack({
                trials: count, slot: end / statsEvery - 1, groups, hist_var: histVar, hist_bins: hist?.bins ?? 1,
                hist_lo: hist?.range[0] ?? 0, hist_hi: hist?.range[1] ?? 1,
              }),
              stateT, statusT, partialsT, histT,
            ],
            workgroups: groups,
          });
        }
        workDone += count * (end - step);
        step = end;
        if (options.onProgress || options.signal) {
          ctx.flush();
          await ctx.device.queue.onSubmittedWorkDone();
          options.onProgress?.({ fraction: workDone / totalWork, chunk: c, chunks, step });
        }
      }
      // ---- read back this chunk
      stepsCompleted.fill(step, offset, offset + count);
      await ctx.sync(); // the chunk's work is done (and its GPU errors surface) even if nothing is read
      if (finalState || velocities) {
        const s = new Float32Array(await ctx.read(stateT.buffer, 0, rows * count * 4));
        for (let k = 0; k < n; k++) {
          finalState?.set(s.subarray(k * count, (k + 1) * count), k * trials + offset);
          velocities?.set(s.subarray((n + k) * count, (n + k + 1) * count), k * trials + offset);
        }
      }
      const st = wantPerTrial ? new Uint32Array(await ctx.read(statusT.buffer, 0, SDE_STATUS_WORDS * count * 4)) : new Uint32Array(0);
      const stf = new Float32Array(st.buffer);
      for (let i = 0; i < (wantPerTrial ? count : 0); i++) {
        flags[offset + i] = st[i * SDE_STATUS_WORDS]!;
        stopStep[offset + i] = st[i * SDE_STATUS_WORDS + 5]!;
        if (spikeCounts && firstSpike) {
          spikeCounts[offset + i] = st[i * SDE_STATUS_WORDS + 1]!;
          const fs = stf[i * SDE_STATUS_WORDS + 2]!;
          firstSpike[offset + i] = fs < 0 ? Number.NaN : fs;
        }
        if (accepted) accepted[offset + i] = step > 0 ? st[i * SDE_STATUS_WORDS + 4]! / step : Number.NaN;
      }
      if (snapData) {
        const nRec = snapVars.length;
        const s = new Float32Array(await ctx.read(snapT.buffer, 0, nSnap * nRec * count * 4));
        for (let r = 0; r < nSnap * nRec; r++) snapData.set(s.subarray(r * count, (r + 1) * count), r * trials + offset);
      }
      if (wantStats) {
        const slotsDone = Math.min(nSlots, Math.floor(step / statsEvery));
        if (slotsDone > 0) {
          const part = new Float32Array(await ctx.read(partialsT.buffer, 0, slotsDone * groups * K * 4));
          for (let slot = 0; slot < slotsDone; slot++) {
            for (let g = 0; g < groups; g++) {
              mergeRecord(statsAcc[slot]!, part.subarray((slot * groups + g) * K, (slot * groups + g + 1) * K), n, pairs);
            }
          }
          if (histCounts) {
            const h = new Uint32Array(await ctx.read(histT.buffer, 0, nSlots * histBins * 4));
            for (let q = 0; q < slotsDone * histBins; q++) histCounts[q] = histCounts[q]! + h[q]!;
          }
        }
      }
    }
  } finally {
    for (const t of made) t.destroy();
  }

  const result: SimulateResult = {
    model, integrator, trials, steps, dt, seed, flags, stopStep,
    diverged: wantPerTrial ? countFlag(flags, SDE_FLAG_DIVERGED) : Number.NaN,
    absorbed: wantPerTrial ? countFlag(flags, SDE_FLAG_ABSORBED) : Number.NaN,
    partial, stepsCompleted, chunks, trialsPerChunk: chunk,
  };
  if (finalState) {
    result.finalState = finalState;
    result.final = Object.fromEntries(model.state.map((v, k) => [v, finalState.subarray(k * trials, (k + 1) * trials)]));
  }
  if (velocities) result.velocities = velocities;
  if (snapData) {
    result.snapshots = {
      every: snapEvery,
      variables: snapVars.map((k) => model.state[k]!),
      times: Float64Array.from({ length: nSnap }, (_, k) => t0 + (k + 1) * snapEvery * dt),
      data: snapData,
    };
  }
  const statTimes = Float64Array.from({ length: nSlots }, (_, k) => t0 + (k + 1) * statsEvery * dt);
  if (record.stats) result.stats = finishStats(statsAcc, n, covariance, statTimes);
  if (hist && histCounts) {
    const counts = new Uint32Array(nSlots * hist.bins);
    const underflow = new Uint32Array(nSlots);
    const overflow = new Uint32Array(nSlots);
    for (let s = 0; s < nSlots; s++) {
      underflow[s] = histCounts[s * histBins]!;
      overflow[s] = histCounts[s * histBins + hist.bins + 1]!;
      counts.set(histCounts.subarray(s * histBins + 1, s * histBins + 1 + hist.bins), s * hist.bins);
    }
    const [lo, hi] = hist.range;
    result.histogram = {
      variable: hist.variable,
      edges: Float64Array.from({ length: hist.bins + 1 }, (_, k) => lo + ((hi - lo) * k) / hist.bins),
      counts, underflow, overflow, times: statTimes,
    };
  }
  if (spikeCounts && firstSpike && wantPerTrial) result.spikes = { counts: spikeCounts, firstSpikeTime: firstSpike };
  if (accepted && wantPerTrial) {
    let sum = 0;
    let cnt = 0;
    for (const a of accepted) if (!Number.isNaN(a)) { sum += a; cnt++; }
    result.acceptance = { perTrial: accepted, mean: cnt ? sum / cnt : Number.NaN };
  }
  return result;
}

function countFlag(flags: Uint8Array, bit: number): number {
  let c = 0;
  for (const f of flags) if (f & bit) c++;
  return c;
}

/** Merge one partial record (count, means, co-moments) into a float64 accumulator (Chan et al. 1979). */
function mergeRecord(acc: { n: number; mean: Float64Array; cm: Float64Array }, rec: Float32Array, n: number, pairs: [number, number][]): void {
  const nb = rec[0]!;
  if (!(nb > 0)) return;
  const na = acc.n;
  const nn = na + nb;
  const delta = new Float64Array(n);
  for (let j = 0; j < n; j++) delta[j] = rec[1 + j]! - acc.mean[j]!;
  pairs.forEach(([j, k], q) => {
    const add = rec[1 + n + q]! + (delta[j]! * delta[k]! * na * nb) / nn;
    acc.cm[j * n + k] = acc.cm[j * n + k]! + add;
    if (j !== k) acc.cm[k * n + j] = acc.cm[k * n + j]! + add;
  });
  for (let j = 0; j < n; j++) acc.mean[j] = acc.mean[j]! + (delta[j]! * nb) / nn;
  acc.n = nn;
}

function finishStats(acc: { n: number; mean: Float64Array; cm: Float64Array }[], n: number, covariance: boolean, times: Float64Array): EnsembleStats {
  const slots = acc.length;
  const stats: EnsembleStats = {
    times,
    count: Float64Array.from(acc, (a) => a.n),
    mean: new Float64Array(slots * n),
    variance: new Float64Array(slots * n),
  };
  if (covariance) stats.covariance = new Float64Array(slots * n * n);
  acc.forEach((a, s) => {
    const denom = a.n > 1 ? a.n - 1 : Number.NaN;
    for (let j = 0; j < n; j++) {
      stats.mean[s * n + j] = a.n > 0 ? a.mean[j]! : Number.NaN;
      stats.variance[s * n + j] = a.cm[j * n + j]! / denom;
    }
    if (stats.covariance) for (let q = 0; q < n * n; q++) stats.covariance[s * n * n + q] = a.cm[q]! / denom;
  });
  return stats;
}
