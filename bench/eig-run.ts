/**
 * `wgneuro bench eig`: the top-k eigenvalues (largest magnitude) of random nonsymmetric n × n
 * connectivity matrices J = G/√n + θ·u·uᵀ (a disk of radius 1 plus a real outlier at ≈ θ, the
 * shape of the E–I network spectra), three ways in the same run:
 *   - wgneuro `eigs` (Krylov–Schur Arnoldi on the GPU, f32),
 *   - ml-matrix's full EigenvalueDecomposition (float64, all n eigenvalues; the accuracy reference),
 *   - a plain-JS float64 power iteration (dominant eigenvalue only).
 * Reported: median wall time after a warm-up, relative eigenvalue errors against ml-matrix,
 * speedups, and the matrix–vector GFLOP/s and GB/s of `eigs` against the adapter's FMA peak and
 * copy bandwidth (linalg's measureFmaPeak / measureCopyBandwidth), measured in the same run.
 * This module is browser-safe (the bench page of the lab runs it); the command line is in eig.ts.
 */
import { cpuNowMs, medianTimes, medianWallMs, wallMs } from './timing.js';
import { philoxSequence } from '../src/reference/philox.js';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Context } from '../src/core/context.js';
import { eigs, jacobiEigBatched, type Complex, type JacobiVariant } from '../src/eig/index.js';
import { JACOBI_PRIVATE_MAX_N } from '../shaders/jacobi.wgsl.js';
import { jacobiDefaultVariant, jacobiTunable, jacobiVariantKey, tuningReport } from '../src/internal.js';
import { InputError } from '../src/gpu/errors.js';
import { measureCopyBandwidth, measureFmaPeak, median } from '../src/internal.js';
import { rankOneOutlierMatrix } from '../src/testing.js';
import { jacobiEigReference, powerIterationReference, type SymmetricEig } from '../src/reference/eig.js';

/** Options of `wgneuro bench eig` as commander parses them (also what `--browser` sends the page). */
export interface BenchEigOptions {
  sizes: number[];
  k: number;
  reps: number;
  theta: number;
  mlMax: number;
  jacobi?: string;
  json?: boolean;
}

/** One row of the batched-Jacobi table. */
export interface JacobiBenchRow {
  batch: number;
  n: number;
  /** `'tuned: <variant>'` (what the tuner picked on this adapter) or a fixed variant's id. */
  strategy: string;
  /** Median wall time (ms) of jacobiEigBatched, including the sweep-count readback (values and vectors left on the GPU). */
  gpuMs: number;
  /** Median wall time (ms) of the call plus reading values and vectors back (results on the CPU, like the JS peer's). */
  gpuReadMs: number;
  /**
   * Wall time (ms) of the variant's first, untimed call: pipeline compilation, and for the tuned
   * row the first-use search when this adapter had no winner for the class (what a first session pays once).
   */
  firstCallMs: number;
  /** Median process CPU time (ms, all threads: on a CPU adapter, the kernel's work) of call plus read-back; Node only. */
  gpuCpuMs?: number;
  /** Mean sweeps per matrix of the kernel. */
  gpuSweeps: number;
  /** Float64 JS Jacobi (src/reference) over the same batch, one matrix after another, to its default tol 1e-14: median wall ms. */
  cpuMs: number;
  /** The same, as process CPU time (Node only). */
  cpuCpuMs?: number;
  /** Float64 JS Jacobi stopped by the kernel's own rule (‖offdiag‖_F ≤ tol·‖A‖_F, tol = 1e-6·√n): median wall ms, CPU ms, mean sweeps. */
  cpuSameTolMs: number;
  cpuSameTolCpuMs?: number;
  cpuSameTolSweeps: number;
  /** Largest |λ_gpu − λ_cpu| / ‖A‖_F over the batch (λ_cpu to 1e-14). */
  maxRelError: number;
  /** Accuracy of the kernel's pairs, and of the same-rule JS run: max ‖A·v − λ·v‖₂ / ‖A‖_F and max |VᵀV − I|. */
  residual: number;
  orthogonality: number;
  cpuSameTolResidual: number;
  cpuSameTolOrthogonality: number;
}

/** The variant the tuner uses for this Jacobi class on this adapter ('default' when tuning is off). */
async function tunedJacobi(ctx: Context, n: number, batch: number): Promise<string> {
  const shapeClass = jacobiTunable.shapeClass({ n, batch });
  const record = (await tuningReport(ctx)).records.find((r) => r.kernel === jacobiTunable.name && r.shapeClass === shapeClass);
  return record?.winner ?? `${jacobiVariantKey(jacobiDefaultVariant(n))} (default)`;
}

