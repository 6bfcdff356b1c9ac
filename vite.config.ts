/**
 * The tests (Vitest; the lab has its own Vite config in lab/vite.config.ts). The same test files run twice:
 * in Node on Dawn (`node` project) and in headless Chromium through puppeteer-core (`chromium`).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { puppeteerCommands, puppeteerProvider } from './test/browser/puppeteer-provider.js';
// Vitest's reporter needs Map.groupBy / Object.groupBy, which Debian's Node 20 lacks.
import './test/reporters/node20-groupby.js';

// SwiftShader's Vulkan driver complains on stderr when XDG_RUNTIME_DIR is unset; test workers
// inherit this private directory instead.
if (!process.env.XDG_RUNTIME_DIR) {
  const dir = join(tmpdir(), `wgneuro-xdg-${userInfo().uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

// Tuning winners persist under the user's cache directory; tests keep theirs in a private
// directory instead, so a test run never writes to ~/.cache nor reads a stale winner from it.
if (!process.env.WGNEURO_CACHE_DIR) {
  process.env.WGNEURO_CACHE_DIR = mkdtempSync(join(tmpdir(), 'wgneuro-test-cache-'));
}

/** A test that cannot get an adapter fails, unless the environment says a GPU is optional. */
const gpuOptional = process.env.WGNEURO_GPU_OPTIONAL === '1';
const include = ['test/**/*.test.ts'];
// SwiftShader runs kernels on the CPU: tests are small, but give slow machines room.
const testTimeout = 120_000;

// package.json "imports" maps '#device' to dist/ for the published package; the `wgneuro-source`
// condition sends the demo page and the tests to the TypeScript sources instead (Dawn in Node, the
// browser stand-in in Chromium).
const source = 'wgneuro-source';

export default defineConfig({
  server: { fs: { strict: false } },
  resolve: { conditions: [source, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [source, ...defaultServerConditions] } },
  // Pre-bundle the CommonJS/ESM dependencies the browser tests import, so Vite does not discover
  // them mid-run on a fresh cache and reload the page under a running test file.
  optimizeDeps: { include: ['ml-matrix', 'jsep', 'wgsl-preprocessor/wgsl-preprocessor.js'] },
  test: {
    provide: { gpuOptional },
    reporters: ['default', './test/reporters/runtime-summary.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include,
          environment: 'node',
          // Dawn's native addon is not safe to load in worker threads; use child processes.
          pool: 'forks',
          testTimeout,
          hookTimeout: testTimeout,
        },
      },
      {
        extends: true,
        test: {
          name: 'chromium',
          include,
          exclude: ['test/node-only/**'],
          testTimeout,
          hookTimeout: testTimeout,
          browser: {
            enabled: true,
            headless: true,
            provider: puppeteerProvider(),
            commands: puppeteerCommands as never,
            instances: [{ browser: 'chromium' }],
            screenshotFailures: false,
          },
        },
      },
    ],
  },
});
