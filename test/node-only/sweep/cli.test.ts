/**
 * `wgneuro sweep` with files: plan printing, shards written atomically and merged byte-identically
 * to one shard, reruns that replace only their shard, merge errors through the CLI, Slurm scripts,
 * an experiment target and a network target.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, parse } from 'npyjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as cli } from '../../helpers/cli.js';

async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  expect(r.code, `wgneuro ${args.join(' ')}\n${r.err}`).toBe(0);
  return r.out;
}

/** Every file of two directories, byte for byte. */
function expectSameFiles(a: string, b: string): void {
  const files = readdirSync(a).sort();
  expect(readdirSync(b).sort()).toEqual(files);
  for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), `${f} differs`).toBe(true);
}

function npy(path: string): { data: ArrayLike<number>; shape: number[] } {
  const bytes = readFileSync(path);
  const a = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return { data: a.data as unknown as ArrayLike<number>, shape: a.shape };
}

describe('wgneuro sweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wgneuro-sweep-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // The model is given as a path relative to the sweep file, as users write it.
  mkdirSync(join(dir, 'models'));
  writeFileSync(join(dir, 'models', 'ou.json'), readFileSync('examples/models/ou.json'));
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, JSON.stringify({
    version: 1,
    target: { kind: 'model', model: 'models/ou.json', steps: 60, dt: 0.05 },
    grid: { theta: [0.5, 2], sigma: [0.3] },
    points: [{ theta: 1, mu: 0.5 }],
    seeds: [2, 7],
    trials: 13,
    keep: ['final', 'mean', 'variance', 'flags'],
  }));

  it('prints the plan: points × seeds × trials and memory per shard', async () => {
    const text = await ok(['sweep', plan, '--shards', '4']);
    expect(text).toMatch(/3 point\(s\) × 2 seed\(s\) × 13 trial\(s\) = 78 trials/);
    expect(text).toMatch(/4 shard\(s\) of at most 20 trials/);
    expect(text).toMatch(/memory per shard: about [\d.]+ [KMG]iB host, at most [\d.]+ [KMG]iB GPU/);
    const json = JSON.parse(await ok(['sweep', plan, '--shards', '4', '--json']));
    expect(json).toMatchObject({ points: 3, seeds: 2, trials: 13, units: 78, shards: 4, unitsPerShard: 20 });
    expect(json.planHash).toMatch(/^[0-9a-f]{64}$/);
    const tooMany = await cli(['sweep', plan, '--shards', '79']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.err).toMatch(/shards: expected a whole number from 1 to 78 .*got 79/);
    const notCount = await cli(['sweep', plan, '--shards', '2.5']);
    expect(notCount.code).toBe(2);
    expect(notCount.err).toMatch(/--shards: expected a whole number ≥ 1, got "2\.5"/);
  });

  it('merges 2, 3 and 7 shards byte-identically to one; a rerun replaces only its shard', async () => {
    await ok(['sweep', plan, '--shard', '0/1', '--out', join(dir, 's1')]);
    await ok(['sweep', 'merge', join(dir, 's1'), '-o', join(dir, 'r1')]);
    for (const count of [2, 3, 7]) {
      for (let i = 0; i < count; i++) await ok(['sweep', plan, '--shard', `${i}/${count}`, '--out', join(dir, `s${count}`)]);
      await ok(['sweep', 'merge', join(dir, `s${count}`), '-o', join(dir, `r${count}`)]);
      expectSameFiles(join(dir, 'r1'), join(dir, `r${count}`));
    }
    const final = npy(join(dir, 'r1', 'final.npy'));
    expect(final.shape).toEqual([3, 2, 13, 1]);
    // OU from x0 = 1 at t = 3: mean e^(-θt); the listed point moved mu to 0.5.
    const mean = npy(join(dir, 'r1', 'mean.npy'));
    expect(mean.shape).toEqual([3, 1]);
    expect(Math.abs(mean.data[1]! - Math.exp(-6))).toBeLessThan(0.15);
    expect(Math.abs(mean.data[2]! - (0.5 + 0.5 * Math.exp(-3)))).toBeLessThan(0.2);
    // The shard's raw per-trial data is the merged array, in the same order.
    const raw = npy(join(dir, 's1', 'shard-00000-of-00001', 'final.npy'));
    expect(Buffer.from(new Float32Array(raw.data as Float32Array).buffer).equals(Buffer.from(new Float32Array(final.data as Float32Array).buffer))).toBe(true);

    // Rerun shard 4/7: a new directory replaces it; the other shards are untouched; no temporaries remain.
    const shards = join(dir, 's7');
    const before = Object.fromEntries(readdirSync(shards).map((d) => [d, statSync(join(shards, d)).ino]));
    await ok(['sweep', plan, '--shard', '4/7', '--out', shards]);
    const after = Object.fromEntries(readdirSync(shards).map((d) => [d, statSync(join(shards, d)).ino]));
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const d of Object.keys(before)) {
      if (d === 'shard-00004-of-00007') expect(after[d]).not.toBe(before[d]);
      else expect(after[d]).toBe(before[d]);
    }
    await ok(['sweep', 'merge', shards, '-o', join(dir, 'r7')]);
    expectSameFiles(join(dir, 'r1'), join(dir, 'r7'));
  });

  it('names missing, duplicate and foreign shards, and refuses to replace what it did not write', async () => {
    const shards = join(dir, 'errs');
    for (const i of [0, 2]) await ok(['sweep', plan, '--shard', `${i}/3`, '--out', shards]);
    const missing = await cli(['sweep', 'merge', shards, '-o', join(dir, 'rx')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing shard\(s\) 1 of 3 \(plan [0-9a-f]{12}\); rerun them with --shard i\/3/);
    await ok(['sweep', plan, '--shard', '1/3', '--out', shards]);
    const one = join(shards, 'shard-00001-of-00003');
    const duplicate = await cli(['sweep', 'merge', shards, one, '-o', join(dir, 'rx')]);
    expect(duplicate.err).toMatch(/shard 1\/3 given 2 times/);
    // A shard of another plan (other seeds) in the mix.
    const other = join(dir, 'other.json');
    writeFileSync(other, readFileSync(plan, 'utf8').replace('"seeds":[2,7]', '"seeds":[2,8]'));
    await ok(['sweep', other, '--shard', '1/3', '--out', join(dir, 'other')]);
    const foreign = await cli(['sweep', 'merge', join(shards, 'shard-00000-of-00003'), join(dir, 'other', 'shard-00001-of-00003'), join(shards, 'shard-00002-of-00003'), '-o', join(dir, 'rx')]);
    expect(foreign.code).toBe(2);
    expect(foreign.err).toMatch(/shards of different plans: '.*other\/shard-00001-of-00003' \(plan [0-9a-f]{12}\) differ from/);
    // An altered shard is caught by its plan hash.
    const meta = join(shards, 'shard-00002-of-00003', 'shard.json');
    const saved = readFileSync(meta, 'utf8');
    writeFileSync(meta, saved.replace('"trials": 13', '"trials": 14'));
    expect((await cli(['sweep', 'merge', shards, '-o', join(dir, 'rx')])).err).toMatch(/does not hash to its planHash/);
    writeFileSync(meta, saved);
    // A truncated data file is caught against the metadata's length.
    const flags = join(shards, 'shard-00002-of-00003', 'flags.npy');
    const flagBytes = readFileSync(flags);
    writeFileSync(flags, Buffer.from(dump(new Uint8Array(3), [3])));
    expect((await cli(['sweep', 'merge', shards, '-o', join(dir, 'rx')])).err).toMatch(/flags\.npy' holds 3 u1 values of shape \(3,\), expected 26 u1 values of shape \(26,\)/);
    writeFileSync(flags, flagBytes);
    await ok(['sweep', 'merge', shards, '-o', join(dir, 'rx')]);
    // Nothing the user had is replaced: a directory that is not a result stays as it was.
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    const refused = await cli(['sweep', 'merge', shards, '-o', mine]);
    expect(refused.err).toMatch(/exists and is not a wgneuro sweep result; not replacing it/);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
    for (const d of [dir, shards, join(dir, 's7')]) expect(readdirSync(d).filter((f) => f.startsWith('.')), d).toEqual([]);
    const progress = await cli(['sweep', plan, '--shard', '0/2', '--out', join(dir, 'progress'), '--progress']);
    expect(progress.code).toBe(0);
    expect(progress.err).toMatch(/shard 0\/2 \[=+\] 100%/);
    const badShard = await cli(['sweep', plan, '--shard', '3/3']);
    expect(badShard.err).toMatch(/--shard: expected i\/N with 0 ≤ i < N/);
    // Shard metadata is checked field by field before any array is read.
    const metaPath = join(shards, 'shard-00001-of-00003', 'shard.json');
    const metaText = readFileSync(metaPath, 'utf8');
    writeFileSync(metaPath, metaText.replace('"dtype": "u1"', '"dtype": "i1"'));
    expect((await cli(['sweep', 'merge', shards, '-o', join(dir, 'rx')])).err).toMatch(/is not wgneuro shard metadata: arrays\.flags\.dtype: expected one of f4, f8, u1, u4, got "i1"/);
    writeFileSync(metaPath, metaText);
  });

  it('writes a Slurm job array and a merge job with the sbatch options passed through', async () => {
    const out = join(dir, 'slurm-out');
    const text = await ok(['sweep', plan, '--slurm', '--shards', '5', '--out', out, '--result', join(dir, 'slurm-result'),
      '--sbatch-opt=--gres=gpu:1', '--sbatch-opt', '--partition=gpu', '--merge-sbatch-opt=--time=00:10:00', '--max-concurrent', '2']);
    expect(text).toMatch(/shards\.sbatch \(5 array tasks\)/);
    expect(text).toMatch(/sbatch --dependency=afterok:\$id/);
    const array = readFileSync(join(out, 'slurm', 'shards.sbatch'), 'utf8');
    expect(array).toMatch(/^#SBATCH --array=0-4%2$/m);
    expect(array).toMatch(/^#SBATCH --gres=gpu:1\n#SBATCH --partition=gpu$/m);
    expect(array).toContain(`sweep ${plan} --shard "\${SLURM_ARRAY_TASK_ID}/5" --out ${out}`);
    expect(array.indexOf('#SBATCH')).toBeLessThan(array.indexOf('set -euo'));
    const merge = readFileSync(join(out, 'slurm', 'merge.sbatch'), 'utf8');
    expect(merge).toMatch(/^#SBATCH --time=00:10:00$/m);
    expect(merge).toMatch(/^#SBATCH --kill-on-invalid-dep=yes$/m);
    expect(merge).not.toContain('gpu');
    expect(merge).toContain(`sweep merge ${out} -o ${join(dir, 'slurm-result')}`);
    // The Kubernetes example: as many completions as shards named in --shard, merge of the same directory.
    const job = readFileSync('examples/kubernetes/sweep-indexed-job.yaml', 'utf8');
    const completions = /^\s+completions: (\d+)/m.exec(job)?.[1];
    expect(job).toMatch(/^\s+completionMode: Indexed/m);
    expect(job).toContain(`--shard "$JOB_COMPLETION_INDEX/${completions}" --out /data/plan.shards`);
    expect(readFileSync('examples/kubernetes/sweep-merge-job.yaml', 'utf8')).toContain('"merge", "/data/plan.shards", "-o"');
    const bad = await cli(['sweep', plan, '--slurm', '--sbatch-opt', 'gres=gpu:1']);
    expect(bad.err).toMatch(/--sbatch-opt: expected one sbatch option such as --gres=gpu:1, got 'gres=gpu:1'/);
  });

  it('sweeps an experiment over a grid and seeds; shards merge to the same results', async () => {
    const expPlan = join(dir, 'lif.json');
    writeFileSync(expPlan, JSON.stringify({
      target: { kind: 'experiment', name: 'lif-rate', params: { tauS: [0.1], trials: 16, duration: 20, warmup: 2 } },
      grid: { gE: [0.5, 0.7] },
      seeds: [1, 2],
    }));
    await ok(['sweep', expPlan, '--shard', '0/1', '--out', join(dir, 'e1')]);
    for (const i of [0, 1, 2]) await ok(['sweep', expPlan, '--shard', `${i}/3`, '--out', join(dir, 'e3')]);
    await ok(['sweep', 'merge', join(dir, 'e1'), '-o', join(dir, 'er1')]);
    await ok(['sweep', 'merge', join(dir, 'e3'), '-o', join(dir, 'er3')]);
    // Equal but for the wall-clock time lif-rate reports of each run.
    const untimed = (path: string): string => JSON.stringify(JSON.parse(readFileSync(path, 'utf8')), (key, value: unknown) => (key === 'wallMs' ? undefined : value));
    expect(untimed(join(dir, 'er3', 'results.json'))).toBe(untimed(join(dir, 'er1', 'results.json')));
    expect(readFileSync(join(dir, 'er3', 'sweep.json')).equals(readFileSync(join(dir, 'er1', 'sweep.json')))).toBe(true);
    const results = JSON.parse(readFileSync(join(dir, 'er1', 'results.json'), 'utf8')) as { point: { gE: number }; seed: number; result: { params: { gE: number; seed: number } } }[];
    expect(results.map((r) => [r.point.gE, r.seed])).toEqual([[0.5, 1], [0.5, 2], [0.7, 1], [0.7, 2]]);
    for (const r of results) expect([r.result.params.gE, r.result.params.seed]).toEqual([r.point.gE, r.seed]);
    const wrong = join(dir, 'lif-bad.json');
    writeFileSync(wrong, JSON.stringify({ target: { kind: 'experiment', name: 'lif-rate' }, grid: { gE: ['high'] } }));
    expect((await cli(['sweep', wrong])).err).toMatch(/sweep file: point 0: gE: expected a finite number.*, got "high"/);
    // Experiment parameters are checked against their declared bounds, as `wgneuro run --name` checks them.
    writeFileSync(wrong, JSON.stringify({ target: { kind: 'experiment', name: 'lif-rate', params: { trials: 2.5 } }, grid: { tauS: [[0.1, -1]] } }));
    expect((await cli(['sweep', wrong])).err).toMatch(/sweep file: target\.params: trials: expected a whole number ≥ 1, got 2\.5/);
    writeFileSync(wrong, JSON.stringify({ target: { kind: 'experiment', name: 'lif-rate' }, grid: { tauS: [[0.1, -1]] } }));
    expect((await cli(['sweep', wrong])).err).toMatch(/sweep file: point 0: tauS\[1\]: expected a finite number > 0, got -1/);
  });

  it('sweeps a network file over population parameters; shards of whole points merge byte-identically', async () => {
    // The network and its .npy weights are read relative to the sweep file, then inlined into the plan.
    mkdirSync(join(dir, 'networks'));
    for (const f of ['rate.json', 'rate-W.npy']) writeFileSync(join(dir, 'networks', f), readFileSync(join('examples/networks', f)));
    const netPlan = join(dir, 'net.json');
    writeFileSync(netPlan, JSON.stringify({
      target: { kind: 'network', network: 'networks/rate.json', steps: 40, dt: 0.05, timeUnit: 's' },
      grid: { 'R.h': [0, 2] },
      points: [{ 'R.h': 1, 'R.sigma': 0 }],
      seeds: [1, 5],
      trials: 4,
    }));
    const text = await ok(['sweep', netPlan, '--shards', '2']);
    expect(text).toMatch(/network 'linear-rate', 40 steps of dt = 0\.05 s/);
    expect(text).toMatch(/3 point\(s\) × 2 seed\(s\) × 4 trial\(s\) = 24 trials in 3 points \(a point is never split\)/);
    expect(text).toMatch(/2 shard\(s\) of at most 2 points/);
    expect(text).toMatch(/point 2: \{"R\.h":1,"R\.sigma":0\}/);
    const tooMany = await cli(['sweep', netPlan, '--shards', '4']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.err).toMatch(/shards: expected a whole number from 1 to 3 \(points of this network plan; a point is never split\), got 4/);
    await ok(['sweep', netPlan, '--shard', '0/1', '--out', join(dir, 'n1')]);
    await ok(['sweep', 'merge', join(dir, 'n1'), '-o', join(dir, 'nr1')]);
    for (const i of [0, 1]) await ok(['sweep', netPlan, '--shard', `${i}/2`, '--out', join(dir, 'n2')]);
    await ok(['sweep', 'merge', join(dir, 'n2'), '-o', join(dir, 'nr2')]);
    expectSameFiles(join(dir, 'nr1'), join(dir, 'nr2'));
    const meta = JSON.parse(readFileSync(join(dir, 'nr1', 'sweep.json'), 'utf8')) as { populations: string[]; variables: string[]; arrays: Record<string, { shape: number[]; axes: string[] }>; plan: { target: { network: { projections: { weights: { kind: string; data: number[] } }[] } } } };
    expect(meta.populations).toEqual(['R']);
    expect(meta.variables).toEqual(['R.x']);
    expect(meta.arrays.mean).toEqual({ file: 'mean.npy', dtype: 'f8', shape: [3, 2, 1], axes: ['point', 'seed', 'variable'] });
    expect(meta.plan.target.network.projections[0]!.weights.kind).toBe('dense');
    expect(meta.plan.target.network.projections[0]!.weights.data).toHaveLength(64);
    // A rate network has no events: zero spikes; the mean moves with the drive h (same seed, same noise).
    expect(Array.from(npy(join(dir, 'nr1', 'spikes.npy')).data)).toEqual([0, 0, 0, 0, 0, 0]);
    const mean = npy(join(dir, 'nr1', 'mean.npy')).data;
    expect(mean[2]! - mean[0]!).toBeGreaterThan(0.5);
    // The example in examples/sweeps plans as the README says (no GPU work: plan printing only).
    const example = await ok(['sweep', 'examples/sweeps/network-grid.json', '--shards', '3']);
    expect(example).toMatch(/network 'cuba', 1000 steps of dt = 0\.1 ms/);
    expect(example).toMatch(/7 point\(s\) × 2 seed\(s\) × 4 trial\(s\) = 56 trials in 7 points \(a point is never split\); keep spikes, rate, mean, variance/);
    expect(example).toMatch(/3 shard\(s\) of at most 3 points/);
    const wrong = join(dir, 'net-bad.json');
    writeFileSync(wrong, JSON.stringify({ target: { kind: 'network', network: 'networks/rate.json', steps: 10, dt: 0.1 }, grid: { 'R.tau': [1] } }));
    expect((await cli(['sweep', wrong])).err).toMatch(/sweep point 0 \(\{"R\.tau":1\}\): 'R\.tau': 'tau' is not a parameter of population 'R' \(h, sigma\)/);
  });
});
