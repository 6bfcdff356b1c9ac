/**
 * The `wgneuro` command line. Each area registers its sub-commands from src/cli/commands/.
 */
import { Command, CommanderError } from 'commander';
import { NumericalError, WgneuroError } from '../gpu/errors.js';
import { registerInfo } from './commands/info.js';
import { registerDemo } from './commands/demo.js';
import { registerLinalg } from './commands/linalg.js';
import { registerEig } from './commands/eig.js';
import { registerSde } from './commands/sde.js';
import { registerNetwork } from './commands/network.js';
import { registerRun } from './commands/run.js';
import { registerBench } from './commands/bench.js';
import { registerSweep } from './commands/sweep.js';
import { registerTune } from './commands/tune.js';

/**
 * Exit codes: 0 success; 1 an unexpected internal error (a bug: please report it); 2 bad input
 * (options, files, models, device limits); 3 a result that is not usable as a whole (non-finite,
 * not converged; `--keep-partial` writes it anyway); 130 cancelled (Ctrl-C).
 */
export const EXIT = { ok: 0, internal: 1, input: 2, numerical: 3, cancelled: 130 } as const;

/** Build the program; exported so tests can run commands in-process. */
export function buildProgram(): Command {
  const program = new Command('wgneuro')
    .description('WebGPU compute kernels for computational neuroscience')
    .showHelpAfterError()
    .exitOverride();
  registerInfo(program);
  registerDemo(program);
  registerLinalg(program);
  registerEig(program);
  registerSde(program);
  registerNetwork(program);
  registerRun(program);
  registerBench(program);
  registerSweep(program);
  registerTune(program);
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
  const program = buildProgram();
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
