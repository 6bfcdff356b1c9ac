/**
 * Sweep files on disk (Node only): the plan file, shard directories and merged results.
 *
 * A shard is a directory `shard-IIIII-of-NNNNN/` holding `shard.json` (plan, plan hash, shard,
 * work range, array list, run info) and one `.npy` per per-trial array (`results.json` for
 * experiments). A merged result is a directory holding `sweep.json` and the kept arrays as `.npy`
 * (`results.json` for experiments); it records nothing about how it was split or when it ran, so
 * results of any split compare equal byte for byte.
 *
 * Both are written into a temporary sibling directory and renamed into place; an older shard or
 * result of that name is renamed aside first and deleted after, so a reader sees the old complete
 * directory, the new complete one, or (for an instant) none, never a half-written one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { dump, parse, type DType } from 'npyjs';
import * as z from 'zod';
import { count, filePath, oneOf, parseInput, wholeNumber } from '../core/validate.js';
import { InputError } from '../gpu/errors.js';
import { readMatrixFile, readNpyHeader, tuple } from './npy.js';
import { mergeShards, networkPopulations, type ShardRecord, type SweepResult } from '../sweep/merge.js';
import { parseSweepPlan, planHash, type ShardId, type SweepPlan } from '../sweep/plan.js';
import type { ShardData, SweepArray } from '../sweep/run.js';

const SHARD_FORMAT = 'wgneuro-sweep-shard';
const RESULT_FORMAT = 'wgneuro-sweep-result';

/**
 * Read a sweep file; a model or network given as a path is read relative to the sweep file, and a
 * network's `.npy` weights relative to the network file (inlined as dense number lists, so the plan
 * that shards carry and hash is self-contained).
 */
export async function loadPlanFile(path: string): Promise<{ plan: SweepPlan; hash: string }> {
  const json = readJSON(path, 'sweep file');
  const target = (json as { target?: { kind?: unknown; network?: unknown } } | null)?.target;
  const network = target && target.kind === 'network' && typeof target.network === 'string'
    ? await loadNetworkJSON(resolve(dirname(path), target.network))
    : undefined;
  const plan = parseSweepPlan(json, (modelPath) => {
    const full = resolve(dirname(path), modelPath);
    const model = readJSON(full, 'model file');
    if (!model || typeof model !== 'object' || Array.isArray(model)) throw new InputError(`model file '${full}' must hold a JSON object`);
    return model as Record<string, unknown>;
  }, () => network!);
  return { plan, hash: await planHash(plan) };
}

/** A network file with its `.npy` weight paths replaced by `{ kind: 'dense', data, perTrial }`. */
async function loadNetworkJSON(full: string): Promise<Record<string, unknown>> {
  const net = readJSON(full, 'network file');
  if (!net || typeof net !== 'object' || Array.isArray(net)) throw new InputError(`network file '${full}' must hold a JSON object`);
  const projections = (net as { projections?: unknown }).projections;
  if (!Array.isArray(projections)) return net as Record<string, unknown>;
  const loaded = await Promise.all(projections.map(async (p: unknown, k) => {
    const weights = (p as { weights?: unknown } | null)?.weights;
    if (typeof weights !== 'string') return p;
    let m: Awaited<ReturnType<typeof readMatrixFile>>;
    try {
      m = await readMatrixFile(resolve(dirname(full), weights), { ranks: [2, 3] });
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`${full}: projections[${k}].weights: cannot read "${weights}": ${err.message.replace(/^cannot read \S+: /, '')}`);
      throw err;
    }
    return { ...(p as object), weights: { kind: 'dense', data: Array.from(m.data), perTrial: m.shape.length === 3 } };
  }));
  return { ...(net as Record<string, unknown>), projections: loaded };
}

