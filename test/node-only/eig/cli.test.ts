import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dump, parse } from 'npyjs';
import { knownSpectrumMatrix, symmetricWithSpectrum } from '../../../src/testing.js';
import { runCli as run } from '../../helpers/cli.js';

describe('wgneuro eig (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgneuro-eig-'));
  const { matrix, n } = knownSpectrumMatrix({ real: [3, -0.5, 0.4, 0.3, ...Array.from({ length: 30 }, (_, i) => 0.2 * Math.sin(i))], complex: [{ re: 1, im: 2 }], seed: 2 });
  const path = join(dir, 'W.npy');
  writeFileSync(path, new Uint8Array(dump(Float64Array.from(matrix), [n, n])));

  it('prints eigenvalues and residuals as JSON and writes complex eigenvectors as [n, k]', async () => {
    const vpath = join(dir, 'V.npy');
    const { code, out } = await run(['eig', path, '--k', '3', '--json', '--vectors', '-o', vpath]);
    expect(code).toBe(0);
    const json = JSON.parse(out) as { values: { re: number; im: number }[]; residuals: number[] };
    expect(json.values.map((v) => [Math.round(v.re * 1e4) / 1e4, Math.round(v.im * 1e4) / 1e4])).toEqual([[3, 0], [1, 2], [1, -2]]);
    json.residuals.forEach((r) => expect(r).toBeLessThan(1e-4));
    const bytes = readFileSync(vpath);
    const V = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(V.dtype).toBe('c8');
    expect(V.shape).toEqual([n, 3]);
    // Column 1 is the eigenvector of 1 + 2i: check A·v = λ·v from the file alone.
    const d = V.data as Float32Array;
    let res = 0;
    for (let i = 0; i < n; i++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < n; j++) {
        re += matrix[i * n + j]! * d[(j * 3 + 1) * 2]!;
        im += matrix[i * n + j]! * d[(j * 3 + 1) * 2 + 1]!;
      }
      const vr = d[(i * 3 + 1) * 2]!;
      const vi = d[(i * 3 + 1) * 2 + 1]!;
      res += (re - (vr - 2 * vi)) ** 2 + (im - (vi + 2 * vr)) ** 2;
    }
    expect(Math.sqrt(res)).toBeLessThan(1e-4);
  });

  it('symmetric stack [batch, n, n] in Fortran order with --which SR prints a table per matrix', async () => {
    const m = 12;
    const a = symmetricWithSpectrum(Array.from({ length: m }, (_, i) => i - 3), 5);
    const b = symmetricWithSpectrum(Array.from({ length: m }, (_, i) => 2 * i - 1), 6);
    // Fortran order: element [s, i, j] at s + 2·(i + m·j).
    const f = new Float32Array(2 * m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      f[0 + 2 * (i + m * j)] = a[i * m + j]!;
      f[1 + 2 * (i + m * j)] = b[i * m + j]!;
    }
    const bytes = new Uint8Array(dump(f, [2, m, m]));
    // npyjs writes C order; flip the header flag to describe the Fortran layout.
    const header = Array.from(bytes.subarray(0, 128), (c) => String.fromCharCode(c)).join('');
    const at = header.indexOf("'fortran_order':False");
    expect(at).toBeGreaterThan(0);
    bytes.set(Array.from("'fortran_order':True ", (c) => c.charCodeAt(0)), at);
    const fpath = join(dir, 'S.npy');
    writeFileSync(fpath, bytes);
    const { code, out, err } = await run(['eig', fpath, '--k', '2', '--which', 'SR', '--symmetric']);
    expect(code, err).toBe(0);
    expect(out).toMatch(/batch of 2/);
    expect(out).toMatch(/matrix 1:/);
    const firstValues = [...out.matchAll(/^\s+0\s+(-?[\d.e+-]+)/gm)].map((x) => Number(x[1]));
    expect(firstValues.map((x) => Math.round(x * 1e4) / 1e4)).toEqual([-3, -1]);
  });

  it('bad input exits with code 2 and a message', async () => {
    const bad = join(dir, 'R.npy');
    writeFileSync(bad, new Uint8Array(dump(new Float32Array(6), [2, 3])));
    const r1 = await run(['eig', bad]);
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(/expected a square matrix/);
    const r2 = await run(['eig', path, '--which', 'XY']);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/--which: expected one of LM, LR, SR, got "XY"/);
    const r3 = await run(['eig', join(dir, 'missing.npy')]);
    expect(r3.code).toBe(2);
  });
});
