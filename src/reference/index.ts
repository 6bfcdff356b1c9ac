/** Plain TypeScript CPU versions of the kernels, used by tests and as a fallback. */
export * from './philox.js';
