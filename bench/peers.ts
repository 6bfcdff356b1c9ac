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

/** The TF.js core module (a type only: the package is loaded by {@link importPeer}). */
export type Tf = typeof import('@tensorflow/tfjs-core');

/**
 * Switch TF.js (`tf`, already imported) to its WebGPU backend on `device`, so TF.js and wgneuro run
 * on exactly the same adapter; resolves once the backend is ready. Kernels are keyed by backend
 * name, so ours is registered as `'webgpu'`, replacing the package's own factory.
 */
export async function useTfWebGPU(tf: Tf, device: GPUDevice): Promise<void> {
  // TF.js only checks that navigator.gpu exists before using the device it is given; Node has no
  // navigator (before v21) or no navigator.gpu, so provide a stand-in that offers no adapters.
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (!g.navigator!.gpu) Object.defineProperty(g.navigator, 'gpu', { value: { requestAdapter: async () => null }, configurable: true });
  const { WebGPUBackend } = await importPeer('@tensorflow/tfjs-backend-webgpu', () => import('@tensorflow/tfjs-backend-webgpu'));
  // The package registers a 'webgpu' factory that asks navigator.gpu for its own adapter.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, device.adapterInfo));
  if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
  await tf.ready();
}

/** TF.js (`@tensorflow/tfjs-core`) with its WebGPU backend on `device`; see {@link useTfWebGPU}. */
export async function loadTfWebGPU(device: GPUDevice): Promise<Tf> {
  const tf = await importPeer('@tensorflow/tfjs-core', () => import('@tensorflow/tfjs-core'));
  await useTfWebGPU(tf, device);
  return tf;
}

/**
 * {@link loadTfWebGPU}, or null when TF.js cannot start (not installed, no backend), with the reason
 * pushed onto `notes`: a bench then runs without that peer and says why.
 */
export async function loadTfWebGPUOrNote(device: GPUDevice, notes: string[]): Promise<Tf | null> {
  try {
    return await loadTfWebGPU(device);
  } catch (err) {
    notes.push(`TF.js-WebGPU unavailable: ${(err as Error).message}`);
    return null;
  }
}
