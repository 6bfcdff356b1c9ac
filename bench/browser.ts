/**
 * `wgneuro bench <suite> --browser`: builds the lab, serves it locally and runs its bench page in
 * headless Chromium (puppeteer-core, WebGPU enabled) with the options the command line parsed;
 * prints the page's JSON, which the page makes with the very function behind `--json` in Node.
 * dist-lab/ is rebuilt first when any of its sources is newer.
 * Needs the dev dependencies (vite, puppeteer-core) and a Chromium (`CHROME_PATH` or on PATH).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { build, preview } from 'vite';
import { CHROMIUM_WEBGPU_FLAGS, findChromium } from './chromium.js';

/** The checkout: the nearest folder above this module with lab/vite.config.ts (from bench/ or a compiled dist/bench/). */
function repoRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'lab/vite.config.ts'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('wgneuro bench --browser needs the source checkout (lab/ with its Vite config), which was not found above this module');
    dir = up;
  }
}
const root = repoRoot();

/** Latest modification time (ms) of the files under `paths` (folders walked, node_modules skipped). */
function newest(paths: string[]): number {
  let latest = 0;
  const visit = (path: string): void => {
    const st = statSync(path);
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules') visit(join(path, name));
    } else {
      latest = Math.max(latest, st.mtimeMs);
    }
  };
  for (const p of paths) if (existsSync(p)) visit(p);
  return latest;
}

/** Whether dist-lab/ is older than anything it is built from (then it is rebuilt). */
function labIsStale(): boolean {
  const built = join(root, 'dist-lab/bench.html');
  if (!existsSync(built)) return true;
  const sources = ['lab', 'src', 'shaders', 'bench', 'examples', 'package.json', 'package-lock.json'].map((p) => join(root, p));
  return newest(sources) > statSync(built).mtimeMs;
}

/** Run `suite` with the parsed command-line `options` in headless Chromium; resolves to the JSON text. */
export async function runBenchInBrowser(suite: string, options: Record<string, unknown>, log: (line: string) => void): Promise<string> {
  const configFile = join(root, 'lab/vite.config.ts');
  if (labIsStale()) {
    log('building the lab (dist-lab/)...');
    await build({ configFile, logLevel: 'error' });
  }
  const server = await preview({ configFile, logLevel: 'error', preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_WEBGPU_FLAGS, protocolTimeout: 0 });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.text().startsWith('[bench] ')) log(m.text().slice(8));
    });
    page.on('pageerror', (err) => log(`page error: ${String(err)}`));
    const { json: _json, ...pageOptions } = options;
    const hash = new URLSearchParams({ suite, options: JSON.stringify(pageOptions), run: '1' });
    await page.goto(`${server.resolvedUrls!.local[0]!}bench.html#${hash}`);
    log(`adapter: ${await page.$eval('#adapter', (el) => el.textContent)}`);
    await page.waitForFunction(() => {
      const el = document.querySelector<HTMLElement>('#result-json');
      return Boolean(el?.textContent || el?.dataset.error || document.querySelector('#no-webgpu:not([hidden])'));
    }, { timeout: 0, polling: 250 });
    const error = await page.$eval('#result-json', (el) => (el as HTMLElement).dataset.error
      ?? (document.querySelector('#no-webgpu:not([hidden])') ? `no WebGPU in Chromium: ${document.querySelector('#adapter')?.textContent}` : ''));
    if (error) throw new Error(`bench ${suite} in Chromium failed: ${error}`);
    return await page.$eval('#result-json', (el) => el.textContent ?? '');
  } finally {
    await browser.close();
    await server.close();
  }
}
