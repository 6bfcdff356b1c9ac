/** `wgneuro simulate model.json` end to end (files, .npy output, JSON summary, errors). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { modelFromJSON } from '../../../src/sde/index.js';
import { simulateReference } from '../../../src/testing.js';
import { runCli as run } from '../../helpers/cli.js';

describe('wgneuro simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgneuro-sde-'));

  it('runs the example OU model, prints JSON statistics and writes the final state as .npy', async () => {
    const npy = join(dir, 'final.npy');
    const { code, out } = await run(['simulate', 'examples/models/ou.json', '--trials', '333', '--steps', '40', '--dt', '0.05', '--seed', '4', '--json', '-o', npy]);
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    expect(summary.trials).toBe(333);
    const bytes = readFileSync(npy);
    const arr = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(arr.shape).toEqual([333, 1]);
    const model = modelFromJSON(JSON.parse(readFileSync('examples/models/ou.json', 'utf8')));
    const ref = simulateReference(model, { trials: 333, steps: 40, dt: 0.05, seed: 4 });
    const data = arr.data as Float32Array;
    for (let i = 0; i < 333; i++) expect(Math.abs(data[i]! - ref.state[i]!)).toBeLessThan(1e-5);
    const mean = ref.state.reduce((a, b) => a + b, 0) / 333;
    expect(summary.variables.x.mean).toBeCloseTo(mean, 4);
  }, 60_000);

  it('--generator threefry and --rng fast reach simulate: the CPU twin on Threefry numbers, within the fast transform\'s error', async () => {
    const npy = join(dir, 'threefry.npy');
    const args = ['--trials', '129', '--steps', '30', '--dt', '0.05', '--seed', '6'];
    const { code, out } = await run(['simulate', 'examples/models/ou.json', ...args, '--json', '--generator', 'threefry', '--rng', 'fast', '-o', npy]);
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    expect([summary.generator, summary.rng]).toEqual(['threefry', 'fast']);
    const bytes = readFileSync(npy);
    const data = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).data as Float32Array;
    const model = modelFromJSON(JSON.parse(readFileSync('examples/models/ou.json', 'utf8')));
    const twin = (generator: 'philox' | 'threefry'): Float64Array => simulateReference(model, { trials: 129, steps: 30, dt: 0.05, seed: 6, generator }).state;
    const threefry = twin('threefry');
    const philox = twin('philox');
    // Fast normals are within 4.2e-3 of the twin's (test/random/philox.test.ts); each of 30 steps adds
    // sigma sqrt(dt) = 0.112 times that error, and the drift contracts: at most 30 · 0.112 · 4.2e-3 = 1.4e-2.
    let far = 0;
    for (let i = 0; i < 129; i++) {
      expect(Math.abs(data[i]! - threefry[i]!), `trial ${i}`).toBeLessThan(1.4e-2);
      if (Math.abs(data[i]! - philox[i]!) > 1.4e-2) far++;
    }
    expect(far).toBeGreaterThan(100); // Philox's numbers would be O(0.3) away
    const bad = await run(['simulate', 'examples/models/ou.json', '--generator', 'mt19937']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--generator: expected one of philox, threefry.*got "mt19937"/);
  }, 60_000);

  it('prints a table with spikes for the LIF example, and Langevin acceptance', async () => {
    const lif = await run(['simulate', 'examples/models/lif-conductance.json', '--trials', '64', '--steps', '200', '--dt', '0.1']);
    expect(lif.code).toBe(0);
    expect(lif.out).toMatch(/variable\s+mean\s+variance/);
    expect(lif.out).toMatch(/spikes per trial/);
    const banana = await run(['simulate', 'examples/models/banana.json', '--integrator', 'mala', '--trials', '64', '--steps', '20', '--dt', '0.2']);
    expect(banana.code).toBe(0);
    expect(banana.out).toMatch(/MALA acceptance: 0\.\d+/);
  }, 60_000);

  it('reports bad model files and options with exit code 2', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ state: ['x'], drift: { x: '-k * x' } }));
    const r1 = await run(['simulate', bad]);
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(/unknown name 'k'/);
    const r2 = await run(['simulate', 'examples/models/ou.json', '--integrator', 'rk4']);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/--integrator: expected one of em, .*got "rk4"/);
    const r3 = await run(['simulate', join(dir, 'missing.json')]);
    expect(r3.code).toBe(2);
    const r4 = await run(['simulate', 'examples/models/ou.json', '--trials', 'many']);
    expect(r4.code).toBe(2);
    expect(r4.err).toMatch(/--trials: expected a whole number ≥ 1/);
  });

  it('refuses raw WGSL unless --allow-wgsl, integrator names that are object properties, and bad model fields', async () => {
    const raw = join(dir, 'raw.json');
    writeFileSync(raw, JSON.stringify({
      name: 'soft', state: ['x'], functions: { soft: { args: ['z'], wgsl: 'return z / (1.0 + abs(z));' } },
      drift: { x: '-soft(x)' }, diffusion: { x: '0.1' },
    }));
    const refused = await run(['simulate', raw, '--trials', '8', '--steps', '4']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/function 'soft' is raw WGSL, which is refused unless you opt in.*--allow-wgsl/);
    const allowed = await run(['simulate', raw, '--trials', '8', '--steps', '4', '--allow-wgsl', '--json']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.out).model).toBe('soft');
    for (const name of ['constructor', 'toString', '__proto__']) {
      const r = await run(['simulate', 'examples/models/ou.json', '--integrator', name]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`--integrator: expected one of em, milstein, .*got "${name}"`));
    }
    const bad: [unknown, RegExp][] = [
      [{ state: ['x'], drift: { x: '-x' }, absorb: [{ variable: 'x', lower: '0' }] }, /absorb\[0\]\.lower = "0": expected a number/],
      [{ state: { x: { init: ['a'] } }, drift: { x: '-x' } }, /state\.x\.init\[0\] = "a": expected a number/],
      [{ name: 'ou\n}\nfn evil() {}', state: ['x'], drift: { x: '-x' } }, /model name "ou\\n}\\nfn evil\(\) \{\}" must be/],
      [{ state: ['x'], drift: { x: '1/0' } }, /drift of 'x': division by zero/],
      [{ state: ['x'], functions: { f: { args: ['u'], expr: 'f(u)' } }, drift: { x: 'f(x)' } }, /recursion is not supported: f\(\) calls f\(\)/],
    ];
    for (const [json, pattern] of bad) {
      const path = join(dir, 'bad-field.json');
      writeFileSync(path, JSON.stringify(json));
      const r = await run(['simulate', path, '--trials', '8', '--steps', '4']);
      expect(r.code, JSON.stringify(json)).toBe(2);
      expect(r.err).toMatch(pattern);
    }
  }, 60_000);
});
