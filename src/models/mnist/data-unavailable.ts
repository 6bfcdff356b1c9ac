/**
 * What `#mnist` resolves to outside Node (browsers, Workers, bundlers targeting the web): the same
 * function as `data-node.ts` without `node:*`, so web bundles never see Node-only modules.
 * `data.ts` fetches the digits in a browser and calls this only where there is no `fetch`-based
 * path, i.e. a browser build run somewhere else.
 */
import { InputError } from '../../gpu/errors.js';

/** Reports that this build has no file access for the `mnist` package's digits. */
export async function readMnistClassFiles(): Promise<unknown[]> {
  throw new InputError("cannot read the MNIST digits: this build resolved wgneuro's '#mnist' for a browser, which has no file system; in a page or Worker, pass `url` to loadMnist");
}
