/**
 * Property-based fuzz of the equation language (fast-check, fixed seeds): random expressions over
 * two inputs, two parameters, the constants and every built-in either compile — and then the
 * generated WGSL run on the GPU agrees with the float64 JavaScript within a bound derived per
 * expression and point (test/expr/f32-bound.ts) — or are rejected with an InputError. Never a WGSL
 * compile error, never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uniformLayout } from '../../src/core/layout.js';
import { compileExpression, WGSL_EXPR_HELPERS, type CompiledExpression } from '../../src/expr/index.js';
import { InputError, ShaderCompileError } from '../../src/gpu/errors.js';
import { gpuIt, testRng } from '../helpers/device.js';
import { evaluateBounded, IllConditioned } from './f32-bound.js';

const INPUTS = ['x', 'y'];
const PARAMS = ['a', 'b'];

/** Random expression sources; the alphabet includes names and literals that must be rejected. */
function expressionSource(maxDepth: number): fc.Arbitrary<string> {
  const leaf = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('x', 'y', 'a', 'b', 'pi', 'e') },
    { weight: 4, arbitrary: fc.constantFrom('0', '1', '2', '3', '0.5', '2.5', '0.1', '7', '1e-3', '1e3', '1e-45') },
    { weight: 1, arbitrary: fc.constantFrom('1e30', '1e39', 'z', 'constructor', 'toString', 'true') },
  );
  const { expr } = fc.letrec<{ expr: string; neg: string; bin: string; small: string; fn1: string; fn2: string; cond: string }>((tie) => ({
    expr: fc.oneof({ maxDepth, depthSize: 'small' }, leaf, tie('neg'), tie('bin'), tie('small'), tie('fn1'), tie('fn2'), tie('cond')),
    neg: tie('expr').map((a) => `-${a}`),
    bin: fc.tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '^', '**'), tie('expr')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    small: fc.tuple(tie('expr'), fc.constantFrom('2', '3', '4', '-1', '-2', '0', '5', '-5', '6', '0.5')).map(([a, n]) => `(${a})^${n}`),
    fn1: fc.tuple(fc.constantFrom(
      'exp', 'log', 'sqrt', 'sin', 'cos', 'tan', 'tanh', 'sinh', 'cosh', 'atan', 'abs', 'sign', 'floor', 'ceil',
      'square', 'sigmoid', 'relu', 'heaviside',
    ), tie('expr')).map(([f, a]) => `${f}(${a})`),
    fn2: fc.tuple(fc.constantFrom('min', 'max', 'atan2', 'pow', 'clamp', 'exp'), tie('expr'), tie('expr'))
      .map(([f, a, b]) => (f === 'clamp' ? `clamp(${a}, ${b}, ${a} + 1)` : `${f}(${a}, ${b})`)),
    cond: fc.tuple(tie('expr'), fc.constantFrom('<', '<=', '>', '>=', '==', '!='), tie('expr'), tie('expr'), tie('expr'), fc.boolean())
      .map(([p, op, q, a, b, and]) => `((${p} ${op} ${q}${and ? ' && x > -1' : ''}) ? ${a} : ${b})`),
  }));
  return expr;
}

/** Compile, or return null when rejected with an InputError; anything else is a failure. */
function compileOrReject(source: string): CompiledExpression | null {
  try {
    return compileExpression(source, INPUTS, PARAMS);
  } catch (err) {
    if (err instanceof InputError) return null;
    throw new Error(`'${source}' threw ${(err as Error).name} instead of an InputError: ${(err as Error).message}`);
  }
}

/** Seeded f32 sample points: x, y in [-3, 3], a, b in [-2, 2] (one a, b per batch: uniforms). */
function samplePoints(count: number, seed: number): { x: Float32Array; y: Float32Array; a: number; b: number } {
  const rng = testRng(seed);
  const f = (lo: number, hi: number): number => Math.fround(lo + (hi - lo) * rng());
  return {
    x: Float32Array.from({ length: count }, () => f(-3, 3)),
    y: Float32Array.from({ length: count }, () => f(-3, 3)),
    a: f(-2, 2),
    b: f(-2, 2),
  };
}

