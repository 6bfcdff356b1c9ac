/**
 * `simulate`: run many independent trials of an SDE model on the GPU with a fused integrator,
 * recording final states, snapshots, ensemble statistics, histograms, events and per-trial flags.
 *
 * The run is planned (options checked, chunk size chosen) before any GPU work, then each chunk of
 * trials is uploaded, integrated dispatch by dispatch, read back and merged into float64 results.
 */
import { sdeKernelWGSL, sdeUniforms } from '../../shaders/sde.wgsl.js';
import {
  sdeStatsPairs, sdeStatsRecordSize, sdeStatsUniforms, sdeStatsWGSL, sdeStatsWorkgroupSize,
} from '../../shaders/sde-stats.wgsl.js';
import type { Context } from '../core/context.js';
import { MAX_LINEAR_INVOCATIONS } from '../core/dispatch.js';
import {
  SDE_FLAG_ABSORBED, SDE_FLAG_DIVERGED, SDE_TRIAL_STATUS_INITIAL, sdeNoiseStride, sdeTrialStatus,
} from '../core/sde-status.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';
import { seedToKey, type NormalTransform, type RandomGenerator } from '../core/seed.js';
import { validateSimulateOptions } from './options.js';
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
  /**
   * Run trials [firstTrial, firstTrial + trials) of a larger run of `totalTrials`: trial i draws
   * the random numbers of trial firstTrial + i and reads entry firstTrial + i of per-trial arrays,
   * so any split of a run into trial ranges reproduces it bit for bit (as `simulateReference`'s
   * option of the same name). A whole number with firstTrial + trials ≤ totalTrials and
   * ≤ 2^32 (trial indices are 32-bit). Default 0.
   */
  firstTrial?: number;
  /** Trials of the whole run (the length of per-trial arrays), at least firstTrial + trials. Default firstTrial + trials. */
  totalTrials?: number;
  /**
   * How Philox words become the normals of the Wiener increments: `'precise'` (our own log and
   * sincos, within a few ulp of float64 on every device, so runs match `simulateReference` to f32
   * rounding) or `'fast'` (the platform's builtin log/cos/sin: the same numbers in exact arithmetic,
   * cheaper, as accurate as the platform makes them). Default `'precise'`.
   */
  rng?: NormalTransform;
  /**
   * The counter-based generator of the Wiener increments (and MALA's uniforms): `'philox'`
   * (Philox4x32-10) or `'threefry'` (Threefry-4x32-20, multiplication-free, cheaper where 32-bit
   * products are emulated). Same counters, same guarantees (chunking-invariant, bit-identical CPU
   * twin), different numbers for the same seed. Independent of `rng`. Default `'philox'`.
   */
  generator?: RandomGenerator;
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
  const plan = planRun(ctx, model, options);
  const kernels = await buildKernels(ctx, plan);
  const host = allocateHostResults(plan);
  const buffers = createRunBuffers(ctx, plan);
  let partial = false;
  let workDone = 0;
  try {
    for (let c = 0; c < plan.chunks && !partial; c++) {
      const offset = c * plan.trialsPerChunk;
      const chunk: ChunkRange = { index: c, offset, count: Math.min(plan.trialsPerChunk, plan.trials - offset) };
      uploadChunk(plan, buffers, chunk);
      const run = await integrateChunk(ctx, plan, kernels, buffers, chunk, options, workDone);
      workDone = run.workDone;
      partial = run.cancelled;
      await readBackChunk(ctx, plan, buffers, chunk, run.step, host);
    }
  } finally {
    buffers.destroy();
  }
  return assembleResult(plan, host, partial);
}

// ------------------------------------------------------------------------------------------ plan

/** Everything decided before any GPU work: checked options, what to record, and the chunking. */
interface RunPlan extends Pick<SimulateResult, 'model' | 'integrator' | 'trials' | 'steps' | 'dt' | 'seed'> {
  /** This run is trials [firstTrial, firstTrial + trials) of a run of totalTrials. */
  firstTrial: number;
  totalTrials: number;
  t0: number;
  refine: number;
  friction: number;
  rng: NormalTransform;
  generator: RandomGenerator;
  stepsPerDispatch: number;
  /** State variables, and state rows per trial (BAOAB adds a velocity per variable). */
  n: number;
  rows: number;
  /** Indices of the parameters given per trial. */
  swept: number[];
  wantFinal: boolean;
  wantPerTrial: boolean;
  snapshots: { variables: number[]; every: number; count: number };
  /**
   * Statistics and histograms share the recording times (slot s is step (s + 1)·every); `wanted`
   * when either is recorded, `reported` when the moments are part of the result.
   */
  stats: { wanted: boolean; reported: boolean; every: number; slots: number; covariance: boolean };
  histogram?: { variable: string; index: number; bins: number; range: [number, number] };
  refractorySteps: number;
  trialsPerChunk: number;
  chunks: number;
}

