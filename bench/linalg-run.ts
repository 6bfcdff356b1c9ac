/**
 * `wgneuro bench linalg`: the roofline benchmark of the linalg kernels on the current adapter.
 *
 * In one run it measures (a) the adapter's FMA peak and copy bandwidth with dedicated kernels,
 * (b) our GEMM at square sizes and odd shapes and GEMV at a large size, and (c) peers on the same
 * machine: TF.js on its WebGPU backend (on our very device, so the same adapter), TF.js on its
 * wasm backend, and a plain JS loop. Our kernels are timed with timestamp queries where available
 * (`ctx.time`), medians after a warm-up; peers are timed by wall clock until their result is on
 * the CPU, so ratios to peers use our wall-clock times too.
 * This module is browser-safe (the bench page of the lab runs it); the command line is in linalg.ts.
 */
import { createContext, type Context } from '../src/core/context.js';
import type { Tensor } from '../src/core/tensor.js';
import { InputError } from '../src/gpu/errors.js';
import { intListOption } from '../src/cli/options.js';
import { gemv } from '../src/linalg/gemv.js';
import { matmul } from '../src/linalg/matmul.js';
import { importPeer, loadTfWebGPU, type Tf } from './peers.js';
import { medianWallMs } from './timing.js';
import { gemmTunable, gemvTunable, measure, measureCopyBandwidth, measureFmaPeak, search, tuningReport, type Tunable } from '../src/internal.js';

/** One GEMM or GEMV shape. */
interface Shape {
  m: number;
  n: number;
  k: number;
}

/** A peer's timing of one shape. */
interface PeerResult {
  ms: number;
  gflops: number;
  /** Our wall-clock GFLOP/s divided by the peer's. */
  speedup: number;
}

interface Row {
  op: 'gemm' | 'gemv';
  shape: Shape;
  flops: number;
  /** Bytes the operation must move at least (A, B/x read once, C/y written once). */
  bytes: number;
  ms: number;
  wallMs: number;
  gflops: number;
  gbps: number;
  /** GFLOP/s over the measured FMA peak (GEMM) or GB/s over the copy bandwidth (GEMV), medians. */
  fractionOfPeak: number;
  /** Fastest run of ours over the fastest run of the peak kernel: robust to other load on the machine. */
  bestFractionOfPeak: number;
  bestMs: number;
  /** The kernel variant that ran: the tuner's pick for this shape class on this adapter. */
  variant: string;
  /** With `--vs-default`: the fixed default variant's median ms over ours (> 1: tuning helped). */
  vsDefault?: number;
  peers: Record<string, PeerResult | { skipped: string }>;
}

/** Options of `wgneuro bench linalg` as commander parses them (also what `--browser` sends the page). */
export interface BenchOptions {
  json?: boolean;
  out?: string;
  sizes: string;
  odd: string;
  gemv: string;
  reps: number;
  peers: string;
  peerMaxSize: number;
  jsMaxSize: number;
  peakGflop: number;
  /** Also time each kernel's fixed default variant (what runs with tuning off), for the ratio. */
  vsDefault?: boolean;
  /** Search each shape's variants first with this budget in ms, replacing any kept winner. */
  tuneBudget?: number;
}

export const PEERS = ['tfjs-webgpu', 'tfjs-wasm', 'js'] as const;
type PeerName = (typeof PEERS)[number];

function parseList(value: string, what: string): number[] {
  return value.trim() === '' ? [] : intListOption(what, { min: 1 })(value);
}

/** Odd shapes are given as `m` (square) or `mxkxn`. */
function parseShapes(value: string): Shape[] {
  return value.split(',').filter((s) => s.trim() !== '').map((s) => {
    const parts = s.split('x').map((d) => (/^\s*\d+\s*$/.test(d) ? Number(d) : Number.NaN));
    if (parts.some((n) => !Number.isInteger(n) || n < 1) || (parts.length !== 1 && parts.length !== 3)) {
      throw new InputError(`--odd takes sizes like 257 or 129x65x257 (m x k x n), got '${s}'`);
    }
    return parts.length === 1 ? { m: parts[0]!, k: parts[0]!, n: parts[0]! } : { m: parts[0]!, k: parts[1]!, n: parts[2]! };
  });
}

function filled(ctx: Context, shape: number[], label: string, seed: number): Tensor<'f32'> {
  const size = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
  return ctx.tensor(shape, { data, label });
}

