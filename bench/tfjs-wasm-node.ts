/**
 * Where TF.js's wasm backend finds its .wasm files when a bench runs in Node (CLI only; browsers
 * get them from the bundler).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the .wasm files: beside this module in the device kit's bundle (which has no
 * node_modules), else the installed package's.
 */
export async function nodeWasmPaths(): Promise<string> {
  const beside = fileURLToPath(new URL('./tfjs-backend-wasm/', import.meta.url));
  if (existsSync(join(beside, 'tfjs-backend-wasm.wasm'))) return beside;
  const require = createRequire(import.meta.url);
  return `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`;
}
