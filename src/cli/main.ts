/**
 * The `wgneuro` command line. Each area registers its sub-commands from src/cli/commands/.
 *
 * A command's module (and with it the library and the libraries that command uses) loads only when
 * that command runs, so `wgneuro --help` and `--version` start in about the time of commander
 * itself. The top-level help lists commands from `COMMANDS` below; test/node-only/cli.test.ts checks
 * that listing against the fully loaded program.
 */
import { Command, CommanderError, Help } from 'commander';
import { WgneuroError } from '../gpu/errors.js';
import { packageVersion } from './version.js';

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
    commands: [{ name: 'run', term: 'run [options] [experiment]', description: 'run a scientific experiment and print simulation beside theory' }],
    load: async () => (await import('./commands/run.js')).registerRun,
  },
  {
    commands: [{ name: 'bench', term: 'bench', description: 'run a benchmark suite on the current adapter' }],
    load: async () => (await import('./commands/bench.js')).registerBench,
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

/** Run the CLI on `argv` (as in process.argv); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = await programFor(argv);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof WgneuroError) {
      process.stderr.write(`wgneuro: ${err.name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
