/**
 * `wgneuro run krotov-hopfield` through the in-process CLI at a tiny size: the documented JSON on
 * stdout and the files of --out (result, tables, the receptive-field grid as SVG).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerRun } from '../../../src/cli/commands/run.js';
import { experiments } from '../../../src/models/registry.js';
import { testContext } from '../../helpers/device.js';

describe('wgneuro run krotov-hopfield (H 10, 300 digits, 1 epoch)', () => {
  it('prints { hidden, p, k, testAccuracy, trainAccuracy, … } and writes its files', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    const dir = await mkdtemp(join(tmpdir(), 'wgneuro-kh-'));
    try {
      let out = '';
      const program = new Command('wgneuro').exitOverride();
      registerRun(program, {
        experiments,
        stdout: { write: (s: string) => { out += s; } },
        stderr: { write: () => undefined, isTTY: false },
        context: async () => ctx,
      });
      await program.parseAsync(['node', 'wgneuro', 'run', 'krotov-hopfield', '--hidden', '10', '--k', '3', '--train', '300', '--test', '100',
        '--epochs', '1', '--readoutSteps', '20', '--json', '--out', dir]);
      const json = JSON.parse(out);
      expect([json.hidden, json.p, json.k]).toEqual([10, 3, 3]);
      for (const key of ['testAccuracy', 'trainAccuracy']) expect(json[key] >= 0 && json[key] <= 1, key).toBe(true);
      expect(json.baseline.testAccuracy >= 0 && json.baseline.testAccuracy <= 1).toBe(true);
      expect((await readdir(dir)).sort()).toEqual(['epochs.csv', 'readout.csv', 'receptive-fields.svg', 'result.json']);
      const svg = await readFile(join(dir, 'receptive-fields.svg'), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('Learned synapses');
      // one inline PNG per unit: measured 34 kB, where a rect per synapse made 1.4 MB at this size
      expect(svg.match(/<image /g)).toHaveLength(10);
      expect(svg.length).toBeLessThan(100_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
