#!/usr/bin/env node
// CLI start-up ratio (issue 10: `wgneuro --help` within 4× a bare `node -e 0` on the same machine).
//
//   node scripts/cli-startup.mjs [--runs 30] [--cli PATH/TO/bin/wgneuro.mjs] [NODE_BINARY …]
//
// For each Node binary (default: this one; other versions through npm's `node` package, e.g.
// "$(npx -y node@22 -p process.execPath)"), runs `node -e 0` and `node <cli> --help` alternately,
// after two warm-up runs of each, and prints the medians, means ± standard deviation and the ratio
// of the medians. Alternating the two commands spreads the load of a shared machine over both.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
let runs = 30;
let cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'wgneuro.mjs');
const nodes = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--cli') cli = args[++i];
  else nodes.push(args[i]);
}
if (!Number.isInteger(runs) || runs < 3) throw new Error(`--runs must be an integer ≥ 3, got ${runs}`);
if (nodes.length === 0) nodes.push(process.execPath);

/** Wall time of one run in ms; throws if the command fails. */
function time(node, command) {
  const started = process.hrtime.bigint();
  const r = spawnSync(node, command, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${node} ${command.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const meanSd = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return `${m.toFixed(1)} ± ${sd.toFixed(1)}`;
};

console.log(`cli: ${cli}, ${runs} runs each\n`);
console.log('| Node | bare `node -e 0` median (mean ± sd) ms | `wgneuro --help` median (mean ± sd) ms | ratio of medians |');
console.log('|---|---|---|---|');
for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const bare = [];
  const help = [];
  for (let i = 0; i < 2; i++) {
    time(node, ['-e', '0']);
    time(node, [cli, '--help']);
  }
  for (let i = 0; i < runs; i++) {
    bare.push(time(node, ['-e', '0']));
    help.push(time(node, [cli, '--help']));
  }
  const ratio = median(help) / median(bare);
  console.log(`| ${version} | ${median(bare).toFixed(1)} (${meanSd(bare)}) | ${median(help).toFixed(1)} (${meanSd(help)}) | ${ratio.toFixed(2)}× |`);
}
