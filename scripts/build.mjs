#!/usr/bin/env node
// `npm run build`: compiles src/, shaders/ and bench/ (the CLI's `bench` command loads it) to dist/
// as ES modules with .d.ts files and source maps. dist/ is emptied first so a removed source file
// cannot leave a stale module behind in the package.
//
// Plain tsc rather than a bundler: one output module per source module keeps the WGSL generators
// separate, so an app's bundler drops the kernels it does not use (`sideEffects: false`); the WGSL
// lives in ordinary TypeScript string templates that need no loader; and the declarations come from
// the compiler that type-checks the sources (tsc 7 builds everything in a couple of seconds).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(result.status ?? 1);