describe('expression fuzz', () => {
  it('every random expression compiles or is rejected with an InputError; its JS equals the float64 interpreter', () => {
    let compiled = 0;
    let rejected = 0;
    const points = samplePoints(5, 11);
    fc.assert(fc.property(expressionSource(5), (source) => {
      const c = compileOrReject(source);
      if (!c) {
        rejected++;
        return;
      }
      compiled++;
      expect(c.wgsl).not.toMatch(/NaN|Infinity/);
      for (let i = 0; i < points.x.length; i++) {
        const v = [points.x[i]!, points.y[i]!];
        const p = [points.a, points.b];
        const js = c.evaluate(v, p);
        let ref: number;
        try {
          ref = evaluateBounded(c.expr, new Map([['x', v[0]!], ['y', v[1]!], ['a', p[0]!], ['b', p[1]!]])).v;
        } catch (err) {
          if (err instanceof IllConditioned) continue;
          throw err;
        }
        expect(Math.abs(js - ref), `${source} at x=${v[0]}, y=${v[1]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref)));
      }
    }), { seed: 20261201, numRuns: 3000 });
    // both outcomes must occur, or the generator has lost half of what it is meant to probe
    expect(compiled).toBeGreaterThan(600);
    expect(rejected).toBeGreaterThan(200);
  });

  gpuIt('generated WGSL agrees with the float64 reference on the GPU (batches of 48 expressions)', async (ctx, track) => {
    const P = 23;
    const layout = uniformLayout({ count: 'u32', p_a: 'f32', p_b: 'f32' });
    let compared = 0;
    let total = 0;
    let batch = 0;
    await fc.assert(fc.asyncProperty(fc.array(expressionSource(4), { minLength: 48, maxLength: 48 }), async (sources) => {
      const accepted = sources.map(compileOrReject).filter((c): c is CompiledExpression => c !== null);
      if (accepted.length === 0) return;
      const pts = samplePoints(P, 100 + batch++);
      const shader = (list: CompiledExpression[]): string => `
${list.some((c) => c.declarations) ? WGSL_EXPR_HELPERS : ''}
${layout.wgslStruct('Params')}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> in_x: array<f32>;
@group(0) @binding(2) var<storage, read> in_y: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(32)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= params.count) { return; }
  let v_x = in_x[i];
  let v_y = in_y[i];
${list.map((c, k) => `  out[${k}u * params.count + i] = ${c.wgsl};`).join('\n')}
}`;
      let pipeline: GPUComputePipeline;
      try {
        pipeline = await ctx.kernel({ label: 'expr.fuzz', code: shader(accepted) });
      } catch (err) {
        if (!(err instanceof ShaderCompileError)) throw err;
        // name the expression the WGSL compiler rejected
        for (const c of accepted) {
          try {
            await ctx.kernel({ label: 'expr.fuzz.one', code: shader([c]) });
          } catch (one) {
            throw new Error(`WGSL of an accepted expression does not compile: ${print(c)}\n${(one as Error).message}`);
          }
        }
        throw err;
      }
      const X = track(ctx.tensor([P], { data: pts.x, label: 'expr.fuzz.x' }));
      const Y = track(ctx.tensor([P], { data: pts.y, label: 'expr.fuzz.y' }));
      const out = track(ctx.tensor([accepted.length * P], { label: 'expr.fuzz.out', fill: Number.NaN }));
      ctx.dispatch({
        label: 'expr.fuzz', pipeline, workgroups: Math.ceil(P / 32),
        bindings: [layout.pack({ count: P, p_a: pts.a, p_b: pts.b }), X, Y, out],
      });
      const gpu = await out.read();
      out.destroy();
      accepted.forEach((c, k) => {
        for (let i = 0; i < P; i++) {
          total++;
          let ref: { v: number; e: number };
          try {
            ref = evaluateBounded(c.expr, new Map([['x', pts.x[i]!], ['y', pts.y[i]!], ['a', pts.a], ['b', pts.b]]));
          } catch (err) {
            if (err instanceof IllConditioned) continue;
            throw err;
          }
          compared++;
          const got = gpu[k * P + i]!;
          // twice the first-order bound: room for the second-order terms the analysis drops
          expect(Math.abs(got - ref.v), `${print(c)} at x=${pts.x[i]}, y=${pts.y[i]}, a=${pts.a}, b=${pts.b}: GPU ${got}, float64 ${ref.v} ± ${ref.e}`)
            .toBeLessThanOrEqual(2 * ref.e);
        }
      });
    }), { seed: 7, numRuns: 8, endOnFailure: true });
    // most points must be compared, or the bound's exclusions would make the test vacuous
    expect(compared).toBeGreaterThan(0.4 * total);
  });
});

function print(c: CompiledExpression): string {
  return `'${c.expr.at?.source ?? '?'}' (WGSL ${c.wgsl})`;
}
