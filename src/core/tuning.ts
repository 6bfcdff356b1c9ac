/**
 * Tuning by measurement: a kernel with interchangeable variants (tile sizes, work per invocation,
 * workgroup size, staged or direct loads…) declares them as a {@link Tunable}; the first call on an
 * adapter for a problem class times a few candidates on a problem of that class and keeps the
 * fastest, keyed by the adapter's identity and the shape class. Winners live in memory for the
 * process and in a persistent store (a JSON file under the user's cache directory in Node,
 * IndexedDB in a browser), so a machine pays for the search once. This replaces guessing from the
 * adapter's name: SwiftShader, llvmpipe, integrated and discrete GPUs each get what is measured
 * fastest on them (the approach of ATLAS and of clBLAST's tuner, cut down to a first-use search).
 *
 * Every variant of a kernel computes the same result within the kernel's reference tolerance (the
 * tests run each against the CPU twin); only rounding order may differ, so users who need the very
 * same bits on every machine turn tuning off and get each kernel's fixed default variant.
 */

import { fileTuningStore } from '#tuning-store';
import type { TuningCandidate, TuningRecord, TuningStore } from './tuning-types.js';

export type { TuningCandidate, TuningRecord, TuningStore } from './tuning-types.js';

/** How a context tunes kernels. */
export interface TuningOptions {
  /**
   * `false`: never time variants; every kernel uses its fixed default (the same kernels, hence the
   * same rounding, on every machine). Default true, unless the environment variable
   * `WGNEURO_TUNING` is `off` (Node).
   */
  enabled?: boolean;
  /**
   * Wall-clock milliseconds one search (one kernel, one shape class) may spend timing candidates.
   * The default variant is always timed, and with a budget above 0 the first other candidate (the
   * kernel's likeliest winner); further candidates only while the budget lasts. Default 3000.
   */
  budgetMs?: number;
  /**
   * Where winners persist: `'default'` (Node: `$WGNEURO_CACHE_DIR`, else `$XDG_CACHE_HOME/wgneuro`,
   * else `~/.cache/wgneuro`, file `tuning.json`; browser: IndexedDB database `wgneuro`), `'memory'`
   * (this process only), or a store of your own. Default `'default'`.
   */
  store?: 'default' | 'memory' | TuningStore;
}

/** What a tuner needs from a context (structural, so this module does not import the context). */
export interface TunerHost {
  readonly info: { runtime: string; adapter: { vendor: string; architecture: string; device: string; description: string } };
  readonly tuning: Required<Pick<TuningOptions, 'enabled' | 'budgetMs'>> & { store: TuningStore };
  /** Whether a `time()` region is open (a search would then distort the caller's measurement). */
  readonly timing: boolean;
  time(body: () => void | Promise<void>): Promise<{ ms: number; source: string }>;
}

/** A benchmark of one problem: records one run of a variant, then frees its scratch buffers. */
export interface TuningTrial<V> {
  /** What is timed, e.g. `'1024×256·256×1024'`. */
  readonly description: string;
  /** Record one run of `variant` (compiling it on first use is awaited here, outside the timing). */
  prepare(variant: V): Promise<() => void>;
  destroy(): void;
}

/**
 * A kernel whose variants compute the same thing: what to try, what to fall back to, and how to
 * time one on a problem of a given class. `P` is the kernel's problem description (sizes and
 * flags, no data); `V` a variant.
 */
export interface Tunable<P, V, H extends TunerHost = TunerHost> {
  /** Kernel family, e.g. `'gemm'`; part of the cache key. */
  readonly name: string;
  /**
   * The class of problems that share a winner: sizes bucketed (powers of two) plus anything that
   * changes the code (transposes). Part of the cache key.
   */
  shapeClass(problem: P): string;
  /** The variant used when tuning is off or a search cannot run; always a candidate. */
  fallback(problem: P): V;
  /** Candidates valid on this device (its limits; `host` for its features) for this problem, the fallback among them. */
  candidates(problem: P, limits: GPUSupportedLimits, host: H): V[];
  /** Stable id of a variant, e.g. `'direct 8×12 wg 8×8'`; the cache stores it. */
  key(variant: V): string;
  /** Set up a timing of a problem of this class (scratch inputs, possibly a smaller representative). */
  trial(host: H, problem: P): TuningTrial<V>;
}

/** Bumped whenever variants or their meaning change, so stale winners are searched again. */
export const TUNING_VERSION = 3;

