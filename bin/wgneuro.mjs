#!/usr/bin/env node
// The `wgneuro` command: runs the compiled CLI in dist/. In a git clone (tsconfig.build.json beside
// this folder), dist/ is built here on first use and rebuilt when a file under src/, shaders/ or
// bench/ is newer, so the README's `npx wgneuro …` always runs the code in the checkout; an
// installed package ships dist/ and no tsconfig.build.json, so it skips the check.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Node 22.1+ caches compiled code between runs (a no-op where unavailable): faster start-up.
module.enableCompileCache?.();

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'cli', 'main.js');

/** Newest modification time (ms) of the files under `dir`, 0 when it does not exist. */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (item.isFile()) latest = Math.max(latest, statSync(join(item.parentPath ?? item.path, item.name)).mtimeMs);
  }
  return latest;
}

if (existsSync(join(root, 'tsconfig.build.json'))) {
  const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
  const sources = Math.max(...['src', 'shaders', 'bench'].map((d) => newest(join(root, d))));
  if (sources > built) {
    process.stderr.write('wgneuro: building dist/ from the checkout (npm run build)\n');
    const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: ['ignore', 2, 2] });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
}

const { main } = await import(entry);
const code = await main(process.argv);
// Dawn keeps native handles alive, so exit explicitly, but only once piped output is flushed.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit(code);