/** Check the options against the model and the device, and size the chunks; throws InputError. */
function planRun(ctx: Context, model: SDEModel, options: SimulateOptions): RunPlan {
  // Every field's type and bounds (src/sde/options.ts); what depends on the model or device is below.
  validateSimulateOptions(options);
  const { trials, steps, dt } = options;
  const seed = options.seed ?? 0;
  const integrator = resolveIntegrator(options.integrator ?? 'em', model);
  const refine = options.refine ?? 1;
  const normalsPerTrial = steps * refine * sdeNoiseStride(model.activeNoise.length);
  if (normalsPerTrial >= 2 ** 34) {
    throw new InputError(`steps × refine × noise processes = ${normalsPerTrial} must stay below 2^34 (the Philox block counter)`);
  }
  const stepsPerDispatch = options.stepsPerDispatch ?? Math.max(1, Math.min(steps, 1024));
  const friction = options.friction ?? 1;
  // Bounds of firstTrial/totalTrials are checked with the other options (src/sde/options.ts).
  const firstTrial = options.firstTrial ?? 0;
  const totalTrials = options.totalTrials ?? firstTrial + trials;
  checkTrialArrays(model, totalTrials, options.totalTrials === undefined ? 'trials' : 'totalTrials');
  const n = model.state.length;
  const record = options.record ?? {};
  const stateIndex = (v: string, what: string): number => {
    const k = model.state.indexOf(v);
    if (k < 0) throw new InputError(`${what}: '${v}' is not a state variable of '${model.name}' (${model.state.join(', ')})`);
    return k;
  };
  const snapshots = { variables: [] as number[], every: 0, count: 0 };
  if (record.snapshots) {
    snapshots.every = record.snapshots.every;
    snapshots.variables = (record.snapshots.variables ?? [...model.state]).map((v) => stateIndex(v, 'record.snapshots.variables'));
    snapshots.count = Math.floor(steps / snapshots.every);
  }
  const wantStats = Boolean(record.stats) || Boolean(record.histogram);
  const statsEvery = record.stats?.every ?? Math.max(steps, 1);
  const stats = {
    wanted: wantStats,
    reported: Boolean(record.stats),
    every: statsEvery,
    slots: wantStats ? Math.floor(steps / statsEvery) : 0,
    covariance: record.stats?.covariance ?? n <= 8,
  };
  let histogram: RunPlan['histogram'];
  if (record.histogram) {
    const h = record.histogram;
    const index = stateIndex(h.variable, 'record.histogram.variable');
    histogram = { variable: h.variable, index, bins: h.bins, range: h.range };
  }

  // Chunk size: every per-trial buffer of a chunk must fit one storage binding.
  const rows = integrator.kernel === 'baoab' ? 2 * n : n;
  const swept = model.paramValues.flatMap((v, k) => (typeof v === 'number' ? [] : [k]));
  const perTrialBytes = {
    'sde.state': rows * 4,
    'sde.sweep': swept.length * 4,
    'sde.status': sdeTrialStatus.byteSize,
    'sde.snapshots': snapshots.count * snapshots.variables.length * 4,
  };
  const maxBinding = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  let trialsPerChunk = Math.min(trials, options.maxTrialsPerChunk ?? trials, MAX_LINEAR_INVOCATIONS - WORKGROUP_SIZE);
  for (const [label, bytes] of Object.entries(perTrialBytes)) {
    if (bytes === 0) continue;
    if (bytes > maxBinding) {
      throw new InputError(`one trial needs ${bytes} bytes of '${label}', more than this device's largest storage binding (${maxBinding}); record fewer snapshots`);
    }
    trialsPerChunk = Math.min(trialsPerChunk, Math.floor(maxBinding / bytes));
  }
  return {
    model, integrator, trials, steps, dt, seed, firstTrial, totalTrials, t0: options.t0 ?? 0, refine, friction, rng: options.rng ?? 'precise', generator: options.generator ?? 'philox', stepsPerDispatch, n, rows, swept,
    wantFinal: record.final ?? true,
    wantPerTrial: record.perTrial ?? true,
    snapshots, stats, histogram,
    refractorySteps: model.event ? Math.round(model.event.refractory / dt) : 0,
    trialsPerChunk,
    chunks: Math.ceil(trials / trialsPerChunk),
  };
}

