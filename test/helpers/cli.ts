/**
 * Runs the `wgneuro` command line in-process (Node only), capturing what it writes to stdout and
 * stderr, for the CLI tests under test/node-only/.
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

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
