/**
 * End to end on a real Slurm: a single-node cluster started here runs a sweep as a job array
 * (`wgneuro sweep --slurm --submit`), its dependent merge job merges the shards, and the result
 * equals the single-process run (`--shard 0/1`) byte for byte. Run with `npm run test:slurm` (not
 * part of `npm test`: it needs slurm-wlm, munge and root); the daemons are stopped even on failure.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startSlurmCluster, type SlurmCluster } from './slurm-cluster.js';

/** Longest the array and merge jobs may take together. */
const JOBS_TIMEOUT_MS = 240_000;

const wgneuro = (args: string[], env: NodeJS.ProcessEnv): Promise<string> => run(process.execPath, ['bin/wgneuro.mjs', ...args], env, 120_000);

describe('sweep on a single-node Slurm cluster', () => {
  let cluster: SlurmCluster | null = null;
  const work = mkdtempSync(join(tmpdir(), 'wgneuro-slurm-sweep-'));
  beforeAll(async () => {
    cluster = await startSlurmCluster();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('runs the shards as a job array, merges them in a dependent job, and matches one process', async () => {
    const env = cluster!.env;
    const plan = join(work, 'plan.json');
    writeFileSync(plan, JSON.stringify({
      target: {
        kind: 'model', steps: 120, dt: 0.05,
        model: { name: 'ou', state: { x: { init: 1 } }, params: { theta: 1, sigma: 0.5 }, drift: { x: '-theta * x' }, diffusion: { x: 'sigma' } },
      },
      grid: { theta: [0.5, 2] },
      seeds: [4, 9],
      trials: 37,
      keep: ['final', 'mean', 'variance'],
    }));
    const submitted = JSON.parse(await wgneuro(['sweep', plan, '--slurm', '--submit', '--shards', '3', '--out', join(work, 'shards'),
      '--result', join(work, 'result'), '--sbatch-opt=--time=10', '--json'], env)) as { jobs: { array: string; merge: string } };
    const ids = [submitted.jobs.array, submitted.jobs.merge];
    const script = readFileSync(join(work, 'shards', 'slurm', 'shards.sbatch'), 'utf8');
    expect(script).toMatch(/^#SBATCH --array=0-2$/m);
    expect(script).toMatch(/^#SBATCH --time=10$/m);
    expect(script).toContain('--shard "${SLURM_ARRAY_TASK_ID}/3"');
    expect(readFileSync(join(work, 'shards', 'slurm', 'merge.sbatch'), 'utf8')).toMatch(/sweep merge .*shards -o .*result/);

    // Wait (bounded) until both jobs have left the queue.
    const end = Date.now() + JOBS_TIMEOUT_MS;
    let queued = ids.join(',');
    while (queued && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 1000));
      queued = (await run('squeue', ['-h', '-j', ids.join(','), '-o', '%i %T'], env, 10_000)).trim();
    }
    const jobLogs = (): string => {
      const dir = join(work, 'shards', 'logs');
      return existsSync(dir) ? readdirSync(dir).map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8')}`).join('\n') : '(no job logs)';
    };
    if (queued) {
      await run('scancel', ids, env).catch(() => '');
      throw new Error(`jobs still queued after ${JOBS_TIMEOUT_MS / 1000} s: ${queued}\n${jobLogs()}\n${cluster!.logs()}`);
    }
    expect(existsSync(join(work, 'result', 'sweep.json')), `merge job produced no result\n${jobLogs()}\n${cluster!.logs()}`).toBe(true);
    for (let k = 0; k < 3; k++) expect(readFileSync(join(work, 'shards', 'logs', `shard-${k}.out`), 'utf8')).toContain(`shard ${k}/3 of plan`);

    // The same plan in one process, merged the same way.
    await wgneuro(['sweep', plan, '--shard', '0/1', '--out', join(work, 'single')], process.env);
    await wgneuro(['sweep', 'merge', join(work, 'single'), '-o', join(work, 'single-result')], process.env);
    const files = readdirSync(join(work, 'single-result')).sort();
    expect(files).toEqual(['count.npy', 'final.npy', 'mean.npy', 'sweep.json', 'variance.npy']);
    expect(readdirSync(join(work, 'result')).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(join(work, 'result', f)).equals(readFileSync(join(work, 'single-result', f))), f).toBe(true);
  }, JOBS_TIMEOUT_MS + 120_000);
});
