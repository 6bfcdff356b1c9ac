/**
 * The lab end to end: builds it with Vite's API (as `npm run build:lab` does), serves dist-lab/ with
 * Vite's preview server (a plain static host), and drives headless Chromium (puppeteer-core, WebGPU
 * on SwiftShader) through every page. Numbers the page reports are checked against exact results
 * and against `simulate` / `simulateNetwork` run here in Node with the same seed. Screenshots go to test-artifacts/lab/.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'npyjs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, modelFromJSON, simulate, type Context } from '../../../src/index.js';
import { experiments } from '../../../src/models/registry.js';
import { networkSummary, simulateNetwork, type NetworkSummary } from '../../../src/network/index.js';
import { loadNetworkFile } from '../../../src/cli/commands/network.js';
import { finalMoments } from '../../../lab/ensemble.js';
import { batchSize, TRIAL_RANGES } from '../../../lab/worker-plan.js';
import type { ResultSummary } from '../../../lab/protocol.js';
import { BENCH_DEFAULTS } from '../../../lab/bench-defaults.js';
import { CHROMIUM_WEBGPU_FLAGS, findChromium } from '../../browser/puppeteer-provider.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const config = join(root, 'lab/vite.config.ts');
const artifacts = join(root, 'test-artifacts/lab');
const execFileAsync = promisify(execFile);
const ouText = readFileSync(join(root, 'examples/models/ou.json'), 'utf8');
const cubaText = readFileSync(join(root, 'examples/networks/cuba.json'), 'utf8');

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

/** Starts a Chromium performance trace of the page (before it loads), for {@link runMainThreadTasks}. */
const startTrace = (p: Page): Promise<void> => p.tracing.start({ categories: ['toplevel', 'disabled-by-default-devtools.timeline', 'blink.user_timing'] });

/**
 * Stops the trace and returns the page's main-thread tasks during its first run (between the lab's
 * `wgneuro:run-start` and `wgneuro:run-end` user-timing marks), each with its wall time and its
 * thread CPU time in ms. The CPU time is what the page itself blocked its main thread for; the
 * wall time of a task (what a `longtask` entry reports) also counts the time the OS gave other
 * processes, hundreds of ms when a 2-core machine runs the whole suite at once.
 */
async function runMainThreadTasks(p: Page): Promise<{ wallMs: number; cpuMs: number }[]> {
  type TraceEvent = { name: string; cat?: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number };
  const buffer = await p.tracing.stop();
  const parsed = JSON.parse(new TextDecoder().decode(buffer)) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const mark = (name: string): TraceEvent => {
    const found = events.find((e) => e.name === name && (e.cat ?? '').includes('blink.user_timing'));
    if (!found) throw new Error(`trace has no '${name}' mark`);
    return found;
  };
  const start = mark('wgneuro:run-start');
  const end = mark('wgneuro:run-end');
  return events
    .filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === start.pid && e.tid === start.tid)
    // Tasks that began after the run started (a link with &run=1 starts it inside the page's own
    // module evaluation, which is loading, not running).
    .filter((e) => e.ts >= start.ts && e.ts <= end.ts)
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? Number.NaN) / 1000 }));
}

const networkHash = (network: string, s: { trials: number; steps: number; dt: number; seed: number; timeUnit: string; rateBinSteps: number }, run: boolean): string => {
  const p = new URLSearchParams({ network, trials: String(s.trials), steps: String(s.steps), dt: String(s.dt), seed: String(s.seed), timeUnit: s.timeUnit, rateBin: String(s.rateBinSteps) });
  if (run) p.set('run', '1');
  return `#${p}`;
};

const shot = (page: Page, name: string): Promise<unknown> => page.screenshot({ path: join(artifacts, `${name}.png`) as `${string}.png`, fullPage: true });

