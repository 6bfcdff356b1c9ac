import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

/**
 * `bench train` at toy sizes with the TF.js wasm peer: both contenders solve the same problem (the
 * losses and gradient sums agree to f32 accuracy), so the ratio compares like with like. Never
 * checks timings beyond their being positive.
 */
describe('wgneuro bench train --json', () => {
  it('times our tape and TF.js on the same MLP and BPTT problems', async () => {
    const { code, out: stdout } = await runCli(['bench', 'train', '--json', '--batch', '5', '--mlp', '7,6,3', '--rnn-batch', '3',
      '--units', '5', '--inputs', '2', '--steps', '4', '--reps', '1', '--peers', 'tfjs-wasm']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.rows.map((r: { problem: string }) => r.problem)).toEqual(['mlp', 'rnn-bptt']);
    for (const row of result.rows) {
      expect(row.contenders.wgneuro.ms).toBeGreaterThan(0);
      expect(row.contenders['tfjs-wasm'].ms, JSON.stringify(row.contenders['tfjs-wasm'])).toBeGreaterThan(0);
      expect(row.speedupOverPeer['tfjs-wasm']).toBeGreaterThan(0);
      expect(row.agreement['tfjs-wasm'].lossRelDiff).toBeLessThan(1e-5);
      expect(row.agreement['tfjs-wasm'].gradSumRelDiff).toBeLessThan(1e-4);
    }
  }, 180_000);
});
