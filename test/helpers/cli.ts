/**
 * Runs the `wgneuro` command line in-process (Node only), capturing what it writes to stdout and
 * stderr, for the CLI tests under test/node-only/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { vi } from 'vitest';
import { registerRun } from '../../src/cli/commands/run.js';
import { main } from '../../src/cli/main.js';
import type { Context } from '../../src/core/context.js';
import type { Experiment } from '../../src/models/experiment.js';
import { experiments } from '../../src/models/registry.js';

/** Exit code and both output streams of one `wgneuro …` invocation. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `wgneuro ...args`, run through `main` with stdout and stderr captured (and restored after). */
export async function runCli(args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    const code = await main(['node', 'wgneuro', ...args]);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/**
 * `wgneuro run ...args` with only the `run` command registered, on a given context (the test's
 * device) and experiment list (the registry by default); commander's exits become exit codes.
 */
export async function runExperimentCli(
  context: () => Promise<Context>,
  args: string[],
  list: readonly Experiment<any>[] = experiments,
): Promise<CliRun> {
  let out = '';
  let err = '';
  const program = new Command('wgneuro').exitOverride().showHelpAfterError().configureOutput({
    writeOut: (s) => { out += s; },
    writeErr: (s) => { err += s; },
  });
  registerRun(program, {
    experiments: [...list],
    stdout: { write: (s: string) => { out += s; } },
    stderr: { write: (s: string) => { err += s; }, isTTY: false },
    context,
  });
  try {
    await program.parseAsync(['node', 'wgneuro', 'run', ...args]);
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}

/** Runs `body` with a fresh temporary directory (name starting `prefix`), removed afterwards. */
export async function withTempDir(prefix: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
