/**
 * What every lab page's HTML shares, written once: a Vite plugin that fills each page's `<head>`
 * (charset, viewport, icon, the lab's stylesheet), puts the header (title, navigation with the
 * current page marked, the adapter line) after `<body>`, and the panels `client.ts` shows when
 * there is no WebGPU or the device was lost at the top of `<main>`. A page's HTML holds only its
 * `<title>` and its own content. It runs before Vite reads the HTML, so the stylesheet is bundled
 * as if it were written in every page.
 */
import { basename } from 'node:path';
import type { Plugin } from 'vite';

/** The pages, in navigation order: file name and link text. */
export const LAB_PAGES = [
  ['index.html', 'Playground'], ['experiments.html', 'Experiments'], ['network.html', 'Networks'], ['bench.html', 'Benchmarks'],
] as const;

const HEAD = `
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <link rel="icon" href="data:," />
  <link rel="stylesheet" href="./style.css" />
  `;

const PANELS = `
    <section id="no-webgpu" class="panel" hidden></section>
    <section id="lost" class="panel" hidden><p class="message"></p><button type="button">Restart the GPU worker</button></section>`;

function header(page: string): string {
  const links = LAB_PAGES.map(([file, text]) => `<a href="./${file}"${file === page ? ' aria-current="page"' : ''}>${text}</a>`).join('');
  return `
  <header>
    <h1>wgneuro lab</h1>
    <nav>${links}</nav>
    <span id="adapter"></span>
  </header>`;
}

/** `html` of the page `file` with the shared parts filled in; throws when a marker tag is missing or doubled. */
export function withPageChrome(html: string, file: string): string {
  if (!LAB_PAGES.some(([name]) => name === file)) throw new Error(`lab page ${file} is not in LAB_PAGES (lab/html-chrome.ts)`);
  let out = html;
  for (const [tag, extra] of [['<head>', HEAD], ['<body>', header(file)], ['<main>', PANELS]] as const) {
    const parts = out.split(tag);
    if (parts.length !== 2) throw new Error(`lab page ${file}: expected one ${tag}, found ${parts.length - 1}`);
    out = `${parts[0]}${tag}${extra}${parts[1]}`;
  }
  return out;
}

/** The Vite plugin that applies {@link withPageChrome} to every page, in the dev server and the build. */
export function labPageChrome(): Plugin {
  return {
    name: 'wgneuro-lab-page-chrome',
    transformIndexHtml: { order: 'pre', handler: (html, ctx) => withPageChrome(html, basename(ctx.filename)) },
  };
}
