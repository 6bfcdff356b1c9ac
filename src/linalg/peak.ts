/**
 * The adapter's own limits, measured with dedicated kernels: FMA throughput (GFLOP/s) and copy
 * bandwidth (GB/s). Benchmarks report their results as fractions of these (a roofline).
 */
import { copyElementBytes, copyParams, copyWGSL, fmaFlopsPerIteration, fmaPeakParams, fmaPeakWGSL, type CopyOptions, type FmaPeakOptions } from '../../shaders/peak.wgsl.js';
import type { Context, Timing } from '../core/context.js';
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
  /** Median-based GFLOP/s of the best shape. */
  gflops: number;
  /** GFLOP/s of the fastest single run over all shapes (least disturbed by other processes). */
  bestGflops: number;
  /** FLOPs per run. */
  flops: number;
  /** The kernel shape that was fastest. */
  shape: FmaPeakOptions;
  /** GFLOP/s of every shape tried. */
  tried: { shape: FmaPeakOptions; gflops: number; bestGflops: number }[];
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

/**
 * FMA throughput of the adapter in GFLOP/s (an FMA counts as 2 FLOPs): the best of a few kernel
 * shapes (4 or 8 chains of f32 or vec4). Defaults: 16384 invocations, about 0.5 GFLOP per run,
 * median of 3 runs per shape.
 */
export async function measureFmaPeak(
  ctx: Context,
  options: { invocations?: number; flopsPerRun?: number; reps?: number } = {},
): Promise<PeakResult> {
  const workgroupSize = 64;
  const invocations = options.invocations ?? 16384;
  const workgroups = Math.ceil(invocations / workgroupSize);
  const out = ctx.tensor([workgroups * workgroupSize], { label: 'peak.fma.out' });
  try {
    let best: PeakResult | null = null;
    const tried: PeakResult['tried'] = [];
    for (const shape of FMA_SHAPES) {
      const perIteration = workgroups * workgroupSize * fmaFlopsPerIteration(shape);
      const iterations = Math.max(1, Math.round((options.flopsPerRun ?? 5e8) / perIteration));
      const label = `peak.fma.${shape.chains}x${shape.width}`;
      const pipeline = await ctx.kernel({ label, code: fmaPeakWGSL(shape), constants: { WG_SIZE: workgroupSize } });
      const m = await measure(ctx, () => {
        ctx.dispatch({
          label,
          pipeline,
          bindings: [fmaPeakParams.pack({ iterations, seed: 0.5 }), out],
          workgroups,
          workgroupSize,
        });
      }, options.reps ?? 3);
      const flops = perIteration * iterations;
      const gflops = flops / (m.ms * 1e6);
      tried.push({ shape, gflops, bestGflops: flops / (m.bestMs * 1e6) });
      if (!best || gflops > best.gflops) best = { ...m, flops, gflops, bestGflops: 0, shape, tried };
    }
    best!.bestGflops = Math.max(...tried.map((t) => t.bestGflops));
    return best!;
  } finally {
    out.destroy();
  }
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