// ------------------------------------------------------------------------------ GPU resources

/** The compiled kernels of a run and the uniforms that drive them. */
interface RunKernels {
  label: string;
  pipeline: GPUComputePipeline;
  /** Uniforms of one integrator dispatch: steps [stepBegin, stepEnd) of the chunk. */
  integratorUniforms(chunk: ChunkRange, stepBegin: number, stepEnd: number): ArrayBuffer;
  stats: null | {
    pipeline: GPUComputePipeline;
    /** Workgroups of the statistics kernel (each writes one partial record per slot). */
    groups: number;
    uniforms(count: number, slot: number): ArrayBuffer;
  };
}

async function buildKernels(ctx: Context, plan: RunPlan): Promise<RunKernels> {
  const { model, integrator, n } = plan;
  const code = sdeKernelWGSL({
    scheme: integrator.kernel,
    modelWGSL: model.wgsl,
    state: model.state,
    params: model.params,
    swept: plan.swept,
    wiener: model.wiener,
    activeNoise: model.activeNoise,
    eventIndex: model.event?.index ?? -1,
    absorb: model.absorb,
    snapshot: plan.snapshots.variables,
    normals: plan.rng,
    generator: plan.generator,
  });
  const label = `sde.${integrator.kernel}`;
  const pipeline = await ctx.kernel({ label, code, constants: { WG_SIZE: WORKGROUP_SIZE } });
  const layout = sdeUniforms(model.params);
  const [seedLo, seedHi] = seedToKey(plan.seed);
  const scalarParams: Record<string, number> = {};
  model.params.forEach((p, k) => {
    const v = model.paramValues[k]!;
    scalarParams[`p_${p}`] = typeof v === 'number' ? v : 0;
  });
  const integratorUniforms = (chunk: ChunkRange, stepBegin: number, stepEnd: number): ArrayBuffer => layout.pack({
    trials: chunk.count, trial_offset: plan.firstTrial + chunk.offset, step_begin: stepBegin, step_count: stepEnd - stepBegin,
    seed_lo: seedLo, seed_hi: seedHi, refine: plan.refine, refractory_steps: plan.refractorySteps,
    snap_every: plan.snapshots.every, dt: plan.dt, t0: plan.t0, friction: plan.friction, ...scalarParams,
  });
  if (!plan.stats.wanted) return { label, pipeline, integratorUniforms, stats: null };

  const { covariance } = plan.stats;
  const hist = plan.histogram;
  const workgroupSize = sdeStatsWorkgroupSize(n, covariance);
  const statsPipeline = await ctx.kernel({
    label: 'sde.stats',
    code: sdeStatsWGSL({ n, covariance, histogram: Boolean(hist), workgroupSize }),
  });
  const groups = statsGroups(plan);
  return {
    label, pipeline, integratorUniforms,
    stats: {
      pipeline: statsPipeline,
      groups,
      uniforms: (count: number, slot: number): ArrayBuffer => sdeStatsUniforms.pack({
        trials: count, slot, groups, hist_var: hist?.index ?? 0, hist_bins: hist?.bins ?? 1,
        hist_lo: hist?.range[0] ?? 0, hist_hi: hist?.range[1] ?? 1,
      }),
    },
  };
}

/** GPU buffers sized for one chunk, reused by every chunk. */
interface RunBuffers {
  state: Tensor;
  sweep: Tensor;
  status: Tensor;
  snapshots: Tensor;
  partials: Tensor;
  histogram: Tensor;
  destroy(): void;
}

function createRunBuffers(ctx: Context, plan: RunPlan): RunBuffers {
  const chunkTrials = Math.min(plan.trialsPerChunk, plan.trials);
  const { snapshots, stats } = plan;
  const groups = stats.wanted ? statsGroups(plan) : 1;
  const made: Tensor[] = [];
  const tensor = (shape: number[], opts: Parameters<Context['tensor']>[1]): Tensor => {
    const t = ctx.tensor(shape, opts);
    made.push(t);
    return t;
  };
  try {
    return {
      state: tensor([plan.rows * chunkTrials], { label: 'sde.state' }),
      sweep: tensor([Math.max(1, plan.swept.length * chunkTrials)], { label: 'sde.sweep', fill: 0 }),
      status: tensor([sdeTrialStatus.words * chunkTrials], { label: 'sde.status', dtype: 'u32' }),
      snapshots: tensor([Math.max(1, snapshots.count * snapshots.variables.length * chunkTrials)], { label: 'sde.snapshots', fill: Number.NaN }),
      partials: tensor([Math.max(1, stats.slots * groups * sdeStatsRecordSize(plan.n, stats.covariance))], { label: 'sde.stats.partials', fill: Number.NaN }),
      histogram: tensor([Math.max(1, stats.slots * histogramRow(plan))], { label: 'sde.histogram', dtype: 'u32', fill: 0 }),
      destroy: () => made.forEach((t) => t.destroy()),
    };
  } catch (err) {
    made.forEach((t) => t.destroy());
    throw err;
  }
}

