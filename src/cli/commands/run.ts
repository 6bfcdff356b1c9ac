import { CommanderError, Option, type Command } from 'commander';
import { createContext, type Context } from '../../core/context.js';
import { InputError } from '../../gpu/errors.js';
import type { Experiment } from '../../models/experiment.js';
import { experiments as registered } from '../../models/registry.js';
import { formatParamValue, paramKind, resolveParams } from '../output/params.js';
import { checkOutputDir } from '../output/files.js';

/** Options shared by every `wgneuro run <experiment>`; experiment parameters may not use these names. */
const RESERVED = new Set(['json', 'out', 'progress', 'help', 'list']);

/** Where `registerRun` gets its experiments, streams and GPU context (tests replace them). */
export interface RunCommandOptions {
  /** Default: every experiment in src/models/registry.ts. */
  experiments?: Experiment<any>[];
  /** Default: process.stdout / process.stderr. */
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown; isTTY?: boolean };
  /** Default: `createContext()`; a context made here is destroyed after the run. */
  context?: () => Promise<Context>;
}

interface RunFlags {
  json?: boolean;
  out?: string;
  progress?: boolean;
}

/**
 * Registers `wgneuro run <experiment> [--param value …] [--json] [--out DIR] [--progress]` with one
 * sub-command per experiment (its parameters become its options, typed by their defaults), and
 * `wgneuro run --list`. Ctrl-C aborts the run through its AbortSignal (exit code 130).
 */
export function registerRun(program: Command, options: RunCommandOptions = {}): void {
  const list = options.experiments ?? registered;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const run = program
    .command('run')
    .description('run a scientific experiment and print simulation beside theory')
    .argument('[experiment]', 'experiment name (see --list)')
    .option('--list', 'list the experiments')
    .action((name: string | undefined, flags: { list?: boolean }) => {
      if (flags.list || name === undefined) {
        const width = Math.max(0, ...list.map((e) => e.name.length));
        stdout.write(list.map((e) => `${e.name.padEnd(width)}  ${e.description}\n`).join('') || '(no experiments registered)\n');
        return;
      }
      throw new InputError(`unknown experiment '${name}'; known: ${list.map((e) => e.name).join(', ') || '(none)'}`);
    });

  for (const experiment of list) {
    const sub = run.command(experiment.name).description(experiment.description);
    const optionOf = new Map<string, Option>();
    const clashes: string[] = [];
    for (const [name, param] of Object.entries(experiment.params)) {
      // A clash is the experiment's bug; report it when that experiment is run, not for every command.
      if (RESERVED.has(name)) {
        clashes.push(name);
        continue;
      }
      const kind = paramKind(param);
      const flag = kind === 'boolean' ? `--${name} [bool]` : `--${name} <${kind === 'number[]' ? 'list' : kind}>`;
      const option = new Option(flag, `${param.description} (default ${formatParamValue(param.default)})`);
      optionOf.set(name, option);
      sub.addOption(option);
    }
    sub
      .option('--json', 'print the JSON result on stdout')
      .option('--out <dir>', 'write result.json, CSV tables and SVG figures into DIR')
      .option('--progress', 'show a progress bar even when stderr is not a terminal')
      .action(async (opts: Record<string, string | boolean | undefined>) => {
        if (clashes.length) {
          throw new Error(`experiment '${experiment.name}' uses parameter names reserved by the runner: ${clashes.join(', ')}`);
        }
        const given: Record<string, string | boolean> = {};
        for (const name of optionOf.keys()) {
          const value = sub.getOptionValue(optionOf.get(name)!.attributeName()) as string | boolean | undefined;
          if (value !== undefined) given[name] = value;
        }
        await runOne(experiment, resolveParams(experiment, given), opts as RunFlags, { stdout, stderr, context: options.context });
      });
  }
}

async function runOne(
  experiment: Experiment<unknown>,
  params: ReturnType<typeof resolveParams>,
  flags: RunFlags,
  io: { stdout: NonNullable<RunCommandOptions['stdout']>; stderr: NonNullable<RunCommandOptions['stderr']>; context?: () => Promise<Context> },
): Promise<void> {
  // Check the destination before the (possibly long) run, not after it.
  if (flags.out !== undefined) await checkOutputDir(flags.out, '--out');
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('cancelled (Ctrl-C)'));
  process.once('SIGINT', onSigint);
  const showBar = Boolean(flags.progress || io.stderr.isTTY);
  // CLI-only libraries load when a command uses them, so `wgneuro --help` stays fast.
  const bar = showBar
    ? new (await import('cli-progress')).SingleBar({
        stream: io.stderr as NodeJS.WritableStream,
        format: `${experiment.name} [{bar}] {percentage}% | {message}`,
        hideCursor: true,
        clearOnComplete: false,
        noTTYOutput: !io.stderr.isTTY,
        notTTYSchedule: 5000,
      })
    : null;
  bar?.start(1000, 0, { message: 'starting' });
  const progress = (fraction: number, message = ''): void => {
    bar?.update(Math.round(1000 * Math.min(1, Math.max(0, fraction))), { message });
  };
  const ctx = io.context ? await io.context() : await createContext();
  const ownsContext = !io.context;
  let result: unknown;
  try {
    result = await experiment.run(ctx, params, progress, controller.signal);
    progress(1, 'done');
  } catch (err) {
    if (controller.signal.aborted) {
      bar?.stop();
      io.stderr.write(`wgneuro run ${experiment.name}: cancelled\n`);
      throw new CommanderError(130, 'wgneuro.cancelled', 'cancelled');
    }
    throw err;
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
    if (ownsContext) ctx.destroy();
  }
  if (flags.json) io.stdout.write(JSON.stringify(experiment.toJSON(result), null, 2) + '\n');
  else {
    const settings = Object.entries(params).map(([k, v]) => `${k}=${formatParamValue(v)}`).join(' ');
    io.stdout.write(`${experiment.name} (${settings})\n${experiment.summary(result).replace(/\n?$/, '\n')}`);
  }
  if (flags.out !== undefined) {
    const { writeExperimentOutputs } = await import('../output/output.js');
    const written = await writeExperimentOutputs(flags.out, experiment, result);
    io.stderr.write(`wrote ${written.join(', ')}\n`);
  }
}