// ------------------------------------------------------------------------------------------ peers

interface Peer {
  name: PeerName;
  /** Median wall-clock ms of C = A·B at this shape, result on the CPU. */
  gemm(shape: Shape, reps: number): Promise<number>;
  gemv(shape: Shape, reps: number): Promise<number>;
}

function tfPeer(tf: Tf, name: PeerName, backend: string): Peer {
  const product = async (shape: Shape, reps: number, vector: boolean): Promise<number> => {
    await tf.setBackend(backend);
    await tf.ready();
    const a = tf.randomUniform([shape.m, shape.k], -0.5, 0.5);
    const b = tf.randomUniform([shape.k, vector ? 1 : shape.n], -0.5, 0.5);
    try {
      return await medianWallMs(reps, async () => {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      });
    } finally {
      a.dispose();
      b.dispose();
    }
  };
  return { name, gemm: (s, r) => product(s, r, false), gemv: (s, r) => product(s, r, true) };
}

/** TF.js WebGPU on our own device (same adapter), registered under the backend name 'webgpu'. */
async function tfWebgpuPeer(ctx: Context): Promise<Peer> {
  return tfPeer(await loadTfWebGPU(ctx.device), 'tfjs-webgpu', 'webgpu');
}

/**
 * Where TF.js finds its .wasm files: a folder prefix (Node: the package's dist/), or one URL per
 * file name (a bundled page).
 */
export type WasmPaths = string | Record<string, string>;

