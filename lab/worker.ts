/**
 * The lab's dedicated Worker: owns the WebGPU context and runs every simulation and experiment, so
 * the page's main thread only draws. A playground run is split into batches of trials; batch b
 * runs trials [first, first + count) of the whole run (`firstTrial`), so the union of the batches is
 * bit for bit the run `wgneuro simulate` makes with the same seed, and the statistics shown after
 * each batch converge live as trials accumulate.
 */
import { InputError } from '../src/gpu/errors.js';
import type { NetworkDefinition, NetworkSummary } from '../src/network/index.js';
// From their own modules, not src/index.js: the network engine then stays out of the Worker's
// first download (a network run loads it on demand).
import { createContext, type Context } from '../src/core/context.js';
import { modelFromJSON, simulate, type IntegratorName, type SDEModel, type SimulateOptions } from '../src/sde/index.js';
import type { ParamValue } from '../src/models/experiment.js';
import { findExperiment } from '../src/models/registry.js';
import {
  finalMoments, finishMoments, histogram, mergeBatch, newAccumulator, populationRate, spikesFromSnapshots,
} from './ensemble.js';
import { useBundledMnist } from './mnist-assets.js';
import { batchSize, TRIAL_RANGES } from './worker-plan.js';
import type {
  BenchSuite, FromWorker, LiveHistogram, LiveRaster, NetworkPopulationData, NetworkSettings, RunSettings, ToWorker,
} from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

/** Statistics are recorded at about this many times per run (the plot's resolution). */
const STAT_POINTS = 200;
/** Trial-steps per kernel dispatch: small enough that cancel takes effect well within a second. */
const DISPATCH_BUDGET = 1 << 18;
/** Trials drawn in the raster of an event model. */
const RASTER_TRIALS = 40;
/** Snapshots of the raster trials (the raster's time resolution is steps / this, at best dt). */
const RASTER_SNAPSHOTS = 4000;

let contextPromise: Promise<Context> | null = null;
const controllers = new Map<number, AbortController>();

function context(): Promise<Context> {
  contextPromise ??= createContext().then((ctx) => {
    ctx.device.lost.then((info) => post({ type: 'lost', message: `${info.reason}: ${info.message || 'the GPU device was lost'}` }));
    return ctx;
  });
  return contextPromise;
}

type ModelFromJSON = (json: unknown, options?: { allowRawWGSL?: boolean }) => SDEModel;

