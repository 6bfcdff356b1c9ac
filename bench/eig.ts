/**
 * `wgneuro bench eig` on the command line; the benchmark itself is in eig-run.ts (browser-safe).
 */
import type { Command } from 'commander';
import { countOption, intListOption, intOption, numberOption } from '../src/cli/options.js';
import { createContext } from '../src/core/context.js';
import { eigBenchFromOptions, type BenchEigOptions, type EigBenchRow, type JacobiBenchRow } from './eig-run.js';

export * from './eig-run.js';

function formatTable(info: string, peak: number, bandwidth: number, rows: EigBenchRow[]): string {
  const f = (x: number | null, d = 0): string => (x === null ? '—' : x.toFixed(d));
  const e = (x: number | null): string => (x === null ? '—' : x.toExponential(1));
  const head = ['n', 'k', 'eigs ms', 'restarts', 'matvecs', 'GFLOP/s', '% FMA peak', 'GB/s of A', '% copy bw', 'max rel res', 'ml-matrix ms', 'max rel err', 'speedup', 'JS power ms', 'power its', 'power rel err'];
  const body = rows.map((r) => [
    String(r.n), String(r.k), f(r.gpuMs), String(r.restarts), String(r.matvecs), f(r.matvecGflops, 3), f(100 * r.ofPeak, 1),
    f(r.matvecGBps, 2), f(100 * r.ofBandwidth, 1),
    e(r.maxRelResidual), f(r.mlMs), e(r.maxRelError), r.speedupVsMl === null ? '—' : `${r.speedupVsMl.toFixed(1)}×`,
    f(r.powerMs), String(r.powerIterations), e(r.powerRelError),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
  return [info, `adapter peak (same run): ${peak.toFixed(2)} GFLOP/s FMA, ${bandwidth.toFixed(2)} GB/s copy`, line(head),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

function formatJacobiTable(rows: JacobiBenchRow[]): string {
  const f = (x: number | undefined, d = 0): string => (x === undefined ? '—' : x.toFixed(d));
  const e = (x: number): string => x.toExponential(1);
  const ratio = (cpu: number | undefined, gpu: number | undefined): string => (cpu === undefined || gpu === undefined ? '—' : `${(cpu / gpu).toFixed(2)}×`);
  const head = '| batch | n | variant | first call ms | GPU ms: call, + read (cpu) | sweeps | JS 1e-14 ms (cpu) | JS same-rule ms (cpu) | JS sweeps | × JS 1e-14: call, + read (cpu) | × JS same-rule: call, + read (cpu) | max rel err | residual GPU / JS | ‖VᵀV−I‖ GPU / JS |';
  const body = rows.map((r) => `| ${r.batch} | ${r.n} | ${r.strategy} | ${f(r.firstCallMs)} | ${f(r.gpuMs)}, ${f(r.gpuReadMs)} (${f(r.gpuCpuMs)}) | ${f(r.gpuSweeps, 2)} | ${f(r.cpuMs)} (${f(r.cpuCpuMs)}) | ` +
    `${f(r.cpuSameTolMs)} (${f(r.cpuSameTolCpuMs)}) | ${f(r.cpuSameTolSweeps, 2)} | ${ratio(r.cpuMs, r.gpuMs)}, ${ratio(r.cpuMs, r.gpuReadMs)} (${ratio(r.cpuCpuMs, r.gpuCpuMs)}) | ` +
    `${ratio(r.cpuSameTolMs, r.gpuMs)}, ${ratio(r.cpuSameTolMs, r.gpuReadMs)} (${ratio(r.cpuSameTolCpuMs, r.gpuCpuMs)}) | ${e(r.maxRelError)} | ${e(r.residual)} / ${e(r.cpuSameTolResidual)} | ` +
    `${e(r.orthogonality)} / ${e(r.cpuSameTolOrthogonality)} |`);
  return ['batched Jacobi (eigenvalues + eigenvectors) vs float64 JS Jacobi, same run; "same-rule": JS stopped by the kernel\'s ‖offdiag‖_F ≤ 1e-6·√n·‖A‖_F;\n' +
      'first call: untimed (compilation, and the tuned row\'s first-use search); then the variants timed in turn, medians of the rounds',
    head, '|' + '---|'.repeat(14), ...body].join('\n');
}

/** Registers `wgneuro bench eig` on the `bench` command. */
export function registerBenchEig(bench: Command): void {
  bench
    .command('eig')
    .description('top-k eigenvalues of random nonsymmetric matrices: eigs (GPU) vs ml-matrix full decomposition vs JS power iteration')
    .option('--sizes <list>', 'comma-separated matrix orders', intListOption('sizes', { min: 16 }), [256, 512, 1024])
    .option('--k <k>', 'eigenvalues wanted', countOption('k'), 8)
    .option('--reps <n>', 'timed repetitions of eigs (median)', countOption('reps'), 3)
    .option('--theta <θ>', 'outlier of the rank-one term (disk radius 1)', numberOption('theta', { above: 1 }), 1.5)
    .option('--ml-max <n>', 'largest n for the ml-matrix reference (O(n³) in JS)', intOption('ml-max', { min: 0 }), 1024)
    .option('--jacobi <list>', "also batched Jacobi vs the float64 CPU reference, e.g. '1000x8,100x32'")
    .option('--json', 'print JSON')
    .action(async (opts: BenchEigOptions) => {
      const ctx = await createContext();
      try {
        const result = await eigBenchFromOptions(ctx, opts, opts.json ? undefined : (l) => process.stderr.write(l + '\n'));
        const { peakGflops, bandwidthGBps, rows, jacobi } = result;
        const a = ctx.info.adapter;
        const info = `adapter: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')} (${ctx.info.runtime})`;
        if (opts.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        } else {
          process.stdout.write(formatTable(info, peakGflops, bandwidthGBps, rows) + '\n');
          if (jacobi.length) {
            process.stdout.write('\n' + formatJacobiTable(jacobi) + '\n');
          }
        }
      } finally {
        ctx.destroy();
      }
    });
}
