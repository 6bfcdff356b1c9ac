/**
 * `wgneuro sweep plan.json`: print a sweep's plan, run one shard of it, write (and submit) Slurm
 * scripts for all shards, and `wgneuro sweep merge` the shards into one result.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { CommanderError, type Command } from 'commander';
import { createContext, type Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import type { Experiment } from '../../models/experiment.js';
import { checkShardCount, parseShard, planSize, planUnits, shardRange } from '../../sweep/plan.js';
import { estimateShardMemory, prepareSweep, runShard, type PreparedSweep } from '../../sweep/run.js';
import { parseSbatchJobId, shellQuote, slurmArrayScript, slurmMergeScript } from '../../sweep/slurm.js';
import { countOption } from '../options.js';
import { loadPlanFile, mergeShardDirs, writeResultDir, writeShardDir } from '../sweep-files.js';
import { cliScriptPath } from '../version.js';

/** Where `registerSweep` gets experiments, output streams and the GPU context (tests replace them). */
export interface SweepCommandOptions {
  /** Default: `wgneuro run`'s registry. */
  experiments?: Experiment<unknown>[];
  stdout?: { write(text: string): unknown };
  /** Default `createContext()`; a context made here is destroyed after the shard. */
  context?: () => Promise<Context>;
}

interface SweepFlags {
  shards: number;
  shard?: string;
  out?: string;
  result?: string;
  json?: boolean;
  progress?: boolean;
  slurm?: boolean;
  submit?: boolean;
  sbatchOpt: string[];
  mergeSbatchOpt: string[];
  maxConcurrent?: number;
  wgneuro?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The default output directories of a plan file: `<stem>.shards/` and `<stem>.result/` beside it. */
function defaultPaths(planPath: string): { out: string; result: string } {
  const stem = basename(planPath).replace(/\.json$/i, '');
  return { out: join(dirname(planPath), `${stem}.shards`), result: join(dirname(planPath), `${stem}.result`) };
}

function formatBytes(bytes: number): string {
  if (bytes < 2 ** 20) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

/** Registers `wgneuro sweep` and `wgneuro sweep merge`. */
export function registerSweep(program: Command, options: SweepCommandOptions = {}): void {
  const stdout = options.stdout ?? process.stdout;
  const sweep = program
    .command('sweep')
    .description('parameter sweeps split into shards for batch schedulers (Slurm, Kubernetes, GNU parallel)')
    .argument('<plan>', 'sweep file (JSON): target, grid and/or points, seeds, trials, keep')
    .option('--shards <n>', 'number of shards to plan for (printing the plan, --slurm)', countOption('shards'), 1)
    .option('--shard <i/N>', 'run shard i of N and write it under --out')
    .option('--out <dir>', 'directory of the shard results (default <plan>.shards beside the plan)')
    .option('--result <dir>', 'with --slurm: where the merge job writes the merged result (default <plan>.result beside the plan)')
    .option('--slurm', 'write a Slurm job-array script and a dependent merge script')
    .option('--submit', 'with --slurm: submit both with sbatch (the merge job after the array succeeds)')
    .option('--sbatch-opt <option>', 'with --slurm: #SBATCH option of the array job, e.g. --gres=gpu:1 (repeatable)', collect, [])
    .option('--merge-sbatch-opt <option>', 'with --slurm: #SBATCH option of the merge job (repeatable)', collect, [])
    .option('--max-concurrent <n>', 'with --slurm: most array tasks running at once', countOption('max-concurrent'))
    .option('--wgneuro <command>', 'with --slurm: how compute nodes run wgneuro (default: this node and this bin/wgneuro.mjs)')
    .option('--json', 'print the plan or the shard summary as JSON')
    .option('--progress', 'with --shard: show a progress bar even when stderr is not a terminal (batch logs)')
    .action(async (planPath: string, flags: SweepFlags) => {
      const { plan, hash } = await loadPlanFile(planPath);
      const prepared = prepareSweep(plan, options.experiments);
      const paths = defaultPaths(planPath);
      const out = flags.out ?? paths.out;
      if (flags.shard !== undefined) {
        if (flags.slurm) throw new InputError('--shard runs one shard; --slurm writes scripts for all of them: give one of the two');
        await runOneShard(prepared, hash, flags.shard, out, flags.json ?? false, flags.progress ?? false);
        return;
      }
      const shards = flags.shards;
      checkShardCount(plan, shards);
      if (flags.slurm) {
        await writeSlurm(planPath, hash, shards, out, flags.result ?? paths.result, flags);
        return;
      }
      if (flags.submit) throw new InputError('--submit goes with --slurm');
      printPlan(prepared, hash, shards, flags.json ?? false);
    });

  sweep
    .command('merge')
    .description('check that shards cover one plan exactly once and merge them (bit-identical to --shard 0/1)')
    .argument('<dirs...>', 'shard directories, or directories of shards (an --out directory)')
    .requiredOption('-o, --output <dir>', 'directory of the merged result (sweep.json and .npy files)')
    .action(async (dirs: string[], flags: { output: string }) => {
      const result = await mergeShardDirs(dirs);
      await writeResultDir(flags.output, result);
      const arrays = Object.entries(result.arrays).map(([name, a]) => `${name} [${a.shape.join(', ')}]`);
      const what = result.results ? `${result.results.length} experiment results` : arrays.join(', ');
      stdout.write(`merged plan ${result.planHash.slice(0, 12)} into ${flags.output}: ${what}\n`);
    });

  function printPlan(prepared: PreparedSweep, hash: string, shards: number, json: boolean): void {
    const plan = prepared.plan;
    const t = plan.target;
    const total = planUnits(plan);
    const memory = estimateShardMemory(prepared, shards);
    const target = t.kind === 'model'
      ? { kind: 'model', name: String(t.model.name ?? 'sde'), steps: t.steps, dt: t.dt, integrator: t.integrator }
      : t.kind === 'network'
        ? { kind: 'network', name: String(t.network.name ?? 'network'), steps: t.steps, dt: t.dt, timeUnit: t.timeUnit }
        : { kind: 'experiment', name: t.name };
    const summary = {
      planHash: hash, target, points: plan.points.length, seeds: plan.seeds.length, trials: plan.trials, units: total,
      ...(t.kind === 'network' ? { trialsTotal: planSize(plan) } : {}),
      keep: plan.keep, shards, unitsPerShard: Math.ceil(total / shards), memoryPerShard: memory,
    };
    if (json) {
      stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const unit = t.kind === 'model' ? 'trials' : t.kind === 'network' ? 'points' : 'runs';
    const size = t.kind === 'network'
      ? `${plan.points.length} point(s) × ${plan.seeds.length} seed(s) × ${plan.trials} trial(s) = ${planSize(plan)} trials in ${total} points (a point is never split)`
      : `${plan.points.length} point(s) × ${plan.seeds.length} seed(s) × ${plan.trials} trial(s) = ${total} ${unit}`;
    const lines = [
      `plan ${hash.slice(0, 12)}: ${target.kind} '${target.name}'${t.kind === 'model' ? `, ${t.steps} steps of dt = ${t.dt} (${t.integrator})` : t.kind === 'network' ? `, ${t.steps} steps of dt = ${t.dt} ${t.timeUnit}` : ''}`,
      `${size}; keep ${plan.keep.join(', ')}`,
      `${shards} shard(s) of at most ${summary.unitsPerShard} ${unit}`,
      memory
        ? `memory per shard: about ${formatBytes(memory.hostBytes)} host, at most ${formatBytes(memory.gpuBytes)} GPU`
        : t.kind === 'network' ? 'memory per shard: as one wgneuro network run of the plan\'s trials' : 'memory per shard: as one run of the experiment',
      ...plan.points.slice(0, 8).map((p, i) => `  point ${i}: ${JSON.stringify(p)}`),
      ...(plan.points.length > 8 ? [`  … ${plan.points.length - 8} more`] : []),
    ];
    stdout.write(`${lines.join('\n')}\n`);
  }

  async function runOneShard(prepared: PreparedSweep, hash: string, shardText: string, out: string, json: boolean, progress: boolean): Promise<void> {
    const shard = parseShard(shardText);
    checkShardCount(prepared.plan, shard.count);
    const { begin, end } = shardRange(prepared.plan, shard);
    const ctx = options.context ? await options.context() : await createContext();
    // Progress per (point, seed) piece; in a batch log (no terminal) a line every 30 s.
    const bar = progress || process.stderr.isTTY
      ? new SingleBar({
          stream: process.stderr,
          format: `shard ${shard.index}/${shard.count} [{bar}] {percentage}% | {eta_formatted} left`,
          hideCursor: true,
          noTTYOutput: !process.stderr.isTTY,
          notTTYSchedule: 30_000,
        })
      : null;
    bar?.start(1000, 0);
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const t0 = performance.now();
      const onProgress = (fraction: number): void => bar?.update(Math.round(1000 * fraction));
      const data = await runShard(ctx, prepared, shard, { signal: controller.signal, onProgress }).catch((err: unknown) => {
        bar?.stop();
        if (!controller.signal.aborted) throw err;
        process.stderr.write(`wgneuro sweep: shard ${shard.index}/${shard.count} cancelled; nothing written\n`);
        throw new CommanderError(130, 'wgneuro.cancelled', 'cancelled');
      });
      const seconds = (performance.now() - t0) / 1000;
      bar?.stop();
      const adapter = ctx.info.adapter.description || ctx.info.adapter.vendor || 'unknown adapter';
      const variables = prepared.kind === 'model' || prepared.kind === 'network' ? prepared.variables : [];
      const path = await writeShardDir(out, prepared.plan, hash, variables, data, { seconds, adapter, host: hostname(), finished: new Date().toISOString() });
      const summary = { planHash: hash, shard, begin, end, path, seconds, adapter };
      stdout.write(json ? `${JSON.stringify(summary)}\n` : `shard ${shard.index}/${shard.count} of plan ${hash.slice(0, 12)}: units [${begin}, ${end}) in ${seconds.toFixed(2)} s on ${adapter} → ${path}\n`);
    } finally {
      bar?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (!options.context) ctx.destroy();
    }
  }

  async function writeSlurm(planPath: string, hash: string, shards: number, out: string, result: string, flags: SweepFlags): Promise<void> {
    const outDir = resolve(out);
    const slurmDir = join(outDir, 'slurm');
    const logDir = join(outDir, 'logs');
    await mkdir(logDir, { recursive: true });
    const bin = cliScriptPath();
    const scriptOptions = {
      command: flags.wgneuro ?? `${shellQuote(process.execPath)} ${shellQuote(bin)}`,
      planPath: resolve(planPath), outDir, resultPath: resolve(result), logDir, workDir: process.cwd(), shards,
      jobName: `wgneuro-${hash.slice(0, 8)}`, arrayOptions: flags.sbatchOpt, mergeOptions: flags.mergeSbatchOpt,
      maxConcurrent: flags.maxConcurrent,
    };
    const arrayScript = slurmArrayScript(scriptOptions);
    const mergeScript = slurmMergeScript(scriptOptions);
    await mkdir(slurmDir, { recursive: true });
    const arrayPath = join(slurmDir, 'shards.sbatch');
    const mergePath = join(slurmDir, 'merge.sbatch');
    await writeFile(arrayPath, arrayScript);
    await writeFile(mergePath, mergeScript);
    await chmod(arrayPath, 0o755);
    await chmod(mergePath, 0o755);
    const lines = [`wrote ${arrayPath} (${shards} array tasks) and ${mergePath}`];
    let ids: { array: string; merge: string } | null = null;
    if (flags.submit) {
      const array = parseSbatchJobId(await sbatch(['--parsable', arrayPath]));
      const merge = parseSbatchJobId(await sbatch(['--parsable', `--dependency=afterok:${array}`, mergePath]));
      ids = { array, merge };
      lines.push(`submitted array job ${array} and merge job ${merge} (after ${array} succeeds) → ${scriptOptions.resultPath}`);
    } else {
      lines.push(`submit: id=$(sbatch --parsable ${shellQuote(arrayPath)}) && sbatch --dependency=afterok:$id ${shellQuote(mergePath)}`);
    }
    stdout.write(flags.json ? `${JSON.stringify({ planHash: hash, shards, arrayScript: arrayPath, mergeScript: mergePath, jobs: ids })}\n` : `${lines.join('\n')}\n`);
  }
}

/** Run sbatch (found on PATH; its config from SLURM_CONF as usual) and return what it printed. */
function sbatch(args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('sbatch', args, { timeout: 60_000 }, (err, stdoutText, stderrText) => {
      if (err) reject(new InputError(`sbatch ${args.join(' ')} failed: ${stderrText.trim() || err.message}`));
      else resolvePromise(stdoutText);
    });
  });
}

