import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

/** Runs the benchmark at toy sizes and checks the JSON it prints (structure only, never timings). */
describe('wgneuro bench linalg --json', () => {
  it('reports peak, bandwidth, every shape and the JS peer', async () => {
    const { code, out: stdout } = await runCli(['bench', 'linalg', '--json', '--sizes', '16', '--odd', '5x3x7', '--gemv', '64',
      '--reps', '1', '--peers', 'js', '--peak-gflop', '0.002']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.peak.gflops).toBeGreaterThan(0);
    expect(result.copy.gbps).toBeGreaterThan(0);
    expect(result.rows.map((r: { op: string; shape: { m: number; k: number; n: number } }) => [r.op, r.shape.m, r.shape.k, r.shape.n]))
      .toEqual([['gemm', 16, 16, 16], ['gemm', 5, 3, 7], ['gemv', 64, 64, 1]]);
    for (const row of result.rows) {
      expect(row.flops).toBe(row.op === 'gemm' ? 2 * row.shape.m * row.shape.n * row.shape.k : 2 * row.shape.m * row.shape.k);
      expect(Number.isFinite(row.gflops) && row.gflops > 0).toBe(true);
      expect(row.peers.js.gflops).toBeGreaterThan(0);
    }
  }, 120_000);
});

/** `bench fft` at toy sizes: structure, accuracy and both peers (never timings). */
describe('wgneuro bench fft --json', () => {
  it('reports every size, its error and the fft.js and plain-JS peers', async () => {
    const { code, out: stdout } = await runCli(['bench', 'fft', '--json', '--sizes', '8,32', '--reps', '1']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.rows.map((r: { size: number }) => r.size)).toEqual([8, 32]);
    for (const row of result.rows) {
      expect(row.relError).toBeLessThan(1e-5);
      expect(row.gbps).toBeGreaterThan(0);
      expect(row.peers['fft.js'].ms).toBeGreaterThan(0);
      expect(row.peers['plain JS (float64 radix-2)'].ms).toBeGreaterThan(0);
    }
  }, 120_000);
});
