/**
 * Node-only: loads Dawn through the `webgpu` package. `acquire.ts` reaches it through the package's
 * `#device` import, which resolves here only under the `node` condition (browser builds get
 * `node-unavailable.ts`), so web bundles never see `node:*` or `webgpu`.
 *
 * Dawn finds no adapter on a machine without a GPU driver, so when none is found we retry on
 * SwiftShader (a CPU Vulkan implementation) by pointing the Vulkan loader at the ICD manifest that
 * Chromium ships. The loader reads `VK_ICD_FILENAMES` when Dawn first initialises Vulkan, which
 * happens inside `create()`, so it must be set before that call.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { NodeAdapterResult } from './node-types.js';

export type { NodeAdapterResult } from './node-types.js';

/** Where Linux distributions and Chromium builds put SwiftShader's Vulkan ICD manifest. */
const SWIFTSHADER_ICD_CANDIDATES = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
  '/snap/chromium/current/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

/** The SwiftShader ICD to use: `WGNEURO_SWIFTSHADER_ICD`, else the first known install path. */
export function findSwiftShaderIcd(): string | undefined {
  const fromEnv = process.env.WGNEURO_SWIFTSHADER_ICD;
  if (fromEnv) return fromEnv;
  return SWIFTSHADER_ICD_CANDIDATES.find((p) => existsSync(p));
}

type DawnModule = { create(flags: string[]): GPU; globals: Record<string, unknown> };

/**
 * The Dawn instance. It must outlive every adapter and device made from it: if it is garbage
 * collected, Dawn tears down the Vulkan instance under live devices and the process crashes.
 */
let dawnInstance: GPU | undefined;

/**
 * SwiftShader's Vulkan driver prints "XDG_RUNTIME_DIR is invalid or not set" on stderr when the
 * variable is unset (it probes for a Wayland display). Give it a private directory before Dawn
 * loads so library users' output stays clean; a set value is left alone.
 */
function ensureXdgRuntimeDir(): void {
  if (process.env.XDG_RUNTIME_DIR) return;
  try {
    const dir = join(tmpdir(), `wgneuro-xdg-${userInfo().uid}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  } catch {
    // Only a cosmetic warning depends on it; an unwritable tmpdir must not stop the GPU.
  }
}

/** Request an adapter from Dawn, falling back to SwiftShader; reports every attempt made. */
export async function requestNodeAdapter(options: GPURequestAdapterOptions): Promise<NodeAdapterResult> {
  const attempts: string[] = [];
  // Hardware first, unless the caller already asked for the fallback adapter.
  const wantFallback = options.forceFallbackAdapter === true || process.env.WGNEURO_FALLBACK === '1';
  let icd: string | undefined;
  const presetIcd = process.env.VK_ICD_FILENAMES;
  if (!presetIcd && !wantFallback) {
    // Probe in a child-free way: Dawn reads VK_ICD_FILENAMES once, so we only set it when we
    // already know no hardware adapter will be found (no /dev/dri, no NVIDIA device node).
    const hasGpuNode = existsSync('/dev/dri') || existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
    if (!hasGpuNode) {
      icd = findSwiftShaderIcd();
      if (icd) process.env.VK_ICD_FILENAMES = icd;
      attempts.push(
        icd
          ? `no GPU device node (/dev/dri, /dev/nvidia0) found; using SwiftShader ICD ${icd}`
          : 'no GPU device node found and no SwiftShader ICD (install Debian package "chromium", or set WGNEURO_SWIFTSHADER_ICD)',
      );
    }
  } else if (!presetIcd && wantFallback) {
    icd = findSwiftShaderIcd();
    if (icd) process.env.VK_ICD_FILENAMES = icd;
  }

  ensureXdgRuntimeDir();
  let dawn: DawnModule;
  try {
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch (err) {
    attempts.push(
      `import of the 'webgpu' package (Dawn for Node) failed: ${(err as Error).message}. ` +
        'In Node, wgneuro needs it beside it: npm install webgpu',
    );
    return { adapter: null, attempts, runtime: 'node' };
  }
  Object.assign(globalThis, dawn.globals);
  dawnInstance ??= dawn.create([]);
  const gpu = dawnInstance;
  const runtime = `node ${process.version} (Dawn via 'webgpu')`;

  const tries: GPURequestAdapterOptions[] = wantFallback
    ? [options]
    : [options, { ...options, forceFallbackAdapter: true }];
  for (const opt of tries) {
    const adapter = await gpu.requestAdapter(opt);
    const what = `Dawn requestAdapter(${JSON.stringify(opt)}) with VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? '(unset)'}`;
    if (adapter) {
      attempts.push(`${what}: ok`);
      return { adapter, attempts, runtime };
    }
    attempts.push(`${what}: no adapter`);
  }
  if (!existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1') && !existsSync('/usr/lib/aarch64-linux-gnu/libvulkan.so.1')) {
    attempts.push('libvulkan.so.1 (the Vulkan loader) is not installed: apt-get install libvulkan1');
  }
  return { adapter: null, attempts, runtime };
}
