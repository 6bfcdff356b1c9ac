/**
 * The package version for `wgneuro --version` and the path of the CLI script, read from the nearest package.json named wgneuro
 * above this module: the CLI runs from src/cli (checkout) or dist/src/cli (package), at different
 * depths, and a JSON import would make the compiler copy package.json into dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above this module whose package.json is wgneuro's, and that package.json. */
function findPackage(): { root: string; pkg: { name?: string; version?: string } } | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'wgneuro') return { root: dir, pkg };
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function packageVersion(): string {
  return findPackage()?.pkg.version ?? 'unknown';
}

/**
 * The `wgneuro` command's script (bin/wgneuro.mjs at the package root), for writing job scripts
 * that run this very installation on other nodes.
 */
export function cliScriptPath(): string {
  const found = findPackage();
  if (!found) throw new Error('cannot find the wgneuro package root above ' + fileURLToPath(import.meta.url));
  return join(found.root, 'bin', 'wgneuro.mjs');
}