/** Workgroups of the statistics kernel: about 32 trials per invocation, at most 256 partial records. */
function statsGroups(plan: RunPlan): number {
  const chunkTrials = Math.min(plan.trialsPerChunk, plan.trials);
  return Math.max(1, Math.min(256, Math.ceil(chunkTrials / (sdeStatsWorkgroupSize(plan.n, plan.stats.covariance) * 32))));
}

/** Counters per histogram slot: underflow, the bins, overflow. */
function histogramRow(plan: RunPlan): number {
  return plan.histogram ? plan.histogram.bins + 2 : 1;
}

// ---------------------------------------------------------------------------------- the chunks

/** Trials [offset, offset + count) of the run, the `index`-th chunk. */
interface ChunkRange {
  index: number;
  offset: number;
  count: number;
}

/** Upload a chunk's initial states, swept parameters and fresh per-trial status. */
function uploadChunk(plan: RunPlan, buffers: RunBuffers, chunk: ChunkRange): void {
  const { count } = chunk;
  const inputs = trialInputs(plan.model, plan.totalTrials, plan.firstTrial + chunk.offset, count);
  const init = new Float32Array(plan.rows * count); // BAOAB velocities start at zero
  init.set(inputs.init);
  buffers.state.write(init);
  if (plan.swept.length) {
    const sweep = new Float32Array(plan.swept.length * count);
    plan.swept.forEach((k, j) => sweep.set(inputs.params.subarray(k * count, (k + 1) * count), j * count));
    buffers.sweep.write(sweep);
  }
  buffers.status.write(sdeTrialStatus.fill(count, SDE_TRIAL_STATUS_INITIAL));
  if (plan.histogram) buffers.histogram.write(new Uint32Array(plan.stats.slots * histogramRow(plan)));
}

/**
 * Record the dispatches that integrate one chunk, with a statistics pass at every recording time.
 * Returns the step reached (less than `steps` when cancelled) and the trial-steps done so far.
 */
async function integrateChunk(
  ctx: Context, plan: RunPlan, kernels: RunKernels, buffers: RunBuffers, chunk: ChunkRange,
  options: Pick<SimulateOptions, 'onProgress' | 'signal'>, workDoneBefore: number,
): Promise<{ step: number; cancelled: boolean; workDone: number }> {
  const { steps, stats } = plan;
  const totalWork = plan.trials * Math.max(steps, 1);
  let workDone = workDoneBefore;
  let step = 0;
  while (step < steps) {
    if (options.signal?.aborted) return { step, cancelled: true, workDone };
    // A dispatch never runs past the next recording time, where the statistics kernel reads the state.
    const nextRecord = stats.wanted ? (Math.floor(step / stats.every) + 1) * stats.every : Infinity;
    const end = Math.min(steps, step + plan.stepsPerDispatch, nextRecord);
    ctx.dispatch({
      label: kernels.label,
      pipeline: kernels.pipeline,
      bindings: [kernels.integratorUniforms(chunk, step, end), buffers.state, buffers.sweep, buffers.status, buffers.snapshots],
      workgroups: Math.ceil(chunk.count / WORKGROUP_SIZE),
      workgroupSize: WORKGROUP_SIZE,
    });
    if (kernels.stats && end === nextRecord && end / stats.every <= stats.slots) {
      ctx.dispatch({
        label: 'sde.stats',
        pipeline: kernels.stats.pipeline,
        bindings: [kernels.stats.uniforms(chunk.count, end / stats.every - 1), buffers.state, buffers.status, buffers.partials, buffers.histogram],
        workgroups: kernels.stats.groups,
      });
    }
    workDone += chunk.count * (end - step);
    step = end;
    if (options.onProgress || options.signal) {
      // Progress must describe finished work and cancellation must stop between dispatches, so
      // here (only) the run waits for each dispatch.
      await ctx.sync();
      options.onProgress?.({ fraction: workDone / totalWork, chunk: chunk.index, chunks: plan.chunks, step });
    }
  }
  return { step, cancelled: false, workDone };
}

