/**
 * What every lab page shares: the Worker that owns the GPU (restartable after a lost device), the
 * adapter line, and the failure states (no WebGPU in this browser; device lost).
 */
import type { FromWorker, ToWorker } from './protocol.js';

type Listener = (message: FromWorker) => void;

/** The Worker of a page: one at a time, replaced by `restart()` after a lost device. */
export class LabWorker {
  #worker: Worker | null = null;
  #listeners = new Set<Listener>();
  #nextId = 1;
  /** Messages that started GPU work (simulate/experiment), for tests: an invalid model starts none. */
  gpuRequests = 0;

  constructor() {
    this.#start();
  }

  #start(): void {
    this.#worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'wgneuro-lab' });
    this.#worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
      for (const listener of this.#listeners) listener(event.data);
    });
    this.#worker.addEventListener('error', (event) => {
      for (const listener of this.#listeners) listener({ type: 'error', id: 0, name: 'WorkerError', message: event.message || 'the lab Worker failed to start' });
    });
  }

  /** End the Worker (and its device) and start a fresh one. */
  restart(): void {
    this.#worker?.terminate();
    this.#start();
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Send a request; returns the id replies carry. */
  send(message: DistributiveOmit<ToWorker, 'id'> & { id?: number }): number {
    const id = message.id ?? this.#nextId++;
    if (message.type === 'simulate' || message.type === 'experiment' || message.type === 'bench' || message.type === 'network') this.gpuRequests++;
    this.#worker!.postMessage({ ...message, id } as ToWorker);
    return id;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Whether this browser exposes WebGPU at all (adapter availability is the Worker's to find out). */
export function hasWebGPU(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator && Boolean((navigator as { gpu?: unknown }).gpu);
}

const NO_WEBGPU_HTML = `
  <h2>This browser does not offer WebGPU</h2>
  <p>The lab runs its kernels on your GPU through WebGPU. It works in:</p>
  <ul>
    <li><b>Chrome, Edge, Opera</b> 113 or newer on Windows, macOS and ChromeOS; on Android 121 or newer.</li>
    <li><b>Chrome / Chromium on Linux</b>: enable <code>chrome://flags/#enable-unsafe-webgpu</code> and
        <code>chrome://flags/#enable-vulkan</code>, or start it with
        <code>--enable-unsafe-webgpu --enable-features=Vulkan</code>.</li>
    <li><b>Safari</b> 26 or newer (macOS, iOS, iPadOS).</li>
    <li><b>Firefox</b> 141 or newer on Windows; elsewhere Firefox Nightly, or <code>dom.webgpu.enabled</code> in <code>about:config</code>.</li>
  </ul>
  <p>Headless Chromium (tests, <code>wgneuro bench --browser</code>) needs <code>--enable-unsafe-webgpu --enable-features=Vulkan</code>.
     Without a GPU, Chromium's SwiftShader still runs everything, slowly.</p>`;

/**
 * The element `selector` finds on this page; throws naming it when the page has none (its HTML and
 * its script disagree), instead of failing later on `null`.
 */
export function $<T extends HTMLElement = HTMLElement>(selector: string): T {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`lab page ${location.pathname}: no element ${selector}`);
  return el;
}

/** What every page starts with: its Worker (none without WebGPU) and its status line. */
export interface LabPage {
  worker: LabWorker | null;
  statusEl: HTMLElement;
  /** Show `text` in the status line (`#status`), marked as an error when `error`. */
  setStatus(text: string, error?: boolean): void;
}

/** Start the page: its Worker, the shared header's adapter line and failure panels, its status line. */
export function startPage(): LabPage {
  const worker = hasWebGPU() ? new LabWorker() : null;
  pageChrome(worker);
  const statusEl = $('#status');
  return {
    worker,
    statusEl,
    setStatus(text, error = false) {
      statusEl.textContent = text;
      statusEl.classList.toggle('err', error);
    },
  };
}

/** The controls of a page that runs a model or an experiment. */
export interface RunControls {
  progressEl: HTMLProgressElement;
  runButton: HTMLButtonElement;
  cancelButton: HTMLButtonElement;
  /** `#result-json`: the run's JSON, for scripts and tests. */
  resultEl: HTMLPreElement;
  summaryEl: HTMLElement;
}

/** The page's {@link RunControls} (`#progress`, `#run`, `#cancel`, `#result-json`, `#summary`). */
export function runControls(): RunControls {
  return {
    progressEl: $<HTMLProgressElement>('#progress'), runButton: $<HTMLButtonElement>('#run'), cancelButton: $<HTMLButtonElement>('#cancel'),
    resultEl: $<HTMLPreElement>('#result-json'), summaryEl: $('#summary'),
  };
}

/** Fill the shared header's adapter line (updated when the Worker is ready) and watch for a lost device. */
function pageChrome(worker: LabWorker | null): void {
  const adapter = $('#adapter');
  if (!hasWebGPU()) {
    showNoWebGPU();
    adapter.textContent = 'no WebGPU in this browser';
    return;
  }
  adapter.textContent = 'starting the GPU worker…';
  worker?.on((msg) => {
    if (msg.type === 'ready') {
      adapter.textContent = `${msg.adapter.adapter}${msg.adapter.fallback ? ' (software fallback adapter)' : ''}`;
      adapter.title = msg.adapter.runtime;
    } else if (msg.type === 'error' && msg.id === 0) {
      adapter.textContent = `no GPU: ${msg.name}: ${msg.message}`;
      adapter.classList.add('err');
      if (msg.name === 'GPUUnavailableError') showNoWebGPU();
    } else if (msg.type === 'lost') {
      showLost(worker, msg.message);
    }
  });
}

export function showNoWebGPU(): void {
  const el = document.querySelector<HTMLElement>('#no-webgpu')!;
  el.innerHTML = NO_WEBGPU_HTML;
  el.hidden = false;
}

function showLost(worker: LabWorker, message: string): void {
  const el = document.querySelector<HTMLElement>('#lost')!;
  el.hidden = false;
  el.querySelector<HTMLElement>('.message')!.textContent = `The GPU device was lost (${message}). Your model and settings are kept.`;
  const button = el.querySelector<HTMLButtonElement>('button')!;
  button.onclick = () => {
    el.hidden = true;
    document.querySelector('#adapter')!.textContent = 'starting the GPU worker…';
    worker.restart();
    document.dispatchEvent(new CustomEvent('lab-restarted'));
  };
}
