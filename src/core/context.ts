/**
 * The context: one GPU device plus the scheduler that batches kernel dispatches into submissions,
 * reads results back, times work, and turns asynchronous GPU errors into thrown errors that name the
 * kernel responsible.
 */
import { acquireDevice, type AcquireOptions } from '../gpu/acquire.js';
import { DeviceLostError, GPUOperationError, InputError, LimitError } from '../gpu/errors.js';
import { foldWorkgroups, MAX_LINEAR_INVOCATIONS } from './dispatch.js';
import { getPipeline, type KernelSource } from './pipelines.js';
import { BYTES_PER_ELEMENT, shapeSize, Tensor, type DType } from './tensor.js';
import { resolveTuning, type TuningOptions, type TuningStore } from './tuning.js';

/** The adapter behind a context, as reported by WebGPU plus the facts kernels derive from it. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /**
   * `'cpu'` for a software rasteriser (SwiftShader, llvmpipe/lavapipe, WARP, or any fallback
   * adapter), `'gpu'` otherwise. Informational (reports, benches): kernels pick their variants by
   * measurement (src/core/tuning.ts), never from this guess.
   */
  kind: 'cpu' | 'gpu';
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|warp/i;

/** Describe an adapter once, from its `GPUAdapterInfo` (and the fallback flag, where reported). */
export function describeAdapter(
  info: Partial<Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>> | undefined,
  isFallbackAdapter: boolean,
): AdapterDescription {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const software = isFallbackAdapter || SOFTWARE_ADAPTER.test(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, isFallbackAdapter, kind: software ? 'cpu' : 'gpu' };
}

/** What `ctx.info` reports about the device in use. */
export interface ContextInfo {
  /** `'browser (...)'` or `'node v20 (Dawn via 'webgpu')'`, or `'user-provided device'`. */
  runtime: string;
  adapter: AdapterDescription;
  features: string[];
  limits: Record<string, number>;
  /** How the adapter was found, one line per attempt. */
  attempts: string[];
}

/** Anything that holds GPU memory: a `GPUBuffer` or a `Tensor`. */
export interface Destroyable {
  destroy(): void;
}

export interface ContextOptions extends AcquireOptions {
  /** Use this device instead of acquiring one; wgneuro will then never destroy it. */
  device?: GPUDevice;
  /** Dispatches recorded before the scheduler submits on its own. Default 16. */
  maxDispatchesPerSubmit?: number;
  /**
   * How tunable kernels (GEMM, GEMV, batched Jacobi) pick their variant: timed on first use per
   * adapter and shape class (default), or `false` for each kernel's fixed default variant (same
   * kernels, hence the same rounding, on every machine). See `TuningOptions`.
   */
  tuning?: TuningOptions | boolean;
}

/** A binding: a buffer, a tensor, a buffer range, or raw bytes that become a uniform buffer. */
export type Binding = GPUBuffer | Tensor | GPUBufferBinding | ArrayBuffer;

export interface DispatchDescriptor {
  /** Names the work in errors and in GPU debug tools, e.g. `'gemm.tiled'`. */
  label: string;
  pipeline: GPUComputePipeline;
  /** Bindings of `@group(0)`, by binding number. ArrayBuffers are uploaded as uniform buffers. */
  bindings: Binding[];
  /**
   * Workgroup grid. A number is a 1-D count folded into 2-D/3-D when it exceeds the device limit
   * (the kernel must use `wg_linear_index`); a tuple is used as given and checked against the limit.
   */
  workgroups: number | [number, number?, number?];
  /** Invocations per workgroup, to check that linear indices fit a u32 (1-D grids). */
  workgroupSize?: number;
}

/** Result of `ctx.time`. */
export interface Timing {
  /** GPU time between the start and end markers, from timestamp queries; undefined without them. */
  gpuMs?: number;
  /** Wall-clock time from the first dispatch until the GPU reported the work done. */
  wallMs: number;
  /** Which of the two a caller should report: `'timestamp-query'` when present. */
  source: 'timestamp-query' | 'wall-clock';
  /** The value named by `source`. */
  ms: number;
}

interface PendingCheck {
  label: string;
  errors: Promise<(GPUError | null)[]>;
}

