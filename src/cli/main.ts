/**
 * The `wgneuro` command line. Each area registers its sub-commands from src/cli/commands/.
 *
 * A command's module (and with it the library and the libraries that command uses) loads only when
 * that command runs, so `wgneuro --help` and `--version` start in about the time of commander
 * itself. The top-level help lists commands from `COMMANDS` below; test/node-only/cli.test.ts checks
 * that listing against the fully loaded program.
 */
import { Command, CommanderError, Help } from 'commander';
import { NumericalError, WgneuroError } from '../gpu/errors.js';
import { packageVersion } from './version.js';

/**
 * Exit codes: 0 success; 1 an unexpected internal error (a bug: please report it); 2 bad input
 * (options, files, models, device limits); 3 a result that is not usable as a whole (non-finite,
 * not converged; `--keep-partial` writes it anyway); 130 cancelled (Ctrl-C).
 */
export const EXIT = { ok: 0, internal: 1, input: 2, numerical: 3, cancelled: 130 } as const;

type Register = (program: Command) => void;

/** One module of commands: what the top-level help shows for each, and how to load it. */
export interface CommandModule {
  /** Per command: its help term (name, `[options]`, arguments) and description, as commander prints them. */
  commands: { name: string; term: string; description: string }[];
  load: () => Promise<Register>;
}

export const COMMANDS: CommandModule[] = [
  {
    commands: [{ name: 'info', term: 'info [options]', description: 'print the WebGPU adapter, runtime, features and limits' }],
    load: async () => (await import('./commands/info.js')).registerInfo,
  },
  {
    commands: [{ name: 'demo', term: 'demo [options]', description: 'draw Philox normals on the GPU and check them against the CPU generator' }],
    load: async () => (await import('./commands/demo.js')).registerDemo,
  },
  {
    commands: [
      {
        name: 'matmul',
        term: 'matmul [options] <A> <B>',
        description: 'C = alpha · op(A) · op(B) on the GPU for .npy files (float32 or float64, C order; [m,k]·[k,n] or batches [b,·,·])',
      },
      {
        name: 'sqrtm',
        term: 'sqrtm [options] <C>',
        description: 'principal square root (or inverse square root) of an SPD matrix or batch in a .npy file, by Newton–Schulz on the GPU',
      },
    ],
    load: async () => (await import('./commands/linalg.js')).registerLinalg,
  },
  {
    commands: [
      {
        name: 'eig',
        term: 'eig [options] <matrix.npy>',
        description: 'k eigenvalues of a matrix [n, n] or a stack [batch, n, n] in a .npy file (restarted Arnoldi / Lanczos on the GPU)',
      },
    ],
    load: async () => (await import('./commands/eig.js')).registerEig,
  },
  {
    commands: [
      {
        name: 'simulate',
        term: 'simulate [options] <model>',
        description: 'simulate many trials of an SDE model (JSON file) on the GPU and print mean/variance per variable',
      },
    ],
    load: async () => (await import('./commands/sde.js')).registerSde,
  },
  {
    commands: [
      {
        name: 'network',
        term: 'network [options] <net>',
        description: 'simulate many trials of a network file (populations + projections) on the GPU',
      },
    ],
    load: async () => (await import('./commands/network.js')).registerNetwork,
  },
  {
    commands: [{ name: 'run', term: 'run [options] [experiment]', description: 'run a scientific experiment and print simulation beside theory' }],
    load: async () => (await import('./commands/run.js')).registerRun,
  },
  {
    commands: [{ name: 'bench', term: 'bench', description: 'run a benchmark suite on the current adapter' }],
    load: async () => (await import('./commands/bench.js')).registerBench,
  },
  {
    commands: [{ name: 'sweep', term: 'sweep [options] <plan>', description: 'parameter sweeps split into shards for batch schedulers (Slurm, Kubernetes, GNU parallel)' }],
    load: async () => (await import('./commands/sweep.js')).registerSweep,
  },
  {
    commands: [
      {
        name: 'tune',
        term: 'tune [options]',
        description: 'time the variants of the tunable kernels (GEMM, GEMV, batched Jacobi) on this adapter now, keep the winners, print the table',
      },
    ],
    load: async () => (await import('./commands/tune.js')).registerTune,
  },
];

function newProgram(): Command {
  return new Command('wgneuro')
    .description('WebGPU compute kernels for computational neuroscience')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();
}

/** The program with every command loaded; exported so tests can inspect it. */
export async function buildProgram(): Promise<Command> {
  const program = newProgram();
  for (const module of COMMANDS) (await module.load())(program);
  return program;
}

/**
 * The program for one invocation: only the module of the command named in `argv` (also after
 * `help`); with no known command, placeholders that list every command for the help and for
 * commander's "unknown command" suggestions.
 */
async function programFor(argv: string[]): Promise<Command> {
  const program = newProgram();
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  const module = COMMANDS.find((m) => m.commands.some((c) => c.name === name));
  if (module) {
    (await module.load())(program);
    return program;
  }
  const terms = new Map<string, string>();
  for (const c of COMMANDS.flatMap((m) => m.commands)) {
    program.command(c.name).description(c.description);
    terms.set(c.name, c.term);
  }
  const standard = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? standard.subcommandTerm(cmd) });
  return program;
}

/** Whether stack traces are wanted (`WGNEURO_DEBUG=1`). */
function debugging(): boolean {
  const v = process.env.WGNEURO_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/**
 * Run the CLI on `argv` (as in process.argv); returns the exit code (see {@link EXIT}). Errors are
 * printed as one line; the stack only with `WGNEURO_DEBUG=1`.
 */
export async function main(argv: string[]): Promise<number> {
  const program = await programFor(argv);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const stack = debugging() && err instanceof Error && err.stack ? `${err.stack}\n` : '';
    if (err instanceof WgneuroError) {
      process.stderr.write(`wgneuro: ${err.name}: ${err.message}\n${stack}`);
      return err instanceof NumericalError ? EXIT.numerical : EXIT.input;
    }
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(
      `wgneuro: internal error: ${message.split('\n')[0]}\n${stack || '(this is a bug in wgneuro; run with WGNEURO_DEBUG=1 for the stack trace and report it)\n'}`,
    );
    return EXIT.internal;
  }
}