const hashOf = (model: string, s: { trials: number; steps: number; dt: number; seed: number; integrator: string }, run: boolean): string => {
  const p = new URLSearchParams({ model, trials: String(s.trials), steps: String(s.steps), dt: String(s.dt), seed: String(s.seed), integrator: s.integrator });
  if (run) p.set('run', '1');
  return `#${p}`;
};

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await build({ configFile: config, logLevel: 'error' });
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
    const pages = ['index.html', ...experiments.map((e) => `experiments.html#${e.name}`), 'network.html', 'bench.html'];
    for (const path of pages) {
      const { page, errors } = await open(path);
      const adapter = await adapterReady(page);
      expect(adapter, path).not.toMatch(/^no GPU/);
      await shot(page, path === 'index.html' ? 'playground' : path === 'bench.html' ? 'bench' : path === 'network.html' ? 'network' : `experiment-${path.split('#')[1]}`);
      expect(errors, path).toEqual([]);
      await page.close();
    }
  });

  it('a link with &run=1 runs the OU example: exact mean within 4 s.e., the same numbers as simulate in Node, downloads, no long task', async () => {
    const settings = { trials: 6000, steps: 400, dt: 0.0025, seed: 11, integrator: 'em' };
    const { page, errors } = await open(`index.html${hashOf(ouText, settings, true)}`, async (p) => {
      await startTrace(p);
    });
    const result = await resultJSON(page, 60_000);
    const tasks = await runMainThreadTasks(page);
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
    // Downloads: the final state as .npy [trials, 1] and .csv, the summary as JSON.
    const downloads = mkdtempSync(join(tmpdir(), 'wgneuro-lab-'));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    for (const id of ['#dl-npy', '#dl-csv', '#dl-json']) await page.click(id);
    const stem = `wgneuro-seed${settings.seed}`;
    await expect.poll(() => readdirSync(downloads).sort(), { timeout: 10_000 }).toEqual([`${stem}.csv`, `${stem}.json`, `${stem}.npy`]);
    const npy = parse(new Uint8Array(readFileSync(join(downloads, `${stem}.npy`))).buffer);
    expect(npy.shape).toEqual([settings.trials, 1]);
    const [fromNpy] = finalMoments(Float32Array.from(npy.data as Float32Array), 1, settings.trials);
    expect(fromNpy!.mean).toBe(result.stats.x!.mean);
    const csv = readFileSync(join(downloads, `${stem}.csv`), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('trial,x');
    expect(csv.length).toBe(settings.trials + 1);
    expect(Number(csv[1]!.split(',')[1])).toBe((npy.data as Float32Array)[0]);
    const saved = JSON.parse(readFileSync(join(downloads, `${stem}.json`), 'utf8')) as ResultSummary & { overTime: { times: number[] } };
    expect(saved.stats).toEqual(result.stats);
    expect(saved.overTime.times.length).toBeGreaterThan(100);
    rmSync(downloads, { recursive: true, force: true });

    // The plots follow the run: one update per batch of trials (one at the end when simulate cannot
    // run trial ranges).
    const updates = await page.evaluate(() => (window as unknown as { wgneuroLab: { liveUpdates(): number } }).wgneuroLab.liveUpdates());
    expect(updates).toBe(TRIAL_RANGES ? Math.ceil(settings.trials / batchSize(settings.trials)) : 1);

    // No long task of the page's own making: every main-thread task during the run used under
    // 200 ms of CPU (the trace saw the run's tasks, with their thread times).
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t) => Number.isFinite(t.cpuMs))).toBe(true);
    expect(tasks.filter((t) => t.cpuMs > 200)).toEqual([]);
    await page.close();
  });

  it('an event model draws a raster whose spikes are every spike simulate counted, and a population rate', async () => {
    const lif = readFileSync(join(root, 'examples/models/lif-conductance.json'), 'utf8');
    const { page, errors } = await open(`index.html${hashOf(lif, { trials: 129, steps: 700, dt: 0.1, seed: 4, integrator: 'em' }, true)}`);
    await resultJSON(page, 60_000);
    await page.waitForSelector('#raster-plots:not([hidden]) canvas');
    const titles = await page.$$eval('#raster-plots .u-title', (els) => els.map((e) => e.textContent));
    expect(titles).toEqual(['spike raster, first 40 trials', 'population rate (spikes per trial per unit time)']);
    await shot(page, 'playground-lif-raster');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an invalid equation is marked inline at its place and starts no GPU work; the editor keeps it across a reload', async () => {
    const { page, errors } = await open('index.html');
    await adapterReady(page);
    const bad = ouText.replace('theta * (mu - x)', 'theta * (mu - y)');
    expect(bad).not.toBe(ouText);
    await page.evaluate((text) => {
      const { editor } = (window as unknown as { wgneuroLab: { editor: { state: { doc: { length: number } }; dispatch(tr: unknown): void } } }).wgneuroLab;
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
    }, bad);
    await page.click('#run');
    await page.waitForSelector('.cm-lintRange-error', { timeout: 10_000 });
    const marked = await page.$$eval('.cm-lintRange-error', (els) => els.map((e) => e.textContent ?? '').join(''));
    expect(marked).toContain('y');
    expect(marked.length).toBeLessThan('theta * (mu - y)'.length + 3);
    expect(await page.$eval('#problems', (el) => el.textContent)).toMatch(/drift.*'y'|unknown name 'y'/);
    expect(await page.evaluate(() => (window as unknown as { wgneuroLab: { worker: { gpuRequests: number } } }).wgneuroLab.worker.gpuRequests)).toBe(0);
    expect(await page.$eval('#result-json', (el) => el.textContent)).toBe('');
    await shot(page, 'playground-invalid');
    await page.reload();
    await page.waitForSelector('.cm-content');
    expect(await page.$eval('.cm-content', (el) => (el as HTMLElement).innerText)).toContain('mu - y');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('cancel stops a long run within a second and keeps the finished trials, labelled partial', async () => {
    const settings = { trials: 5 * 4096, steps: 3000, dt: 0.001, seed: 3, integrator: 'em' };
    expect(batchSize(settings.trials)).toBe(4096);
    const { page, errors } = await open(`index.html${hashOf(ouText, settings, true)}`);
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#progress')?.dataset.trialsDone ?? 0) >= 4096, { timeout: 60_000, polling: 50 });
    const cancelledAt = await page.evaluate(() => {
      document.querySelector<HTMLButtonElement>('#cancel')!.click();
      return performance.now();
    });
    const result = await resultJSON(page, 10_000);
    const end = await page.evaluate(() => (window as unknown as { wgneuroLab: { runTimes: { end: number }[] } }).wgneuroLab.runTimes.at(-1)!.end);
    expect(end - cancelledAt).toBeLessThan(1000);
    expect(result.partial).toBe(true);
    expect(Number.isFinite(result.stats.x!.mean)).toBe(true);
    expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/partial result of the \d+ trials/);
    expect(await page.$eval('#summary caption', (el) => el.textContent)).toMatch(/^PARTIAL/);
    expect(await page.$eval('#dl-npy', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
    await shot(page, 'playground-cancelled');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a link whose model carries raw WGSL waits for an explicit confirmation', async () => {
    const raw = JSON.stringify({
      name: 'raw', state: { x: { init: 1 } }, params: { k: 1 },
      functions: { decay: { args: ['x'], wgsl: 'return -x;' } },
      drift: { x: 'k * decay(x)' }, diffusion: { x: 0.1 },
    });
    const { page, errors } = await open(`index.html${hashOf(raw, { trials: 1024, steps: 10, dt: 0.01, seed: 1, integrator: 'em' }, true)}`);
    await page.waitForSelector('#confirm-wgsl:not([hidden])', { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { wgneuroLab: { worker: { gpuRequests: number } } }).wgneuroLab.worker.gpuRequests)).toBe(0);
    await page.click('#confirm-wgsl-run');
    const result = await resultJSON(page, 30_000);
    // dx = −x dt + 0.1 dW from 1: Euler–Maruyama's mean after 10 steps is (1 − dt)^10 exactly, and
    // its variance 0.01·dt·Σ_{k<10} (1 − dt)^{2k}.
    const variance = 0.01 * 0.01 * Array.from({ length: 10 }, (_, k) => 0.99 ** (2 * k)).reduce((a, b) => a + b);
    expect(Math.abs(result.stats.x!.mean - 0.99 ** 10)).toBeLessThan(4 * Math.sqrt(variance / 1024));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('without WebGPU a page names the browsers and flags; a lost device offers a restart that works', async () => {
    const none = await open('index.html', async (p) => {
      await p.evaluateOnNewDocument(() => {
        Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
      });
    });
    await none.page.waitForSelector('#no-webgpu:not([hidden])', { timeout: 10_000 });
    expect(await none.page.$eval('#no-webgpu', (el) => el.textContent)).toMatch(/Chrome[\s\S]*--enable-unsafe-webgpu[\s\S]*Safari[\s\S]*Firefox/);
    await shot(none.page, 'no-webgpu');
    expect(none.errors).toEqual([]);
    await none.page.close();

    const { page, errors } = await open(`index.html${hashOf(ouText, { trials: 256, steps: 50, dt: 0.01, seed: 5, integrator: 'em' }, false)}`);
    await adapterReady(page);
    await page.evaluate(() => (window as unknown as { wgneuroLab: { loseDevice(): void } }).wgneuroLab.loseDevice());
    await page.waitForSelector('#lost:not([hidden])', { timeout: 10_000 });
    await shot(page, 'device-lost');
    await page.click('#lost button');
    await adapterReady(page);
    await page.click('#run');
    const result = await resultJSON(page, 30_000);
    expect(result.partial).toBe(false);
    // Chromium logs the destroyed device's lost promise; anything else is an error.
    expect(errors.filter((e) => !/destroy/i.test(e))).toEqual([]);
    await page.close();
  });

  it('an experiment page runs with the CLI parameters, draws its figures and gives the --json result', async () => {
    const experiment = experiments.find((e) => e.name === 'lif-rate')!;
    const params = { tauS: '0.2,0.4', trials: '64', duration: '20', warmup: '2', dtRatio: '5' };
    const { page, errors } = await open('experiments.html#lif-rate');
    await adapterReady(page);
    for (const [name, value] of Object.entries(params)) {
      await page.$eval(`#param-${name}`, (el, v) => { (el as HTMLInputElement).value = v; }, value);
    }
    await page.click('#run');
    await page.waitForFunction(() => (document.querySelector('#result-json')?.textContent ?? '') !== '', { timeout: 60_000 });
    await page.waitForSelector('#figures svg', { timeout: 10_000 });
    const json = JSON.parse(await page.$eval('#result-json', (el) => el.textContent ?? '')) as Record<string, unknown>;
    await shot(page, 'experiment-lif-rate-run');
    // The same parameters through the CLI's parser and the experiment in Node: the same JSON shape.
    const { resolveParams } = await import('../../../src/cli/output/params.js');
    const ctx = await createContext();
    try {
      const result = await experiment.run(ctx, resolveParams(experiment, params), () => undefined);
      expect(shape(json)).toEqual(shape(JSON.parse(JSON.stringify(experiment.toJSON(result)))));
      expect(await page.$$eval('#figures figure', (els) => els.map((e) => (e as HTMLElement).dataset.figure))).toEqual(experiment.figures(result).map((f) => f.name));
    } finally {
      ctx.destroy();
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('krotov-hopfield runs on the experiments page with the MNIST digits the build ships, and gives the JSON of the same run in Node', async () => {
    const experiment = experiments.find((e) => e.name === 'krotov-hopfield')!;
    const params = { hidden: '6', k: '2', train: '120', test: '50', epochs: '1', batch: '40', readoutSteps: '5', seed: '3' };
    const { page, errors } = await open('experiments.html#krotov-hopfield');
    const digitRequests: string[] = [];
    page.on('requestfinished', (r) => {
      if (/\/assets\/\d-[\w-]+\.json$/.test(r.url())) digitRequests.push(r.url());
    });
    await adapterReady(page);
    for (const [name, value] of Object.entries(params)) {
      await page.$eval(`#param-${name}`, (el, v) => { (el as HTMLInputElement).value = v; }, value);
    }
    const run = async (): Promise<Record<string, unknown>> => {
      await page.click('#run');
      await page.waitForFunction(() => (document.querySelector('#result-json')?.textContent ?? '') !== '', { timeout: 120_000 });
      return JSON.parse(await page.$eval('#result-json', (el) => el.textContent ?? '')) as Record<string, unknown>;
    };
    const json = await run();
    await page.waitForSelector('#figures svg', { timeout: 10_000 });
    await shot(page, 'experiment-krotov-hopfield-run');
    // Fetched from the build's assets (one file per class), once: a second run reuses the digits.
    expect(digitRequests).toHaveLength(10);
    await page.$eval('#result-json', (el) => { el.textContent = ''; });
    expect(withoutTimes(await run())).toEqual(withoutTimes(json));
    expect(digitRequests).toHaveLength(10);
    const { resolveParams } = await import('../../../src/cli/output/params.js');
    const ctx = await createContext();
    try {
      const result = await experiment.run(ctx, resolveParams(experiment, params), () => undefined);
      const node = JSON.parse(JSON.stringify(experiment.toJSON(result))) as Record<string, unknown>;
      expectClose(withoutTimes(json), withoutTimes(node), 'krotov-hopfield');
    } finally {
      ctx.destroy();
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the network page: a link with &run=1 runs CUBA, draws it live, and #result-json is `wgneuro network --json` of the same seed; downloads; no long task', async () => {
    const settings = { trials: 2, steps: 120, dt: 0.1, seed: 5, timeUnit: 'ms', rateBinSteps: 20 };
    const { page, errors } = await open(`network.html${networkHash(cubaText, settings, true)}`, startTrace);
    const result = await resultJSON(page, 120_000) as unknown as NetworkSummary & { partial: boolean };
    await shot(page, 'network-cuba');
    expect(errors).toEqual([]);
    expect(result).toMatchObject({ network: 'cuba', trials: 2, steps: 120, dt: 0.1, seed: 5, timeUnit: 'ms', partial: false, nonFiniteTrials: 0 });
    // The same run in Node (Dawn) through the CLI's own loader and summary.
    const ctx: Context = await createContext();
    let node: NetworkSummary;
    try {
      const net = await loadNetworkFile(join(root, 'examples/networks/cuba.json'));
      const run = await simulateNetwork(ctx, net, { trials: 2, steps: 120, dt: 0.1, seed: 5, record: { final: false } });
      node = networkSummary(run, 'ms', 0);
    } finally {
      ctx.destroy();
    }
    // Spike counts are compared exactly: both sides run the same WGSL with the same Philox keys on
    // SwiftShader, so every threshold decision is the same float32 comparison; a count that differs
    // would be a real divergence, not rounding. Rates are spikes over the same float64 denominator.
    // End-of-run means/variances come from a float32 GPU reduction: equal to 1e-6 relative.
    for (const [name, p] of Object.entries(node.populations)) {
      const got = result.populations[name]!;
      expect(got.spikes, name).toBe(p.spikes);
      expect(got.rateHz, name).toBe(p.rateHz);
      expect(p.spikes, name).toBeGreaterThan(0);
      for (const v of Object.keys(p.mean)) {
        expect(Math.abs(got.mean[v]! - p.mean[v]!), `${name}.${v}`).toBeLessThanOrEqual(1e-6 * (Math.abs(p.mean[v]!) + Math.sqrt(p.var[v]!)));
        expect(Math.abs(got.var[v]! - p.var[v]!), `${name}.${v}`).toBeLessThanOrEqual(1e-5 * p.var[v]! + 1e-12);
      }
    }
    // Live: plots drawn while running (and once more at the end), a raster and a rate per population.
    const lab = await page.evaluate(() => {
      const w = window as unknown as { wgneuroLab: { runTimes: { start: number; end: number }[]; liveUpdates(): number } };
      return { runTimes: w.wgneuroLab.runTimes, live: w.wgneuroLab.liveUpdates() };
    });
    expect(lab.live).toBeGreaterThanOrEqual(1);
    expect(await page.$$eval('#network-plots .uplot', (els) => els.length)).toBe(2 * Object.keys(node.populations).length);
    const [span] = lab.runTimes;
    expect(span!.end).toBeGreaterThan(span!.start);
    const tasks = await runMainThreadTasks(page);
    expect(tasks.length).toBeGreaterThan(0);
    expect(tasks.every((t) => Number.isFinite(t.cpuMs))).toBe(true);
    expect(tasks.filter((t) => t.cpuMs > 200)).toEqual([]);
    // Downloads: the summary, every spike record, the rates [population, trial, bin] in Hz.
    const downloads = mkdtempSync(join(tmpdir(), 'wgneuro-lab-'));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    for (const id of ['#dl-json', '#dl-spikes', '#dl-rates']) await page.click(id);
    const stem = `wgneuro-network-seed${settings.seed}`;
    await expect.poll(() => readdirSync(downloads).sort(), { timeout: 10_000 }).toEqual([`${stem}-rates.npy`, `${stem}-spikes.csv`, `${stem}.json`]);
    const saved = JSON.parse(readFileSync(join(downloads, `${stem}.json`), 'utf8')) as NetworkSummary & { rateHz: { name: string }[] };
    expect(saved.populations).toEqual(result.populations);
    expect(saved.rateHz.map((r) => r.name)).toEqual(['E', 'I']);
    const csv = readFileSync(join(downloads, `${stem}-spikes.csv`), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('population,trial,neuron,step,t');
    expect(csv.length - 1).toBe(node.populations.E!.spikes + node.populations.I!.spikes);
    const rates = parse(new Uint8Array(readFileSync(join(downloads, `${stem}-rates.npy`))).buffer);
    expect(rates.shape).toEqual([2, settings.trials, settings.steps / settings.rateBinSteps]);
    const binSeconds = settings.rateBinSteps * settings.dt * 1e-3;
    const eSpikes = Array.from(rates.data as Float32Array).slice(0, rates.shape[1]! * rates.shape[2]!).reduce((a, r) => a + r * 3200 * binSeconds, 0);
    expect(Math.round(eSpikes)).toBe(node.populations.E!.spikes);
    rmSync(downloads, { recursive: true, force: true });
    await page.close();
  });

  it('the network page runs the rate example with its .npy weights as the CLI does', async () => {
    const rateText = readFileSync(join(root, 'examples/networks/rate.json'), 'utf8');
    const settings = { trials: 3, steps: 200, dt: 0.01, seed: 9, timeUnit: 's', rateBinSteps: 50 };
    const { page, errors } = await open(`network.html${networkHash(rateText, settings, true)}`);
    const result = await resultJSON(page, 60_000) as unknown as NetworkSummary;
    const ctx: Context = await createContext();
    try {
      const run = await simulateNetwork(ctx, await loadNetworkFile(join(root, 'examples/networks/rate.json')), { trials: 3, steps: 200, dt: 0.01, seed: 9, record: { final: false } });
      const node = networkSummary(run, 's', 0);
      const [m, v] = [node.populations.R!.mean.x!, node.populations.R!.var.x!];
      expect(Math.abs(result.populations.R!.mean.x! - m)).toBeLessThanOrEqual(1e-6 * (Math.abs(m) + Math.sqrt(v)));
      expect(Math.abs(result.populations.R!.var.x! - v)).toBeLessThanOrEqual(1e-5 * v);
    } finally {
      ctx.destroy();
    }
    await shot(page, 'network-rate');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the network page marks an invalid network inline and starts no GPU work; cancel keeps a partial run, labelled', async () => {
    const { page, errors } = await open('network.html');
    await adapterReady(page);
    const setText = (text: string): Promise<void> => page.evaluate((t) => {
      const { editor } = (window as unknown as { wgneuroLab: { editor: { state: { doc: { length: number } }; dispatch(tr: unknown): void } } }).wgneuroLab;
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: t } });
    }, text);
    await setText(cubaText.replace('"target": "gi"', '"target": "gz"'));
    await page.click('#run');
    await page.waitForSelector('.cm-lintRange-error', { timeout: 10_000 });
    expect(await page.$$eval('.cm-lintRange-error', (els) => els.map((e) => e.textContent ?? '').join(''))).toBe('"gz"');
    expect(await page.$eval('#problems', (el) => el.textContent)).toMatch(/^projections\[2\]\.target: got "gz"/);
    expect(await page.evaluate(() => (window as unknown as { wgneuroLab: { worker: { gpuRequests: number } } }).wgneuroLab.worker.gpuRequests)).toBe(0);
    await shot(page, 'network-invalid');
    // A long run, cancelled once the live plots have started: what it reached is kept and labelled.
    await setText(cubaText);
    await page.$eval('#steps', (el) => { (el as HTMLInputElement).value = '100000'; });
    await page.$eval('#trials', (el) => { (el as HTMLInputElement).value = '1'; });
    await page.click('#run');
    await page.waitForFunction(() => (window as unknown as { wgneuroLab: { liveUpdates(): number } }).wgneuroLab.liveUpdates() >= 1, { timeout: 60_000, polling: 50 });
    await page.click('#cancel');
    const result = await resultJSON(page, 30_000) as unknown as NetworkSummary & { partial: boolean };
    expect(result).toMatchObject({ partial: true, trials: 1, steps: 100000 });
    expect(result.populations.E!.spikes).toBeGreaterThan(0);
    // Rates of a partial run are over the trial-steps it ran.
    const ranFor = (result as unknown as { trialStepsRun: number }).trialStepsRun;
    expect(ranFor).toBeGreaterThan(0);
    expect(ranFor).toBeLessThan(100000);
    expect(result.populations.E!.rateHz).toBeCloseTo(result.populations.E!.spikes / (3200 * ranFor * 0.1e-3), 9);
    expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/^cancelled: PARTIAL result of \d+ trial-steps/);
    expect(await page.$eval('#summary caption', (el) => el.textContent)).toMatch(/^PARTIAL \(cancelled\): 0 of 1 trials/);
    expect(await page.$eval('#dl-json', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
    await shot(page, 'network-cancelled');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the bench page starts from the command line\'s defaults of each suite', async () => {
    const { Command } = await import('commander');
    const suites = {
      linalg: (await import('../../../bench/linalg.js')).registerBenchLinalg,
      eig: (await import('../../../bench/eig.js')).registerBenchEig,
      sde: (await import('../../../bench/sde.js')).registerBenchSde,
      train: (await import('../../../bench/train.js')).registerBenchTrain,
    };
    for (const [name, register] of Object.entries(suites)) {
      // What commander hands the suite's action when no option is given.
      const program = new Command();
      register(program);
      let defaults: unknown;
      program.commands.find((c) => c.name() === name)!.action((opts: unknown) => {
        defaults = opts;
      });
      await program.parseAsync([name], { from: 'user' });
      expect(BENCH_DEFAULTS[name as keyof typeof BENCH_DEFAULTS], name).toEqual(defaults);
    }
  });

  it('wgneuro bench sde --browser prints the JSON of the Node bench, measured in Chromium with the same peers', async () => {
    const args = ['--trajectories', '257', '--lif-trials', '65', '--lif-steps', '20', '--js-trajectories', '17', '--reps', '1'];
    const { stdout } = await execFileAsync(process.execPath, [join(root, 'bin/wgneuro.mjs'), 'bench', 'sde', '--browser', ...args], { cwd: root, maxBuffer: 1 << 24 });
    const browserResult = JSON.parse(stdout) as { adapter: string; rows: { workload: string; implementation: string; trajectories: number }[]; notes: string[] };
    // The Node bench, in this process: what `wgneuro bench sde --json` prints for the same options.
    const { sdeBenchFromOptions } = await import('../../../bench/sde-run.js');
    const ctx = await createContext();
    let nodeResult: typeof browserResult;
    try {
      const opts = { trajectories: 257, lifTrials: 65, lifSteps: 20, jsTrajectories: 17, reps: 1, tfjs: true };
      nodeResult = JSON.parse(JSON.stringify(await sdeBenchFromOptions(ctx, opts))) as typeof browserResult;
    } finally {
      ctx.destroy();
    }
    expect(shape(browserResult)).toEqual(shape(nodeResult));
    expect(browserResult.rows.map((r) => `${r.workload}/${r.implementation}/${r.trajectories}`))
      .toEqual(['gbm3', 'lif'].flatMap((w) => {
        const n = w === 'gbm3' ? 257 : 65;
        return [...['wgneuro', 'wgneuro-fast', 'wgneuro-threefry', 'wgneuro-threefry-fast', 'wgneuro-no-noise', 'tfjs-webgpu'].map((i) => `${w}/${i}/${n}`),
          `${w}/plain-js/17`, `${w}/plain-js-threefry/17`];
      }));
    expect(browserResult.notes).toEqual([]);
    // Two runs of the whole suite (Chromium, then Node in this process), each compiling every
    // variant's kernels: 6 SDE pipelines per workload and 13 random-number kernels on SwiftShader.
  }, 300_000);

  it('wgneuro bench train --browser times a training step in Chromium against TF.js-WebGPU and TF.js-wasm on the same problem as Node', async () => {
    const args = ['--batch', '5', '--mlp', '7,6,3', '--rnn-batch', '3', '--units', '5', '--inputs', '2', '--steps', '4', '--reps', '1'];
    const { stdout } = await execFileAsync(process.execPath, [join(root, 'bin/wgneuro.mjs'), 'bench', 'train', '--browser', ...args], { cwd: root, maxBuffer: 1 << 24 });
    type Contender = { ms: number; loss: number; gradSum: number } | { skipped: string };
    interface TrainJSON {
      adapter: { vendor: string };
      runtime: string;
      rows: { problem: string; contenders: Record<string, Contender>; speedupOverPeer: Record<string, number>; agreement: Record<string, { lossRelDiff: number; gradSumRelDiff: number }> }[];
    }
    const browserResult = JSON.parse(stdout) as TrainJSON;
    expect(browserResult.runtime).toMatch(/^browser/);
    expect(browserResult.adapter.vendor).not.toBe('');
    // Our step in Node on the same problem: the page solved what the command line asked for. In a
    // child process: the TF.js peers of the benches before leave a stand-in navigator.gpu in this one.
    const node = await execFileAsync(process.execPath, [join(root, 'bin/wgneuro.mjs'), 'bench', 'train', '--json', ...args, '--peers', ''], { cwd: root, maxBuffer: 1 << 24 });
    const nodeResult = JSON.parse(node.stdout) as TrainJSON;
    expect(nodeResult.runtime).not.toMatch(/^browser/);
    expect(browserResult.rows.map((r) => r.problem)).toEqual(['mlp', 'rnn-bptt']);
    browserResult.rows.forEach((row, i) => {
      expect(Object.keys(row.contenders), row.problem).toEqual(['wgneuro', 'tfjs-webgpu', 'tfjs-wasm']);
      for (const [name, c] of Object.entries(row.contenders)) {
        expect('skipped' in c ? c.skipped : '', `${row.problem} ${name}`).toBe('');
        const { ms, loss } = c as { ms: number; loss: number };
        expect(ms > 0 && Number.isFinite(ms) && Number.isFinite(loss), `${row.problem} ${name}`).toBe(true);
      }
      for (const peer of ['tfjs-webgpu', 'tfjs-wasm']) {
        expect(Number.isFinite(row.speedupOverPeer[peer]!) && row.speedupOverPeer[peer]! > 0, `${row.problem} ${peer}`).toBe(true);
        // f32 forward and backward passes of a few dozen operations, summed in different orders.
        expect(row.agreement[peer]!.lossRelDiff, `${row.problem} ${peer}`).toBeLessThan(1e-5);
        expect(row.agreement[peer]!.gradSumRelDiff, `${row.problem} ${peer}`).toBeLessThan(1e-4);
      }
      const ours = row.contenders.wgneuro as { loss: number; gradSum: number };
      const inNode = nodeResult.rows[i]!.contenders.wgneuro as { loss: number; gradSum: number };
      expect(Math.abs(ours.loss - inNode.loss) / Math.abs(inNode.loss), row.problem).toBeLessThan(1e-5);
      expect(Math.abs(ours.gradSum - inNode.gradSum) / Math.abs(inNode.gradSum), row.problem).toBeLessThan(1e-4);
    });
  }, 300_000);
});

/** A result's JSON without its wall-clock times (`wallMs`), which differ between any two runs. */
function withoutTimes(json: Record<string, unknown>): Record<string, unknown> {
  const { wallMs: _wallMs, ...rest } = json;
  return rest;
}

/**
 * `actual` has the shape and the non-numbers of `expected`, and its numbers are within 1e-5 relative
 * (1e-6 absolute) of it: the same f32 kernels on two WebGPU implementations (Chromium's Dawn and
 * dawn.node, both over SwiftShader) may round sums differently.
 */
function expectClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(expected));
  } else if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', path).toBe(true);
    expect(Object.keys(actual as object), path).toEqual(Object.keys(expected));
    for (const [k, v] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

/** Keys, types and array lengths of a JSON value (its shape, not its numbers). */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}