/** `batch` random symmetric n × n matrices, entries uniform in (−½, ½) (Philox, seed 12345). */
function jacobiBenchInput(batch: number, n: number): Float32Array {
  const data = new Float32Array(batch * n * n);
  const uniform = philoxSequence(12345, { distribution: 'uniform' });
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) data[(b * n + i) * n + j] = data[(b * n + j) * n + i] = uniform() - 0.5;
    }
  }
  return data;
}

/** Max over the batch of ‖A·v_j − λ_j·v_j‖₂ / ‖A‖_F and of |VᵀV − I| (float64 arithmetic on the given pairs). */
function jacobiAccuracy(data: Float32Array, n: number, pairs: { values: ArrayLike<number>; vectors: ArrayLike<number> }[]): { residual: number; orthogonality: number } {
  let residual = 0;
  let orthogonality = 0;
  pairs.forEach(({ values, vectors }, b) => {
    const a = data.subarray(b * n * n, (b + 1) * n * n);
    const fro = Math.sqrt(a.reduce((acc, x) => acc + x * x, 0));
    for (let j = 0; j < n; j++) {
      let res2 = 0;
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let l = 0; l < n; l++) av += a[i * n + l]! * vectors[l * n + j]!;
        res2 += (av - values[j]! * vectors[i * n + j]!) ** 2;
      }
      residual = Math.max(residual, Math.sqrt(res2) / fro);
      for (let k = j; k < n; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[i * n + j]! * vectors[i * n + k]!;
        orthogonality = Math.max(orthogonality, Math.abs(dot - (j === k ? 1 : 0)));
      }
    }
  });
  return { residual, orthogonality };
}

/** The float64 JS peer over the batch to `tol`: median times, the results, mean sweeps. */
async function jacobiJs(data: Float32Array, batch: number, n: number, tol: number, reps: number) {
  let results: SymmetricEig[] = [];
  const times = await medianTimes(reps, async () => {
    results = Array.from({ length: batch }, (_, b) => jacobiEigReference(data.subarray(b * n * n, (b + 1) * n * n), n, tol));
  }, true);
  return { times, results, sweeps: results.reduce((acc, r) => acc + r.sweeps, 0) / batch };
}

