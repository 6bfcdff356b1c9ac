/**
 * The adapter's own limits, measured with dedicated kernels: FMA throughput (GFLOP/s) and copy
 * bandwidth (GB/s). Benchmarks report their results as fractions of these (a roofline).
 */
import { copyElementBytes, copyParams, copyWGSL, fmaFlopsPerIteration, fmaPeakParams, fmaPeakWGSL, type CopyOptions, type FmaPeakOptions } from '../../shaders/peak.wgsl.js';
import type { Context, Timing } from '../core/context.js';
import type { Tensor } from '../core/tensor.js';
import { InputError } from '../gpu/errors.js';

/** A median over repeated timed runs. */
export interface Measurement {
  /** Median time of one run, in ms. */
  ms: number;
  /** All run times, in ms. */
  samples: number[];
  /** `'timestamp-query'` when GPU timestamps were used, else `'wall-clock'`. */
  source: Timing['source'];
  /** Median wall-clock time from the first dispatch until the GPU reported the work done, in ms. */
  wallMs: number;
  /** Fastest run, in ms: on a shared machine the run least disturbed by other processes. */
  bestMs: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : 0.5 * (s[mid - 1]! + s[mid]!);
}

/**
 * Run `body` (which records GPU work) `warmup` times untimed, then `reps` times under `ctx.time`,
 * and return the median. Defaults: 1 warm-up, 5 repetitions.
 */
export async function measure(ctx: Context, body: () => Promise<void> | void, reps = 5, warmup = 1): Promise<Measurement> {
  if (!Number.isInteger(reps) || reps < 1) throw new InputError(`reps must be a positive integer, got ${reps}`);
  for (let i = 0; i < warmup; i++) {
    await body();
    await ctx.sync();
  }
  const samples: number[] = [];
  const wall: number[] = [];
  let source: Timing['source'] = 'wall-clock';
  for (let i = 0; i < reps; i++) {
    const t = await ctx.time(body);
    samples.push(t.ms);
    wall.push(t.wallMs);
    source = t.source;
  }
  return { ms: median(samples), samples, source, wallMs: median(wall), bestMs: Math.min(...samples) };
}

/** Result of {@link measureFmaPeak}. */
export interface PeakResult extends Measurement {
  /** Median-based GFLOP/s of the best shape at the chosen dispatch size. */
  gflops: number;
  /** GFLOP/s of the fastest single run over all shapes and sizes (least disturbed by other processes). */
  bestGflops: number;
  /** FLOPs per run. */
  flops: number;
  /** The kernel shape that was fastest. */
  shape: FmaPeakOptions;
  /** Invocations per dispatch of the reported run (see `FmaPeakMeasureOptions.invocations`). */
  invocations: number;
  /** GFLOP/s of every shape and dispatch size tried, in the order tried. */
  tried: { shape: FmaPeakOptions; invocations: number; iterations: number; gflops: number; bestGflops: number }[];
}

/** Result of {@link measureCopyBandwidth}. */
export interface BandwidthResult extends Measurement {
  /** Bytes read plus bytes written per run. */
  bytes: number;
  /** From the median run. */
  gbps: number;
  /** From the fastest run (over all shapes). */
  bestGbps: number;
  /** The kernel shape whose median was fastest. */
  shape: CopyShape;
  /** GB/s of every shape tried. */
  tried: { shape: CopyShape; gbps: number; bestGbps: number }[];
}

/** A copy kernel shape: element type and how many invocations share the buffer (0: one element each). */
export interface CopyShape extends CopyOptions {
  /** Invocations in all, each copying one contiguous run; 0 means one element per invocation. */
  invocations: number;
}

/** Kernel shapes tried by {@link measureFmaPeak}. */
const FMA_SHAPES: FmaPeakOptions[] = [
  { chains: 4, width: 1 },
  { chains: 8, width: 1 },
  { chains: 4, width: 4 },
  { chains: 8, width: 4 },
];

