/**
 * Slurm batch scripts for a sweep: a job array with one shard per array task, and a merge job
 * meant to run after it (`sbatch --dependency=afterok:<array job id>`). Plain text; submitting is
 * the command line's business.
 */
import { InputError } from '../gpu/errors.js';

/** What the scripts need; every path should be absolute (jobs may start in another directory). */
export interface SlurmScriptOptions {
  /** The command that runs wgneuro on the compute nodes, already shell-quoted (e.g. `'/usr/bin/node' '/opt/wgneuro/bin/wgneuro.mjs'`). */
  command: string;
  planPath: string;
  /** Directory the shards are written to. */
  outDir: string;
  /** Path of the merged result. */
  resultPath: string;
  /** Directory of the jobs' log files. */
  logDir: string;
  /** Directory the jobs run in. */
  workDir: string;
  shards: number;
  /** Job name; the merge job appends `-merge`. */
  jobName: string;
  /** Extra `#SBATCH` options of the array job, e.g. `--gres=gpu:1`, `--partition=gpu`. Default none. */
  arrayOptions?: string[];
  /** Extra `#SBATCH` options of the merge job. Default none. */
  mergeOptions?: string[];
  /** Most array tasks running at once (`--array=0-(N-1)%max`). Default no limit. */
  maxConcurrent?: number;
}

/** Quote `text` for a POSIX shell. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function directives(options: string[] | undefined, what: string): string[] {
  return (options ?? []).map((o) => {
    if (!/^--?[A-Za-z]/.test(o) || /[\r\n]/.test(o)) throw new InputError(`${what}: expected one sbatch option such as --gres=gpu:1, got '${o}'`);
    return `#SBATCH ${o}`;
  });
}

/** The job-array script: array task k runs `--shard k/N`. */
export function slurmArrayScript(o: SlurmScriptOptions): string {
  if (/\s/.test(o.logDir)) throw new InputError(`log directory '${o.logDir}' contains white space, which #SBATCH --output cannot take`);
  const array = `0-${o.shards - 1}${o.maxConcurrent ? `%${o.maxConcurrent}` : ''}`;
  return [
    '#!/bin/bash',
    `# One shard of a wgneuro sweep per array task (written by \`wgneuro sweep --slurm\`).`,
    `#SBATCH --job-name=${o.jobName}`,
    `#SBATCH --array=${array}`,
    `#SBATCH --output=${o.logDir}/shard-%a.out`,
    ...directives(o.arrayOptions, '--sbatch-opt'),
    'set -euo pipefail',
    `cd ${shellQuote(o.workDir)}`,
    `exec ${o.command} sweep ${shellQuote(o.planPath)} --shard "\${SLURM_ARRAY_TASK_ID}/${o.shards}" --out ${shellQuote(o.outDir)} --progress`,
    '',
  ].join('\n');
}

/** The merge script, submitted with `--dependency=afterok:<array job id>`. */
export function slurmMergeScript(o: SlurmScriptOptions): string {
  return [
    '#!/bin/bash',
    `# Merges the shards of a wgneuro sweep once every array task succeeded (written by \`wgneuro sweep --slurm\`).`,
    `#SBATCH --job-name=${o.jobName}-merge`,
    `#SBATCH --output=${o.logDir}/merge.out`,
    // Without this a failed shard leaves the merge pending forever (DependencyNeverSatisfied).
    '#SBATCH --kill-on-invalid-dep=yes',
    ...directives(o.mergeOptions, '--merge-sbatch-opt'),
    'set -euo pipefail',
    `cd ${shellQuote(o.workDir)}`,
    `exec ${o.command} sweep merge ${shellQuote(o.outDir)} -o ${shellQuote(o.resultPath)}`,
    '',
  ].join('\n');
}

/** The job id in `sbatch --parsable` output (`1234` or `1234;cluster`). */
export function parseSbatchJobId(output: string): string {
  const id = output.trim().split(/\r?\n/).pop()?.split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new InputError(`sbatch printed '${output.trim()}', expected a job id`);
  return id;
}