async function runSimulate(id: number, json: unknown, allowRawWGSL: boolean, settings: RunSettings, signal: AbortSignal): Promise<void> {
  const model = (modelFromJSON as ModelFromJSON)(json, { allowRawWGSL });
  const { trials, steps, dt, seed } = settings;
  const integrator = settings.integrator as IntegratorName;
  const ctx = await context();
  const t0 = performance.now();
  const n = model.state.length;
  const variables = [...model.state];
  const final = new Float32Array(n * trials).fill(Number.NaN);
  const skip = new Uint8Array(trials).fill(1);
  const statsEvery = Math.max(1, Math.ceil(steps / STAT_POINTS));
  const slots = Math.floor(steps / statsEvery);
  const times = Float64Array.from({ length: slots }, (_, k) => (k + 1) * statsEvery * dt);
  const acc = newAccumulator(slots, n);
  const chunk = batchSize(trials);
  const batch = TRIAL_RANGES ? chunk : trials;
  let diverged = 0;
  let completed = 0;
  let partial = false;

  let raster: LiveRaster | undefined;
  // Per-trial arrays have the whole run's length, which a raster of the first trials can only be
  // given as a trial range.
  const perTrialArrays = [...model.paramValues, ...model.init].some((v) => typeof v !== 'number' && typeof v !== 'string');
  if (model.event && steps > 0 && (TRIAL_RANGES || !perTrialArrays)) raster = await runRaster(ctx, model, settings, signal);

  const live = (): void => {
    const { mean, variance } = finishMoments(acc, n);
    const histograms: LiveHistogram[] = variables.map((variable, k) => {
      const h = histogram(final.subarray(k * trials, (k + 1) * trials), 40);
      return { variable, ...h };
    });
    post({ type: 'live', id, stats: { variables, times, count: Float64Array.from(acc.n), mean, variance }, histograms, ...(raster ? { raster } : {}) });
  };

  for (let first = 0; first < trials && !partial && !signal.aborted; first += batch) {
    const count = Math.min(batch, trials - first);
    const options: SimulateOptions = {
      trials: count, steps, dt, seed, integrator,
      firstTrial: first,
      totalTrials: trials,
      maxTrialsPerChunk: chunk,
      stepsPerDispatch: Math.max(1, Math.min(1024, steps, Math.floor(DISPATCH_BUDGET / Math.min(count, chunk)))),
      record: { final: true, stats: { every: statsEvery, covariance: false } },
      signal,
      // Chunks before the current one have finished all their steps.
      onProgress: (p) => post({ type: 'progress', id, fraction: (first * steps + p.fraction * count * steps) / (trials * steps || 1), trialsDone: first + p.chunk * chunk }),
    };
    const run = await simulate(ctx, model, options);
    partial = run.partial;
    for (let k = 0; k < n; k++) final.set(run.finalState!.subarray(k * count, (k + 1) * count), k * trials + first);
    for (let i = 0; i < count; i++) {
      const ran = run.stepsCompleted[i] === steps;
      if (ran && run.flags[i]! & 1) diverged++;
      skip[first + i] = ran && !(run.flags[i]! & 1) ? 0 : 1;
      if (ran) completed++;
      // A cancelled batch leaves its unfinished trials mid-run: not a final state, so not shown.
      else for (let k = 0; k < n; k++) final[k * trials + first + i] = Number.NaN;
    }
    if (run.stats) mergeBatch(acc, n, run.stats.count, run.stats.mean, run.stats.variance);
    post({ type: 'progress', id, fraction: ((first + count) * steps) / (trials * steps || 1), trialsDone: completed });
    live();
  }
  partial ||= completed < trials;
  const moments = finalMoments(final, n, trials, skip);
  post({
    type: 'done',
    id,
    summary: {
      trials, steps, dt, seed, integrator, partial, diverged,
      stats: Object.fromEntries(variables.map((v, k) => [v, { mean: moments[k]!.mean, var: moments[k]!.var }])),
    },
    final,
    variables,
    completed,
    seconds: (performance.now() - t0) / 1000,
  }, [final.buffer]);
}

/** The first trials of an event model with their event variable recorded, for the raster. */
async function runRaster(ctx: Context, model: SDEModel, settings: RunSettings, signal: AbortSignal): Promise<LiveRaster | undefined> {
  const { steps, dt, seed, trials: total } = settings;
  const trials = Math.min(RASTER_TRIALS, total);
  const every = Math.max(1, Math.ceil(steps / RASTER_SNAPSHOTS));
  const options: SimulateOptions = {
    trials, steps, dt, seed, integrator: settings.integrator as IntegratorName, firstTrial: 0, totalTrials: total,
    record: { final: false, snapshots: { every, variables: [model.event!.variable] } },
    signal,
  };
  const run = await simulate(ctx, model, options);
  if (!run.snapshots) return undefined;
  const params = Float64Array.from(model.paramValues, (v) => (typeof v === 'number' ? v : v[0]!));
  const reset = model.js.reset(0, new Float64Array(model.state.length), params);
  const nSnap = run.snapshots.times.length;
  const spikes = spikesFromSnapshots(run.snapshots.data, nSnap, trials, reset, run.snapshots.times);
  const rate = populationRate(spikes.times, trials, steps * dt, Math.min(100, Math.max(1, nSnap)));
  const counted = run.spikes ? run.spikes.counts.reduce((a, b) => a + b, 0) : spikes.times.length;
  return { trials, times: spikes.times, trial: spikes.trial, rateTimes: rate.times, rate: rate.rate, resolution: every * dt, counted };
}

async function runExperiment(id: number, name: string, params: Record<string, ParamValue>, signal: AbortSignal): Promise<void> {
  const experiment = findExperiment(name);
  if (!experiment) throw new Error(`unknown experiment '${name}'`);
  await useBundledMnist();
  const ctx = await context();
  const result = await experiment.run(ctx, params, (fraction, message = '') => post({ type: 'experiment-progress', id, fraction, message }), signal);
  post({
    type: 'experiment-done',
    id,
    json: JSON.stringify(experiment.toJSON(result), null, 2),
    figures: experiment.figures(result).map((f) => ({ name: f.name, spec: JSON.parse(JSON.stringify(f.spec)) as Record<string, unknown> })),
    tables: experiment.tables(result),
    summary: experiment.summary(result),
  });
}

