/**
 * Acquiring a WebGPU adapter and device in a browser (navigator.gpu) or in Node (Dawn).
 */
import { requestNodeAdapter } from '#device';
import { GPUUnavailableError } from './errors.js';

/** Limits we raise to the adapter's maximum instead of taking WebGPU's conservative defaults. */
const RAISED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxUniformBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxBindGroups',
] as const;

/** Optional features we enable when the adapter has them. */
const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups' as GPUFeatureName];

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Ask for the fallback (software) adapter directly. Default: only if no hardware adapter. */
  forceFallbackAdapter?: boolean;
}

export interface AcquiredDevice {
  adapter: GPUAdapter | null;
  device: GPUDevice;
  runtime: string;
  attempts: string[];
}

/** A page or a Worker with WebGPU (Node 21+ also defines `navigator`, without `gpu`). */
const webGPU = (): GPU | undefined => (globalThis.navigator as Navigator | undefined)?.gpu;

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Find an adapter, then request a device with raised limits and the optional features present. */
export async function acquireDevice(options: AcquireOptions = {}): Promise<AcquiredDevice> {
  const attempts: string[] = [];
  let adapter: GPUAdapter | null = null;
  const adapterOptions: GPURequestAdapterOptions = {};
  if (options.powerPreference) adapterOptions.powerPreference = options.powerPreference;
  if (options.forceFallbackAdapter) adapterOptions.forceFallbackAdapter = true;

  // navigator.gpu counts only when it can be asked for an adapter: Node code that runs TF.js's
  // WebGPU backend on a Dawn device often leaves a stand-in object there.
  const gpu = webGPU();
  let runtime = 'unknown';
  if (gpu && typeof gpu.requestAdapter === 'function') {
    runtime = isNode() ? 'node (navigator.gpu)' : `browser (${navigator.userAgent})`;
    adapter = await gpu.requestAdapter(adapterOptions);
    attempts.push(`navigator.gpu.requestAdapter(${JSON.stringify(adapterOptions)}): ${adapter ? 'ok' : 'no adapter'}`);
    if (!adapter && !options.forceFallbackAdapter) {
      adapter = await gpu.requestAdapter({ ...adapterOptions, forceFallbackAdapter: true });
      attempts.push(`navigator.gpu.requestAdapter({forceFallbackAdapter: true}): ${adapter ? 'ok' : 'no adapter'}`);
    }
    if (!adapter && !isNode()) {
      attempts.push('in Chromium headless, WebGPU needs --enable-unsafe-webgpu (and on Linux often --enable-features=Vulkan)');
    }
  } else if (gpu) {
    attempts.push('navigator.gpu has no requestAdapter(): ignored');
  }
  if (!adapter && isNode()) {
    // '#device' (package.json "imports") is Dawn under the `node` condition and a stand-in without
    // Node modules elsewhere, so browser bundlers never see Node-only code. It is a static import
    // (Dawn itself loads lazily inside it), so web bundles get no extra chunk, which IIFE workers
    // and webpack's worker chunk loading could not split.
    const result = await requestNodeAdapter(adapterOptions);
    adapter = result.adapter;
    runtime = result.runtime;
    attempts.push(...result.attempts);
  } else if (!gpu) {
    attempts.push('neither navigator.gpu (page or Worker) nor Node.js is available in this runtime');
  }
  if (!adapter) throw new GPUUnavailableError('No WebGPU adapter found.', attempts);

  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'wgneuro.device' });
  } catch (err) {
    attempts.push(`adapter.requestDevice failed: ${(err as Error).message}`);
    throw new GPUUnavailableError('The adapter refused to create a device.', attempts);
  }
  return { adapter, device, runtime, attempts };
}
