/**
 * The GPU run kit (issue 16, bench/kit/): built as `npm run device-kit` builds it, it must fit the
 * 64 MiB a device call accepts and run every bench suite with no Node on PATH and no tool of the
 * machine but /bin/sh: its own Node (checked by version, which differs from the Node running this
 * test), its own Vulkan loader (checked in the dynamic linker's log), SwiftShader here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKit, KIT_LIMIT_BYTES, NODE_VERSION, type KitManifest } from '../../bench/kit/build.js';

let dir = '';
let kit = '';
let manifest: KitManifest;

/** Bytes of every file under `path`. */
function du(path: string): number {
  return readdirSync(path, { withFileTypes: true })
    .reduce((sum, e) => sum + (e.isDirectory() ? du(join(path, e.name)) : statSync(join(path, e.name)).size), 0);
}

const readJson = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, 'out', name), 'utf8')) as Record<string, unknown>;

describe('device kit', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wgneuro-kit-test-'));
    kit = join(dir, 'kit');
    manifest = await buildKit(kit);
  }, 900_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fits in 64 MiB and lists what it holds', () => {
    expect(du(kit)).toBe(manifest.totalBytes);
    expect(manifest.totalBytes).toBeLessThanOrEqual(KIT_LIMIT_BYTES);
    const paths = manifest.files.map((f) => f.path);
    for (const p of ['run.sh', 'bin/busybox', 'node.xz', 'dawn.node.xz', 'app.tar.xz', 'debs/libvulkan1.deb', 'swiftshader/libvk_swiftshader.so.xz']) {
      expect(paths).toContain(p);
    }
  });

  it('runs linalg, eig, sde and network with no Node on PATH and prints the adapter', () => {
    const env = { PATH: join(dir, 'no-such-dir'), HOME: dir, TMPDIR: dir, LD_DEBUG: 'libs' };
    // The environment really has no node (nor any other tool) to fall back on.
    expect(spawnSync('/bin/sh', ['-c', 'command -v node'], { env }).status).not.toBe(0);
    const run = spawnSync('/bin/sh', [join(kit, 'run.sh'), '--preset', 'quick', '--out', join(dir, 'out')], {
      env,
      encoding: 'utf8',
      timeout: 600_000,
    });
    const report = `exit ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr.slice(-4000)}`;
    expect(run.status, report).toBe(0);
    expect(run.stdout).toMatch(/Vulkan driver: SwiftShader/);
    expect(run.stdout).toMatch(/run\.sh: adapter: .*SwiftShader/);
    expect(readdirSync(dir).filter((f) => f.startsWith('wgneuro-kit.'))).toEqual([]); // unpacked folder removed

    // The kit's Node ran (this test runs on another version), with the kit's Vulkan loader.
    const info = readJson('info.json') as { runtime: string; adapter: { description: string } };
    expect(NODE_VERSION).not.toBe(process.versions.node);
    expect(info.runtime).toContain(`node v${NODE_VERSION}`);
    expect(info.adapter.description).toMatch(/SwiftShader/);
    const linkerLog = readFileSync(join(dir, 'out/info.log'), 'utf8');
    expect(linkerLog).toMatch(/wgneuro-kit\.[^/\s]+\/lib\/libvulkan\.so\.1/);
    expect(linkerLog).not.toMatch(/\/usr\/lib\/x86_64-linux-gnu\/libvulkan\.so\.1/);

    const summary = readFileSync(join(dir, 'out/summary.txt'), 'utf8').trim().split('\n').map((l) => l.split(' '));
    expect(summary.map(([suite, rc]) => [suite, rc])).toEqual([['linalg', '0'], ['eig', '0'], ['sde', '0'], ['network', '0']]);

    // linalg: the adapter's peaks, our kernels and every bundled peer (TF.js WebGPU and wasm, JS).
    const linalg = readJson('linalg.json') as {
      adapter: { description: string }; peak: { gflops: number }; copy: { gbps: number };
      rows: { op: string; gflops: number; fractionOfPeak: number; peers: Record<string, { speedup?: number; skipped?: string }> }[];
    };
    expect(linalg.adapter.description).toMatch(/SwiftShader/);
    expect(linalg.peak.gflops).toBeGreaterThan(0);
    expect(linalg.copy.gbps).toBeGreaterThan(0);
    expect(linalg.rows.map((r) => r.op)).toEqual(['gemm', 'gemm', 'gemv']);
    for (const row of linalg.rows) {
      expect(row.fractionOfPeak).toBeGreaterThan(0);
      for (const peer of ['tfjs-webgpu', 'tfjs-wasm', 'js']) expect(row.peers[peer]?.speedup, `${row.op} ${peer}`).toBeGreaterThan(0);
    }

    const eig = readJson('eig.json') as { rows: { n: number }[]; jacobi: { batch: number; n: number; maxRelError: number }[] };
    expect(eig.rows.map((r) => r.n)).toEqual([96]);
    expect(eig.jacobi.length).toBeGreaterThan(0);
    for (const row of eig.jacobi) expect(row.maxRelError).toBeLessThan(1e-3);

    const sde = readJson('sde.json') as { adapter: string; rows: { implementation: string; trajectoryStepsPerSecond: number }[] };
    expect(sde.adapter).toMatch(/SwiftShader/);
    expect(sde.rows.length).toBeGreaterThan(0);
    for (const row of sde.rows) expect(row.trajectoryStepsPerSecond, row.implementation).toBeGreaterThan(0);
    expect(new Set(sde.rows.map((r) => r.implementation))).toEqual(new Set(['wgneuro', 'wgneuro-fast', 'wgneuro-threefry', 'wgneuro-threefry-fast', 'wgneuro-no-noise', 'tfjs-webgpu', 'plain-js', 'plain-js-threefry']));

    const network = readJson('network.json') as { adapter: string; cuba: { rows: { implementation: string }[] }; rate: { rows: unknown[] } };
    expect(network.adapter).toMatch(/SwiftShader/);
    expect(network.cuba.rows.map((r) => r.implementation)).toContain('wgneuro');
    expect(network.rate.rows.length).toBeGreaterThan(0);
  }, 900_000);

  it('runs the training bench and the tuner as extra suites', () => {
    const env = { PATH: join(dir, 'no-such-dir'), HOME: dir, TMPDIR: dir };
    const out = join(dir, 'out-extra');
    const run = spawnSync('/bin/sh', [join(kit, 'run.sh'), '--preset', 'quick', '--suites', 'train,tune', '--out', out], {
      env,
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(run.status, `exit ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr.slice(-4000)}`).toBe(0);
    expect(run.stdout).toMatch(/wgneuro tune --gemm 64/);
    const read = (name: string) => JSON.parse(readFileSync(join(out, name), 'utf8')) as Record<string, unknown>;

    // The kit's bundle carries TF.js's .wasm files: the wasm peer ran and computed our loss.
    type Contender = { ms?: number; loss?: number; skipped?: string };
    const train = read('train.json') as { rows: { problem: string; contenders: Record<string, Contender> }[] };
    expect(train.rows.map((r) => r.problem)).toEqual(['mlp', 'rnn-bptt']);
    for (const row of train.rows) {
      const ours = row.contenders.wgneuro!;
      const peer = row.contenders['tfjs-wasm']!;
      expect(peer.skipped, row.problem).toBeUndefined();
      expect(peer.ms, row.problem).toBeGreaterThan(0);
      expect(Math.abs(peer.loss! - ours.loss!), row.problem).toBeLessThan(1e-5 * Math.max(1, Math.abs(ours.loss!)));
    }

    // The tuner timed each kernel's candidates here and kept a winner per shape class.
    const tune = read('tune.json') as { adapter: { description: string }; records: { kernel: string; winner: string; candidates: { variant: string }[] }[]; errors: unknown[] };
    expect(tune.adapter.description).toMatch(/SwiftShader/);
    expect(tune.errors).toEqual([]);
    expect(new Set(tune.records.map((r) => r.kernel))).toEqual(new Set(['gemm', 'gemv', 'eig.jacobi']));
    for (const r of tune.records) expect(r.candidates.map((c) => c.variant)).toContain(r.winner);
  }, 900_000);

  it('refuses a bad preset before unpacking anything', () => {
    const run = spawnSync('/bin/sh', [join(kit, 'run.sh'), '--preset', 'huge'], { env: { PATH: '/nonexistent', TMPDIR: dir }, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--preset must be quick, default or gpu, got 'huge'/);
  });
});