/** Batched Jacobi against the float64 CPU reference, for `batch`x`n` specs such as '1000x8'. */
export async function runJacobiBench(ctx: Context, specs: [number, number][], reps: number): Promise<JacobiBenchRow[]> {
  const rows: JacobiBenchRow[] = [];
  for (const [batch, n] of specs) {
    const data = jacobiBenchInput(batch, n);
    const t = ctx.tensor([batch, n, n], { label: 'bench.eig.jacobi.input', data });
    try {
      // The JS peer once per spec, every variant compared with the same times: to 1e-14 (the
      // reference's default) and with the kernel's own stopping rule (equal sweeps, fair accuracy).
      const js = await jacobiJs(data, batch, n, 1e-14, reps);
      const jsSameTol = await jacobiJs(data, batch, n, 1e-6 * Math.max(1, Math.sqrt(n)), reps);
      const jsAccuracy = jacobiAccuracy(data, n, jsSameTol.results);
      const fixed: JacobiVariant[] = [{ strategy: 'thread', wg: 64 }, { strategy: 'workgroup', wg: 64 }];
      if (n <= JACOBI_PRIVATE_MAX_N) fixed.push({ strategy: 'private', wg: 16 }, { strategy: 'slots', wg: 16 });
      // `undefined`: the tuned variant (the tuner's choice, its first-use search when untuned).
      const variants: (JacobiVariant | undefined)[] = [undefined, ...fixed];
      const runs = variants.map(() => ({
        callMs: [] as number[], readMs: [] as number[], cpuMs: [] as number[], firstCallMs: 0,
        values: new Float32Array(0) as Float32Array, vectors: new Float32Array(0) as Float32Array, sweeps: new Uint32Array(0) as Uint32Array,
      }));
      const once = async (i: number, timed: boolean): Promise<void> => {
        const run = runs[i]!;
        const c0 = cpuNowMs();
        const t0 = performance.now();
        const result = await jacobiEigBatched(ctx, t, { strategy: variants[i] });
        const t1 = performance.now();
        [run.values, run.vectors, run.sweeps] = [await result.values.read(), await result.vectors.read(), result.sweeps];
        result.destroy();
        const t2 = performance.now();
        const c2 = cpuNowMs();
        if (!timed) {
          run.firstCallMs = t1 - t0;
          return;
        }
        run.callMs.push(t1 - t0);
        run.readMs.push(t2 - t0);
        if (c0 !== undefined && c2 !== undefined) run.cpuMs.push(c2 - c0);
      };
      // First every variant's untimed first call (pipeline compilation, and the tuned one's search),
      // then `reps` rounds that time each variant once in turn. Interleaved, whatever else loads
      // the machine during the run (other jobs, work a search leaves behind) spreads over all
      // variants instead of landing on the one row timed at that moment: a row timed alone right
      // after the search once read 8× slower than the same pipeline's row timed later
      // (bench/README.md, "Batched Jacobi at 32²").
      for (let i = 0; i < variants.length; i++) await once(i, false);
      for (let rep = 0; rep < reps; rep++) {
        for (let i = 0; i < variants.length; i++) await once(i, true);
      }
      for (const [i, strategy] of variants.entries()) {
        const { values, vectors, sweeps, callMs, readMs, cpuMs, firstCallMs } = runs[i]!;
        let worst = 0;
        for (let b = 0; b < batch; b++) {
          const m = data.subarray(b * n * n, (b + 1) * n * n);
          const fro = Math.sqrt(m.reduce((acc, x) => acc + x * x, 0));
          for (let k = 0; k < n; k++) worst = Math.max(worst, Math.abs(values[b * n + k]! - js.results[b]!.values[k]!) / fro);
        }
        const gpuPairs = Array.from({ length: batch }, (_, b) => ({ values: values.subarray(b * n, (b + 1) * n), vectors: vectors.subarray(b * n * n, (b + 1) * n * n) }));
        const accuracy = jacobiAccuracy(data, n, gpuPairs);
        const label = strategy ? jacobiVariantKey(strategy) : `tuned: ${await tunedJacobi(ctx, n, batch)}`;
        rows.push({
          batch, n, strategy: label,
          gpuMs: median(callMs), gpuReadMs: median(readMs), gpuCpuMs: cpuMs.length ? median(cpuMs) : undefined, firstCallMs,
          gpuSweeps: sweeps.reduce((acc, x) => acc + x, 0) / batch,
          cpuMs: js.times.ms, cpuCpuMs: js.times.cpuMs,
          cpuSameTolMs: jsSameTol.times.ms, cpuSameTolCpuMs: jsSameTol.times.cpuMs, cpuSameTolSweeps: jsSameTol.sweeps,
          maxRelError: worst, ...accuracy,
          cpuSameTolResidual: jsAccuracy.residual, cpuSameTolOrthogonality: jsAccuracy.orthogonality,
        });
      }
    } finally {
      t.destroy();
    }
  }
  return rows;
}

/** One row of the table. */
export interface EigBenchRow {
  n: number;
  k: number;
  /** Median wall time of `eigs` (ms), its restarts and matrix–vector products. */
  gpuMs: number;
  restarts: number;
  matvecs: number;
  /** 2n²·matvecs / time, and its ratio to the adapter's measured FMA peak. */
  matvecGflops: number;
  ofPeak: number;
  /** 4n²·matvecs bytes of A read / time (GB/s), and its ratio to the measured copy bandwidth. */
  matvecGBps: number;
  ofBandwidth: number;
  /** Largest explicit residual ‖Ax − λx‖ / |λ| of the returned pairs. */
  maxRelResidual: number;
  /** ml-matrix full decomposition time (ms) and max relative eigenvalue error of eigs against it; null above --ml-max. */
  mlMs: number | null;
  maxRelError: number | null;
  speedupVsMl: number | null;
  /** Plain-JS power iteration: time (ms), iterations, relative error of its value against ml-matrix's. */
  powerMs: number;
  powerIterations: number;
  powerRelError: number | null;
}



/** Distance-matched relative errors: each computed value against the nearest reference value. */
function maxRelativeError(values: Complex[], reference: Complex[]): number {
  let worst = 0;
  for (const v of values) {
    let best = Infinity;
    let scale = 1;
    for (const r of reference) {
      const d = Math.hypot(v.re - r.re, v.im - r.im);
      if (d < best) {
        best = d;
        scale = Math.hypot(r.re, r.im);
      }
    }
    worst = Math.max(worst, best / scale);
  }
  return worst;
}

