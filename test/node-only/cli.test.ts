/**
 * The CLI's entry (src/cli/main.ts): `--version`, and the top-level help, which lists commands
 * from a static table so that `--help` loads no command module (and no library): every command of
 * the fully loaded program must appear there with the term and description commander would print.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram, COMMANDS, main } from '../../src/cli/main.js';

async function capture(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await main(['node', 'wgneuro', ...args]), out };
  } finally {
    spy.mockRestore();
  }
}

describe('wgneuro entry point', () => {
  it('--version and -V print the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await capture(flag);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`${version}\n`);
    }
  });

  it('the static command table matches the loaded commands, so --help lists them without loading them', async () => {
    const program = await buildProgram();
    const help = program.createHelp();
    const loaded = program.commands.map((cmd) => ({ name: cmd.name(), term: help.subcommandTerm(cmd), description: cmd.description() }));
    expect(COMMANDS.flatMap((m) => m.commands)).toEqual(loaded);

    const listed = await capture('--help');
    expect(listed.code).toBe(0);
    const full = program.helpInformation();
    expect(listed.out).toBe(full);
  });

  it('`help <command>` and an unknown command still work', async () => {
    const r = await capture('help', 'matmul');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--transA');
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    try {
      expect(await main(['node', 'wgneuro', 'simulat'])).not.toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(err).toMatch(/unknown command 'simulat'[\s\S]*simulate/);
  });
});
