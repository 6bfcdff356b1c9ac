import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dump, parse } from 'npyjs';
import { main } from '../../../src/cli/main.js';
import { matmulRef, sqrtmRef } from '../../../src/reference/linalg.js';
import { npyBytes } from '../../helpers/npy.js';
import { randomF32, U } from '../../linalg/helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgneuro-linalg-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'wgneuro', ...args]);
    return { code, stderr };
  } finally {
    spy.mockRestore();
  }
}

async function load(path: string) {
  const bytes = await readFile(path);
  return parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

describe('wgneuro matmul / sqrtm on .npy files', () => {
  it('matmul of a float64 (NumPy-written) and a float32 file, with --transA, writes float32 or float64', async () => {
    const [m, k, n] = [9, 14, 6];
    const a = Float64Array.from(randomF32(k * m, 1)); // stored k × m, used transposed
    const b = randomF32(k * n, 2);
    await writeFile(join(dir, 'A.npy'), npyBytes('<f8', false, [k, m], a));
    await writeFile(join(dir, 'B.npy'), new Uint8Array(dump(b, [k, n])));
    expect((await run('matmul', join(dir, 'A.npy'), join(dir, 'B.npy'), '--transA', '-o', join(dir, 'C.npy'))).code).toBe(0);
    const c = await load(join(dir, 'C.npy'));
    expect(c.dtype).toBe('f4');
    expect(c.shape).toEqual([m, n]);
    const expected = matmulRef(a, b, m, n, k, { transA: true });
    // |aᵢⱼ|, |bᵢⱼ| ≤ 1: the f32 dot-product bound (k + 2)·u·k, doubled for FMA ordering.
    for (let i = 0; i < m * n; i++) expect(Math.abs((c.data as Float32Array)[i]! - expected[i]!)).toBeLessThan(2 * (k + 2) * U * k);
    expect((await run('matmul', join(dir, 'A.npy'), join(dir, 'B.npy'), '--transA', '--float64', '-o', join(dir, 'C64.npy'))).code).toBe(0);
    const c64 = await load(join(dir, 'C64.npy'));
    expect(c64.dtype).toBe('f8');
    expect([...(c64.data as Float64Array)]).toEqual([...(c.data as Float32Array)]);
  });

  it('sqrtm and --inverse of an SPD matrix', async () => {
    const n = 10;
    const x = randomF32(n * n, 3);
    const c = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = i === j ? 0.5 : 0;
      for (let l = 0; l < n; l++) s += (x[i * n + l]! * x[j * n + l]!) / n;
      c[i * n + j] = s;
    }
    await writeFile(join(dir, 'spd.npy'), npyBytes('<f8', false, [n, n], c));
    const r = await run('sqrtm', join(dir, 'spd.npy'), '-o', join(dir, 'S.npy'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/iterations, residual/);
    const s = (await load(join(dir, 'S.npy'))).data as Float32Array;
    const ref = sqrtmRef(Float32Array.from(c), n);
    // κ(C) ≲ 20 here: relative error ~ 1e-6 (see test/linalg/sqrtm.test.ts); 1e-4 absolute on entries ≤ ~1.
    for (let i = 0; i < n * n; i++) expect(Math.abs(s[i]! - ref[i]!)).toBeLessThan(1e-4);
    expect((await run('sqrtm', join(dir, 'spd.npy'), '--inverse', '-q', '-o', join(dir, 'Si.npy'))).code).toBe(0);
    const si = (await load(join(dir, 'Si.npy'))).data as Float32Array;
    // S · S⁻¹ = I
    const prod = matmulRef(s, si, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(prod[i * n + j]! - (i === j ? 1 : 0))).toBeLessThan(1e-4);
  });

  it('clear errors (exit code 2) for dtype, order, byte order, rank, shapes, missing files and device limits', async () => {
    const f = (name: string) => join(dir, name);
    await writeFile(f('int.npy'), npyBytes('<i8', false, [2, 2], new BigInt64Array(4)));
    await writeFile(f('fortran.npy'), npyBytes('<f8', true, [2, 2], new Float64Array(4)));
    await writeFile(f('big.npy'), npyBytes('>f4', false, [2, 2], new Float32Array(4)));
    await writeFile(f('vec.npy'), npyBytes('<f4', false, [3], new Float32Array(3)));
    await writeFile(f('m23.npy'), npyBytes('<f4', false, [2, 3], new Float32Array(6)));
    await writeFile(f('inf.npy'), npyBytes('<f8', false, [1, 1], new Float64Array([1e300])));
    await writeFile(f('tall.npy'), npyBytes('<f4', false, [40000, 1], new Float32Array(40000)));
    await writeFile(f('wide.npy'), npyBytes('<f4', false, [1, 40000], new Float32Array(40000)));
    const cases: [string[], RegExp][] = [
      [['matmul', f('int.npy'), f('m23.npy'), '-o', f('o.npy')], /dtype int64; expected float32 or float64/],
      [['matmul', f('fortran.npy'), f('m23.npy'), '-o', f('o.npy')], /Fortran/],
      [['matmul', f('big.npy'), f('m23.npy'), '-o', f('o.npy')], /big-endian/],
      [['matmul', f('vec.npy'), f('m23.npy'), '-o', f('o.npy')], /shape \(3,\), rank 1/],
      [['matmul', f('m23.npy'), f('m23.npy'), '-o', f('o.npy')], /inner dimensions 3 and 2 differ/],
      [['matmul', f('inf.npy'), f('inf.npy'), '-o', f('o.npy')], /overflows float32/],
      [['matmul', f('missing.npy'), f('m23.npy'), '-o', f('o.npy')], /cannot read .*ENOENT/],
      [['sqrtm', f('m23.npy'), '-o', f('o.npy')], /shape \(2, 3\); expected a square matrix/],
      // 40000 × 40000 f32 = 6.4 GB, over every device's maxBufferSize/maxStorageBufferBindingSize.
      [['matmul', f('tall.npy'), f('wide.npy'), '-o', f('o.npy')], /LimitError: 'cli\.C' needs .* this device allows at most/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});
