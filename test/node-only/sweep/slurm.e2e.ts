/**
 * End to end on a real Slurm: a single-node cluster started here runs a sweep as a job array
 * (`wgneuro sweep --slurm --submit`), its dependent merge job merges the shards, and the result
 * equals the single-process run (`--shard 0/1`) byte for byte; a failed shard cancels the merge
 * job, and rerunning that shard alone recovers the same result. Run with `npm run test:slurm` (not
 * part of `npm test`: it needs slurm-wlm, munge and root); the daemons are stopped even on failure.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startSlurmCluster, type SlurmCluster } from './slurm-cluster.js';

/** Longest the array and merge jobs of one submission may take together. */
const JOBS_TIMEOUT_MS = 180_000;

const wgneuro = (args: string[], env: NodeJS.ProcessEnv): Promise<string> => run(process.execPath, ['bin/wgneuro.mjs', ...args], env, 120_000);

function expectSameFiles(a: string, b: string): void {
  const files = readdirSync(a).sort();
  expect(readdirSync(b).sort()).toEqual(files);
  for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), `${f} differs`).toBe(true);
}

describe('sweep on a single-node Slurm cluster', () => {
  let cluster: SlurmCluster | null = null;
  const work = mkdtempSync(join(tmpdir(), 'wgneuro-slurm-sweep-'));
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
  const single = join(work, 'single-result');

  beforeAll(async () => {
    cluster = await startSlurmCluster();
    // The reference: the same plan in one process, merged the same way.
    await wgneuro(['sweep', plan, '--shard', '0/1', '--out', join(work, 'single')], process.env);
    await wgneuro(['sweep', 'merge', join(work, 'single'), '-o', single], process.env);
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 30_000);

  /** Submit the sweep in 3 shards into `dir`; wait (bounded) until both jobs left the queue. */
  async function submitAndWait(dir: string, extra: string[] = []): Promise<{ array: string; merge: string; logs: () => string }> {
    const env = cluster!.env;
    const submitted = JSON.parse(await wgneuro(['sweep', plan, '--slurm', '--submit', '--shards', '3', '--out', join(dir, 'shards'),
      '--result', join(dir, 'result'), '--sbatch-opt=--time=10', '--json', ...extra], env)) as { jobs: { array: string; merge: string } };
    const ids = [submitted.jobs.array, submitted.jobs.merge];
    const logs = (): string => {
      const logDir = join(dir, 'shards', 'logs');
      const jobs = existsSync(logDir) ? readdirSync(logDir).map((f) => `--- ${f}\n${readFileSync(join(logDir, f), 'utf8')}`).join('\n') : '(no job logs)';
      return `${jobs}\n${cluster!.logs()}`;
    };
    const end = Date.now() + JOBS_TIMEOUT_MS;
    let queued = ids.join(',');
    while (queued && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 1000));
      queued = (await run('squeue', ['-h', '-j', ids.join(','), '-o', '%i %T'], env, 10_000)).trim();
    }
    if (queued) {
      await run('scancel', ids, env).catch(() => '');
      throw new Error(`jobs still queued after ${JOBS_TIMEOUT_MS / 1000} s: ${queued}\n${logs()}`);
    }
    return { ...submitted.jobs, logs };
  }

  it('runs the shards as a job array, merges them in a dependent job, and matches one process', async () => {
    const dir = join(work, 'ok');
    const { logs } = await submitAndWait(dir);
    const script = readFileSync(join(dir, 'shards', 'slurm', 'shards.sbatch'), 'utf8');
    expect(script).toMatch(/^#SBATCH --array=0-2$/m);
    expect(script).toMatch(/^#SBATCH --time=10$/m);
    expect(script).toContain('--shard "${SLURM_ARRAY_TASK_ID}/3"');
    expect(existsSync(join(dir, 'result', 'sweep.json')), `merge job produced no result\n${logs()}`).toBe(true);
    for (let k = 0; k < 3; k++) expect(readFileSync(join(dir, 'shards', 'logs', `shard-${k}.out`), 'utf8')).toContain(`shard ${k}/3 of plan`);
    expect(readdirSync(single).sort()).toEqual(['count.npy', 'final.npy', 'mean.npy', 'sweep.json', 'variance.npy']);
    expectSameFiles(single, join(dir, 'result'));
  }, JOBS_TIMEOUT_MS + 60_000);

  it('a failed shard cancels the merge job; rerunning that shard alone recovers the result', async () => {
    const dir = join(work, 'fail');
    // Array task 1 fails before running wgneuro; the others run it as usual.
    const wrapper = join(work, 'fail-task-1.sh');
    writeFileSync(wrapper, `#!/bin/sh\n[ "$SLURM_ARRAY_TASK_ID" = 1 ] && exit 3\nexec ${process.execPath} ${resolve('bin/wgneuro.mjs')} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const { merge, logs } = await submitAndWait(dir, ['--wgneuro', wrapper]);
    const mergeState = await run('scontrol', ['show', 'job', merge], cluster!.env);
    expect(mergeState, logs()).toMatch(/JobState=CANCELLED Reason=DependencyNeverSatisfied/);
    expect(existsSync(join(dir, 'result'))).toBe(false);
    const gap = await wgneuro(['sweep', 'merge', join(dir, 'shards'), '-o', join(dir, 'result')], process.env).catch((err: Error) => err.message);
    expect(gap).toMatch(/missing shard\(s\) 1 of 3/);
    await wgneuro(['sweep', plan, '--shard', '1/3', '--out', join(dir, 'shards')], process.env);
    await wgneuro(['sweep', 'merge', join(dir, 'shards'), '-o', join(dir, 'result')], process.env);
    expectSameFiles(single, join(dir, 'result'));
  }, JOBS_TIMEOUT_MS + 60_000);
});