function readJSON(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${what} '${path}': ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${what} '${path}' is not valid JSON: ${(err as Error).message}`);
  }
}

/** Directory name of a shard: `shard-00003-of-00008`. */
export function shardDirName(shard: ShardId): string {
  return `shard-${String(shard.index).padStart(5, '0')}-of-${String(shard.count).padStart(5, '0')}`;
}

const DTYPES: [new (n: number) => SweepArray, DType][] = [[Float32Array, 'f4'], [Float64Array, 'f8'], [Uint8Array, 'u1'], [Uint32Array, 'u4']];

function dtypeOf(a: SweepArray): DType {
  const entry = DTYPES.find(([ctor]) => a instanceof ctor);
  if (!entry) throw new Error('internal: unsupported array type');
  return entry[1];
}

/**
 * Create `target` as a directory filled by `fill`, atomically as seen by readers. An existing
 * `target` is replaced only when `replaceable(target)` says it is ours to replace.
 */
async function replaceDirectory(target: string, fill: (dir: string) => Promise<void>, replaceable: (dir: string) => boolean, what: string): Promise<void> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${tag}`);
  await mkdir(tmp);
  try {
    await fill(tmp);
    if (existsSync(target)) {
      if (!replaceable(target)) throw new InputError(`'${target}' exists and is not a ${what}; not replacing it`);
      const old = join(parent, `.${basename(target)}.old-${tag}`);
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

function hasFormat(dir: string, file: string, format: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    const meta = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { format?: unknown };
    return meta.format === format;
  } catch {
    return false;
  }
}

async function writeNpy(path: string, data: SweepArray, shape: number[]): Promise<void> {
  await writeFile(path, new Uint8Array(dump(data, shape, { dtype: dtypeOf(data) })));
}

/** How the shard ran, for the record (not used by merge). */
export interface ShardRunInfo {
  seconds: number;
  adapter: string;
  host: string;
  finished: string;
}

/** Write shard `data` into `outDir/<shardDirName>`, replacing an older run of that shard. Returns its path. */
export async function writeShardDir(outDir: string, plan: SweepPlan, hash: string, variables: string[], data: ShardData, run: ShardRunInfo): Promise<string> {
  const target = join(outDir, shardDirName(data.shard));
  const arrays: Record<string, { file: string; dtype: DType; length: number }> = {};
  await replaceDirectory(target, async (dir) => {
    for (const [name, a] of Object.entries(data.arrays)) {
      const file = `${name}.npy`;
      await writeNpy(join(dir, file), a, [a.length]);
      arrays[name] = { file, dtype: dtypeOf(a), length: a.length };
    }
    if (data.results) await writeFile(join(dir, 'results.json'), `${JSON.stringify(data.results)}\n`);
    const meta = {
      format: SHARD_FORMAT, version: 1, planHash: hash, shard: data.shard, begin: data.begin, end: data.end,
      variables, arrays, results: data.results ? 'results.json' : null, run, plan,
    };
    await writeFile(join(dir, 'shard.json'), `${JSON.stringify(meta, null, 2)}\n`);
  }, (dir) => hasFormat(dir, 'shard.json', SHARD_FORMAT), 'wgneuro shard');
  return target;
}

const shardMetaSchema = z.looseObject({
  format: z.literal(SHARD_FORMAT, { error: `'${SHARD_FORMAT}'` }),
  version: z.literal(1, { error: '1 (the shard format version)' }),
  planHash: z.string({ error: 'a SHA-256 hash (64 hex digits)' }).regex(/^[0-9a-f]{64}$/, { error: 'a SHA-256 hash (64 hex digits)' }),
  shard: z.strictObject({ index: wholeNumber({ min: 0 }), count: count() }, { error: 'an object { index, count }' }),
  begin: wholeNumber({ min: 0 }),
  end: wholeNumber({ min: 0 }),
  variables: z.array(z.string({ error: 'a variable name' }), { error: 'a list of variable names' }),
  arrays: z.record(z.string(), z.strictObject({
    file: z.string({ error: 'a file name such as final.npy' }).regex(/^[A-Za-z0-9_-]+\.npy$/, { error: 'a file name such as final.npy' }),
    dtype: oneOf(['f4', 'f8', 'u1', 'u4']),
    length: wholeNumber({ min: 0 }),
  }, { error: 'an object { file, dtype, length }' }), { error: 'an object { name: { file, dtype, length } }' }),
  results: z.string({ error: 'a file name or null' }).nullable(),
  plan: z.unknown(),
}, { error: 'a JSON object' });

/** Read a shard directory back, checking its metadata, its plan hash and its arrays. */
export async function readShardDir(dir: string): Promise<ShardRecord> {
  const metaPath = join(dir, 'shard.json');
  const raw = readJSON(metaPath, 'shard metadata');
  const meta = parseInput(shardMetaSchema, raw, `'${metaPath}' is not wgneuro shard metadata`, filePath);
  const plan = parseSweepPlan(meta.plan);
  if ((await planHash(plan)) !== meta.planHash) throw new InputError(`'${metaPath}': its plan does not hash to its planHash ${meta.planHash.slice(0, 12)}; the file was altered`);
  const arrays: Record<string, SweepArray> = {};
  for (const [name, a] of Object.entries(meta.arrays)) {
    // The header first (src/cli/npy.ts): a truncated or mismatched file is refused before its data is read.
    const path = join(dir, a.file);
    const { header } = await readNpyHeader(path);
    if (header.dtype !== a.dtype || header.elements !== a.length || header.shape.length !== 1 || header.byteOrder === '>') {
      throw new InputError(`'${path}' holds ${header.elements} ${header.byteOrder === '>' ? 'big-endian ' : ''}${header.dtype} values of shape ${tuple(header.shape)}, expected ${a.length} ${a.dtype} values of shape (${a.length},)`);
    }
    const bytes = await readFile(path);
    arrays[name] = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).data as SweepArray;
  }
  let results: unknown[] | undefined;
  if (meta.results) {
    const r = readJSON(join(dir, meta.results), 'shard results');
    if (!Array.isArray(r)) throw new InputError(`'${join(dir, meta.results)}' must hold a JSON array`);
    results = r;
  }
  const shard = meta.shard;
  if (shard.index >= shard.count) throw new InputError(`'${metaPath}': shard ${shard.index}/${shard.count} is not a shard index`);
  return { planHash: meta.planHash, plan, variables: meta.variables, source: dir, data: { shard, begin: meta.begin, end: meta.end, arrays, results } };
}

