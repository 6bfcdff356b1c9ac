/**
 * `npm run test:slurm`: the end-to-end sweep on a single-node Slurm cluster, kept out of `npm test`
 * because it needs slurm-wlm, munge and root, and takes a minute. Node only.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
// Vitest's reporter needs Map.groupBy, which Debian's Node 20 lacks.
import '../../reporters/node20-groupby.js';

export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    include: ['test/node-only/sweep/slurm.e2e.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 200_000,
  },
});