// ------------------------------------------------------------------------ readback and merge

/** Host-side results, filled chunk by chunk ([variable][trial] for per-trial arrays). */
interface HostResults {
  finalState?: Float32Array;
  velocities?: Float32Array;
  snapshots?: Float32Array;
  flags: Uint8Array;
  stopStep: Uint32Array;
  stepsCompleted: Uint32Array;
  spikeCounts?: Uint32Array;
  firstSpike?: Float32Array;
  accepted?: Float32Array;
  /** Per recording time: float64 count, means and co-moments merged across chunks. */
  moments: Moments[];
  /** Per recording time: underflow, bins, overflow. */
  histogram?: Uint32Array;
}

interface Moments {
  n: number;
  mean: Float64Array;
  cm: Float64Array;
}

function allocateHostResults(plan: RunPlan): HostResults {
  const { trials, n, model } = plan;
  const kernel = plan.integrator.kernel;
  const { snapshots } = plan;
  return {
    finalState: plan.wantFinal ? new Float32Array(n * trials).fill(Number.NaN) : undefined,
    velocities: kernel === 'baoab' && plan.wantFinal ? new Float32Array(n * trials).fill(Number.NaN) : undefined,
    snapshots: snapshots.count > 0 ? new Float32Array(snapshots.count * snapshots.variables.length * trials).fill(Number.NaN) : undefined,
    flags: new Uint8Array(trials),
    stopStep: new Uint32Array(trials),
    stepsCompleted: new Uint32Array(trials),
    spikeCounts: model.event ? new Uint32Array(trials) : undefined,
    firstSpike: model.event ? new Float32Array(trials).fill(Number.NaN) : undefined,
    accepted: kernel === 'mala' ? new Float32Array(trials).fill(Number.NaN) : undefined,
    moments: Array.from({ length: plan.stats.slots }, () => ({ n: 0, mean: new Float64Array(n), cm: new Float64Array(n * n) })),
    histogram: plan.histogram ? new Uint32Array(plan.stats.slots * histogramRow(plan)) : undefined,
  };
}

/** Wait for a chunk's work (its GPU errors surface here), read back what was asked and merge it. */
async function readBackChunk(
  ctx: Context, plan: RunPlan, buffers: RunBuffers, chunk: ChunkRange, step: number, host: HostResults,
): Promise<void> {
  const { offset, count } = chunk;
  const { n, trials } = plan;
  host.stepsCompleted.fill(step, offset, offset + count);
  await ctx.sync(); // the chunk's work is done (and its GPU errors surface) even if nothing is read
  if (host.finalState || host.velocities) {
    const s = new Float32Array(await ctx.read(buffers.state.buffer, 0, plan.rows * count * 4));
    for (let k = 0; k < n; k++) {
      host.finalState?.set(s.subarray(k * count, (k + 1) * count), k * trials + offset);
      host.velocities?.set(s.subarray((n + k) * count, (n + k + 1) * count), k * trials + offset);
    }
  }
  if (plan.wantPerTrial) {
    const words = await ctx.read(buffers.status.buffer, 0, sdeTrialStatus.byteSize * count);
    host.flags.set(sdeTrialStatus.column(words, 'flags', count), offset);
    host.stopStep.set(sdeTrialStatus.column(words, 'stop_step', count), offset);
    if (host.spikeCounts && host.firstSpike) {
      host.spikeCounts.set(sdeTrialStatus.column(words, 'spikes', count), offset);
      const first = sdeTrialStatus.column(words, 'first_spike', count);
      for (let i = 0; i < count; i++) host.firstSpike[offset + i] = first[i]! < 0 ? Number.NaN : first[i]!;
    }
    if (host.accepted) {
      const accepted = sdeTrialStatus.column(words, 'accepted', count);
      for (let i = 0; i < count; i++) host.accepted[offset + i] = step > 0 ? accepted[i]! / step : Number.NaN;
    }
  }
  if (host.snapshots) {
    const records = plan.snapshots.count * plan.snapshots.variables.length;
    const s = new Float32Array(await ctx.read(buffers.snapshots.buffer, 0, records * count * 4));
    for (let r = 0; r < records; r++) host.snapshots.set(s.subarray(r * count, (r + 1) * count), r * trials + offset);
  }
  const slotsDone = Math.min(plan.stats.slots, Math.floor(step / plan.stats.every));
  if (plan.stats.wanted && slotsDone > 0) {
    const groups = statsGroups(plan);
    const K = sdeStatsRecordSize(n, plan.stats.covariance);
    const pairs = sdeStatsPairs(n, plan.stats.covariance);
    const part = new Float32Array(await ctx.read(buffers.partials.buffer, 0, slotsDone * groups * K * 4));
    for (let slot = 0; slot < slotsDone; slot++) {
      for (let g = 0; g < groups; g++) {
        mergeRecord(host.moments[slot]!, part.subarray((slot * groups + g) * K, (slot * groups + g + 1) * K), n, pairs);
      }
    }
    if (host.histogram) {
      const h = new Uint32Array(await ctx.read(buffers.histogram.buffer, 0, host.histogram.length * 4));
      for (let q = 0; q < slotsDone * histogramRow(plan); q++) host.histogram[q] = host.histogram[q]! + h[q]!;
    }
  }
}