/**
 * The shard directories named by `paths`: each is a shard directory, or a directory whose
 * `shard-*` children are shards (an `--out` directory).
 */
export async function findShardDirs(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new InputError(`merge: '${p}' does not exist`);
    if (existsSync(join(p, 'shard.json'))) {
      found.push(p);
      continue;
    }
    const children = (await readdir(p)).filter((name) => /^shard-\d+-of-\d+$/.test(name)).sort();
    if (children.length === 0) throw new InputError(`merge: '${p}' is neither a shard directory nor a directory of shards (shard-*-of-*)`);
    found.push(...children.map((c) => join(p, c)));
  }
  return found;
}

/** Read, check and merge the shards under `paths`. */
export async function mergeShardDirs(paths: string[]): Promise<SweepResult> {
  const records = await Promise.all((await findShardDirs(paths)).map((d) => readShardDir(d)));
  return mergeShards(records);
}

/** Write a merged result directory (replacing an older result of that path). */
export async function writeResultDir(path: string, result: SweepResult): Promise<void> {
  await replaceDirectory(path, async (dir) => {
    const arrays: Record<string, { file: string; dtype: DType; shape: number[]; axes: string[] }> = {};
    for (const [name, a] of Object.entries(result.arrays)) {
      const file = `${name}.npy`;
      await writeNpy(join(dir, file), a.data, a.shape);
      arrays[name] = { file, dtype: dtypeOf(a.data), shape: a.shape, axes: a.axes };
    }
    if (result.results) await writeFile(join(dir, 'results.json'), `${JSON.stringify(result.results, null, 1)}\n`);
    const meta = {
      format: RESULT_FORMAT, version: 1, planHash: result.planHash,
      points: result.plan.points, seeds: result.plan.seeds, trials: result.plan.trials, variables: result.variables,
      ...(result.plan.target.kind === 'network' ? { populations: networkPopulations(result.plan) } : {}),
      arrays, results: result.results ? 'results.json' : null, plan: result.plan,
    };
    await writeFile(join(dir, 'sweep.json'), `${JSON.stringify(meta, null, 2)}\n`);
  }, (dir) => hasFormat(dir, 'sweep.json', RESULT_FORMAT), 'wgneuro sweep result');
}
