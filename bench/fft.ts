/**
 * `wgneuro bench fft`: our 2-D complex FFT (Stockham radix-4/2, `fft2`) on the current adapter,
 * against the adapter's measured copy bandwidth (an FFT pass reads and writes every element once,
 * so it is bandwidth-bound) and against two peers in the same process: fft.js (a radix-4 JS FFT,
 * applied to the rows and then the gathered columns) and our plain-JS float64 radix-2 reference.
 * Our kernel is timed with `measure` (timestamp queries where available, wall clock otherwise) on
 * data already on the GPU; peers by wall clock on CPU arrays. Ratios to peers use our wall clock.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createContext } from '../src/core/context.js';
import { InputError } from '../src/gpu/errors.js';
import { fft2 } from '../src/linalg/fft.js';
import { measure, measureCopyBandwidth, median } from '../src/internal.js';
import { fft2Ref } from '../src/reference/fft.js';
import { importPeer } from './peers.js';

interface FftRow {
  /** Transform size H × W (complex points), batch 1. */
  size: number;
  ms: number;
  wallMs: number;
  /** Bytes the passes move: each pass reads and writes every complex element (8 bytes) once. */
  bytes: number;
  gbps: number;
  /** GB/s over the measured copy bandwidth. */
  fractionOfCopy: number;
  /** 5·N·log₂N / time, the customary FFT flop count. */
  gflops: number;
  /** Max |ours − float64| / max |float64|. */
  relError: number;
  peers: Record<string, { ms: number; speedup: number } | { skipped: string }>;
}

/** Passes of our radix-4/2 plan along one axis of length n. */
function passes(n: number): number {
  const log = Math.log2(n);
  return Math.floor(log / 2) + (log % 2);
}

function wallTime(run: () => void, reps: number): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** fft.js on every row, then on every gathered column, of an n × n interleaved complex array. */
function fftJs2D(FFT: new (n: number) => { transform(out: number[] | Float64Array, data: number[] | Float64Array): void }, n: number) {
  const plan = new FFT(n);
  const line = new Float64Array(2 * n);
  const out = new Float64Array(2 * n);
  return (data: Float64Array): void => {
    for (let r = 0; r < n; r++) {
      plan.transform(out, data.subarray(2 * r * n, 2 * (r + 1) * n));
      data.set(out, 2 * r * n);
    }
    for (let c = 0; c < n; c++) {
      for (let r = 0; r < n; r++) {
        line[2 * r] = data[2 * (r * n + c)]!;
        line[2 * r + 1] = data[2 * (r * n + c) + 1]!;
      }
      plan.transform(out, line);
      for (let r = 0; r < n; r++) {
        data[2 * (r * n + c)] = out[2 * r]!;
        data[2 * (r * n + c) + 1] = out[2 * r + 1]!;
      }
    }
  };
}

