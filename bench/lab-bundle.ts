/**
 * What a visitor downloads for each page of the built lab (`npm run build:lab` first):
 * `npx tsx bench/lab-bundle.ts [dist-lab]` prints, per page, the gzip -9 size of every JS and CSS
 * file the page and its Worker load before a run (scripts, stylesheets and module preloads of the
 * HTML, then static imports and the Worker file, transitively), and apart from it the chunks they
 * import dynamically (loaded when a run needs them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? 'dist-lab';
const gz = (file: string): number => gzipSync(readFileSync(join(dist, 'assets', file)), { level: 9 }).length;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

/** Static imports and Worker files of a JS chunk; dynamic imports apart. */
function references(file: string): { static: string[]; dynamic: string[] } {
  if (!file.endsWith('.js')) return { static: [], dynamic: [] };
  const code = readFileSync(join(dist, 'assets', file), 'utf8');
  const dynamic = [...code.matchAll(/import\(\s*["'`](?:\.\/|\/assets\/)?([\w.-]+\.js)["'`]\s*\)/g)].map((m) => m[1]!);
  const all = [...code.matchAll(/["'`](?:\.\/|\/assets\/)?([\w.-]+\.(?:js|css))["'`]/g)].map((m) => m[1]!);
  const isStatic = (name: string): boolean => new RegExp(`(?:from|import)\\s*["'\`](?:\\./)?${name.replace(/[.$]/g, '\\$&')}`).test(code) || /^worker-/.test(name);
  return { static: [...new Set(all.filter(isStatic))], dynamic: [...new Set(dynamic)] };
}

function closure(start: string[]): { files: Set<string>; dynamic: Set<string> } {
  const files = new Set<string>();
  const dynamic = new Set<string>();
  const pending = [...start];
  while (pending.length) {
    const f = pending.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    const r = references(f);
    pending.push(...r.static);
    for (const d of r.dynamic) dynamic.add(d);
  }
  for (const f of files) dynamic.delete(f);
  return { files, dynamic };
}

for (const page of readdirSync(dist).filter((f) => f.endsWith('.html')).sort()) {
  const html = readFileSync(join(dist, page), 'utf8');
  const start = [...html.matchAll(/(?:src|href)="\.\/assets\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  const { files, dynamic } = closure(start);
  const later = closure([...dynamic]).files;
  for (const f of files) later.delete(f);
  const size = (set: Set<string>): number => [...set].reduce((n, f) => n + gz(f), 0);
  const list = (set: Set<string>): string => [...set].sort((a, b) => gz(b) - gz(a)).map((f) => `${f} ${kib(gz(f))}`).join(', ');
  process.stdout.write(`${page}: ${kib(size(files))} before a run (${list(files)})\n  loaded on demand: ${kib(size(later))} (${list(later)})\n`);
}
