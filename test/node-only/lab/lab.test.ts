/**
 * The lab end to end: builds it with Vite's API (as `npm run build:lab` does), serves dist-lab/ with
 * Vite's preview server (a plain static host), and drives headless Chromium (puppeteer-core, WebGPU
 * on SwiftShader) through every page. Numbers the page reports are checked against exact results
 * and against `simulate` run here in Node with the same seed. Screenshots go to test-artifacts/lab/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, modelFromJSON, simulate, type Context } from '../../../src/index.js';
import { experiments } from '../../../src/models/registry.js';
import { finalMoments } from '../../../lab/ensemble.js';
import { batchSize } from '../../../lab/worker-plan.js';
import type { ResultSummary } from '../../../lab/protocol.js';
import { CHROMIUM_WEBGPU_FLAGS, findChromium } from '../../browser/puppeteer-provider.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const config = join(root, 'lab/vite.config.ts');
const artifacts = join(root, 'test-artifacts/lab');
const ouText = readFileSync(join(root, 'examples/models/ou.json'), 'utf8');

let server: PreviewServer;
let browser: Browser;
let base: string;

interface PageLog {
  page: Page;
  errors: string[];
}

/** A fresh page that records console errors, page errors and failed requests. */
async function open(path: string, setup?: (page: Page) => Promise<void>): Promise<PageLog> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await setup?.(page);
  await page.goto(`${base}${path}`);
  return { page, errors };
}

/** Wait until the Worker reports its adapter (or fails). */
async function adapterReady(page: Page): Promise<string> {
  await page.waitForFunction(() => {
    const t = document.querySelector('#adapter')?.textContent ?? '';
    return t !== '' && !t.startsWith('starting');
  }, { timeout: 30_000 });
  return page.$eval('#adapter', (el) => el.textContent ?? '');
}

async function resultJSON(page: Page, timeout: number): Promise<ResultSummary> {
  await page.waitForFunction(() => (document.querySelector('#result-json')?.textContent ?? '') !== '', { timeout });
  return JSON.parse(await page.$eval('#result-json', (el) => el.textContent ?? '')) as ResultSummary;
}

const shot = (page: Page, name: string): Promise<unknown> => page.screenshot({ path: join(artifacts, `${name}.png`) as `${string}.png` });

const hashOf = (model: string, s: { trials: number; steps: number; dt: number; seed: number; integrator: string }, run: boolean): string => {
  const p = new URLSearchParams({ model, trials: String(s.trials), steps: String(s.steps), dt: String(s.dt), seed: String(s.seed), integrator: s.integrator });
  if (run) p.set('run', '1');
  return `#${p}`;
};

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await build({ configFile: config, logLevel: 'warn' });
  server = await preview({ configFile: config, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  base = server.resolvedUrls!.local[0]!;
  browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_WEBGPU_FLAGS, protocolTimeout: 120_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('lab', () => {
  it('every page loads with no console error and shows the adapter', async () => {
    const pages = ['index.html', ...experiments.map((e) => `experiments.html#${e.name}`)];
    for (const path of pages) {
      const { page, errors } = await open(path);
      const adapter = await adapterReady(page);
      expect(adapter, path).not.toMatch(/^no GPU/);
      await shot(page, path === 'index.html' ? 'playground' : `experiment-${path.split('#')[1]}`);
      expect(errors, path).toEqual([]);
      await page.close();
    }
  });

  it('a link with &run=1 runs the OU example: exact mean within 4 s.e., the same numbers as simulate in Node, no long task', async () => {
    const settings = { trials: 6000, steps: 400, dt: 0.0025, seed: 11, integrator: 'em' };
    const { page, errors } = await open(`index.html${hashOf(ouText, settings, true)}`, async (p) => {
      await p.evaluateOnNewDocument(() => {
        const w = window as unknown as { longTasks: { start: number; duration: number }[] };
        w.longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: true });
      });
    });
    const result = await resultJSON(page, 60_000);
    await shot(page, 'playground-ou');
    expect(errors).toEqual([]);
    expect(result).toMatchObject({ ...settings, partial: false, diverged: 0 });
    // Exact OU law from x(0) = 1: mean e^{-θt}(x0 − μ) + μ, variance σ²(1 − e^{-2θt})/(2θ).
    const model = JSON.parse(ouText) as { params: { theta: number; mu: number; sigma: number } };
    const { theta, mu, sigma } = model.params;
    const t = settings.steps * settings.dt;
    const exactMean = mu + (1 - mu) * Math.exp(-theta * t);
    const exactVar = (sigma ** 2 * (1 - Math.exp(-2 * theta * t))) / (2 * theta);
    const se = Math.sqrt(exactVar / settings.trials);
    expect(Math.abs(result.stats.x!.mean - exactMean)).toBeLessThan(4 * se);
    // The same run in Node (Dawn): one call for all trials, while the page ran batches of trials.
    expect(batchSize(settings.trials)).toBeLessThan(settings.trials);
    const ctx: Context = await createContext();
    try {
      const run = await simulate(ctx, modelFromJSON(JSON.parse(ouText)), { ...settings, integrator: 'em', record: { final: true } });
      const [node] = finalMoments(run.finalState!, 1, settings.trials);
      const scale = Math.abs(node!.mean) + Math.sqrt(node!.var);
      expect(Math.abs(result.stats.x!.mean - node!.mean)).toBeLessThanOrEqual(2e-6 * scale);
      expect(Math.abs(result.stats.x!.var - node!.var)).toBeLessThanOrEqual(2e-6 * node!.var);
    } finally {
      ctx.destroy();
    }
    const { longTasks, runTimes } = await page.evaluate(() => {
      const w = window as unknown as { longTasks: { start: number; duration: number }[]; wgneuroLab: { runTimes: { start: number; end: number }[] } };
      return { longTasks: w.longTasks, runTimes: w.wgneuroLab.runTimes };
    });
    const [span] = runTimes;
    expect(span!.end).toBeGreaterThan(span!.start);
    const during = longTasks.filter((task) => task.start >= span!.start && task.start <= span!.end);
    expect(during.filter((task) => task.duration > 200)).toEqual([]);
    await page.close();
  });
});