// ------------------------------------------------------------------------------------ result

function assembleResult(plan: RunPlan, host: HostResults, partial: boolean): SimulateResult {
  const { model, trials, n, dt, t0 } = plan;
  const { flags } = host;
  const { wantPerTrial } = plan;
  const result: SimulateResult = {
    model, integrator: plan.integrator, trials, steps: plan.steps, dt, seed: plan.seed, flags, stopStep: host.stopStep,
    diverged: wantPerTrial ? countFlag(flags, SDE_FLAG_DIVERGED) : Number.NaN,
    absorbed: wantPerTrial ? countFlag(flags, SDE_FLAG_ABSORBED) : Number.NaN,
    partial, stepsCompleted: host.stepsCompleted, chunks: plan.chunks, trialsPerChunk: plan.trialsPerChunk,
  };
  const finalState = host.finalState;
  if (finalState) {
    result.finalState = finalState;
    result.final = Object.fromEntries(model.state.map((v, k) => [v, finalState.subarray(k * trials, (k + 1) * trials)]));
  }
  if (host.velocities) result.velocities = host.velocities;
  if (host.snapshots) {
    const { every, count, variables } = plan.snapshots;
    result.snapshots = {
      every,
      variables: variables.map((k) => model.state[k]!),
      times: Float64Array.from({ length: count }, (_, k) => t0 + (k + 1) * every * dt),
      data: host.snapshots,
    };
  }
  const { slots, every, covariance } = plan.stats;
  const statTimes = Float64Array.from({ length: slots }, (_, k) => t0 + (k + 1) * every * dt);
  if (plan.stats.reported) result.stats = finishStats(host.moments, n, covariance, statTimes);
  const hist = plan.histogram;
  if (hist && host.histogram) {
    const row = histogramRow(plan);
    const counts = new Uint32Array(slots * hist.bins);
    const underflow = new Uint32Array(slots);
    const overflow = new Uint32Array(slots);
    for (let s = 0; s < slots; s++) {
      underflow[s] = host.histogram[s * row]!;
      overflow[s] = host.histogram[s * row + hist.bins + 1]!;
      counts.set(host.histogram.subarray(s * row + 1, s * row + 1 + hist.bins), s * hist.bins);
    }
    const [lo, hi] = hist.range;
    result.histogram = {
      variable: hist.variable,
      edges: Float64Array.from({ length: hist.bins + 1 }, (_, k) => lo + ((hi - lo) * k) / hist.bins),
      counts, underflow, overflow, times: statTimes,
    };
  }
  if (host.spikeCounts && host.firstSpike && wantPerTrial) result.spikes = { counts: host.spikeCounts, firstSpikeTime: host.firstSpike };
  if (host.accepted && wantPerTrial) {
    let sum = 0;
    let cnt = 0;
    for (const a of host.accepted) if (!Number.isNaN(a)) { sum += a; cnt++; }
    result.acceptance = { perTrial: host.accepted, mean: cnt ? sum / cnt : Number.NaN };
  }
  return result;
}

function countFlag(flags: Uint8Array, bit: number): number {
  let c = 0;
  for (const f of flags) if (f & bit) c++;
  return c;
}

/** Merge one partial record (count, means, co-moments) into a float64 accumulator (Chan et al. 1979). */
function mergeRecord(acc: Moments, rec: Float32Array, n: number, pairs: [number, number][]): void {
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

function finishStats(acc: Moments[], n: number, covariance: boolean, times: Float64Array): EnsembleStats {
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
