/**
 * `wgneuro tune`: run the tuning searches of the tunable kernels up front (instead of on first use)
 * and print what was timed and what won, per kernel and shape class.
 */
import type { Command } from 'commander';
import { createContext, type Context } from '../../core/context.js';
import { search, tuningLocation, tuningReport, type TuningRecord } from '../../core/tuning.js';
import { jacobiTunable } from '../../eig/jacobi.js';
import { InputError } from '../../gpu/errors.js';
import { gemvTunable } from '../../linalg/gemv.js';
import { gemmTunable } from '../../linalg/matmul.js';
import { intListOption, numberOption } from '../options.js';

/** Options of `wgneuro tune` as commander parses them. */
export interface TuneOptions {
  json?: boolean;
  gemm: string;
  gemv: string;
  jacobi: string;
  budget: number;
  show?: boolean;
}

function parseBatches(value: string): { batch: number; n: number }[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s);
    const batch = m ? Number(m[1]) : Number.NaN;
    const n = m ? Number(m[2]) : Number.NaN;
    if (!(batch >= 1) || !(n >= 2) || n > 256) {
      throw new InputError(`--jacobi takes batch x order pairs like 1000x8 (order 2–256), got '${s}'`);
    }
    return { batch, n };
  });
}

/** The searches `wgneuro tune` runs: the shapes the benches and models use most. */
async function runSearches(ctx: Context, opts: TuneOptions, log: (line: string) => void): Promise<TuningRecord[]> {
  const list = (v: string, name: string) => (v.trim() === '' ? [] : intListOption(name, { min: 1 })(v));
  const gemm = list(opts.gemm, '--gemm');
  const gemv = list(opts.gemv, '--gemv');
  const jacobi = parseBatches(opts.jacobi);
  const records: TuningRecord[] = [];
  const run = async <P, V>(tunable: Parameters<typeof search<P, V, Context>>[1], problem: P, what: string) => {
    log(`tuning ${tunable.name} ${what}...`);
    const record = await search(ctx, tunable, problem, ctx.limits);
    log(`  ${record.winner} (${record.tuningMs.toFixed(0)} ms)`);
    records.push(record);
  };
  for (const n of gemm) await run(gemmTunable, { m: n, n, k: n, batch: 1, transA: false, transB: false }, `${n}³`);
  for (const n of gemv) {
    await run(gemvTunable, { rows: n, cols: n, trans: false }, `${n}² A·x`);
    await run(gemvTunable, { rows: n, cols: n, trans: true }, `${n}² Aᵀ·x`);
  }
  for (const { batch, n } of jacobi) await run(jacobiTunable, { n, batch }, `${batch} × ${n}²`);
  return records;
}

/** The table: one line per candidate, its time relative to the winner's, the winner starred. */
export function formatTuning(records: TuningRecord[]): string {
  const header = ['kernel', 'shape class', 'timed', 'candidate', 'ms', '× winner', 'runs'];
  const rows: string[][] = [];
  for (const r of records) {
    const best = r.candidates.find((c) => c.variant === r.winner)?.ms ?? Number.NaN;
    r.candidates.forEach((c, i) => {
      const mark = `${c.variant === r.winner ? ' *' : ''}${c.variant === r.fallback ? ' (default)' : ''}`;
      rows.push([
        i === 0 ? r.kernel : '',
        i === 0 ? r.shapeClass : '',
        i === 0 ? r.timed : '',
        `${c.variant}${mark}`,
        c.ms === undefined ? '-' : c.ms.toFixed(3),
        c.ms === undefined ? 'not timed (budget)' : `${(c.ms / best).toFixed(2)}`,
        String(c.runs),
      ]);
    });
    rows.push(['', '', '', `search: ${r.tuningMs.toFixed(0)} ms of a ${r.budgetMs} ms budget, ${r.timing}`, '', '', '']);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('time the variants of the tunable kernels (GEMM, GEMV, batched Jacobi) on this adapter now, keep the winners, print the table')
    .option('--json', 'print JSON instead of a table')
    .option('--gemm <list>', 'square GEMM sizes to tune', '256,512,1024')
    .option('--gemv <list>', 'GEMV sizes n (n × n matrix; A·x and Aᵀ·x)', '4096')
    .option('--jacobi <list>', 'batched Jacobi batch x order pairs', '1000x8,100x32')
    // Ten times a first use's default: up front, a thorough search is what was asked for.
    .option('--budget <ms>', 'wall-clock budget of each search in ms', numberOption('budget', { min: 0 }), 30_000)
    .option('--show', 'print the winners already kept for this adapter, without timing anything')
    .action(async (opts: TuneOptions) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const ctx = await createContext({ tuning: { budgetMs: opts.budget } });
      try {
        const records = opts.show ? (await tuningReport(ctx)).records : await runSearches(ctx, opts, log);
        const report = await tuningReport(ctx);
        const location = await tuningLocation(ctx);
        const a = ctx.info.adapter;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ adapter: a, runtime: ctx.info.runtime, adapterKey: report.adapter, store: location, records, errors: report.errors }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `tuning on ${a.description || a.vendor || 'unknown adapter'} (${ctx.info.runtime}); winners kept in ${location}\n\n` +
            `${formatTuning(records)}\n` +
            '\n× winner: the candidate\'s fastest time over the winner\'s (1.00 = the winner); * = winner; (default) = the variant used with tuning off.\n' +
            report.errors.map((e) => `note: ${e}\n`).join(''),
        );
      } finally {
        ctx.destroy();
      }
    });
}
