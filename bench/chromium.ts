/**
 * The system Chromium and the flags that give it WebGPU headless, shared by `wgneuro bench
 * --browser` (bench/browser.ts) and the browser tests (test/browser/puppeteer-provider.ts).
 * puppeteer's own browser download is never used.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
