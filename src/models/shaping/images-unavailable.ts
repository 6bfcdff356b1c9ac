/**
 * What `#images` resolves to outside Node (browsers, Workers, bundlers targeting the web): the same
 * functions as `images-node.ts` without `node:*`, so web bundles never see Node-only modules.
 * `images.ts` fetches images in a browser and calls these only where there is no `fetch`-based
 * path, i.e. a browser build run somewhere else.
 */
import { InputError } from '../../gpu/errors.js';

const why = "this build resolved wgneuro's '#images' for a browser, which has no file system; in a page or Worker, pass an image URL";

/** Reports that this build has no file access for the bundled photograph of `pkg`. */
export function bundledImagePath(pkg: string): string {
  throw new InputError(`cannot locate the bundled image ${pkg}: ${why}`);
}

/** Reports that this build cannot read `path` from a file system. */
export async function readImageFile(path: string): Promise<Uint8Array> {
  throw new InputError(`cannot read image ${path}: ${why}`);
}