/** Options of {@link measureFmaPeak}. */
export interface FmaPeakMeasureOptions {
  /**
   * Invocations per dispatch. Given: exactly this many (no sizing). Default: sized by measurement,
   * starting at `startInvocations` (16384, enough for a CPU adapter) and growing 4× while the throughput improves by
   * more than `growthGain` — a large GPU needs hundreds of thousands of invocations to fill its
   * cores (an H200 keeps 132 SMs × 2048 threads resident) — up to `maxInvocations`.
   */
  invocations?: number;
  /** Where the sizing starts. Default 16384. */
  startInvocations?: number;
  /** FLOPs per run at the starting size; each invocation still runs ≥ 128 iterations. Default 5e8. */
  flopsPerRun?: number;
  /** Timed runs per shape and size (after one warm-up). Default 3. */
  reps?: number;
  /** Relative gain that justifies another 4× growth of the dispatch. Default 0.05. */
  growthGain?: number;
  /** Largest dispatch the sizing tries. Default 2^22 invocations (capped by the device's limits). */
  maxInvocations?: number;
  /**
   * Wall-clock budget of the sizing in ms (the first size is always measured). A run shorter than
   * 2 ms is lengthened first, so launch overhead does not pass for a low peak. Default 20000.
   */
  budgetMs?: number;
}

const FMA_WORKGROUP = 64;
const FMA_START_INVOCATIONS = 16384;
/** Iterations per invocation below which per-invocation start-up would show in the rate. */
const FMA_MIN_ITERATIONS = 128;
/** Runs shorter than this are lengthened (GPU launch overhead and timer resolution). */
const FMA_MIN_RUN_MS = 2;

/**
 * FMA throughput of the adapter in GFLOP/s (an FMA counts as 2 FLOPs): the best of a few kernel
 * shapes (4 or 8 chains of f32 or vec4), on a dispatch sized by measurement (see
 * `FmaPeakMeasureOptions.invocations`). Sizing first picks the shape at 16384 invocations, grows
 * the dispatch with that shape, and when it grew, times the other shapes once more at the final
 * size. Defaults: about 0.5 GFLOP per run, median of 3 runs per shape and size.
 */
export async function measureFmaPeak(ctx: Context, options: FmaPeakMeasureOptions = {}): Promise<PeakResult> {
  const start = performance.now();
  const flopsPerRun = options.flopsPerRun ?? 5e8;
  const reps = options.reps ?? 3;
  const budgetMs = options.budgetMs ?? 20_000;
  const growthGain = options.growthGain ?? 0.05;
  // One f32 written per invocation: the output buffer bounds the dispatch, as does the grid.
  const deviceMax = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize) / 4;
  const maxInvocations = Math.min(options.maxInvocations ?? 2 ** 22, deviceMax, FMA_WORKGROUP * ctx.limits.maxComputeWorkgroupsPerDimension ** 2);
  const fixed = options.invocations !== undefined;
  const first = roundToWorkgroups(Math.min(options.invocations ?? options.startInvocations ?? FMA_START_INVOCATIONS, maxInvocations));
  const tried: PeakResult['tried'] = [];
  const outputs = new Map<number, Tensor>();
  const output = (invocations: number) => {
    let t = outputs.get(invocations);
    if (!t) outputs.set(invocations, t = ctx.tensor([invocations], { label: 'peak.fma.out' }));
    return t;
  };
  try {
    const time = async (shape: FmaPeakOptions, invocations: number): Promise<PeakResult> => {
      const r = await timeFma(ctx, shape, invocations, flopsPerRun, reps, output(invocations));
      tried.push({ shape, invocations, iterations: r.iterations, gflops: r.gflops, bestGflops: r.bestGflops });
      return r;
    };
    let best: PeakResult | null = null;
    for (const shape of FMA_SHAPES) {
      const r = await time(shape, first);
      if (!best || r.gflops > best.gflops) best = r;
    }
    let atSize = best!;
    for (let n = first * 4; !fixed && n <= maxInvocations && performance.now() - start < budgetMs; n *= 4) {
      const r = await time(best!.shape, n);
      if (r.gflops <= atSize.gflops * (1 + growthGain)) break;
      atSize = r;
    }
    best = atSize;
    if (atSize.invocations !== first) {
      for (const shape of FMA_SHAPES.filter((s) => s !== atSize.shape)) {
        if (performance.now() - start > budgetMs) break;
        const r = await time(shape, atSize.invocations);
        if (r.gflops > best.gflops) best = r;
      }
    }
    return { ...best, bestGflops: Math.max(...tried.map((t) => t.bestGflops)), tried };
  } finally {
    for (const t of outputs.values()) t.destroy();
  }
}

function roundToWorkgroups(invocations: number): number {
  return Math.max(1, Math.floor(invocations / FMA_WORKGROUP)) * FMA_WORKGROUP;
}

