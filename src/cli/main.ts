/**
 * The `wgneuro` command line. Each area registers its sub-commands from src/cli/commands/.
 */
import { Command, CommanderError } from 'commander';
import { WgneuroError } from '../gpu/errors.js';
import { registerInfo } from './commands/info.js';
import { registerDemo } from './commands/demo.js';
import { registerLinalg } from './commands/linalg.js';
import { registerEig } from './commands/eig.js';
import { registerSde } from './commands/sde.js';
import { registerRun } from './commands/run.js';
import { registerBench } from './commands/bench.js';
import { packageVersion } from './version.js';

/** Build the program; exported so tests can run commands in-process. */
export function buildProgram(): Command {
  const program = new Command('wgneuro')
    .description('WebGPU compute kernels for computational neuroscience')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();
  registerInfo(program);
  registerDemo(program);
  registerLinalg(program);
  registerEig(program);
  registerSde(program);
  registerRun(program);
  registerBench(program);
  return program;
}

/** Run the CLI on `argv` (as in process.argv); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
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
