/**
 * Device acquisition in Node when something has put a `navigator.gpu` stand-in on the global (TF.js's
 * WebGPU backend needs one to run on a Dawn device in Node; our own benches did it): a stand-in with
 * no `requestAdapter()` is ignored, one that finds no adapter falls back to Dawn, a working one is used.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../../src/gpu/acquire.js';

const g = globalThis as { navigator?: { gpu?: unknown } };
const original = Object.getOwnPropertyDescriptor(globalThis, 'navigator');

function setGpu(gpu: unknown): void {
  Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu }, configurable: true, writable: true });
}

describe('acquireDevice in Node with a navigator.gpu stand-in', () => {
  afterEach(() => {
    if (original) Object.defineProperty(globalThis, 'navigator', original);
    else delete (globalThis as { navigator?: unknown }).navigator;
  });

  it('ignores a stand-in without requestAdapter() and uses Dawn', async () => {
    setGpu({});
    const { device, runtime, attempts } = await acquireDevice();
    try {
      expect(runtime).toMatch(/Dawn/);
      expect(attempts).toContain('navigator.gpu has no requestAdapter(): ignored');
    } finally {
      device.destroy();
    }
  });

  it('falls back to Dawn when the stand-in finds no adapter', async () => {
    let asked = 0;
    setGpu({ requestAdapter: async () => { asked++; return null; } });
    const { device, runtime, attempts } = await acquireDevice();
    try {
      expect(asked).toBe(2); // as asked, then with forceFallbackAdapter
      expect(runtime).toMatch(/Dawn/);
      expect(attempts.filter((a) => a.startsWith('navigator.gpu.requestAdapter'))).toHaveLength(2);
    } finally {
      device.destroy();
    }
  });

  it('uses a navigator.gpu that works (here: Dawn\'s own GPU object)', async () => {
    const first = await acquireDevice();
    first.device.destroy();
    let asked = 0;
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const dawn = create([]);
    setGpu({ requestAdapter: (o?: GPURequestAdapterOptions) => { asked++; return dawn.requestAdapter(o); } });
    const { device, runtime } = await acquireDevice();
    try {
      expect(asked).toBe(1);
      expect(runtime).toBe('node (navigator.gpu)');
    } finally {
      device.destroy();
    }
  });
});
