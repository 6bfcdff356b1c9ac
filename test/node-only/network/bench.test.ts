import { describe, expect, it } from 'vitest';
import { cubaStats } from '../../../bench/network.js';
import { runCli } from '../../helpers/cli.js';

describe('wgneuro bench network', () => {
  it('computes CUBA rate statistics by hand: rates per population and the mean CV of inter-spike intervals', () => {
    // neuron 0 (E): ISIs 10, 10, 10 → CV 0; neuron 3500 (I): ISIs 10, 20 → mean 15, sd 5, CV 1/3;
    // neuron 1 has two spikes only and is left out of the CV
    const neuron = [0, 0, 0, 0, 3500, 3500, 3500, 1, 1];
    const time = [10, 20, 30, 40, 0, 10, 30, 5, 50];
    const s = cubaStats(neuron, time, 500);
    expect(s.spikes).toBe(9);
    expect(s.meanRateHz).toBeCloseTo(9 / (4000 * 0.5), 12);
    expect(s.rateE).toBeCloseTo(6 / (3200 * 0.5), 12);
    expect(s.rateI).toBeCloseTo(3 / (800 * 0.5), 12);
    expect(s.cvISI).toBeCloseTo((0 + 1 / 3) / 2, 12);
  });

  it('runs the dense rate part at a toy size and prints every implementation (structure only, never timings)', async () => {
    const { code, out: stdout } = await runCli(['bench', 'network', '--json', '--no-cuba', '--no-tfjs', '--sizes', '17', '--rate-trials', '3', '--rate-steps', '3']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.cuba).toBeNull();
    expect(result.rate.rows.map((r: { implementation: string }) => r.implementation)).toEqual(['wgneuro tiled', 'wgneuro gather', 'plain-js']);
    for (const row of result.rate.rows) {
      expect(row.n).toBe(17);
      expect(row.stepsPerSecond).toBeGreaterThan(0);
      expect(Number.isFinite(row.check)).toBe(true);
    }
    // both wgneuro kernels run the same network with the same noise: the same state to f32 rounding
    expect(Math.abs(result.rate.rows[0].check - result.rate.rows[1].check)).toBeLessThan(1e-5);
  }, 120_000);
});
