/** `wgneuro network net.json` end to end: .npy weights relative to the file, JSON summary, --out files, errors. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, parse } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { loadNetworkFile } from '../../../src/cli/commands/network.js';
import { simulateNetworkReference } from '../../../src/reference/network.js';
import { runCli as run } from '../../helpers/cli.js';

function readNpy(path: string) {
  const bytes = readFileSync(path);
  return parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

describe('wgneuro network', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgneuro-network-'));

  it('runs the example rate network (weights W.npy beside the file) and matches the float64 reference', async () => {
    // copy the example elsewhere so the relative path is resolved against the file, not the cwd
    copyFileSync('examples/networks/rate.json', join(dir, 'rate.json'));
    copyFileSync('examples/networks/rate-W.npy', join(dir, 'rate-W.npy'));
    const out = join(dir, 'out');
    const r = await run(['network', join(dir, 'rate.json'), '--trials', '3', '--steps', '50', '--dt', '0.05', '--seed', '2', '--json', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ network: 'linear-rate', trials: 3, steps: 50, dt: 0.05, seed: 2, timeUnit: 'ms' });
    expect(Object.keys(summary.populations.R)).toEqual(['size', 'spikes', 'rateHz', 'mean', 'var']);
    const final = readNpy(join(out, 'R.final.npy'));
    expect(final.shape).toEqual([3, 8, 1]);
    const net = await loadNetworkFile(join(dir, 'rate.json'));
    const ref = simulateNetworkReference(net, { trials: 3, steps: 50, dt: 0.05, seed: 2 }).final[0]!;
    const data = final.data as Float32Array;
    let mean = 0;
    for (let q = 0; q < 24; q++) {
      expect(Math.abs(data[q]! - ref[q]!)).toBeLessThan(1e-4);
      mean += ref[q]! / 24;
    }
    expect(summary.populations.R.mean.x).toBeCloseTo(mean, 4);
    expect(readNpy(join(out, 'R.rates.npy')).shape).toEqual([3, 1]);
  }, 60_000);

  it('counts spikes and rates in Hz with --time-unit, and writes spikes as (trial, neuron, step)', async () => {
    // one neuron integrating dv/dt = 1/8 per ms with dt = 1 ms spikes every 8 steps: 125 Hz
    const file = join(dir, 'clock.json');
    writeFileSync(file, JSON.stringify({
      name: 'clock',
      populations: { A: { size: 2, model: { state: ['v'], params: { k: 0.125 }, drift: { v: 'k' }, event: { variable: 'v', threshold: 1, reset: 0 } } } },
    }));
    const out = join(dir, 'clock-out');
    const ms = await run(['network', file, '--trials', '2', '--steps', '80', '--dt', '1', '--json', '--out', out]);
    expect(ms.code).toBe(0);
    const summary = JSON.parse(ms.out);
    expect(summary.populations.A.spikes).toBe(2 * 2 * 10);
    expect(summary.populations.A.rateHz).toBeCloseTo(125, 9);
    const spikes = readNpy(join(out, 'A.spikes.npy'));
    expect(spikes.shape).toEqual([40, 3]);
    expect([...(spikes.data as Int32Array).subarray(0, 6)]).toEqual([0, 0, 7, 0, 1, 7]);
    const s = await run(['network', file, '--trials', '2', '--steps', '80', '--dt', '1', '--json', '--time-unit', 's']);
    expect(JSON.parse(s.out).populations.A.rateHz).toBeCloseTo(0.125, 12);
    const table = await run(['network', file, '--steps', '80', '--dt', '1']);
    expect(table.out).toMatch(/A\s+2\s+20\s+125\.0/);
  }, 60_000);

  it('refuses bad files before any GPU work, naming the field, the value and the expectation', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ populations: { E: { size: 0, model: { state: ['v'] } } } }));
    const r1 = await run(['network', bad]);
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(/populations\.E\.size: got 0, expected ≥ 1/);
    writeFileSync(bad, JSON.stringify({
      populations: { R: { size: 3, model: { state: ['x'], drift: { x: '-x + input' } } } },
      projections: [{ from: 'R', to: 'R', on: 'step', target: 'input', weights: 'missing.npy' }],
    }));
    const r2 = await run(['network', bad]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/projections\[0\]\.weights: cannot read "missing\.npy"/);
    writeFileSync(join(dir, 'W4.npy'), new Uint8Array(dump(new Float32Array(16), [4, 4])));
    writeFileSync(bad, JSON.stringify({
      populations: { R: { size: 3, model: { state: ['x'], drift: { x: '-x + input' } } } },
      projections: [{ from: 'R', to: 'R', on: 'step', target: 'input', weights: 'W4.npy' }],
    }));
    const r3 = await run(['network', bad]);
    expect(r3.err).toMatch(/has shape \[4, 4\], expected \[3, 3\]/);
    const r4 = await run(['network', 'examples/networks/rate.json', '--time-unit', 'h']);
    expect(r4.err).toMatch(/--time-unit: got "h", expected ms or s/);
  }, 60_000);
});