const DEFAULT_BUDGET_MS = 3000;
/** Rounds after the first, over the fastest few candidates, while the budget lasts. */
const EXTRA_ROUNDS = 2;
const EXTRA_ROUND_FINALISTS = 3;

/** Identity of an adapter for the cache: runtime family, vendor, architecture, device, description. */
export function adapterKey(host: Pick<TunerHost, 'info'>): string {
  const a = host.info.adapter;
  // Chromium's SwiftShader and Dawn-for-Node's may differ (different builds): the runtime family counts.
  const family = host.info.runtime.startsWith('browser') ? 'browser' : host.info.runtime.startsWith('node') ? 'node' : 'other';
  return `v${TUNING_VERSION}|${family}|${a.vendor}|${a.architecture}|${a.device}|${a.description}`;
}

/** A store that forgets at exit. */
export function memoryStore(): TuningStore {
  const data = new Map<string, Record<string, TuningRecord>>();
  return {
    location: 'memory',
    load: async (adapter) => ({ ...(data.get(adapter) ?? {}) }),
    save: async (adapter, record) => {
      data.set(adapter, { ...(data.get(adapter) ?? {}), [`${record.kernel}|${record.shapeClass}`]: record });
    },
  };
}

/** IndexedDB store of a browser: database `wgneuro`, object store `tuning`, one entry per adapter. */
function indexedDbStore(idb: IDBFactory): TuningStore {
  const open = (): Promise<IDBDatabase> => new Promise((resolve, reject) => {
    const req = idb.open('wgneuro', 1);
    req.onupgradeneeded = () => { req.result.createObjectStore('tuning'); };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
  });
  const run = async <T>(mode: IDBTransactionMode, body: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> => {
    const db = await open();
    try {
      return await new Promise<T | undefined>((resolve, reject) => {
        const tx = db.transaction('tuning', mode);
        const req = body(tx.objectStore('tuning'));
        tx.oncomplete = () => resolve(req ? req.result : undefined);
        tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      });
    } finally {
      db.close();
    }
  };
  return {
    location: 'IndexedDB wgneuro/tuning',
    load: async (adapter) => ((await run<Record<string, TuningRecord> | undefined>('readonly', (s) => s.get(adapter))) ?? {}),
    save: async (adapter, record) => {
      // One read-write transaction, so two tabs saving at once merge instead of overwriting.
      await run('readwrite', (s) => {
        const get = s.get(adapter);
        get.onsuccess = () => {
          const current = (get.result as Record<string, TuningRecord> | undefined) ?? {};
          s.put({ ...current, [`${record.kernel}|${record.shapeClass}`]: record }, adapter);
        };
      });
    },
  };
}

let defaultStore: Promise<TuningStore> | undefined;

/** The runtime's persistent store: a file in Node, IndexedDB in a browser, else memory. */
export function defaultTuningStore(): Promise<TuningStore> {
  defaultStore ??= (async () => {
    const g = globalThis as { indexedDB?: IDBFactory; process?: { versions?: { node?: string } }; window?: unknown; WorkerGlobalScope?: unknown };
    // A page or a Worker first (test runners may shim `process` there), as src/gpu/acquire.ts does.
    if (g.indexedDB && (g.window !== undefined || g.WorkerGlobalScope !== undefined)) return indexedDbStore(g.indexedDB);
    // '#tuning-store' (package.json "imports") is the disk store under the `node` condition and a
    // stand-in that keeps nothing elsewhere, as src/gpu does with '#device'.
    if (g.process?.versions?.node) return fileTuningStore();
    if (g.indexedDB) return indexedDbStore(g.indexedDB);
    return memoryStore();
  })();
  return defaultStore;
}

/** Whether the environment turns tuning off (`WGNEURO_TUNING=off` in Node). */
function envDisables(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.WGNEURO_TUNING?.toLowerCase();
  return v === 'off' || v === '0' || v === 'false';
}

/** The `'default'` store of a context: the runtime's store, looked up on first use. */
interface DeferredStore extends TuningStore {
  resolve(): Promise<TuningStore>;
}

/** Resolve a context's tuning options (the store lazily: only a search or a lookup needs it). */
export function resolveTuning(options: TuningOptions | boolean | undefined): { enabled: boolean; budgetMs: number; store: TuningStore } {
  const o: TuningOptions = typeof options === 'boolean' ? { enabled: options } : (options ?? {});
  const budgetMs = o.budgetMs ?? DEFAULT_BUDGET_MS;
  if (!(budgetMs >= 0) || !Number.isFinite(budgetMs)) {
    throw new TypeError(`tuning.budgetMs must be a finite number ≥ 0 (milliseconds), got ${String(o.budgetMs)}`);
  }
  const enabled = o.enabled ?? !envDisables();
  const chosen = o.store ?? 'default';
  let store: TuningStore;
  if (chosen === 'memory') store = memoryStore();
  else if (chosen === 'default') {
    // Resolved on first use so creating a context never touches the disk or IndexedDB.
    let real: Promise<TuningStore> | undefined;
    const resolve = () => (real ??= defaultTuningStore());
    const deferred: DeferredStore = {
      location: 'default',
      resolve,
      load: async (adapter) => (await resolve()).load(adapter),
      save: async (adapter, record) => (await resolve()).save(adapter, record),
    };
    store = deferred;
  } else store = chosen;
  return { enabled, budgetMs, store };
}

/** Where a host's results persist, in words (resolves the default store). */
export async function tuningLocation(host: Pick<TunerHost, 'tuning'>): Promise<string> {
  const store = host.tuning.store as Partial<DeferredStore>;
  return store.resolve ? (await store.resolve()).location : host.tuning.store.location;
}

// ------------------------------------------------------------------------------ the search

/** Winners known in this process: adapter key → `kernel|shapeClass` → record. */
const known = new Map<string, Map<string, TuningRecord>>();
/** Adapters whose store has been read into `known` (a promise, so concurrent first calls share it). */
const loaded = new Map<string, Promise<void>>();
/** Searches under way, so concurrent first calls of one class run one search. */
const running = new Map<string, Promise<TuningRecord>>();
/** Failed searches, loads and saves (reported by {@link tuningReport}; they never fail a kernel). */
const saveErrors: string[] = [];

async function ensureLoaded(host: TunerHost, adapter: string): Promise<Map<string, TuningRecord>> {
  let table = known.get(adapter);
  if (!table) known.set(adapter, (table = new Map()));
  let done = loaded.get(adapter);
  if (!done) {
    done = host.tuning.store.load(adapter).then(
      (records) => {
        for (const [k, r] of Object.entries(records)) if (!table!.has(k)) table!.set(k, r);
      },
      (err: unknown) => { saveErrors.push(`could not read tuning results: ${String(err)}`); },
    );
    loaded.set(adapter, done);
  }
  await done;
  return table;
}

/**
 * The variant of `tunable` to use for `problem` on this host: the cached winner of its shape class,
 * else the outcome of a search run now (bounded by the host's budget), else — tuning off, or a
 * `time()` region open — the fixed default.
 */
export async function chooseVariant<P, V, H extends TunerHost>(host: H, tunable: Tunable<P, V, H>, problem: P, limits: GPUSupportedLimits): Promise<V> {
  const fallback = tunable.fallback(problem);
  if (!host.tuning.enabled) return fallback;
  const candidates = tunable.candidates(problem, limits, host);
  const byKey = new Map(candidates.map((v) => [tunable.key(v), v]));
  const adapter = adapterKey(host);
  const table = await ensureLoaded(host, adapter);
  const recordKey = `${tunable.name}|${tunable.shapeClass(problem)}`;
  const cached = table.get(recordKey);
  if (cached && byKey.has(cached.winner)) return byKey.get(cached.winner)!;
  if (host.timing) return fallback;
  try {
    const record = await search(host, tunable, problem, limits);
    return byKey.get(record.winner) ?? fallback;
  } catch (err) {
    // A search that fails (scratch memory refused, a candidate the driver rejects) must not fail
    // the user's call: run the default, and say why in the report.
    saveErrors.push(`search of ${recordKey} failed, using the default variant: ${String(err)}`);
    return fallback;
  }
}

/**
 * Run the search for `problem`'s class now (even if a winner is cached) and keep its record.
 * `wgneuro tune` calls this for every kernel's standard classes; `budgetMs` overrides the host's
 * `tuning.budgetMs` for this search (default: the host's).
 */
export async function search<P, V, H extends TunerHost>(
  host: H,
  tunable: Tunable<P, V, H>,
  problem: P,
  limits: GPUSupportedLimits,
  budgetMs = host.tuning.budgetMs,
): Promise<TuningRecord> {
  const adapter = adapterKey(host);
  const recordKey = `${tunable.name}|${tunable.shapeClass(problem)}`;
  const flightKey = `${adapter}|${recordKey}`;
  const inFlight = running.get(flightKey);
  if (inFlight) return inFlight;
  const promise = (async () => {
    const table = await ensureLoaded(host, adapter);
    const record = await timeCandidates(host, tunable, problem, limits, budgetMs);
    table.set(recordKey, record);
    await host.tuning.store.save(adapter, record).catch((err: unknown) => {
      saveErrors.push(`could not save tuning results: ${String(err)}`);
    });
    return record;
  })();
  running.set(flightKey, promise);
  try {
    return await promise;
  } finally {
    running.delete(flightKey);
  }
}

const clock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

async function timeCandidates<P, V, H extends TunerHost>(
  host: H,
  tunable: Tunable<P, V, H>,
  problem: P,
  limits: GPUSupportedLimits,
  budgetMs: number,
): Promise<TuningRecord> {
  const start = clock();
  const fallback = tunable.fallback(problem);
  const fallbackKey = tunable.key(fallback);
  // The fallback first: it is always timed, so a winner never loses to an untimed default.
  const candidates = [fallback, ...tunable.candidates(problem, limits, host).filter((v) => tunable.key(v) !== fallbackKey)];
  const results: TuningCandidate[] = candidates.map((v) => ({ variant: tunable.key(v), runs: 0 }));
  const trial = tunable.trial(host, problem);
  let timing = 'wall-clock';
  try {
    const timeOne = async (i: number) => {
      const record = await trial.prepare(candidates[i]!);
      const t = await host.time(record);
      timing = t.source;
      const r = results[i]!;
      r.runs++;
      r.ms = r.ms === undefined ? t.ms : Math.min(r.ms, t.ms);
    };
    // A first, untimed run of the fallback touches the scratch buffers (first-use page faults and
    // lazy allocation would otherwise be charged to whichever candidate runs first).
    await host.time(await trial.prepare(fallback));
    // The fallback always, and with any budget above 0 also the first other candidate (each
    // kernel lists its likeliest winner first): on a slow adapter one run of a slow default can
    // spend a few seconds of budget alone, and the search would then keep the default untimed
    // against anything better. Budget 0 keeps the fallback-only search.
    const alwaysTimed = budgetMs > 0 ? 2 : 1;
    for (let i = 0; i < candidates.length; i++) {
      if (i >= alwaysTimed && clock() - start > budgetMs) break;
      await timeOne(i);
    }
    // Up to two more rounds over the three fastest while the budget lasts, keeping each one's
    // fastest run: a single run is noisy on a shared machine, and the minimum is the run least
    // disturbed by other work.
    const ranked = results.map((r, i) => [r.ms ?? Infinity, i] as const).filter(([ms]) => ms < Infinity).sort((a, b) => a[0] - b[0]);
    const finalists = ranked.length > 1 ? ranked.slice(0, EXTRA_ROUND_FINALISTS) : [];
    rounds: for (let round = 0; round < EXTRA_ROUNDS; round++) {
      for (const [, i] of finalists) {
        if (clock() - start > budgetMs) break rounds;
        await timeOne(i);
      }
    }
  } finally {
    trial.destroy();
  }
  let best = 0;
  results.forEach((r, i) => { if ((r.ms ?? Infinity) < (results[best]!.ms ?? Infinity)) best = i; });
  return {
    kernel: tunable.name,
    shapeClass: tunable.shapeClass(problem),
    timed: trial.description,
    candidates: results,
    winner: results[best]!.variant,
    fallback: fallbackKey,
    tuningMs: clock() - start,
    budgetMs,
    timing,
    date: new Date().toISOString(),
  };
}

/** Everything known for this host's adapter: records of this process plus those loaded from the store. */
export async function tuningReport(host: TunerHost): Promise<{ adapter: string; records: TuningRecord[]; errors: string[] }> {
  const adapter = adapterKey(host);
  const table = await ensureLoaded(host, adapter);
  return { adapter, records: [...table.values()], errors: [...saveErrors] };
}

/** Forget every winner held in memory (the persistent store is untouched); for tests and `wgneuro tune --fresh`. */
export function forgetTuning(): void {
  known.clear();
  loaded.clear();
  saveErrors.length = 0;
}

/** Power-of-two bucket of a size for shape classes: 1, 2, 4, …, capped at `cap` ('>cap' above). */
export function sizeBucket(size: number, cap = 4096): string {
  if (size > cap) return `>${cap}`;
  let b = 1;
  while (b < size) b *= 2;
  return `≤${b}`;
}