const DEFAULT_MAX_DISPATCHES_PER_SUBMIT = 16;

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Create a context on the best available WebGPU device (see README: how wgneuro finds an adapter). */
export async function createContext(options: ContextOptions = {}): Promise<Context> {
  if (options.device) {
    return new Context(options.device, null, 'user-provided device', ['device passed by the caller'], false, options);
  }
  const acquired = await acquireDevice(options);
  return new Context(acquired.device, acquired.adapter, acquired.runtime, acquired.attempts, true, options);
}

export class Context {
  readonly device: GPUDevice;
  readonly info: ContextInfo;
  /** Whether `destroy()` also destroys the device (only when this context created it). */
  readonly ownsDevice: boolean;
  readonly maxDispatchesPerSubmit: number;
  /** Resolved tuning options (see `ContextOptions.tuning`). */
  readonly tuning: { enabled: boolean; budgetMs: number; store: TuningStore };

  #encoder: GPUCommandEncoder | null = null;
  #encodedLabels: string[] = [];
  /** Buffers and tensors to free once the work submitted with the current batch is done. */
  #retiring: Destroyable[] = [];
  #checks: PendingCheck[] = [];
  #lost: GPUDeviceLostInfo | null = null;
  #destroyed = false;
  #tracked = new Set<Tensor>();
  #querySet: GPUQuerySet | null = null;
  #submits = 0;
  #timingDepth = 0;

