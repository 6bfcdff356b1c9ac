/**
 * `wgneuro run ml-es` through the in-process CLI at tiny sizes: the documented JSON (loss and
 * accuracy per epoch), the files written with --out, `--task node-spiral`, and input errors.
 */
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../../src/core/context.js';
import { runExperimentCli, withTempDir } from '../../helpers/cli.js';
import { testContext } from '../../helpers/device.js';

/** `wgneuro run …` in-process on the test's device. */
const cli = (ctx: Context, args: string[]) => runExperimentCli(async () => ctx, args);

const withDir = (body: (dir: string) => Promise<void>): Promise<void> => withTempDir('wgneuro-ml-es-', body);

describe('wgneuro run ml-es (tiny, real GPU run)', () => {
  it('evidence: per-epoch training/validation loss and accuracy, and its files', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    await withDir(async (dir) => {
      const args = ['ml-es', '--hidden', '5', '--S', '4', '--epochs', '2', '--batch', '4', '--words', '3', '--hold', '5', '--window', '5',
        '--input', '4', '--train', '8', '--valid', '6', '--json', '--out', dir];
      const r = await cli(ctx, args);
      expect(r.code, r.err).toBe(0);
      const json = JSON.parse(r.out);
      expect(json.task).toBe('evidence');
      expect(json.chance).toBeCloseTo(1 / 3, 12);
      expect(json.steps).toBe(4); // 2 epochs × 8/4 batches
      expect(json.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([0, 1, 2]);
      expect(json.epochs[0].trainLoss).toBeNull();
      for (const e of json.epochs.slice(1)) {
        expect(e.trainLoss).toBeGreaterThan(0);
        expect(e.trainAccuracy).toBeGreaterThanOrEqual(0);
        expect(e.trainAccuracy).toBeLessThanOrEqual(1);
      }
      for (const e of json.epochs) {
        expect(e.validLoss).toBeGreaterThan(0);
        // accuracies are counts over 6 phrases
        expect(Number.isInteger(Math.round(e.validAccuracy * 6 * 1e6) / 1e6)).toBe(true);
      }
      expect((await readdir(dir)).sort()).toEqual(['epochs.csv', 'result.json', 'training-accuracy.svg', 'training-loss.svg']);
    });
  }, 120_000);

  it('node-spiral: the same estimator on the spiral neural ODE', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    const r = await cli(ctx, ['ml-es', '--task', 'node-spiral', '--hidden', '8', '--S', '6', '--sigma', '0.01', '--epochs', '2', '--batch', '4', '--json']);
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.task).toBe('node-spiral');
    expect(json.chance).toBeNull();
    expect(json.steps).toBe(20);
    expect(json.epochs).toHaveLength(3);
    expect(json.epochs[0].validLoss).toBeGreaterThan(0);
    expect(json.epochs[2].validLoss).toBeGreaterThan(0);
    expect(json.epochs[2].trainLoss).toBeGreaterThan(0);
  }, 120_000);

  it('rejects a window longer than a phrase before any GPU work', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    await expect(cli(ctx, ['ml-es', '--words', '3', '--hold', '10', '--window', '31'])).rejects.toThrow(/--window: got 31, expected at most words × hold = 30/);
  });
});