/** Median of `reps` runs of one shape at one size; a run under 2 ms is lengthened first. */
async function timeFma(
  ctx: Context,
  shape: FmaPeakOptions,
  invocations: number,
  flopsPerRun: number,
  reps: number,
  out: Tensor,
): Promise<PeakResult & { iterations: number }> {
  const label = `peak.fma.${shape.chains}x${shape.width}`;
  const pipeline = await ctx.kernel({ label, code: fmaPeakWGSL(shape), constants: { WG_SIZE: FMA_WORKGROUP } });
  const perIteration = invocations * fmaFlopsPerIteration(shape);
  let iterations = Math.max(FMA_MIN_ITERATIONS, Math.round(flopsPerRun / perIteration));
  const body = () => {
    ctx.dispatch({
      label,
      pipeline,
      bindings: [fmaPeakParams.pack({ iterations, seed: 0.5 }), out],
      workgroups: invocations / FMA_WORKGROUP,
      workgroupSize: FMA_WORKGROUP,
    });
  };
  // The warm-up run doubles as the probe of the run length.
  const probe = await ctx.time(body);
  if (probe.ms < FMA_MIN_RUN_MS) iterations = Math.ceil(iterations * Math.min(1000, FMA_MIN_RUN_MS / Math.max(probe.ms, 1e-3)));
  const m = await measure(ctx, body, reps, probe.ms < FMA_MIN_RUN_MS ? 1 : 0);
  const flops = perIteration * iterations;
  return { ...m, flops, gflops: flops / (m.ms * 1e6), bestGflops: flops / (m.bestMs * 1e6), shape, invocations, iterations, tried: [] };
}

/**
 * Copy kernel shapes tried by {@link measureCopyBandwidth}: one vec4 per invocation (the GPU
 * pattern), and 2048 invocations each copying one contiguous run of vec4s or mat4x4s. On SwiftShader
 * the runs move 2–3× more bytes per second than one vec4 per invocation (measured 2026-12-01, see
 * bench/README.md): there the per-invocation shape measured invocation overhead, not memory.
 */
const COPY_SHAPES: CopyShape[] = [
  { element: 'vec4f', invocations: 0 },
  { element: 'vec4f', invocations: 2048 },
  { element: 'mat4x4f', invocations: 2048 },
];

/**
 * Copy bandwidth in GB/s (bytes read + written per second): the best of a few copy kernel shapes
 * (one vec4 per invocation; long contiguous runs of vec4 or mat4x4 per invocation). Defaults:
 * 64 MiB copied per run (capped by the device's storage binding limit), 5 runs per shape.
 */
export async function measureCopyBandwidth(ctx: Context, options: { bytes?: number; reps?: number } = {}): Promise<BandwidthResult> {
  const workgroupSize = 64;
  const limit = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  const size = Math.floor(Math.min(options.bytes ?? 64 * 2 ** 20, limit) / 64) * 64;
  const src = ctx.tensor([size / 4], { label: 'peak.copy.src', fill: 1 });
  const dst = ctx.tensor([size / 4], { label: 'peak.copy.dst' });
  try {
    let best: BandwidthResult | null = null;
    const tried: BandwidthResult['tried'] = [];
    for (const shape of COPY_SHAPES) {
      const count = size / copyElementBytes(shape);
      const perInvocation = shape.invocations === 0 ? 1 : Math.ceil(count / shape.invocations);
      const invocations = Math.ceil(count / perInvocation);
      const label = `peak.copy.${shape.element}${shape.invocations === 0 ? '' : '.runs'}`;
      const pipeline = await ctx.kernel({ label, code: copyWGSL(shape), constants: { WG_SIZE: workgroupSize } });
      const m = await measure(ctx, () => {
        ctx.dispatch({
          label,
          pipeline,
          bindings: [copyParams.pack({ count, perInvocation }), src, dst],
          workgroups: Math.ceil(invocations / workgroupSize),
          workgroupSize,
        });
      }, options.reps ?? 5);
      const bytes = 2 * size;
      const gbps = bytes / (m.ms * 1e6);
      tried.push({ shape, gbps, bestGbps: bytes / (m.bestMs * 1e6) });
      if (!best || gbps > best.gbps) best = { ...m, bytes, gbps, bestGbps: 0, shape, tried };
    }
    best!.bestGbps = Math.max(...tried.map((t) => t.bestGbps));
    return best!;
  } finally {
    src.destroy();
    dst.destroy();
  }
}