/** Run the benchmark for each size; `log` receives progress lines. */
export async function runEigBench(ctx: Context, sizes: number[], options: { k: number; reps: number; theta: number; mlMax: number },
  log: (line: string) => void = () => undefined): Promise<{ peakGflops: number; bandwidthGBps: number; rows: EigBenchRow[] }> {
  const peakGflops = (await measureFmaPeak(ctx)).gflops;
  const bandwidthGBps = (await measureCopyBandwidth(ctx)).gbps;
  log(`adapter peak: ${peakGflops.toFixed(2)} GFLOP/s (FMA), ${bandwidthGBps.toFixed(2)} GB/s (copy)`);
  const rows: EigBenchRow[] = [];
  for (const n of sizes) {
    const { matrix } = rankOneOutlierMatrix({ n, g: 1, theta: options.theta, seed: n });
    const a = ctx.tensor([n, n], { label: 'bench.eig.matrix', data: Float32Array.from(matrix) });
    try {
      let result = await eigs(ctx, a, { k: options.k }); // also the warm-up (pipelines)
      const gpuMs = await medianWallMs(options.reps, async () => { result = await eigs(ctx, a, { k: options.k }); }, 0);
      log(`n = ${n}: eigs ${gpuMs.toFixed(0)} ms (${result.matvecs} matvecs)`);
      let mlMs: number | null = null;
      let reference: Complex[] | null = null;
      if (n <= options.mlMax) {
        const rowsArr = Array.from({ length: n }, (_, i) => Array.from(matrix.subarray(i * n, (i + 1) * n)));
        mlMs = await wallMs(() => {
          const e = new EigenvalueDecomposition(new Matrix(rowsArr));
          reference = e.realEigenvalues.map((re, i) => ({ re, im: e.imaginaryEigenvalues[i]! }));
        });
        log(`n = ${n}: ml-matrix ${mlMs.toFixed(0)} ms`);
      }
      let power = powerIterationReference(matrix, n, { tol: 1e-6 });
      const powerMs = await wallMs(() => { power = powerIterationReference(matrix, n, { tol: 1e-6 }); });
      const ref = reference as Complex[] | null;
      const top = ref ? [...ref].sort((x, y) => Math.hypot(y.re, y.im) - Math.hypot(x.re, x.im))[0]! : null;
      rows.push({
        n,
        k: result.values.length,
        gpuMs,
        restarts: result.iterations,
        matvecs: result.matvecs,
        matvecGflops: (2 * n * n * result.matvecs) / (gpuMs * 1e6),
        ofPeak: (2 * n * n * result.matvecs) / (gpuMs * 1e6) / peakGflops,
        matvecGBps: (4 * n * n * result.matvecs) / (gpuMs * 1e6),
        ofBandwidth: (4 * n * n * result.matvecs) / (gpuMs * 1e6) / bandwidthGBps,
        maxRelResidual: Math.max(...result.residuals.map((r, i) => r / Math.hypot(result.values[i]!.re, result.values[i]!.im))),
        mlMs,
        maxRelError: ref ? maxRelativeError(result.values, ref) : null,
        speedupVsMl: mlMs !== null ? mlMs / gpuMs : null,
        powerMs,
        powerIterations: power.iterations,
        powerRelError: top ? Math.hypot(power.value - top.re, top.im) / Math.hypot(top.re, top.im) : null,
      });
    } finally {
      a.destroy();
    }
  }
  return { peakGflops, bandwidthGBps, rows };
}

/**
 * Check the command-line options and run the bench: the object `wgneuro bench eig --json` prints.
 * The bench page (`--browser`) calls the same function, so both print the same JSON.
 */
export async function eigBenchFromOptions(ctx: Context, opts: BenchEigOptions, log?: (line: string) => void) {
  const { sizes, k, reps, theta, mlMax } = opts;
  const jacobiSpecs = (opts.jacobi ?? '').split(',').filter((x) => x.trim()).map((spec) => {
    const [b, n] = spec.trim().split('x').map((d) => (/^\d+$/.test(d) ? Number(d) : Number.NaN));
    if (!Number.isInteger(b) || !Number.isInteger(n) || b! < 1 || n! < 2 || n! > 256) {
      throw new InputError(`--jacobi entries must look like 1000x8 (batch x order, order 2–256), got '${spec}'`);
    }
    return [b!, n!] as [number, number];
  });
  const { peakGflops, bandwidthGBps, rows } = await runEigBench(ctx, sizes, { k, reps, theta, mlMax }, log);
  const jacobi = jacobiSpecs.length ? await runJacobiBench(ctx, jacobiSpecs, reps) : [];
  return { adapter: ctx.info.adapter, runtime: ctx.info.runtime, peakGflops, bandwidthGBps, rows, jacobi };
}
