/**
 * `wgneuro bench train` on the command line; the benchmark itself is in train-run.ts
 * (browser-safe).
 */
import type { Command } from 'commander';
import { countOption } from '../src/cli/options.js';
import { checkOutputFile, writeFileAtomic } from '../src/cli/output/files.js';
import { nodeRegisterTfGradients } from './tfjs-gradients-node.js';
import { nodeWasmPaths } from './tfjs-wasm-node.js';
import { TRAIN_PEERS, runTrainBench, type TrainBenchOptions } from './train-run.js';

export * from './train-run.js';

/** Registers `wgneuro bench train`. */
export function registerBenchTrain(bench: Command): void {
  bench
    .command('train')
    .description('one training step (forward + backward) of an MLP and of a BPTT rate RNN: wgneuro tape vs TF.js WebGPU and wasm')
    .option('--json', 'print JSON instead of a table')
    .option('--out <file>', 'also write the JSON result to this file')
    .option('--batch <n>', 'MLP batch size', countOption('batch'), 128)
    .option('--mlp <widths>', 'MLP layer widths, input first', '784,128,10')
    .option('--rnn-batch <n>', 'RNN trials per batch', countOption('rnn-batch'), 16)
    .option('--units <n>', 'RNN units', countOption('units'), 64)
    .option('--inputs <n>', 'RNN inputs', countOption('inputs'), 4)
    .option('--steps <n>', 'RNN time steps (BPTT length)', countOption('steps'), 20)
    .option('--reps <n>', 'timed repetitions (median reported)', countOption('reps'), 5)
    .option('--peers <list>', `peers to run (${TRAIN_PEERS.join(', ')}); empty for none`, TRAIN_PEERS.join(','))
    .action(async (opts: TrainBenchOptions) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      if (opts.out) await checkOutputFile(opts.out, '--out');
      const result = await runTrainBench(opts, log, { wasmPaths: nodeWasmPaths, registerTfGradients: nodeRegisterTfGradients });
      if (opts.out) await writeFileAtomic(opts.out, `${JSON.stringify(result, null, 2)}\n`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const lines = [`training step (forward + backward) on ${result.adapter.description || result.adapter.vendor} (${result.runtime}), median of ${result.reps}`, ''];
      for (const row of result.rows) {
        lines.push(row.description);
        for (const [name, c] of Object.entries(row.contenders)) {
          if ('skipped' in c) lines.push(`  ${name.padEnd(12)} skipped: ${c.skipped}`);
          else {
            const ratio = name === 'wgneuro' ? '' : `  wgneuro is ${row.speedupOverPeer[name]!.toFixed(2)}× as fast (loss rel. diff ${row.agreement[name]!.lossRelDiff.toExponential(1)}, grad-sum rel. diff ${row.agreement[name]!.gradSumRelDiff.toExponential(1)})`;
            lines.push(`  ${name.padEnd(12)} ${c.ms.toFixed(1)} ms/step${ratio}`);
          }
        }
        lines.push('');
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
