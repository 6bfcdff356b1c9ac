import { describe, expect, it } from 'vitest';
import { differentiate, parseExpr, toJS, toWGSL, type Expr } from '../../src/expr/index.js';
import { defineLangevin, defineSDE, modelFromJSON } from '../../src/sde/index.js';

const evalJS = (e: Expr, vars: Record<string, number>): number =>
  new Function('v', `return ${toJS(e, (n) => `v[${JSON.stringify(n)}]`)};`)(vars) as number;

describe('expression language', () => {
  it('reads powers the mathematical way: -x^2 is -(x^2), ^ binds tighter than * and is right-associative', () => {
    expect(evalJS(parseExpr('-x^2', 't'), { x: 3 })).toBe(-9);
    expect(evalJS(parseExpr('(-x)^2', 't'), { x: 3 })).toBe(9);
    expect(evalJS(parseExpr('2*x^2/4', 't'), { x: 3 })).toBe(4.5);
    expect(evalJS(parseExpr('2^3^2', 't'), {})).toBe(512);
    expect(evalJS(parseExpr('x ** 2 - 1', 't'), { x: 3 })).toBe(8);
    expect(evalJS(parseExpr('x > 1 && x < 5 ? 1 : 0', 't'), { x: 3 })).toBe(1);
  });

  it('emits f32 literals and expands small integer powers in WGSL', () => {
    const w = toWGSL(parseExpr('2 * x^3 + pow(x, 2.5) / 4', 't'), (n) => `s.v_${n}`);
    expect(w).toBe('((2.0 * (s.v_x * s.v_x * s.v_x)) + (expr_pow(s.v_x, 2.5) / 4.0))');
  });

  it('differentiates symbolically (checked against central differences)', () => {
    const cases = ['x^3 * sin(x)', 'exp(-x^2/2) / (1 + x^2)', 'sqrt(1 + x^2) * tanh(x)', 'log(1 + exp(x)) - sigmoid(2*x)', 'x > 0 ? x^2 : -x', 'atan2(x, 2) + abs(x - 3)'];
    for (const src of cases) {
      const e = parseExpr(src, src);
      const d = differentiate(e, 'x', src);
      for (const x of [-1.3, 0.7, 2.1]) {
        const h = 1e-5;
        const fd = (evalJS(e, { x: x + h }) - evalJS(e, { x: x - h })) / (2 * h);
        expect(evalJS(d, { x }), `${src} at ${x}`).toBeCloseTo(fd, 6);
      }
    }
  });

  it('reports bad expressions in the user\'s terms before any GPU work', () => {
    const base = { state: ['x'], params: { a: 1 }, drift: { x: '-a * x' }, diffusion: { x: '1' } };
    expect(() => defineSDE({ ...base, drift: { x: '-a * x +' } })).toThrow(/drift of 'x': cannot parse/);
    expect(() => defineSDE({ ...base, drift: { x: '-b * x' } })).toThrow(/unknown name 'b'/);
    expect(() => defineSDE({ ...base, drift: { x: 'exp(x, 2)' } })).toThrow(/exp\(\) takes 1 argument, got 2/);
    expect(() => defineSDE({ ...base, drift: { x: 'foo(x)' } })).toThrow(/unknown function 'foo'/);
    expect(() => defineSDE({ ...base, drift: { x: 'x > 1' } })).toThrow(/condition/);
    expect(() => defineSDE({ ...base, drift: { y: 'x' } })).toThrow(/'y', which is not a state variable/);
    expect(() => defineSDE({ ...base, params: { exp: 1 } })).toThrow(/reserved/);
    expect(() => defineSDE({ ...base, state: ['x', 'x'] })).toThrow(/listed twice/);
    expect(() => defineSDE({ ...base, diffusion: { x: ['1', '2'] } })).toThrow(/diagonal noise takes one expression/);
    expect(() => defineSDE({ ...base, noise: { wiener: 2 }, diffusion: { x: ['1'] } })).toThrow(/array of 2 expressions/);
    expect(() => defineSDE({ ...base, event: { variable: 'x', threshold: 'q', reset: 0 } })).toThrow(/event threshold: unknown name 'q'/);
    expect(() => modelFromJSON([1, 2])).toThrow(/JSON object/);
  });

  it('compiles one definition to JS and WGSL, with user functions and symbolic Milstein/score terms', () => {
    const m = defineSDE({
      state: { x: { init: 1 } }, params: { a: 2, s: 0.3 },
      functions: { sq: { args: ['u'], expr: 'u * u' } },
      drift: { x: '-a * sq(x)' }, diffusion: { x: 's * sq(x)' },
    });
    const out = new Float64Array(1);
    m.js.drift(0, [1.5], [2, 0.3], out);
    expect(out[0]).toBeCloseTo(-4.5, 12);
    m.js.diffusionDerivative(0, [1.5], [2, 0.3], out);
    expect(out[0]).toBeCloseTo(0.3 * 2 * 1.5, 12);
    expect(m.wgsl).toContain('fn uf_sq(a_u: f32) -> f32');
    expect(m.wgsl).toContain('fn model_diffusion_dx');
    expect(m.diffusionSelfOnly).toBe(true);
    const g = defineLangevin({ state: ['x', 'y'], logDensity: '-(x^2 + 4*y^2)/2' });
    const score = new Float64Array(2);
    g.js.drift(0, [1, 0.5], [], score);
    expect([...score]).toEqual([-1, -2]);
  });
});