async function runBench(opts: { sizes: string; reps: number }, log: (line: string) => void) {
  const sizes = opts.sizes.split(',').map((s) => Number(s.trim()));
  for (const n of sizes) {
    if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0) throw new InputError(`--sizes: ${n} is not a power of two ≥ 2`);
  }
  const ctx = await createContext();
  try {
    const copy = await measureCopyBandwidth(ctx, { reps: opts.reps });
    log(`copy bandwidth ${copy.gbps.toFixed(3)} GB/s`);
    let FFT: (new (n: number) => { transform(out: number[] | Float64Array, data: number[] | Float64Array): void }) | null = null;
    let fftJsMissing = '';
    try {
      FFT = (await importPeer('fft.js', () => import('fft.js'))).default as unknown as typeof FFT;
    } catch (err) {
      fftJsMissing = (err as Error).message;
    }
    const rows: FftRow[] = [];
    for (const n of sizes) {
      log(`fft2 ${n}×${n}…`);
      const data = new Float32Array(2 * n * n);
      let seed = 1;
      for (let i = 0; i < data.length; i++) {
        seed = (seed * 1664525 + 1013904223) >>> 0;
        data[i] = seed / 2 ** 32 - 0.5;
      }
      const X = ctx.tensor([n, n, 2], { label: 'bench.fft.x', data });
      const Y = ctx.tensor([n, n, 2], { label: 'bench.fft.y' });
      try {
        const m = await measure(ctx, async () => {
          await fft2(ctx, X, { dst: Y });
        }, opts.reps);
        const ours = await Y.read();
        const reference = fft2Ref(data, n, n);
        let err = 0;
        let scale = 0;
        for (let i = 0; i < reference.length; i++) {
          err = Math.max(err, Math.abs(ours[i]! - reference[i]!));
          scale = Math.max(scale, Math.abs(reference[i]!));
        }
        const points = n * n;
        const bytes = 2 * passes(n) * 2 * points * 8;
        const peers: FftRow['peers'] = {};
        const reps = Math.max(1, Math.min(opts.reps, n >= 1024 ? 2 : opts.reps));
        if (FFT) {
          const work = Float64Array.from(data);
          const run = fftJs2D(FFT, n);
          const ms = wallTime(() => {
            work.set(data);
            run(work);
          }, reps);
          peers['fft.js'] = { ms, speedup: ms / m.wallMs };
        } else peers['fft.js'] = { skipped: fftJsMissing };
        const msJs = wallTime(() => void fft2Ref(data, n, n), reps);
        peers['plain JS (float64 radix-2)'] = { ms: msJs, speedup: msJs / m.wallMs };
        rows.push({
          size: n, ms: m.ms, wallMs: m.wallMs, bytes, gbps: bytes / m.ms / 1e6, fractionOfCopy: bytes / m.ms / 1e6 / copy.gbps,
          gflops: (5 * points * Math.log2(points)) / m.ms / 1e6, relError: err / scale, peers,
        });
      } finally {
        X.destroy();
        Y.destroy();
      }
    }
    return { adapter: ctx.info.adapter, runtime: ctx.info.runtime, timing: ctx.hasTimestamps ? 'timestamp-query' : 'wall-clock', reps: opts.reps, copy: { gbps: copy.gbps }, rows };
  } finally {
    ctx.destroy();
  }
}

/** Register `bench fft`. */
export function registerBenchFft(bench: Command): void {
  bench
    .command('fft')
    .description('2-D complex FFT: fft2 vs copy bandwidth, fft.js and plain JS')
    .option('--json', 'print JSON instead of a table')
    .option('--out <file>', 'also write the JSON result to this file')
    .option('--sizes <list>', 'square sizes n (n × n complex points, powers of two)', '256,512,1024')
    .option('--reps <n>', 'timed repetitions (median reported)', (v) => Number.parseInt(v, 10), 5)
    .action(async (opts: { json?: boolean; out?: string; sizes: string; reps: number }) => {
      const result = await runBench(opts, (line) => process.stderr.write(`${line}\n`));
      if (opts.out) await writeFile(opts.out, `${JSON.stringify(result, null, 2)}\n`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const f = (x: number, d = 2): string => x.toFixed(d);
      const peerCell = (p: FftRow['peers'][string] | undefined): string => (!p ? '' : 'skipped' in p ? 'skipped' : `${f(p.ms, 1)} ms (${f(p.speedup)}×)`);
      const lines = [
        `fft2 on ${result.adapter.description || result.adapter.vendor} (${result.runtime}), ${result.timing}, median of ${result.reps}; copy bandwidth ${f(result.copy.gbps, 3)} GB/s`,
        '',
        '| n×n | ms | GB/s (passes) | % of copy bw | GFLOP/s (5N log₂N) | max rel err | fft.js (speedup) | plain JS f64 (speedup) |',
        '|---|---|---|---|---|---|---|---|',
        ...result.rows.map((r) => `| ${r.size}² | ${f(r.ms, 1)} | ${f(r.gbps, 3)} | ${f(100 * r.fractionOfCopy, 1)} % | ${f(r.gflops, 3)} | ${r.relError.toExponential(1)} | ` +
          `${peerCell(r.peers['fft.js'])} | ${peerCell(r.peers['plain JS (float64 radix-2)'])} |`),
        '',
        'speedup = peer time ÷ our wall-clock time (our data already on the GPU; peers on CPU arrays).',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
