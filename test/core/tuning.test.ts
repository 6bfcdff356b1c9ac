import { beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/core/context.js';
import {
  adapterKey, chooseVariant, defaultTuningStore, forgetTuning, memoryStore, search, tuningReport,
  type Tunable, type TunerHost, type TuningRecord, type TuningStore,
} from '../../src/core/tuning.js';
import { InputError } from '../../src/gpu/errors.js';
import { matmul } from '../../src/linalg/index.js';
import { gemmTunable } from '../../src/internal.js';
import { matmulRef } from '../../src/reference/linalg.js';
import { gpuIt, testContext } from '../helpers/device.js';
import { absOf, expectWithinDotBound, randomF32 } from '../linalg/helpers.js';

/**
 * The search logic on a scripted host: each variant "takes" a fixed number of ms, so which one wins
 * and what is recorded are known exactly (timings of real kernels are never asserted).
 */
function scriptedHost(costs: Record<string, number>, options: { enabled?: boolean; budgetMs?: number; store?: TuningStore; timing?: boolean } = {}) {
  let current = '';
  const timed: string[] = [];
  const host: TunerHost & { timed: string[]; select(v: string): void } = {
    info: { runtime: 'node test', adapter: { vendor: 'test', architecture: 'scripted', device: String(Math.random()), description: '' } },
    tuning: { enabled: options.enabled ?? true, budgetMs: options.budgetMs ?? 10_000, store: options.store ?? memoryStore() },
    timing: options.timing ?? false,
    timed,
    select(v) { current = v; },
    async time(body) {
      await body();
      timed.push(current);
      // A real pause, so a budget of 0 ms is spent after the first timing on any clock resolution.
      await new Promise((r) => setTimeout(r, 2));
      return { ms: costs[current]!, source: 'scripted' };
    },
  };
  return host;
}

type Host = ReturnType<typeof scriptedHost>;

/** A tunable over named variants; counts trials so tests can tell a search from a cache hit. */
function namedTunable(names: string[], fallback = names[0]!) {
  const t: Tunable<{ size: number }, string, Host> & { trials: number } = {
    name: 'scripted',
    trials: 0,
    shapeClass: (p) => `size${p.size}`,
    fallback: () => fallback,
    candidates: () => names,
    key: (v) => v,
    trial(host) {
      t.trials++;
      return { description: 'scripted problem', prepare: async (v) => () => host.select(v), destroy() {} };
    },
  };
  return t;
}

const limits = {} as GPUSupportedLimits;

describe('tuning: the search on a scripted host', () => {
  beforeEach(() => forgetTuning());

  it('times every candidate within the budget, picks the fastest and caches it per shape class', async () => {
    const host = scriptedHost({ a: 5, b: 2, c: 3 });
    const tunable = namedTunable(['a', 'b', 'c']);
    expect(await chooseVariant(host, tunable, { size: 1 }, limits)).toBe('b');
    expect(tunable.trials).toBe(1);
    // The fallback warms up once (untimed), then a, b, c; then two more rounds over the three fastest.
    expect(host.timed).toEqual(['a', 'a', 'b', 'c', 'b', 'c', 'a', 'b', 'c', 'a']);
    expect(await chooseVariant(host, tunable, { size: 1 }, limits)).toBe('b');
    expect(tunable.trials).toBe(1);
    await chooseVariant(host, tunable, { size: 2 }, limits);
    expect(tunable.trials).toBe(2);
    const report = await tuningReport(host);
    const record = report.records.find((r) => r.shapeClass === 'size1')!;
    expect(record).toMatchObject({ kernel: 'scripted', winner: 'b', fallback: 'a', timed: 'scripted problem', timing: 'scripted' });
    expect(record.candidates).toEqual([{ variant: 'a', ms: 5, runs: 3 }, { variant: 'b', ms: 2, runs: 3 }, { variant: 'c', ms: 3, runs: 3 }]);
  });

  it('stops at the budget: with 0 ms only the fallback is timed, and it wins', async () => {
    const host = scriptedHost({ a: 5, b: 2, c: 3 }, { budgetMs: 0 });
    const tunable = namedTunable(['c', 'b', 'a'], 'a');
    expect(await chooseVariant(host, tunable, { size: 1 }, limits)).toBe('a');
    const record = (await tuningReport(host)).records[0]!;
    expect(record.candidates.map((c) => [c.variant, c.runs])).toEqual([['a', 1], ['c', 0], ['b', 0]]);
    expect(record.budgetMs).toBe(0);
  });

  it('with a budget above 0 but spent by the fallback, still times the first other candidate', async () => {
    const host = scriptedHost({ a: 5, b: 2, c: 3 }, { budgetMs: 1e-9 });
    const tunable = namedTunable(['a', 'b', 'c'], 'a');
    expect(await chooseVariant(host, tunable, { size: 1 }, limits)).toBe('b');
    const record = (await tuningReport(host)).records[0]!;
    expect(record.candidates.map((c) => [c.variant, c.runs])).toEqual([['a', 1], ['b', 1], ['c', 0]]);
  });

  it('tuning off, or a time() region open, gives the fallback without timing anything', async () => {
    const off = scriptedHost({ a: 5, b: 2 }, { enabled: false });
    const t1 = namedTunable(['a', 'b']);
    expect(await chooseVariant(off, t1, { size: 1 }, limits)).toBe('a');
    expect(t1.trials).toBe(0);
    const inside = scriptedHost({ a: 5, b: 2 }, { timing: true });
    const t2 = namedTunable(['a', 'b']);
    expect(await chooseVariant(inside, t2, { size: 1 }, limits)).toBe('a');
    expect(t2.trials).toBe(0);
    expect((await tuningReport(inside)).records).toEqual([]);
  });

  it('a winner persists through the store; a stale winner (no longer a candidate) is searched again', async () => {
    const store = memoryStore();
    const host = scriptedHost({ a: 5, b: 2, c: 1 }, { store });
    await chooseVariant(host, namedTunable(['a', 'b']), { size: 1 }, limits);
    forgetTuning();
    const again = namedTunable(['a', 'b']);
    expect(await chooseVariant(host, again, { size: 1 }, limits)).toBe('b');
    expect(again.trials).toBe(0);
    forgetTuning();
    const changed = namedTunable(['a', 'c']);
    expect(await chooseVariant(host, changed, { size: 1 }, limits)).toBe('c');
    expect(changed.trials).toBe(1);
  });

  it('concurrent first calls of one class share one search', async () => {
    const host = scriptedHost({ a: 5, b: 2 });
    const tunable = namedTunable(['a', 'b']);
    const picks = await Promise.all([1, 2, 3].map(() => chooseVariant(host, tunable, { size: 1 }, limits)));
    expect(picks).toEqual(['b', 'b', 'b']);
    expect(tunable.trials).toBe(1);
  });

  it("the runtime's own store (a file in Node, IndexedDB in a browser) keeps records per adapter", async () => {
    const store = await defaultTuningStore();
    const adapter = `test-adapter-${Math.random()}`;
    const record = (shapeClass: string, winner: string): TuningRecord => ({
      kernel: 'k', shapeClass, timed: 'p', candidates: [{ variant: winner, ms: 1, runs: 1 }], winner, fallback: winner,
      tuningMs: 1, budgetMs: 1, timing: 'wall-clock', date: new Date(0).toISOString(),
    });
    await store.save(adapter, record('s1', 'x'));
    await store.save(adapter, record('s2', 'y'));
    await store.save(adapter, record('s1', 'z'));
    const loaded = await store.load(adapter);
    expect(Object.keys(loaded).sort()).toEqual(['k|s1', 'k|s2']);
    expect(loaded['k|s1']!.winner).toBe('z');
    expect(await store.load(`${adapter}-other`)).toEqual({});
    expect(store.location).not.toBe('memory');
  });
});

describe('tuning: on the device', () => {
  it('rejects a bad budget when the context is created', async () => {
    await expect(createContext({ tuning: { budgetMs: -1 } })).rejects.toThrow(InputError);
    await expect(createContext({ tuning: { budgetMs: -1 } })).rejects.toThrow(/budgetMs must be a finite number ≥ 0/);
  });

  gpuIt('a first matmul runs a bounded search; its winner computes the reference product', async (ctx, track) => {
    forgetTuning();
    // The shared context's store is the default one (a private directory in tests); search a shape
    // class no other test uses, then check the product and the record.
    const [m, n, k] = [37, 45, 29];
    const a = randomF32(m * k, 11);
    const b = randomF32(k * n, 12);
    const C = track(await matmul(ctx, track(ctx.tensor([m, k], { data: a })), track(ctx.tensor([k, n], { data: b }))));
    expectWithinDotBound(await C.read(), matmulRef(a, b, m, n, k), matmulRef(absOf(a), absOf(b), m, n, k), k, 'C');
    const report = await tuningReport(ctx);
    expect(report.adapter).toBe(adapterKey(ctx));
    const record = report.records.find((r) => r.kernel === 'gemm' && r.shapeClass === gemmTunable.shapeClass({ m, n, k, batch: 1, transA: false, transB: false }))!;
    expect(record).toBeDefined();
    expect(record.timed).toBe(`${m}×${k}·${k}×${n}`);
    const timed = record.candidates.filter((c) => c.runs > 0);
    expect(timed[0]!.variant).toBe(record.fallback);
    expect(Math.min(...timed.map((c) => c.ms!))).toBe(record.candidates.find((c) => c.variant === record.winner)!.ms);
    // Searching again re-times (what `wgneuro tune` does) and keeps a fresh record.
    const again = await search(ctx, gemmTunable, { m, n, k, batch: 1, transA: false, transB: false }, ctx.limits);
    expect(again.date >= record.date).toBe(true);
  });

  gpuIt('tuning off: kernels use their fixed defaults and nothing is searched', async () => {
    const shared = await testContext();
    const ctx = await createContext({ device: shared!.device, tuning: false });
    forgetTuning();
    const A = ctx.tensor([9, 7], { data: randomF32(63, 1) });
    const B = ctx.tensor([7, 5], { data: randomF32(35, 2) });
    const C = await matmul(ctx, A, B);
    await C.read();
    const shapeClass = gemmTunable.shapeClass({ m: 9, n: 5, k: 7, batch: 1, transA: false, transB: false });
    expect((await tuningReport(ctx)).records.filter((r) => r.kernel === 'gemm' && r.shapeClass === shapeClass)).toEqual([]);
    ctx.destroy();
  });
});
