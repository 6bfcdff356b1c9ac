/**
 * tfjs-core's gradient functions when a bench runs in Node (CLI only; a bundled page imports
 * `@tensorflow/tfjs-core/dist/register_all_gradients` directly, see lab/worker.ts).
 */
let gradientsRegistered = false;

/**
 * tfjs-core's Node bundle has no gradient functions (the full `@tensorflow/tfjs` package imports
 * `@tensorflow/tfjs-core/dist/register_all_gradients`). That module is ESM written for bundlers
 * (extensionless and directory imports), so resolve those with a small loader hook, then import it:
 * it registers every gradient into tfjs's global registry, which the Node bundle shares.
 */
export async function nodeRegisterTfGradients(): Promise<void> {
  if (gradientsRegistered) return;
  // Imported here, not at the top: module.register is Node 20.6+.
  const { register } = await import('node:module');
  const hook = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (!relative || !context.parentURL || !context.parentURL.includes('/@tensorflow/tfjs-core/dist/')) throw err;
    for (const suffix of ['.js', '/index.js']) {
      try { return await next(specifier + suffix, context); } catch {}
    }
    throw err;
  }
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js' as string);
  gradientsRegistered = true;
}

