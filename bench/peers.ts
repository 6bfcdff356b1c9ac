/**
 * Loading the peer libraries the benches compare against (TF.js). They are dev dependencies: an
 * install without them still runs every bench, and the missing peer is reported by name.
 */

/** Thrown when a peer library is not installed; the message names the package and the fix. */
export class PeerMissingError extends Error {
  override name = 'PeerMissingError';
}

/** `load()` (a dynamic `import()` of `pkg`), with a clear message when the package is absent. */
export async function importPeer<T>(pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: string }).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
      || /Cannot find (module|package)|Failed to (resolve|fetch dynamically imported) module/i.test(String((err as Error).message));
    if (!missing) throw err;
    throw new PeerMissingError(`peer library ${pkg} is not installed (a dev dependency: run \`npm install --include=dev\`)`);
  }
}