/** The TF.js wasm files as URLs of this bundle (Vite emits them as assets, fetched only if used). */
async function bundledWasmPaths(): Promise<Record<string, string>> {
  const [plain, simd, threaded] = await Promise.all([
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'),
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'),
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'),
  ]);
  return {
    'tfjs-backend-wasm.wasm': new URL(plain.default, location.href).href,
    'tfjs-backend-wasm-simd.wasm': new URL(simd.default, location.href).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL(threaded.default, location.href).href,
  };
}

/** A bench suite on this Worker's device: the very function behind `wgneuro bench <suite> --json`. */
async function runBenchSuite(id: number, suite: BenchSuite, options: Record<string, unknown>): Promise<void> {
  const ctx = await context();
  const log = (line: string): void => post({ type: 'bench-log', id, line });
  let result: unknown;
  if (suite === 'sde') {
    const { sdeBenchFromOptions } = await import('../bench/sde-run.js');
    result = await sdeBenchFromOptions(ctx, options as never, log);
  } else if (suite === 'eig') {
    const { eigBenchFromOptions } = await import('../bench/eig-run.js');
    result = await eigBenchFromOptions(ctx, options as never, log);
  } else if (suite === 'linalg') {
    const { runBench } = await import('../bench/linalg-run.js');
    result = await runBench(options as never, log, { context: ctx, wasmPaths: bundledWasmPaths });
  } else if (suite === 'train') {
    const { runTrainBench } = await import('../bench/train-run.js');
    // The bundler resolves tfjs-core's extensionless imports, which Node needs a loader hook for.
    const registerTfGradients = async (): Promise<void> => { await import('@tensorflow/tfjs-core/dist/register_all_gradients'); };
    result = await runTrainBench(options as never, log, { context: ctx, wasmPaths: bundledWasmPaths, registerTfGradients });
  } else {
    throw new Error(`unknown bench suite '${String(suite)}' (linalg, eig, sde, train)`);
  }
  post({ type: 'bench-done', id, json: JSON.stringify(result, null, 2) });
}

/** Network neuron-steps per submission: small enough that cancel and live plots follow within a second. */
const NETWORK_SUBMIT_BUDGET = 1 << 17;
/** Live plots are posted at most this often (ms); each one clones trial 0's raster. */
const NETWORK_LIVE_EVERY_MS = 250;

/**
 * A network file (checked by the page) on this Worker's device, as `wgneuro network` runs it:
 * `.npy` weights come as files by name and are checked as `loadNetworkFile` checks them; live
 * raster and rates follow the run, cancel keeps what it reached.
 */
