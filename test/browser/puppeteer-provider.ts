/**
 * A Vitest browser provider that drives headless Chromium through puppeteer-core.
 *
 * Vitest's browser runner talks to the page over its own websocket, so a provider only has to open
 * the runner's URL in a real browser. We launch the system Chromium (`CHROME_PATH`, else
 * `chromium` / `chromium-browser` / `google-chrome` on PATH) with WebGPU enabled; puppeteer's own
 * browser download is never used.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { defineBrowserProvider } from '@vitest/browser';
import type { BrowserProvider, TestProject } from 'vitest/node';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Chromium flags for headless WebGPU on a machine without a GPU (SwiftShader). */
export const CHROMIUM_WEBGPU_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

/** Path of the Chromium to drive: `CHROME_PATH`, else the first browser found on PATH. */
export function findChromium(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // not on PATH; try the next name
    }
  }
  throw new Error(
    'No Chromium found for the browser tests. Install one (Debian: apt-get install -y chromium) or set CHROME_PATH.',
  );
}

class PuppeteerProvider implements BrowserProvider {
  name = 'puppeteer';
  supportsParallelism = false;
  #browser: Browser | null = null;
  #pages = new Map<string, Page>();

  readonly project: TestProject;

  constructor(project: TestProject) {
    this.project = project;
  }

  getCommandsContext(sessionId: string): Record<string, unknown> {
    return { page: this.#pages.get(sessionId) };
  }

  async openPage(sessionId: string, url: string): Promise<void> {
    this.#browser ??= await puppeteer.launch({
      executablePath: findChromium(),
      headless: true,
      args: CHROMIUM_WEBGPU_FLAGS,
      protocolTimeout: 30 * 60_000,
    });
    const page = await this.#browser.newPage();
    page.on('pageerror', (err) => this.project.vitest.logger.error(`[chromium] page error: ${String(err)}`));
    this.#pages.set(sessionId, page);
    await page.goto(url);
  }

  async close(): Promise<void> {
    const browser = this.#browser;
    this.#browser = null;
    this.#pages.clear();
    await browser?.close();
  }
}

/** Use as `browser.provider` in the Vitest config. */
export function puppeteerProvider() {
  return defineBrowserProvider({
    name: 'puppeteer',
    providerFactory(project: TestProject) {
      return new PuppeteerProvider(project);
    },
  });
}

/** Commands Vitest's browser runner sends to every provider; register in `browser.commands`. */
export const puppeteerCommands = {
  __vitest_viewport: async (context: { page?: Page }, size: { width: number; height: number }) => {
    await context.page?.setViewport({ width: size.width, height: size.height });
  },
};
