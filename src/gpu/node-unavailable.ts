/**
 * What `#device` resolves to outside Node (browsers, Workers, bundlers targeting the web): the same
 * signature as `node.ts` without Dawn or `node:*`, so web bundles never see Node-only modules.
 * `acquire.ts` calls it only when `process.versions.node` is set, i.e. a browser build run in Node.
 */
import type { NodeAdapterResult } from './node-types.js';

export type { NodeAdapterResult } from './node-types.js';

/** Reports that this build of wgneuro has no Node device module. */
export async function requestNodeAdapter(_options: GPURequestAdapterOptions): Promise<NodeAdapterResult> {
  return {
    adapter: null,
    runtime: 'unknown',
    attempts: ["this build resolved wgneuro's '#device' for a browser; in Node, import wgneuro without a browser bundler"],
  };
}
