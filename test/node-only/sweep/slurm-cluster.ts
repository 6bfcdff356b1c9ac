/**
 * A throw-away single-node Slurm cluster for the end-to-end sweep test: munged, slurmctld and
 * slurmd started as child processes with a generated key and slurm.conf in a temporary directory,
 * no cgroups (proctrack/linuxproc, task/none), no accounting. Needs Debian's `slurm-wlm` and
 * `munge` (.ci/run installs them) and the rights to run jobs (root in CI).
 *
 * Every daemon runs under coreutils `timeout`, so none outlives a test process that was killed
 * before it could call `stop()`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, chmodSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Longest a daemon may live, in seconds, whatever happens to the test. */
const DAEMON_LIFETIME_S = 900;

export interface SlurmCluster {
  dir: string;
  /** Environment for Slurm clients (sbatch, squeue): SLURM_CONF points at the generated config. */
  env: NodeJS.ProcessEnv;
  /** Stop every daemon (TERM, then KILL after 5 s) and delete the directory. */
  stop(): Promise<void>;
  /** The daemons' logs, for failure messages. */
  logs(): string;
}

/** Run a command; resolves with stdout, rejects with stderr. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs }, (err, out, errText) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${errText.trim() || err.message}`));
      else resolve(out);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function until(what: string, deadlineMs: number, check: () => Promise<boolean> | boolean, logs: () => string): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`slurm test cluster: ${what} not ready after ${deadlineMs / 1000} s\n${logs()}`);
}

/** Start munged, slurmctld and slurmd; resolves once the node is idle. */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  for (const tool of ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'sinfo']) {
    const found = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(join(d, tool)));
    if (!found) throw new Error(`'${tool}' is not installed: apt-get install slurm-wlm munge (.ci/run does this)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'wgneuro-slurm-'));
  // munged wants every directory above its socket searchable and none writable by others.
  chmodSync(dir, 0o711);
  for (const sub of ['state', 'spool']) mkdirSync(join(dir, sub));
  const children: ChildProcess[] = [];
  const logFiles = ['munged.log', 'slurmctld.log', 'slurmd.log'].map((f) => join(dir, f));
  const logs = (): string => logFiles.map((f) => `--- ${f}\n${existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(-30).join('\n') : '(none)'}`).join('\n');
  const daemon = (cmd: string, args: string[], log: string): void => {
    const child = spawn('timeout', ['-s', 'KILL', String(DAEMON_LIFETIME_S), cmd, ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', (err) => writeFileSync(join(dir, `${log}.spawn-error`), String(err)));
    children.push(child);
  };
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const key = join(dir, 'munge.key');
    const socket = join(dir, 'munge.socket');
    await run('mungekey', ['--create', `--keyfile=${key}`], process.env);
    daemon('munged', ['--foreground', '--force', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${join(dir, 'munged.pid')}`,
      `--log-file=${logFiles[0]}`, `--seed-file=${join(dir, 'munged.seed')}`], 'munged');
    await until('munged', 10_000, () => existsSync(socket), logs);

    const node = hostname().split('.')[0]!;
    const user = userInfo().username;
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const conf = join(dir, 'slurm.conf');
    writeFileSync(conf, [
      'ClusterName=wgneurotest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmUser=${user}`,
      `SlurmdUser=${user}`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${logFiles[1]}`,
      `SlurmdLogFile=${logFiles[2]}`,
      // No cgroups: processes are tracked through /proc and tasks are not confined.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'MailProg=/bin/true',
      'MpiDefault=none',
      'SwitchType=switch/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${availableParallelism()} RealMemory=500 State=UNKNOWN`,
      `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'));
    const env = { ...process.env, SLURM_CONF: conf };
    daemon('slurmctld', ['-D', '-f', conf], 'slurmctld');
    daemon('slurmd', ['-D', '-f', conf, '-N', node], 'slurmd');
    await until('the node', 60_000, async () => {
      const state = await run('sinfo', ['-h', '-N', '-o', '%T'], env, 10_000).catch(() => '');
      return state.trim() === 'idle';
    }, logs);
    return { dir, env, stop, logs };
  } catch (err) {
    await stop();
    throw err;
  }
}
