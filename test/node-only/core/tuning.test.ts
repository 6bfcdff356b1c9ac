import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { cacheDir, fileTuningStore } from '../../../src/core/tuning-node.js';
import type { TuningRecord } from '../../../src/core/tuning.js';

const record = (shapeClass: string, winner: string): TuningRecord => ({
  kernel: 'gemm', shapeClass, timed: 'p', candidates: [{ variant: winner, ms: 1, runs: 1 }], winner, fallback: winner,
  tuningMs: 1, budgetMs: 1, timing: 'wall-clock', date: new Date(0).toISOString(),
});

describe('tuning results on disk (Node)', () => {
  it('the cache directory: WGNEURO_CACHE_DIR, then XDG_CACHE_HOME/wgneuro, then ~/.cache/wgneuro', () => {
    expect(cacheDir({ WGNEURO_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' })).toBe('/a');
    expect(cacheDir({ XDG_CACHE_HOME: '/b' })).toBe(join('/b', 'wgneuro'));
    expect(cacheDir({})).toMatch(/\.cache[/\\]wgneuro$/);
  });

  it('saves per adapter and shape class, merges with what is on disk, and survives a corrupt file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgneuro-tuning-'));
    const store = fileTuningStore(join(dir, 'nested'));
    expect(await store.load('gpu-a')).toEqual({});
    await store.save('gpu-a', record('s1', 'x'));
    // A second process writing meanwhile: its record is kept by the next save.
    await fileTuningStore(join(dir, 'nested')).save('gpu-b', record('s1', 'y'));
    await store.save('gpu-a', record('s2', 'z'));
    const onDisk = JSON.parse(readFileSync(store.location, 'utf8'));
    expect(Object.keys(onDisk).sort()).toEqual(['gpu-a', 'gpu-b']);
    expect(Object.keys(await store.load('gpu-a')).sort()).toEqual(['gemm|s1', 'gemm|s2']);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['tuning.json']);
    writeFileSync(store.location, '{"gpu-a": {"gemm|s1": ');
    expect(await store.load('gpu-a')).toEqual({});
    await store.save('gpu-a', record('s3', 'w'));
    expect(Object.keys(await store.load('gpu-a'))).toEqual(['gemm|s3']);
  });
});

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
  try {
    return { code: await main(['node', 'wgneuro', ...args]), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('wgneuro tune', () => {
  it('runs every search, keeps the winners on disk and prints them (--json, --show, table)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgneuro-tune-cli-'));
    const saved = process.env.WGNEURO_CACHE_DIR;
    process.env.WGNEURO_CACHE_DIR = dir;
    try {
      // Every candidate of GEMV (compiling all GEMM and Jacobi candidates too takes minutes on a
      // loaded CPU adapter); GEMM and Jacobi with a zero budget: only their defaults are timed.
      const tuned = await run(['tune', '--json', '--gemm', '', '--gemv', '17', '--jacobi', '', '--budget', '600000']);
      expect(tuned.code, tuned.stderr).toBe(0);
      const result = JSON.parse(tuned.stdout);
      expect(result.store).toBe(join(dir, 'tuning.json'));
      const quick = await run(['tune', '--json', '--gemm', '9', '--gemv', '', '--jacobi', '3x5', '--budget', '0']);
      expect(quick.code, quick.stderr).toBe(0);
      const zeroBudget = JSON.parse(quick.stdout).records as TuningRecord[];
      expect(zeroBudget.map((r) => [r.kernel, r.timed])).toEqual([['gemm', '9×9·9×9'], ['eig.jacobi', '3 × 5²']]);
      for (const r of zeroBudget) {
        expect(r.winner).toBe(r.fallback);
        expect(r.candidates.map((c) => c.runs > 0)).toEqual(r.candidates.map((_, i) => i === 0));
      }
      const records = result.records as TuningRecord[];
      expect(records.map((r) => [r.kernel, r.timed])).toEqual([['gemv', '17×17·x'], ['gemv', '17×17ᵀ·x']]);
      for (const r of records) {
        // A budget this large times every candidate; the winner is the fastest of them.
        expect(r.candidates.every((c) => c.runs >= 1 && c.ms! > 0)).toBe(true);
        expect(r.candidates.find((c) => c.variant === r.winner)!.ms).toBe(Math.min(...r.candidates.map((c) => c.ms!)));
        expect(r.candidates[0]!.variant).toBe(r.fallback);
      }
      const onDisk = JSON.parse(readFileSync(join(dir, 'tuning.json'), 'utf8'));
      expect(Object.keys(onDisk[result.adapterKey]).sort()).toEqual([...records, ...zeroBudget].map((r) => `${r.kernel}|${r.shapeClass}`).sort());

      const shown = await run(['tune', '--show']);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`winners kept in ${join(dir, 'tuning.json')}`);
      for (const r of [...records, ...zeroBudget]) expect(shown.stdout).toContain(`${r.winner} *`);
      expect(shown.stdout).toMatch(/search: \d+ ms of a 600000 ms budget/);
      expect(shown.stdout).toMatch(/not timed \(budget\)/);

      expect((await run(['tune', '--jacobi', '3x300'])).code).toBe(2);
      expect((await run(['tune', '--budget', '-5'])).code).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.WGNEURO_CACHE_DIR;
      else process.env.WGNEURO_CACHE_DIR = saved;
    }
  }, 600_000);
});