  constructor(
    device: GPUDevice,
    adapter: GPUAdapter | null,
    runtime: string,
    attempts: string[],
    ownsDevice: boolean,
    options: ContextOptions = {},
  ) {
    this.device = device;
    this.ownsDevice = ownsDevice;
    this.maxDispatchesPerSubmit = options.maxDispatchesPerSubmit ?? DEFAULT_MAX_DISPATCHES_PER_SUBMIT;
    try {
      this.tuning = resolveTuning(options.tuning);
    } catch (err) {
      throw new InputError(`createContext: ${(err as Error).message}`);
    }
    const adapterInfo = (adapter?.info ?? device.adapterInfo) as GPUAdapterInfo | undefined;
    const limits: Record<string, number> = {};
    const deviceLimits = device.limits as unknown as Record<string, unknown>;
    // GPUSupportedLimits exposes its values as prototype getters, so walk the prototype chain.
    for (let proto = deviceLimits; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const value = deviceLimits[name];
        if (typeof value === 'number' && !(name in limits)) limits[name] = value;
      }
    }
    this.info = {
      runtime,
      adapter: describeAdapter(adapterInfo, Boolean((adapterInfo as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ??
        (adapter as { isFallbackAdapter?: boolean } | null)?.isFallbackAdapter)),
      features: [...device.features].sort(),
      limits: Object.fromEntries(Object.entries(limits).sort(([a], [b]) => (a < b ? -1 : 1))),
      attempts,
    };
    device.lost.then((info) => {
      this.#lost = info;
    });
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** Whether `timestamp-query` is enabled, so `time()` reports GPU time. */
  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /** Whether a `time()` region is open (kernels then skip tuning searches, which would be timed too). */
  get timing(): boolean {
    return this.#timingDepth > 0;
  }

  /** Number of command buffers submitted so far (for tests of batching). */
  get submitCount(): number {
    return this.#submits;
  }

  /** Throws `DeviceLostError` if the device is gone, `InputError` if this context was destroyed. */
  assertUsable(): void {
    if (this.#lost) throw new DeviceLostError(this.#lost.reason, this.#lost.message);
    if (this.#destroyed) throw new InputError('this wgneuro context was destroyed');
  }

  // ---------------------------------------------------------------- buffers

  /** Check a storage binding size against the device limits, naming the buffer when it is too big. */
  checkStorageSize(label: string, byteSize: number): void {
    const maxBinding = this.device.limits.maxStorageBufferBindingSize;
    const maxBuffer = this.device.limits.maxBufferSize;
    if (byteSize > maxBuffer) {
      throw new LimitError(label, 'a buffer of bytes', byteSize, maxBuffer, 'Use fewer elements per call or chunk the work.');
    }
    if (byteSize > maxBinding) {
      throw new LimitError(label, 'a storage binding of bytes', byteSize, maxBinding, 'Use fewer elements per call or chunk the work.');
    }
  }

  /** Create a labelled buffer, optionally filled; sizes are checked against the device limits first. */
  createBuffer(desc: { label: string; size: number; usage: GPUBufferUsageFlags; data?: ArrayBufferView | ArrayBuffer }): GPUBuffer {
    this.assertUsable();
    const size = Math.max(16, Math.ceil(desc.size / 4) * 4);
    if (desc.usage & GPUBufferUsage.STORAGE) this.checkStorageSize(desc.label, desc.size);
    else if (size > this.device.limits.maxBufferSize) {
      throw new LimitError(desc.label, 'a buffer of bytes', size, this.device.limits.maxBufferSize);
    }
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    try {
      const buffer = this.device.createBuffer({
        label: desc.label,
        size,
        usage: desc.usage,
        mappedAtCreation: desc.data !== undefined,
      });
      if (desc.data !== undefined) {
        const bytes = desc.data instanceof ArrayBuffer
          ? new Uint8Array(desc.data)
          : new Uint8Array(desc.data.buffer, desc.data.byteOffset, desc.data.byteLength);
        new Uint8Array(buffer.getMappedRange()).set(bytes.subarray(0, Math.min(bytes.byteLength, size)));
        buffer.unmap();
      }
      return buffer;
    } finally {
      this.#watch(`buffer '${desc.label}'`, 2);
    }
  }

  /**
   * Create a tensor of `shape`. With `data` it is filled from the CPU; with `fill` every element
   * is set to that value (use `fill: NaN` to poison outputs in tests). Default usage: storage, copy
   * source and destination.
   */
  tensor<D extends DType = 'f32'>(
    shape: readonly number[],
    options: { dtype?: D; label?: string; data?: ArrayLike<number>; fill?: number; usage?: GPUBufferUsageFlags } = {},
  ): Tensor<D> {
    const dtype = (options.dtype ?? 'f32') as D;
    const label = options.label ?? 'tensor';
    const size = shapeSize(shape, `shape of '${label}'`);
    let data: ArrayBufferView | undefined;
    if (options.data !== undefined) {
      if (options.data.length !== size) {
        throw new InputError(`'${label}' has shape [${shape.join(', ')}] (${size} elements) but ${options.data.length} values were given`);
      }
      const C = dtype === 'f32' ? Float32Array : dtype === 'u32' ? Uint32Array : Int32Array;
      data = options.data instanceof C ? (options.data as ArrayBufferView) : C.from(options.data);
    } else if (options.fill !== undefined) {
      const C = dtype === 'f32' ? Float32Array : dtype === 'u32' ? Uint32Array : Int32Array;
      data = new C(Math.max(size, 4)).fill(options.fill);
    }
    const buffer = this.createBuffer({
      label,
      size: size * BYTES_PER_ELEMENT,
      usage: options.usage ?? GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      data,
    });
    const tensor = new Tensor(this, buffer, [...shape], dtype, label);
    this.#tracked.add(tensor);
    return tensor;
  }

  /** @internal Called by `Tensor.destroy`. */
  untrack(tensor: Tensor): void {
    this.#tracked.delete(tensor);
  }

  // ---------------------------------------------------------------- kernels

  /** The cached compute pipeline for a kernel (compiled once per device). */
  kernel(src: KernelSource): Promise<GPUComputePipeline> {
    this.assertUsable();
    return getPipeline(this.device, src);
  }

  /** The command encoder of the current batch; kernels encode into it and never submit. */
  encoder(): GPUCommandEncoder {
    this.assertUsable();
    this.#encoder ??= this.device.createCommandEncoder({ label: `wgneuro.batch#${this.#submits}` });
    return this.#encoder;
  }

  /** Resolve a workgroup grid against the device limits (see `DispatchDescriptor.workgroups`). */
  grid(label: string, workgroups: DispatchDescriptor['workgroups'], workgroupSize?: number): [number, number, number] {
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (typeof workgroups === 'number') {
      if (workgroupSize !== undefined && workgroups * workgroupSize > MAX_LINEAR_INVOCATIONS) {
        throw new LimitError(label, 'invocations', workgroups * workgroupSize, MAX_LINEAR_INVOCATIONS,
          'Linear indices are 32-bit; split the problem into chunks.');
      }
      return foldWorkgroups(workgroups, maxDim, label);
    }
    const grid: [number, number, number] = [workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1];
    grid.forEach((n, axis) => {
      if (!Number.isInteger(n) || n < 0) throw new InputError(`'${label}': workgroup count ${n} is not a whole number`);
      if (n > maxDim) {
        throw new LimitError(label, `workgroups along ${'xyz'[axis]}`, n, maxDim, 'Split the problem into chunks.');
      }
    });
    return grid;
  }

  /** Record one dispatch into the current batch; submits on its own every `maxDispatchesPerSubmit`. */
  dispatch(desc: DispatchDescriptor): void {
    this.assertUsable();
    const grid = this.grid(desc.label, desc.workgroups, desc.workgroupSize);
    if (grid[0] * grid[1] * grid[2] === 0) return;
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    try {
      this.#encodeDispatch(desc, grid);
    } finally {
      this.#watch(desc.label, 2);
    }
    this.#encodedLabels.push(desc.label);
    if (this.#encodedLabels.length >= this.maxDispatchesPerSubmit) this.flush();
  }

  #encodeDispatch(desc: DispatchDescriptor, grid: [number, number, number]): void {
    const device = this.device;
    const entries: GPUBindGroupEntry[] = desc.bindings.map((b, binding) => {
      if (b instanceof ArrayBuffer) {
        const uniform = device.createBuffer({
          label: `${desc.label}.uniforms`,
          size: Math.max(16, Math.ceil(b.byteLength / 16) * 16),
          usage: GPUBufferUsage.UNIFORM,
          mappedAtCreation: true,
        });
        new Uint8Array(uniform.getMappedRange()).set(new Uint8Array(b));
        uniform.unmap();
        this.#retiring.push(uniform);
        return { binding, resource: { buffer: uniform } };
      }
      if (b instanceof Tensor) {
        b.assertAlive();
        return { binding, resource: { buffer: b.buffer } };
      }
      if ('buffer' in b && !(typeof GPUBuffer !== 'undefined' && b instanceof GPUBuffer)) return { binding, resource: b };
      return { binding, resource: { buffer: b as GPUBuffer } };
    });
    const bindGroup = device.createBindGroup({
      label: `${desc.label}.bindings`,
      layout: desc.pipeline.getBindGroupLayout(0),
      entries,
    });
    const pass = this.encoder().beginComputePass({ label: desc.label });
    pass.setPipeline(desc.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    pass.end();
  }

  /** Submit everything recorded so far (non-blocking). */
  flush(): void {
    if (this.#lost) return;
    if (!this.#encoder) return;
    const encoder = this.#encoder;
    const labels = this.#encodedLabels;
    this.#encoder = null;
    this.#encodedLabels = [];
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const summary = labels.length ? labels.join(', ') : 'copies';
    try {
      device.queue.submit([encoder.finish()]);
      this.#submits++;
    } finally {
      this.#watch(`submission of [${summary}]`, 2);
    }
    const retiring = this.#retiring;
    this.#retiring = [];
    this.#destroyWhenDone(retiring);
  }

  /**
   * Free buffers or tensors that work recorded so far still uses, once the GPU has finished it:
   * the way operations drop their temporaries and per-dispatch uniforms. Nothing is submitted
   * early: the items ride along with the current batch and are freed after it completes (or, with
   * nothing recorded, after the work already submitted). `null`/`undefined` items are skipped.
   */
  releaseAfterSubmit(...items: (Destroyable | null | undefined)[]): void {
    const live = items.filter((x): x is Destroyable => x != null);
    if (this.#encoder) this.#retiring.push(...live);
    else this.#destroyWhenDone(live);
  }

  // WebGPU allows destroying a buffer right after the submit that uses it, but Dawn-for-Node on
  // SwiftShader then reads freed memory and crashes, so wait for the queue to drain.
  #destroyWhenDone(items: Destroyable[]): void {
    if (items.length === 0) return;
    this.device.queue.onSubmittedWorkDone().then(
      () => items.forEach((x) => x.destroy()),
      () => undefined,
    );
  }

  /** Submit pending work, wait for the GPU to finish it, and throw the first error it produced. */
  async sync(): Promise<void> {
    this.assertUsable();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  /** Throw the first GPU error recorded since the last check (kernel label included). */
  async checkErrors(): Promise<void> {
    const checks = this.#checks;
    this.#checks = [];
    for (const check of checks) {
      const errors = await check.errors;
      const error = errors.find((e) => e !== null);
      if (error) {
        const kind = error.constructor?.name === 'GPUOutOfMemoryError' ? 'out-of-memory'
          : error.constructor?.name === 'GPUInternalError' ? 'internal' : 'validation';
        throw new GPUOperationError(check.label, kind, error.message);
      }
    }
    if (this.#lost) throw new DeviceLostError(this.#lost.reason, this.#lost.message);
  }

  #watch(label: string, scopes: number): void {
    const pops: Promise<GPUError | null>[] = [];
    for (let i = 0; i < scopes; i++) pops.push(this.device.popErrorScope());
    this.#checks.push({ label, errors: Promise.all(pops) });
  }

  // ---------------------------------------------------------------- readback

  /** Copy `size` bytes at `offset` of `buffer` back to the CPU, after all work recorded so far. */
  async read(buffer: GPUBuffer, offset = 0, size = buffer.size - offset): Promise<ArrayBuffer> {
    this.assertUsable();
    const alignedSize = Math.ceil(size / 4) * 4;
    const staging = this.createBuffer({
      label: `${buffer.label}.readback`,
      size: alignedSize,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      this.encoder().copyBufferToBuffer(buffer, offset, staging, 0, alignedSize);
      this.flush();
      try {
        await staging.mapAsync(GPUMapMode.READ, 0, alignedSize);
      } catch (err) {
        await this.checkErrors();
        throw new GPUOperationError(`readback of '${buffer.label}'`, 'validation', (err as Error).message);
      }
      await this.checkErrors();
      return staging.getMappedRange(0, alignedSize).slice(0, size);
    } finally {
      staging.destroy();
    }
  }

  // ---------------------------------------------------------------- timing

  /**
   * Time the GPU work that `body` records. With `timestamp-query` the GPU time between two marker
   * passes is reported; wall-clock time to completion is always measured too.
   */
  async time(body: () => void | Promise<void>): Promise<Timing> {
    this.assertUsable();
    await this.sync();
    const useTimestamps = this.hasTimestamps;
    if (useTimestamps) {
      this.#querySet ??= this.device.createQuerySet({ label: 'wgneuro.timestamps', type: 'timestamp', count: 2 });
      this.encoder().beginComputePass({ label: 'time.start', timestampWrites: { querySet: this.#querySet, beginningOfPassWriteIndex: 0 } }).end();
    }
    const t0 = now();
    this.#timingDepth++;
    try {
      await body();
    } finally {
      this.#timingDepth--;
    }
    let resolve: GPUBuffer | null = null;
    if (useTimestamps && this.#querySet) {
      this.encoder().beginComputePass({ label: 'time.end', timestampWrites: { querySet: this.#querySet, endOfPassWriteIndex: 1 } }).end();
      resolve = this.createBuffer({ label: 'time.resolve', size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      this.encoder().resolveQuerySet(this.#querySet, 0, 2, resolve, 0);
    }
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    const wallMs = now() - t0;
    await this.checkErrors();
    if (!resolve) return { wallMs, source: 'wall-clock', ms: wallMs };
    try {
      const ticks = new BigInt64Array(await this.read(resolve, 0, 16));
      const gpuMs = Number(ticks[1]! - ticks[0]!) / 1e6;
      // Some implementations return zeros when timestamps are disabled or quantised away.
      if (!(gpuMs > 0)) return { gpuMs, wallMs, source: 'wall-clock', ms: wallMs };
      return { gpuMs, wallMs, source: 'timestamp-query', ms: gpuMs };
    } finally {
      resolve.destroy();
    }
  }

  // ---------------------------------------------------------------- lifetime

  /** Free every tensor created through this context, and the device if this context created it. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#encoder = null;
    for (const x of this.#retiring) x.destroy();
    this.#retiring = [];
    for (const t of [...this.#tracked]) t.destroy();
    this.#tracked.clear();
    this.#querySet?.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}
