/**
 * The lab pages' shared HTML (lab/html-chrome.ts): every page gets the chrome and `#result-json`
 * once, the editor pages' `<lab-…>` fragments expand to the elements their scripts look up, and a
 * fragment the plugin does not know, lacks an attribute, or is not written alone on its line is a
 * build error rather than an element left in the page.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAB_PAGES, withPageChrome } from '../../../lab/html-chrome.js';

const page = (file: string): string => withPageChrome(readFileSync(new URL(`../../../lab/${file}`, import.meta.url), 'utf8'), file);
const count = (html: string, id: string): number => html.split(`id="${id}"`).length - 1;

describe('lab page chrome', () => {
  it('every page has the header, the failure panels and #result-json once, and no unexpanded <lab-…>', () => {
    for (const [file] of LAB_PAGES) {
      const html = page(file);
      for (const id of ['adapter', 'no-webgpu', 'lost', 'result-json']) expect(count(html, id), `${file} #${id}`).toBe(1);
      expect(html).toMatch(/<pre id="result-json" hidden><\/pre>\n {2}<\/main>/);
      expect(html).not.toMatch(/<lab-/);
    }
  });

  it('the editor pages get every element editor-page.ts looks up, once, the restore panel naming what they edit', () => {
    for (const [file, what] of [['index.html', 'model'], ['network.html', 'network']] as const) {
      const html = page(file);
      for (const id of ['restore', 'restore-button', 'editor', 'problems', 'example', 'settings', 'run', 'cancel', 'link', 'progress', 'status', 'summary']) {
        expect(count(html, id), `${file} #${id}`).toBe(1);
      }
      expect(html).toContain(`Restore my previous ${what}</button>`);
      // Expanded at the marker's indentation, one element a line.
      expect(html).toContain('\n        <progress id="progress" max="1" value="0"></progress>\n        <div id="status"></div>\n');
    }
  });

  it('an unknown fragment, a missing attribute or a fragment not alone on its line is an error naming the page', () => {
    const wrap = (body: string): string => `<html><head></head><body><main>\n    ${body}\n</main></body></html>`;
    expect(() => withPageChrome(wrap('<lab-editr></lab-editr>'), 'index.html')).toThrow(/index\.html: unknown element <lab-editr>, expected one of lab-restore, lab-editor, lab-run-controls/);
    expect(() => withPageChrome(wrap('<lab-restore></lab-restore>'), 'index.html')).toThrow(/<lab-restore> needs the attribute what/);
    expect(() => withPageChrome(wrap('<p><lab-editor></lab-editor></p>'), 'network.html')).toThrow(/network\.html: <lab-editor is not expanded/);
    expect(() => withPageChrome(wrap('<lab-editor>'), 'index.html')).toThrow(/<lab-editor is not expanded/);
  });
});
