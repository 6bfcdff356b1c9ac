/**
 * `wgneuro run flatness --loss mse` through the in-process CLI at a tiny size (the cross-entropy
 * end to end is in test/models/flatness.test.ts): the documented JSON on stdout
 * (series per checkpoint, the late-phase correlation) and the files of --out (result, the
 * checkpoint table, both figures as SVG).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperimentCli, withTempDir } from '../../helpers/cli.js';
import { testContext } from '../../helpers/device.js';

describe('wgneuro run flatness --loss mse (H 4, 64 digits, 6 steps)', () => {
  it('prints { steps, topEigenvalue, trace, logVolume, participationRatio, correlationFlatnessVolume, … } and writes its files', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    await withTempDir('wgneuro-flatness-', async (dir) => {
      const r = await runExperimentCli(async () => ctx, ['flatness', '--hidden', '4', '--layers', '1', '--train', '64', '--test', '32', '--batch', '16',
        '--steps', '6', '--checkpoints', '3', '--lateFrom', '0', '--evalBatch', '24', '--localProbes', '5', '--lanczosNcv', '8', '--lanczosTol', '1e-2', '--traceSamples', '2',
        '--loss', 'mse', '--json', '--out', dir]);
      expect(r.code, r.err).toBe(0);
      const json = JSON.parse(r.out);
      expect(Object.keys(json).slice(0, 6)).toEqual(['steps', 'topEigenvalue', 'trace', 'traceStandardError', 'logVolume', 'participationRatio']);
      expect(json.steps).toEqual([0, 2, 4, 6]);
      expect(typeof json.correlationFlatnessVolume).toBe('number');
      expect(json.params.hidden).toBe(4);
      expect([json.loss, json.late]).toEqual(['mse', 'fraction']);
      // squared error of logits near 0 against one-hot targets: about 1/classes at the start, and it falls
      expect(json.trainLoss[0]).toBeGreaterThan(0.05);
      expect(json.trainLoss[0]).toBeLessThan(1);
      expect(json.trainLoss[3]).toBeLessThan(json.trainLoss[0]);
      expect((await readdir(dir)).sort()).toEqual(['checkpoints.csv', 'result.json', 'sharpness-volume.svg', 'volume-vs-sharpness.svg']);
      const csv = await readFile(join(dir, 'checkpoints.csv'), 'utf8');
      expect(csv.split('\n')[0]).toMatch(/^step,topEigenvalue,/);
      const svg = await readFile(join(dir, 'volume-vs-sharpness.svg'), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('Representation volume vs sharpness');
    });
  }, 300_000);
});
