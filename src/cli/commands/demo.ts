import type { Command } from 'commander';
import { createContext } from '../../core/context.js';
import { InputError, NumericalError } from '../../gpu/errors.js';
import { randomNormal } from '../../random/index.js';
import { philox4x32_10, normal4FromBits } from '../../reference/philox.js';
import { seedToKey } from '../../core/seed.js';
import { countOption, seedOption } from '../options.js';

/**
 * A tiny end-to-end computation: draw normals on the GPU, read them back, compare with the CPU
 * twin of the generator and report moments and GPU time.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('draw Philox normals on the GPU and check them against the CPU generator')
    .option('-n, --count <n>', 'number of samples (≥ 2, for a variance)', (v: string) => {
      const n = countOption('count')(v);
      if (n < 2) throw new InputError(`--count: expected a whole number ≥ 2 (a variance needs two samples), got "${v}"`);
      return n;
    }, 1 << 20)
    .option('--seed <seed>', 'generator seed', seedOption(), 42)
    .option('--json', 'print JSON')
    .action(async (opts: { count: number; seed: number; json?: boolean }) => {
      const ctx = await createContext();
      try {
        let samples!: Awaited<ReturnType<typeof randomNormal>>;
        const timing = await ctx.time(async () => {
          samples = await randomNormal(ctx, [opts.count], { seed: opts.seed });
        });
        const values = await samples.read();
        samples.destroy();
        let mean = 0;
        let m2 = 0;
        for (let i = 0; i < values.length; i++) {
          const d = values[i]! - mean;
          mean += d / (i + 1);
          m2 += d * (values[i]! - mean);
        }
        const variance = m2 / Math.max(values.length - 1, 1);
        // CPU twin on the first blocks: the largest difference must be at float rounding level.
        const key = seedToKey(opts.seed);
        const words = new Uint32Array(4);
        const cpu = new Float64Array(4);
        let maxDiff = 0;
        for (let block = 0; block < Math.min(1024, Math.ceil(values.length / 4)); block++) {
          normal4FromBits(philox4x32_10([block, 0, 0, 0], key, words), cpu);
          for (let k = 0; k < 4 && block * 4 + k < values.length; k++) maxDiff = Math.max(maxDiff, Math.abs(cpu[k]! - values[block * 4 + k]!));
        }
        if (!Number.isFinite(mean) || !Number.isFinite(variance) || !Number.isFinite(maxDiff)) {
          throw new NumericalError(`demo: the samples are not all finite (mean ${mean}, variance ${variance})`);
        }
        const result = {
          adapter: ctx.info.adapter,
          count: opts.count,
          seed: opts.seed,
          mean,
          variance,
          maxAbsDiffVsCpu: maxDiff,
          ms: timing.ms,
          timingSource: timing.source,
          samplesPerSecond: opts.count / (timing.ms / 1e3),
        };
        if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else {
          process.stdout.write(
            `${opts.count} normals (seed ${opts.seed}) on ${ctx.info.adapter.description || ctx.info.adapter.vendor}\n` +
              `  mean ${mean.toExponential(3)} (expect 0 ± ${(1 / Math.sqrt(opts.count)).toExponential(1)})\n` +
              `  variance ${variance.toFixed(5)} (expect 1 ± ${Math.sqrt(2 / opts.count).toExponential(1)})\n` +
              `  max |GPU - CPU twin| ${maxDiff.toExponential(2)}\n` +
              `  ${timing.ms.toFixed(3)} ms (${timing.source}), ${(result.samplesPerSecond / 1e6).toFixed(1)} M samples/s\n`,
          );
        }
      } finally {
        ctx.destroy();
      }
    });
}
