/**
 * `wgneuro bench linalg` on the command line; the benchmark itself is in linalg-run.ts
 * (browser-safe).
 */
import type { Command } from 'commander';
import { countOption, intOption, numberOption } from '../src/cli/options.js';
import { checkOutputFile, writeFileAtomic } from '../src/cli/output/files.js';
import { nodeWasmPaths } from './tfjs-wasm-node.js';
import { PEERS, runBench, type BenchOptions, type BenchResult } from './linalg-run.js';

/** One copy kernel shape and its median GB/s, e.g. `'mat4x4f runs over 2048 invocations 0.31 GB/s'`. */
function copyShapeText(t: BenchResult['copy']['tried'][number]): string {
  const how = t.shape.invocations === 0 ? `one ${t.shape.element} per invocation` : `${t.shape.element} runs over ${t.shape.invocations} invocations`;
  return `${how} ${t.gbps.toFixed(3)} GB/s`;
}

export * from './linalg-run.js';

function formatTable(r: BenchResult, peers: string[]): string {
  const withDefault = r.rows.some((row) => row.vsDefault !== undefined);
  const header = ['op', 'm×k·k×n', 'variant', 'ms', 'GFLOP/s', 'GB/s', '% of peak', '(best runs)', ...(withDefault ? ['vs default variant'] : []), ...peers.map((p) => `vs ${p}`)];
  const lines = r.rows.map((row) => {
    const shape = row.op === 'gemm' ? `${row.shape.m}×${row.shape.k}·${row.shape.k}×${row.shape.n}` : `${row.shape.m}×${row.shape.k}·x`;
    const peerCells = peers.map((p) => {
      const res = row.peers[p];
      if (!res) return '-';
      if ('skipped' in res) return 'skipped';
      return `${res.speedup.toFixed(2)}× (${res.gflops.toFixed(3)} GFLOP/s)`;
    });
    const ofWhat = row.op === 'gemm' ? 'FMA' : 'copy';
    const defaultCell = withDefault ? [row.vsDefault === undefined ? '-' : `${row.vsDefault.toFixed(2)}×`] : [];
    return [row.op, shape, row.variant, row.ms.toFixed(2), row.gflops.toFixed(3), row.gbps.toFixed(3), `${(100 * row.fractionOfPeak).toFixed(1)} % ${ofWhat}`, `${(100 * row.bestFractionOfPeak).toFixed(1)} %`, ...defaultCell, ...peerCells];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

/** Registers `wgneuro bench linalg` on the `bench` command. */
export function registerBenchLinalg(bench: Command): void {
  bench
    .command('linalg')
    .description('roofline benchmark: FMA peak and copy bandwidth, our GEMM/GEMV, and TF.js WebGPU / wasm / plain JS peers')
    .option('--json', 'print JSON instead of a table')
    .option('--out <file>', 'also write the JSON result to this file')
    .option('--sizes <list>', 'square GEMM sizes', '256,512,1024')
    .option('--odd <list>', 'odd GEMM shapes: n or m x k x n', '257,129x65x257,1000x3x1000')
    .option('--gemv <list>', 'GEMV sizes n (n × n matrix)', '4096')
    .option('--reps <n>', 'timed repetitions (median reported)', countOption('reps'), 5)
    .option('--peers <list>', `peers to run (${PEERS.join(', ')}); empty for none`, PEERS.join(','))
    .option('--peer-max-size <n>', 'largest GEMM dimension given to TF.js peers', intOption('peer-max-size', { min: 0 }), 1024)
    .option('--peak-gflop <x>', 'work per run of the FMA peak kernel, in GFLOP', numberOption('peak-gflop', { above: 0 }), 0.5)
    .option('--vs-default', 'also time each kernel\'s fixed default variant (tuning off) and print the ratio')
    .option('--tune-budget <ms>', 'search every shape\'s variants first with this budget (ms), even if a winner is kept (e.g. for --browser, whose first-use searches get 3000 ms)',
      numberOption('tune-budget', { min: 0 }))
    .option('--js-max-size <n>', 'largest GEMM dimension given to the plain JS loop', intOption('js-max-size', { min: 0 }), 1024)
    .action(async (opts: BenchOptions) => {
      // Progress goes to stderr so stdout holds only the table or the JSON.
      const log = (line: string) => process.stderr.write(`${line}\n`);
      if (opts.out) await checkOutputFile(opts.out, '--out');
      const result = await runBench(opts, log, { wasmPaths: nodeWasmPaths });
      if (opts.out) await writeFileAtomic(opts.out, `${JSON.stringify(result, null, 2)}\n`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const peers = opts.peers.split(',').map((s) => s.trim()).filter(Boolean);
      process.stdout.write(
        `linalg roofline on ${result.adapter.description || result.adapter.vendor} (${result.runtime}), ${result.timing}, median of ${result.reps}\n` +
          `FMA peak ${result.peak.gflops.toFixed(3)} GFLOP/s (before ${result.peak.before.toFixed(3)}, after ${result.peak.after.toFixed(3)}, ` +
          `on ${result.peak.invocations.before} / ${result.peak.invocations.after} invocations; ` +
          `fastest run ${result.peak.bestGflops.toFixed(3)}); copy bandwidth ${result.copy.gbps.toFixed(3)} GB/s (fastest run ${result.copy.bestGbps.toFixed(3)}; shapes: ${result.copy.tried.map(copyShapeText).join(', ')})\n\n` +
          `${formatTable(result, peers)}\n` +
          `\n% of peak: medians over the larger of the peaks measured before and after; (best runs): fastest run over fastest peak run.\n` +
          `vs peer = our wall-clock GFLOP/s ÷ the peer's (peers: wall clock until the result is on the CPU).\n` +
          result.notes.map((n) => `note: ${n}\n`).join(''),
      );
    });
}
