/**
 * Test helpers shared by the Node and Chromium runs.
 */
import { expect, inject, it } from 'vitest';
import { createContext, type Context } from '../../src/core/context.js';
import type { Tensor } from '../../src/core/tensor.js';

declare module 'vitest' {
  export interface ProvidedContext {
    gpuOptional: boolean;
  }
}

let shared: Promise<Context | null> | null = null;

/** One context per test file (and per runtime). Null only when a GPU is optional and absent. */
export function testContext(): Promise<Context | null> {
  // Kernels tune on first use per shape class; a small budget keeps that from dominating test
  // time (every variant is tested explicitly, so which one wins here does not matter).
  shared ??= createContext({ tuning: { budgetMs: 250 } }).catch((err: unknown) => {
    if (inject('gpuOptional')) return null;
    throw err;
  });
  return shared;
}

/** Which runtime the test file is running in, for test names and notes. */
export const runtime: 'node' | 'chromium' = typeof window === 'undefined' ? 'node' : 'chromium';

type Destroyable = { destroy(): void };

/**
 * Run `body` with the shared context inside a validation and out-of-memory error scope; everything
 * passed to `track` is destroyed afterwards, and any GPU error fails the test.
 */
export async function withDevice(body: (ctx: Context, track: <T extends Destroyable>(x: T) => T) => Promise<void>): Promise<void> {
  const ctx = await testContext();
  if (!ctx) return;
  const made: Destroyable[] = [];
  ctx.device.pushErrorScope('out-of-memory');
  ctx.device.pushErrorScope('validation');
  let bodyError: unknown = null;
  try {
    await body(ctx, (x) => {
      made.push(x);
      return x;
    });
    await ctx.sync();
  } catch (err) {
    bodyError = err;
  } finally {
    for (const x of made) x.destroy();
  }
  const validation = await ctx.device.popErrorScope();
  const oom = await ctx.device.popErrorScope();
  if (bodyError) throw bodyError;
  expect(validation?.message ?? null, 'GPU validation error').toBeNull();
  expect(oom?.message ?? null, 'GPU out-of-memory error').toBeNull();
}

/** `it` whose body runs inside `withDevice`. */
export function gpuIt(name: string, body: (ctx: Context, track: <T extends Destroyable>(x: T) => T) => Promise<void>, timeout?: number): void {
  it(name, () => withDevice(body), timeout);
}

/** Seeded float64 random numbers for test inputs (mulberry32; test data only, not a kernel). */
export function testRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tensor filled with NaN so any element a kernel fails to write fails the comparison. */
export function poisoned(ctx: Context, shape: number[], label = 'poisoned'): Tensor<'f32'> {
  return ctx.tensor(shape, { label, fill: Number.NaN });
}

/**
 * Assert |actual - expected| ≤ atol + rtol·|expected| elementwise, reporting the worst element.
 * NaN in `actual` always fails (unwritten poisoned outputs).
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { atol?: number; rtol?: number }, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const atol = tol.atol ?? 0;
  const rtol = tol.rtol ?? 0;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (Number.isNaN(excess) || excess > worstExcess || worst < 0)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}
