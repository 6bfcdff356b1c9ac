/**
 * Defaults of the bench page's options.
 */
import type { BenchSuite } from './protocol.js';

/**
 * The command line's defaults of each suite (commander's parsed values); a test checks them
 * against the commander definitions in bench/*.ts.
 */
export const BENCH_DEFAULTS: Record<BenchSuite, Record<string, unknown>> = {
  linalg: {
    sizes: '256,512,1024', odd: '257,129x65x257,1000x3x1000', gemv: '4096', reps: 5,
    peers: 'tfjs-webgpu,tfjs-wasm,js', peerMaxSize: 1024, peakGflop: 0.5, jsMaxSize: 1024,
  },
  eig: { sizes: [256, 512, 1024], k: 8, reps: 3, theta: 1.5, mlMax: 1024 },
  sde: { trajectories: 16384, lifTrials: 4096, lifSteps: 1000, jsTrajectories: 2048, reps: 3, tfjs: true },
  train: { batch: 128, mlp: '784,128,10', rnnBatch: 16, units: 64, inputs: 4, steps: 20, reps: 5, peers: 'tfjs-webgpu,tfjs-wasm' },
};
