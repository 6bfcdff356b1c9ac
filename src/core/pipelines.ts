/**
 * Per-device cache of compute pipelines, keyed by shader source, entry point and override constants.
 * Compilation errors are turned into `ShaderCompileError` with the shader's label and line numbers.
 */
import { GPUOperationError, ShaderCompileError, type ShaderMessage } from '../gpu/errors.js';

/** What identifies a compute kernel: its WGSL, entry point and `override` constant values. */
export interface KernelSource {
  /** Shown in errors and in GPU debug tools, e.g. `'gemm.tiled'`. */
  label: string;
  code: string;
  /** Default `'main'`. */
  entryPoint?: string;
  /** Values for the shader's `override` declarations (tunables such as workgroup size). */
  constants?: Record<string, number>;
}

const caches = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

function cacheKey(src: KernelSource): string {
  const constants = Object.entries(src.constants ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${src.entryPoint ?? 'main'}|${constants}|${src.code}`;
}

/** Collect compilation diagnostics with the source line they point at. */
async function compilationMessages(module: GPUShaderModule, code: string): Promise<ShaderMessage[]> {
  const info = await module.getCompilationInfo();
  const lines = code.split('\n');
  return info.messages.map((m) => ({
    type: m.type,
    line: m.lineNum,
    column: m.linePos,
    message: m.message,
    source: lines[m.lineNum - 1] ?? '',
  }));
}

async function buildPipeline(device: GPUDevice, src: KernelSource): Promise<GPUComputePipeline> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: src.label, code: src.code });
  const moduleError = await device.popErrorScope();
  const messages = await compilationMessages(module, src.code);
  const errors = messages.filter((m) => m.type === 'error');
  if (errors.length > 0) throw new ShaderCompileError(src.label, errors);
  if (moduleError) throw new GPUOperationError(src.label, 'validation', moduleError.message);
  // createComputePipelineAsync crashes Dawn-for-Node on SwiftShader (a futex error in its worker
  // pool), so pipelines are created synchronously inside error scopes on every runtime.
  device.pushErrorScope('internal');
  device.pushErrorScope('validation');
  const pipeline = device.createComputePipeline({
    label: src.label,
    layout: 'auto',
    compute: { module, entryPoint: src.entryPoint ?? 'main', constants: src.constants },
  });
  const validation = await device.popErrorScope();
  const internal = await device.popErrorScope();
  const error = validation ?? internal;
  if (error) throw new GPUOperationError(src.label, 'pipeline', error.message);
  return pipeline;
}

/**
 * The compute pipeline for `src` on `device`, created once and shared afterwards.
 * A failed build is not cached, so fixing the source and retrying works.
 */
export function getPipeline(device: GPUDevice, src: KernelSource): Promise<GPUComputePipeline> {
  let cache = caches.get(device);
  if (!cache) {
    cache = new Map();
    caches.set(device, cache);
  }
  const key = cacheKey(src);
  let pipeline = cache.get(key);
  if (!pipeline) {
    pipeline = buildPipeline(device, src);
    cache.set(key, pipeline);
    pipeline.catch(() => cache.delete(key));
  }
  return pipeline;
}

/** Number of distinct pipelines cached for `device` (for tests and diagnostics). */
export function pipelineCacheSize(device: GPUDevice): number {
  return caches.get(device)?.size ?? 0;
}
