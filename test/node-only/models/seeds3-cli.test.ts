/**
 * `wgneuro run morris-lecar-fi` and `wgneuro run rsn` through the in-process CLI at tiny sizes:
 * the documented JSON, the files written with --out, and input errors in the user's terms.
 */
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../../src/core/context.js';
import { restingPotential, DEFAULT_ML } from '../../../src/models/morris-lecar/reference.js';
import { runExperimentCli, withTempDir } from '../../helpers/cli.js';
import { testContext } from '../../helpers/device.js';

/** `wgneuro run …` in-process on the test's device. */
const cli = (ctx: Context, args: string[]) => runExperimentCli(async () => ctx, args);

const withDir = (body: (dir: string) => Promise<void>): Promise<void> => withTempDir('wgneuro-seeds3-', body);

describe('wgneuro run morris-lecar-fi (tiny, real GPU run)', () => {
  it('prints rest, onset, block and the f–I points, and writes its files', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    await withDir(async (dir) => {
      const r = await cli(ctx, ['morris-lecar-fi', '--currents', '0,20,60,120', '--duration', '2000', '--warmup', '100', '--json', '--out', dir]);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out);
      expect(Math.abs(json.restMv - restingPotential(DEFAULT_ML, 0))).toBeLessThan(1e-3);
      // Onset near the saddle-node (39.58) and block near 113.1 μA/cm², each bracketed to 0.05.
      expect(Math.abs(json.onsetCurrent - json.theory.saddleNodeCurrent)).toBeLessThan(0.1);
      expect(json.blockCurrent).toBeGreaterThan(json.theory.hopfCurrent);
      expect(json.blockCurrent).toBeLessThan(120);
      expect(json.points.map((p: { iTot: number }) => p.iTot)).toEqual([0, 20, 60, 120]);
      expect(json.points[0].rateHz).toBe(0);
      expect(json.points[2].rateHz).toBeGreaterThan(10);
      expect(json.points[3].rateHz).toBe(0);
      expect((await readdir(dir)).sort()).toEqual(['f-i-curve.svg', 'points.csv', 'result.json', 'summary.csv']);
    });
  }, 120_000);

  it('rejects a bad tolerance before any GPU work', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    await expect(cli(ctx, ['morris-lecar-fi', '--tol', '0'])).rejects.toThrow(/--tol must be > 0, got 0/);
  });
});

describe('wgneuro run rsn (tiny, real GPU run)', () => {
  it('gmm: prints the sample statistics against the target and writes its files', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    await withDir(async (dir) => {
      const args = ['rsn', '--hidden', '9', '--levels', '2', '--stepsPerLevel', '20', '--data', '300', '--chains', '65', '--steps', '40', '--json', '--out', dir];
      const r = await cli(ctx, args);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out);
      expect(json.samples).toBe(65);
      expect(json.fractionPositive).toBeGreaterThanOrEqual(0);
      expect(json.fractionPositive).toBeLessThanOrEqual(1);
      expect(json.modes).toHaveLength(2);
      expect(json.modeStd).toHaveLength(2);
      expect(json.ks).toBeGreaterThan(0);
      expect(json.ks).toBeLessThan(1);
      expect(json.klHistogram).toBeGreaterThanOrEqual(0);
      expect(json.target.fractionPositive).toBeCloseTo(0.5, 12);
      expect(json.trainingCurve.length).toBeGreaterThanOrEqual(2);
      expect((await readdir(dir)).sort()).toEqual(['histogram.csv', 'result.json', 'samples-vs-target.svg', 'score.csv', 'score.svg', 'training-loss.svg', 'training.csv']);
    });
  }, 120_000);

  it('laplace: reports per-axis kurtosis against the target; a bad task is named', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    const r = await cli(ctx, ['rsn', '--task', 'laplace', '--hidden', '7', '--levels', '1', '--stepsPerLevel', '10', '--data', '200', '--chains', '33', '--steps', '20', '--json']);
    const json = JSON.parse(r.out);
    expect(json.kurtosis.target).toEqual([6, 6]);
    expect(json.kurtosis.generated).toHaveLength(2);
    expect(json.histograms.length).toBe(900);
    await expect(cli(ctx, ['rsn', '--task', 'mnist'])).rejects.toThrow(/--task must be 'gmm' or 'laplace', got 'mnist'/);
  }, 120_000);

  it('gmm with --sampler network: the reservoir runs on the network engine; a bad sampler is named', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    const r = await cli(ctx, ['rsn', '--hidden', '9', '--levels', '2', '--stepsPerLevel', '20', '--data', '300', '--chains', '65', '--steps', '40', '--baselines', 'false', '--sampler', 'network', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.params.sampler).toBe('network');
    expect(json.samples).toBe(65);
    expect(json.fractionPositive).toBeGreaterThan(0);
    expect(json.fractionPositive).toBeLessThan(1);
    expect(json.ks).toBeLessThan(1);
    await expect(cli(ctx, ['rsn', '--sampler', 'engine'])).rejects.toThrow(/--sampler must be 'fused' or 'network', got 'engine'/);
  }, 120_000);
});

describe('wgneuro run node-spiral (tiny, real GPU run)', () => {
  it('prints the training curve and the rollout error before and after, and writes its files', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    await withDir(async (dir) => {
      const r = await cli(ctx, ['node-spiral', '--hidden', '5', '--samples', '7', '--steps', '9', '--batch', '3', '--window', '4', '--json', '--out', dir]);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out);
      expect(json.curve.length).toBeGreaterThanOrEqual(2);
      expect(json.curve.at(-1).step).toBe(8);
      expect(json.rolloutL1.initial).toBeGreaterThan(0);
      expect(Number.isFinite(json.rolloutL1.trained)).toBe(true);
      expect((await readdir(dir)).sort()).toEqual(['paths.csv', 'phase-plane.svg', 'result.json', 'training-loss.svg', 'training.csv']);
    });
    await expect(cli(ctx, ['node-spiral', '--samples', '1'])).rejects.toThrow(/samples must be a whole number ≥ 2, got 1/);
  }, 120_000);
});
