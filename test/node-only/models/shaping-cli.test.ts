/**
 * `wgneuro run shaping-1d` and `shaping-2d` end to end on a small .npy image: the documented JSON
 * shapes, the files of --out, and input errors in the user's terms.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { dump } from 'npyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerRun } from '../../../src/cli/commands/run.js';
import { experiments } from '../../../src/models/registry.js';
import { testContext, testRng } from '../../helpers/device.js';

let dir = '';
let image = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgneuro-shaping-'));
  // 96 × 80 (crop 64²): smooth structure plus sparse, heavy-tailed edges, like a photograph's band.
  const rng = testRng(17);
  const [h, w] = [80, 96];
  const pixels = Float64Array.from({ length: h * w }, (_, i) => {
    const [y, x] = [Math.floor(i / w), i % w];
    return 0.5 + 0.2 * Math.sin(x / 5) * Math.cos(y / 7) + (rng() < 0.05 ? 0.3 * (rng() - 0.5) : 0) + 0.01 * (rng() - 0.5);
  });
  image = join(dir, 'texture.npy');
  await writeFile(image, new Uint8Array(dump(pixels, [h, w])));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ out: string; err: string }> {
  const ctx = await testContext();
  let out = '';
  let err = '';
  const program = new Command('wgneuro').exitOverride();
  registerRun(program, {
    experiments,
    stdout: { write: (s: string) => { out += s; } },
    stderr: { write: (s: string) => { err += s; }, isTTY: false },
    context: async () => ctx!,
  });
  await program.parseAsync(['node', 'wgneuro', 'run', ...args]);
  return { out, err };
}

describe('wgneuro run shaping-1d / shaping-2d (small image)', () => {
  it('shaping-1d prints the documented JSON and writes tables and figures', async () => {
    if (!(await testContext())) return;
    const out = join(dir, 'one');
    const r = await run(['shaping-1d', '--image', image, '--iterations', '300', '--batch', '32', '--etaG', '0.01', '--etaTheta', '0.01', '--json', '--out', out]);
    const json = JSON.parse(r.out);
    for (const key of ['input', 'output']) {
      expect(Number.isFinite(json[key].kurtosis)).toBe(true);
      expect(json[key].ks).toBeGreaterThan(0);
      expect(json[key].ks).toBeLessThan(1);
    }
    expect(json.theta).toBeGreaterThanOrEqual(1);
    expect(json.theta).toBeLessThanOrEqual(3);
    expect(json.gain).toBeGreaterThan(0);
    expect(json.optimalMapError).toBeGreaterThan(0);
    expect(json.images).toHaveLength(1);
    expect(json.images[0].size).toBe(64);
    // The circuit brings the heavy-tailed band closer to N(0, 1).
    expect(json.output.ks).toBeLessThan(json.input.ks);
    expect((await readdir(out)).sort()).toEqual(['curves.csv', 'images.csv', 'learned-map.svg', 'learning-curves.svg', 'response-histogram.svg', 'result.json']);
  });

  it('shaping-2d prints MI per offset for signal, ZCA and circuit', async () => {
    if (!(await testContext())) return;
    const out = join(dir, 'two');
    const r = await run(['shaping-2d', '--image', image, '--offsets', '2,8', '--seeds', '2', '--iterations', '200', '--miStep', '1', '--json', '--out', out]);
    const json = JSON.parse(r.out);
    expect(json.offsets).toEqual([2, 8]);
    for (const which of ['signal', 'zca', 'circuit']) {
      expect(json.mi[which]).toHaveLength(2);
      for (const v of json.mi[which]) expect(v).toBeGreaterThan(0);
      expect(json.K[which]).toHaveLength(2);
    }
    expect(json.images).toHaveLength(1);
    expect(json.runs).toHaveLength(4);
    expect((await readdir(out)).sort()).toEqual(['joint-histograms.svg', 'mi-vs-offset.svg', 'result.json', 'runs.csv']);
  });

  it('bad input is reported in the user\'s terms before GPU work', async () => {
    if (!(await testContext())) return;
    await expect(run(['shaping-1d', '--image', join(dir, 'missing.jpg')])).rejects.toThrow(/cannot read image .*missing\.jpg: ENOENT/);
    await expect(run(['shaping-2d', '--image', image, '--offsets', '64'])).rejects.toThrow(/--offsets 64 do not fit in texture\.npy's 64-row crop/);
    await expect(run(['shaping-1d', '--image', image, '--batch', '100'])).rejects.toThrow(/batch must be an integer in \[1, 64\], got 100/);
  });
});