async function runNetworkFile(id: number, json: unknown, files: Record<string, ArrayBuffer>, s: NetworkSettings, signal: AbortSignal): Promise<void> {
  // Loaded on the first network run: the other pages' Worker does not carry them.
  const [{ defineNetwork, networkSummary, NETWORK_TIME_UNITS, parseNetworkJSON, simulateNetwork }, { NetworkLive }, { parse: parseNpy }] = await Promise.all([
    import('../src/network/index.js'), import('./network-live.js'), import('npyjs'),
  ]);
  const unit = NETWORK_TIME_UNITS[s.timeUnit];
  if (unit === undefined) throw new InputError(`time unit: got "${s.timeUnit}", expected ms or s`);
  const net = parseNetworkJSON(json, 'network');
  const projections = (net.projections ?? []).map((p, k) => {
    if (typeof p.weights !== 'string') return p;
    const name = p.weights.replace(/^.*[\\/]/, '');
    const bytes = files[name];
    if (!bytes) throw new InputError(`projections[${k}].weights: got "${p.weights}", expected a .npy file given with the network (choose it with "your files")`);
    const npy = parseNpy(bytes);
    const rows = net.populations[p.to]?.size;
    const cols = net.populations[p.from]?.size;
    const [a, b] = npy.shape.slice(-2);
    if ((npy.shape.length !== 2 && npy.shape.length !== 3) || a !== rows || b !== cols) {
      throw new InputError(`projections[${k}].weights: "${p.weights}" has shape [${npy.shape.join(', ')}], expected [${rows}, ${cols}] ([to.size, from.size]) or [trials, ${rows}, ${cols}]`);
    }
    return { ...p, weights: { kind: 'dense' as const, data: Float64Array.from(npy.data as unknown as ArrayLike<number>), perTrial: npy.shape.length === 3 } };
  });
  const network = defineNetwork({ ...net, projections } as NetworkDefinition);
  const ctx = await context();
  const neurons = network.populations.reduce((n, p) => n + p.size, 0);
  const live = new NetworkLive(network.populations.map((p) => ({ name: p.name, size: p.size })), s.steps, s.dt, s.rateBinSteps, unit);
  let posted = 0;
  const t0 = performance.now();
  const run = await simulateNetwork(ctx, network, {
    trials: s.trials, steps: s.steps, dt: s.dt, seed: s.seed,
    record: { rateBinSteps: s.rateBinSteps, final: false },
    stepsPerSubmit: Math.max(1, Math.min(128, Math.floor(NETWORK_SUBMIT_BUDGET / (s.trials * neurons)))),
    signal, progressSpikes: true,
    onProgress: (p) => {
      live.add(p);
      post({ type: 'progress', id, fraction: p.fraction, trialsDone: p.trialOffset });
      const now = performance.now();
      if (now - posted >= NETWORK_LIVE_EVERY_MS) {
        posted = now;
        post({ type: 'network-live', id, fraction: p.fraction, populations: live.snapshot() });
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const summary: NetworkSummary & { partial: boolean; trialStepsRun?: number } = { ...networkSummary(run, s.timeUnit, seconds), partial: run.partial };
  if (run.partial) {
    let trialSteps = 0;
    for (const reached of run.stepsCompleted) trialSteps += reached;
    summary.trialStepsRun = trialSteps;
    for (const p of Object.values(summary.populations)) p.rateHz = trialSteps > 0 ? p.spikes / (p.size * trialSteps * s.dt * unit) : Number.NaN;
  }
  const data: NetworkPopulationData[] = Object.values(run.populations).map((p) => {
    const spikes = new Uint32Array(3 * p.spikes.trial.length);
    for (let k = 0; k < p.spikes.trial.length; k++) {
      spikes[3 * k] = p.spikes.trial[k]!;
      spikes[3 * k + 1] = p.spikes.neuron[k]!;
      spikes[3 * k + 2] = p.spikes.step[k]!;
    }
    return { name: p.name, spikes, rateCounts: p.rates.counts, bins: p.rates.bins, binSteps: p.rates.binSteps };
  });
  post({ type: 'network-done', id, summary, stepsCompleted: run.stepsCompleted, live: live.final(run), data }, data.flatMap((d) => [d.spikes.buffer, d.rateCounts.buffer]));
}

function fail(id: number, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'error', id, name: e.name, message: e.message });
}

scope.addEventListener('message', (event) => {
  const msg = event.data;
  if (msg.type === 'cancel') {
    controllers.get(msg.id)?.abort();
    return;
  }
  if (msg.type === 'lose-device') {
    void context().then((ctx) => ctx.device.destroy());
    return;
  }
  const controller = new AbortController();
  controllers.set(msg.id, controller);
  const work = msg.type === 'simulate'
    ? runSimulate(msg.id, msg.model, msg.allowRawWGSL, msg.settings, controller.signal)
    : msg.type === 'bench'
      ? runBenchSuite(msg.id, msg.suite, msg.options)
      : msg.type === 'network'
        ? runNetworkFile(msg.id, msg.json, msg.files, msg.settings, controller.signal)
        : runExperiment(msg.id, msg.name, msg.params, controller.signal);
  work.catch((err) => fail(msg.id, err)).finally(() => controllers.delete(msg.id));
});

context().then(
  (ctx) => {
    const a = ctx.info.adapter;
    post({
      type: 'ready',
      adapter: {
        runtime: ctx.info.runtime,
        adapter: [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unnamed adapter',
        fallback: a.isFallbackAdapter,
      },
    });
  },
  (err) => fail(0, err),
);
