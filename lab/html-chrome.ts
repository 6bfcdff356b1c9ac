/**
 * What every lab page's HTML shares, written once: a Vite plugin that fills each page's `<head>`
 * (charset, viewport, icon, the lab's stylesheet), puts the header (title, navigation with the
 * current page marked, the adapter line) after `<body>`, the panels `client.ts` shows when there
 * is no WebGPU or the device was lost at the top of `<main>` and `#result-json` at its end, and
 * expands the content the two editor pages share, written there as empty `<lab-…>` elements (see
 * {@link FRAGMENTS}). A page's
 * HTML holds only its `<title>` and its own content. It runs before Vite reads the HTML, so the
 * stylesheet is bundled as if it were written in every page.
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

// Where every page puts the JSON of its run or benchmark, for scripts and tests (hidden).
const RESULT_JSON = `  <pre id="result-json" hidden></pre>
  `;

/**
 * Content the editor pages (playground, networks) share, with the element ids `editor-page.ts`
 * looks up: a page writes `<lab-restore what="model"></lab-restore>` where the panel goes. Each
 * takes its attributes (all required) and gives its HTML, one line a string.
 */
const FRAGMENTS: Record<string, { attributes: readonly string[]; html(values: Record<string, string>): string[] }> = {
  // Offered when a link's text replaced the one the visitor was editing; `what` is "model", "network".
  'lab-restore': {
    attributes: ['what'],
    html: ({ what }) => [
      '<section id="restore" class="panel" hidden>',
      `  <p>The link replaced the ${what} you were editing; it is kept.</p><button type="button" id="restore-button">Restore my previous ${what}</button>`,
      '</section>',
    ],
  },
  'lab-editor': {
    attributes: [],
    html: () => ['<div id="editor"></div>', '<div id="problems" class="err" aria-live="polite"></div>'],
  },
  // After the settings form; the page's download buttons follow.
  'lab-run-controls': {
    attributes: [],
    html: () => [
      '<p>',
      '  <button type="button" id="run">Run</button>',
      '  <button type="button" id="cancel" disabled>Cancel</button>',
      '  <button type="button" id="link">Copy link</button>',
      '</p>',
      '<progress id="progress" max="1" value="0"></progress>',
      '<div id="status"></div>',
      '<div id="summary"></div>',
    ],
  },
};

/** `html` with each `<lab-…></lab-…>` of {@link FRAGMENTS} expanded in place, at its indentation. */
function expandFragments(html: string, file: string): string {
  const out = html.replace(/^([ \t]*)<(lab-[a-z-]+)((?:\s+[a-z-]+="[^"]*")*)\s*><\/\2>/gm, (_, indent: string, tag: string, attributeText: string) => {
    const fragment = FRAGMENTS[tag];
    if (!fragment) throw new Error(`lab page ${file}: unknown element <${tag}>, expected one of ${Object.keys(FRAGMENTS).join(', ')}`);
    const values = Object.fromEntries([...attributeText.matchAll(/([a-z-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    for (const name of fragment.attributes) if (values[name] === undefined) throw new Error(`lab page ${file}: <${tag}> needs the attribute ${name}`);
    return fragment.html(values).map((line) => `${indent}${line}`).join('\n');
  });
  // What the pattern missed (on a line with other content, an unclosed tag) would reach the browser unexpanded.
  const left = /<lab-[a-z-]*/.exec(out);
  if (left) throw new Error(`lab page ${file}: ${left[0]} is not expanded (write it alone on its line as <tag></tag>)`);
  return out;
}

function header(page: string): string {
  const links = LAB_PAGES.map(([file, text]) => `<a href="./${file}"${file === page ? ' aria-current="page"' : ''}>${text}</a>`).join('');
  return `
  <header>
    <h1>wgneuro lab</h1>
    <nav>${links}</nav>
    <span id="adapter"></span>
  </header>`;
}

/** `html` of the page `file` with the shared parts filled in; throws when a marker tag is missing or doubled, or a `<lab-…>` element unknown. */
export function withPageChrome(html: string, file: string): string {
  if (!LAB_PAGES.some(([name]) => name === file)) throw new Error(`lab page ${file} is not in LAB_PAGES (lab/html-chrome.ts)`);
  let out = expandFragments(html, file);
  const inserts = [['<head>', HEAD, 'after'], ['<body>', header(file), 'after'], ['<main>', PANELS, 'after'], ['</main>', RESULT_JSON, 'before']] as const;
  for (const [tag, extra, where] of inserts) {
    const parts = out.split(tag);
    if (parts.length !== 2) throw new Error(`lab page ${file}: expected one ${tag}, found ${parts.length - 1}`);
    out = where === 'after' ? `${parts[0]}${tag}${extra}${parts[1]}` : `${parts[0]}${extra}${tag}${parts[1]}`;
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
