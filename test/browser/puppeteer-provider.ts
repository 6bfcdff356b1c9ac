/**
 * A Vitest browser provider that drives headless Chromium through puppeteer-core.
 *
 * Vitest's browser runner talks to the page over its own websocket, so a provider only has to open
 * the runner's URL in a real browser. We launch the system Chromium (`CHROME_PATH`, else
 * `chromium` / `chromium-browser` / `google-chrome` on PATH) with WebGPU enabled; puppeteer's own
 * browser download is never used.
 */
import { defineBrowserProvider } from '@vitest/browser';
import type { BrowserProvider, TestProject } from 'vitest/node';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM_WEBGPU_FLAGS, findChromium } from '../../bench/chromium.js';

// The Chromium path and flags live in bench/ because `wgneuro bench --browser` uses them too, and the
// built package must not carry test files.
export { CHROMIUM_WEBGPU_FLAGS, findChromium };

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
