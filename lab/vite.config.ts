/**
 * The lab (a static web app): `npm run dev` serves it, `npm run build:lab` writes it to dist-lab/
 * with relative asset paths, so the folder works from any static host.
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { labPageChrome } from './html-chrome.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [labPageChrome()],
  // The library's sources, not a built dist/, where package.json "imports" offers the choice.
  resolve: { conditions: ['wgneuro-source', ...defaultClientConditions] },
  // Examples and the library live above lab/.
  server: { fs: { allow: [repo] } },
  // Pre-bundled up front so the dev server does not discover them mid-load and reload the page.
  optimizeDeps: {
    include: [
      'jsep', 'wgsl-preprocessor/wgsl-preprocessor.js', 'ml-matrix', 'codemirror', '@codemirror/lang-json', '@codemirror/lint',
      'uplot', 'npyjs', 'csv-stringify/browser/esm/sync', 'vega', 'vega-lite',
    ],
  },
  worker: { format: 'es' },
  build: {
    outDir: `${repo}dist-lab`,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: { index: `${root}index.html`, experiments: `${root}experiments.html`, bench: `${root}bench.html`, network: `${root}network.html` },
    },
  },
});