async function tfWasmPeer(wasmPaths: () => Promise<WasmPaths>): Promise<Peer> {
  const tf = await importPeer('@tensorflow/tfjs-core', () => import('@tensorflow/tfjs-core'));
  const wasm = await importPeer('@tensorflow/tfjs-backend-wasm', () => import('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(await wasmPaths() as never);
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
  return tfPeer(tf, 'tfjs-wasm', 'wasm');
}

/** Plain JS: i-k-j loops over Float32Arrays (the loop order that streams B and C rows). */
function jsPeer(): Peer {
  const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
  return {
    name: 'js',
    async gemm(s, reps) {
      const a = random(s.m * s.k);
      const b = random(s.k * s.n);
      const c = new Float32Array(s.m * s.n);
      return medianWallMs(reps, async () => {
        c.fill(0);
        for (let i = 0; i < s.m; i++) {
          const ci = i * s.n;
          for (let l = 0; l < s.k; l++) {
            const av = a[i * s.k + l]!;
            const bl = l * s.n;
            for (let j = 0; j < s.n; j++) c[ci + j]! += av * b[bl + j]!;
          }
        }
      });
    },
    async gemv(s, reps) {
      const a = random(s.m * s.k);
      const x = random(s.k);
      const y = new Float32Array(s.m);
      return medianWallMs(reps, async () => {
        for (let i = 0; i < s.m; i++) {
          let acc = 0;
          const base = i * s.k;
          for (let l = 0; l < s.k; l++) acc += a[base + l]! * x[l]!;
          y[i] = acc;
        }
      });
    },
  };
}

// ------------------------------------------------------------------------------------------ bench

/** The variant a kernel runs for `problem` on this adapter: the kept winner, or its default. */
async function tunedVariant<P, V>(ctx: Context, tunable: Tunable<P, V, Context>, problem: P): Promise<string> {
  if (!ctx.tuning.enabled) return `${tunable.key(tunable.fallback(problem))} (default: tuning off)`;
  const shapeClass = tunable.shapeClass(problem);
  const record = (await tuningReport(ctx)).records.find((r) => r.kernel === tunable.name && r.shapeClass === shapeClass);
  return record ? record.winner : `${tunable.key(tunable.fallback(problem))} (default)`;
}

/** With `--tune-budget`: run the kernel's search for this shape class now, with that budget. */
async function searchFirst<P, V>(ctx: Context, tunable: Tunable<P, V, Context>, problem: P, budgetMs: number | undefined, log: (line: string) => void): Promise<void> {
  if (budgetMs === undefined || !ctx.tuning.enabled) return;
  const record = await search(ctx, tunable, problem, ctx.limits, budgetMs);
  log(`  tuned ${tunable.name} ${tunable.shapeClass(problem)}: ${record.winner} (${record.tuningMs.toFixed(0)} ms)`);
}

/** What the runtime provides: the TF.js wasm files' location, and optionally a context to use. */
export interface LinalgBenchEnv {
  wasmPaths: () => Promise<WasmPaths>;
  /** A context to run on (kept); by default one is created and destroyed. */
  context?: Context;
}

/**
 * Check the command-line options and run the bench: the object `wgneuro bench linalg --json`
 * prints. The bench page (`--browser`) calls the same function, so both print the same JSON.
 */
export async function runBench(opts: BenchOptions, log: (line: string) => void, env: LinalgBenchEnv) {
  const sizes = parseList(opts.sizes, '--sizes');
  const odd = parseShapes(opts.odd);
  const gemvSizes = parseList(opts.gemv, '--gemv');
  const wanted = opts.peers.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of wanted) {
    if (!(PEERS as readonly string[]).includes(p)) throw new InputError(`unknown peer '${p}' (known: ${PEERS.join(', ')})`);
  }
  if (!Number.isInteger(opts.reps) || opts.reps < 1) throw new InputError(`--reps must be a positive integer, got ${opts.reps}`);
  if (!(opts.peakGflop > 0)) throw new InputError(`--peak-gflop must be positive, got ${opts.peakGflop}`);
  const ctx = env.context ?? await createContext();
  try {
    log(`adapter: ${ctx.info.adapter.description || ctx.info.adapter.vendor} (${ctx.info.adapter.architecture}); timing: ${ctx.hasTimestamps ? 'timestamp-query' : 'wall-clock'}`);
    log('measuring FMA peak and copy bandwidth...');
    const peakBefore = await measureFmaPeak(ctx, { flopsPerRun: opts.peakGflop * 1e9 });
    const copy = await measureCopyBandwidth(ctx, { bytes: Math.min(64 * 2 ** 20, opts.peakGflop * 2 ** 27) });
    log(`  FMA peak ${peakBefore.gflops.toFixed(2)} GFLOP/s (${peakBefore.shape.chains} × ${peakBefore.shape.width === 4 ? 'vec4' : 'f32'} chains, ` +
      `${peakBefore.invocations} invocations), copy ${copy.gbps.toFixed(2)} GB/s`);

    const rows: Row[] = [];
    const gemmShapes: Shape[] = [...sizes.map((n) => ({ m: n, n, k: n })), ...odd];
    for (const shape of gemmShapes) {
      log(`gemm ${shape.m}×${shape.k}·${shape.k}×${shape.n}...`);
      const A = filled(ctx, [shape.m, shape.k], 'bench.A', 1);
      const B = filled(ctx, [shape.k, shape.n], 'bench.B', 2);
      const C = ctx.tensor([shape.m, shape.n], { label: 'bench.C' });
      try {
        const problem = { m: shape.m, n: shape.n, k: shape.k, batch: 1, transA: false, transB: false };
        await searchFirst(ctx, gemmTunable, problem, opts.tuneBudget, log);
        const m = await measure(ctx, () => matmul(ctx, A, B, { dst: C }).then(() => undefined), opts.reps);
        const variant = await tunedVariant(ctx, gemmTunable, problem);
        let vsDefault: number | undefined;
        if (opts.vsDefault) {
          const tiling = gemmTunable.fallback(problem);
          vsDefault = (await measure(ctx, () => matmul(ctx, A, B, { dst: C, tiling }).then(() => undefined), opts.reps)).ms / m.ms;
        }
        const flops = 2 * shape.m * shape.n * shape.k;
        const bytes = 4 * (shape.m * shape.k + shape.k * shape.n + shape.m * shape.n);
        rows.push({
          op: 'gemm', shape, flops, bytes, ms: m.ms, wallMs: m.wallMs, bestMs: m.bestMs, variant, vsDefault,
          gflops: flops / (m.ms * 1e6), gbps: bytes / (m.ms * 1e6), fractionOfPeak: 0, bestFractionOfPeak: 0, peers: {},
        });
      } finally {
        A.destroy();
        B.destroy();
        C.destroy();
      }
    }
    for (const n of gemvSizes) {
      log(`gemv ${n}×${n}...`);
      const A = filled(ctx, [n, n], 'bench.A', 3);
      const x = filled(ctx, [n], 'bench.x', 4);
      const y = ctx.tensor([n], { label: 'bench.y' });
      try {
        const problem = { rows: n, cols: n, trans: false };
        await searchFirst(ctx, gemvTunable, problem, opts.tuneBudget, log);
        const m = await measure(ctx, () => gemv(ctx, A, x, { dst: y }).then(() => undefined), opts.reps);
        const variant = await tunedVariant(ctx, gemvTunable, problem);
        let vsDefault: number | undefined;
        if (opts.vsDefault) {
          const fixed = gemvTunable.fallback(problem);
          vsDefault = (await measure(ctx, () => gemv(ctx, A, x, { dst: y, variant: fixed }).then(() => undefined), opts.reps)).ms / m.ms;
        }
        const flops = 2 * n * n;
        const bytes = 4 * (n * n + 2 * n);
        rows.push({
          op: 'gemv', shape: { m: n, n: 1, k: n }, flops, bytes, ms: m.ms, wallMs: m.wallMs, bestMs: m.bestMs, variant, vsDefault,
          gflops: flops / (m.ms * 1e6), gbps: bytes / (m.ms * 1e6), fractionOfPeak: 0, bestFractionOfPeak: 0, peers: {},
        });
      } finally {
        A.destroy();
        x.destroy();
        y.destroy();
      }
    }
    // Ratios to peers use our wall-clock medians (ctx.time: first dispatch until the GPU reports
    // completion), the span a peer's wall clock covers apart from its result readback.

    // The adapter is shared with other processes; measure the peak again and keep the larger value
    // (the conservative choice: a higher peak makes our fraction smaller).
    const peakAfter = await measureFmaPeak(ctx, { flopsPerRun: opts.peakGflop * 1e9 });
    const peak = Math.max(peakBefore.gflops, peakAfter.gflops);
    const bestPeak = Math.max(peakBefore.bestGflops, peakAfter.bestGflops);
    for (const row of rows) {
      row.fractionOfPeak = row.op === 'gemm' ? row.gflops / peak : row.gbps / copy.gbps;
      row.bestFractionOfPeak = row.op === 'gemm'
        ? row.flops / (row.bestMs * 1e6) / bestPeak
        : row.bytes / (row.bestMs * 1e6) / copy.bestGbps;
    }

    const notes: string[] = [];
    for (const name of wanted as PeerName[]) {
      let peer: Peer;
      try {
        log(`peer ${name}: setting up...`);
        peer = name === 'tfjs-webgpu' ? await tfWebgpuPeer(ctx) : name === 'tfjs-wasm' ? await tfWasmPeer(env.wasmPaths) : jsPeer();
      } catch (err) {
        const why = `could not start: ${(err as Error).message.split('\n')[0]}`;
        notes.push(`${name} ${why}`);
        for (const row of rows) row.peers[name] = { skipped: why };
        continue;
      }
      for (const row of rows) {
        const size = Math.max(row.shape.m, row.shape.n, row.shape.k);
        const limit = name === 'js' ? opts.jsMaxSize : opts.peerMaxSize;
        if (row.op === 'gemm' && size > limit) {
          row.peers[name] = { skipped: `n > ${limit} (--${name === 'js' ? 'js' : 'peer'}-max-size)` };
          continue;
        }
        log(`peer ${name}: ${row.op} ${row.shape.m}×${row.shape.k}${row.op === 'gemm' ? `·${row.shape.k}×${row.shape.n}` : ''}...`);
        try {
          const reps = name === 'js' && size >= 1024 ? 1 : opts.reps;
          const ms = row.op === 'gemm' ? await peer.gemm(row.shape, reps) : await peer.gemv(row.shape, reps);
          const gflops = row.flops / (ms * 1e6);
          row.peers[name] = { ms, gflops, speedup: row.flops / (row.wallMs * 1e6) / gflops };
        } catch (err) {
          row.peers[name] = { skipped: `failed: ${(err as Error).message.split('\n')[0]}` };
        }
      }
    }
    return {
      adapter: ctx.info.adapter,
      runtime: ctx.info.runtime,
      timing: ctx.hasTimestamps ? 'timestamp-query' : 'wall-clock',
      reps: opts.reps,
      peak: {
        gflops: peak, bestGflops: bestPeak, before: peakBefore.gflops, after: peakAfter.gflops,
        invocations: { before: peakBefore.invocations, after: peakAfter.invocations }, tried: peakBefore.tried,
      },
      copy: { gbps: copy.gbps, bestGbps: copy.bestGbps, bytes: copy.bytes, ms: copy.ms, shape: copy.shape, tried: copy.tried },
      rows,
      notes,
    };
  } finally {
    if (!env.context) ctx.destroy();
  }
}

export type BenchResult = Awaited<ReturnType<typeof runBench>>;
