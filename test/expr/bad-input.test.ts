/**
 * Bad models, model files and expressions, one row each: every one is refused with an InputError
 * before any code is generated, and the message names the problem in the model's own terms (the
 * field or expression, the value, what was expected). Names that are JavaScript object properties
 * (`constructor`, `valueOf`, `toString`) work as ordinary names.
 */
import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../src/expr/index.js';
import { InputError } from '../../src/gpu/errors.js';
import { defineLangevin, defineSDE, modelFromJSON, resolveIntegrator, type SDEDefinition } from '../../src/sde/index.js';
import { trialInputs } from '../../src/sde/model.js';

const base: SDEDefinition = { state: ['x'], params: { a: 1 }, drift: { x: '-a * x' }, diffusion: { x: '1' } };
const drift = (x: string) => () => defineSDE({ ...base, drift: { x } });
const file = (extra: Record<string, unknown>) => () => modelFromJSON({ state: ['x'], drift: { x: '-x' }, ...extra });

/** [what, the call, the pattern the message must match]. */
const cases: [string, () => unknown, RegExp][] = [
  // constants that are not finite 32-bit floats, reported with the expression and the column
  ['1/0', drift('1/0'), /drift of 'x': division by zero \(the divisor 0 is 0\) at column 1 of '1\/0'/],
  ['x / 0', drift('x / 0'), /division by zero.* at column 1 of 'x \/ 0'/],
  ['division by a constant expression that is 0', drift('x / (2 - 2)'), /division by zero \(the divisor \(2 - 2\) is 0\)/],
  ['exp(1000)*0 - x', drift('exp(1000)*0 - x'), /drift of 'x': exp\(1000\) = Infinity is infinite at column 1/],
  ['sqrt(-1) - x', drift('sqrt(-1) - x'), /sqrt\(-1\) is not a number \(outside the domain of sqrt\) at column 1/],
  ['log(0)', drift('x + log(0)'), /log\(0\) = -Infinity is infinite at column 5 of 'x \+ log\(0\)'/],
  ['exp(100) overflows f32', drift('exp(100) * x'), /exp\(100\) = 2\.6\d+e\+43 does not fit in a 32-bit float/],
  ['a literal beyond f32', drift('1e39 * x'), /1e\+39 does not fit in a 32-bit float/],
  ['a literal below the normal f32 range', drift('x * 1e-40'), /1e-40 is below the smallest normal 32-bit float \(1\.18e-38\), which GPUs may flush to 0/],
  ['an underflowing constant expression', drift('x + exp(-100)'), /exp\(-100\) = 3\.7\d*e-44 is below the smallest normal 32-bit float/],
  ['negative base, fractional exponent', drift('(-8)^(1/3) + x'), /is not a number \(a negative base needs a whole exponent\)/],
  ['0 to a negative power', drift('x + 0^-1'), /infinite/],
  ['a diffusion term', () => defineSDE({ ...base, diffusion: { x: '1/(1-1)' } }), /diffusion of 'x': division by zero/],
  ['an event threshold', () => defineSDE({ ...base, event: { variable: 'x', threshold: 'log(0)', reset: 0 } }), /event threshold: log\(0\)/],
  ['a logDensity', () => defineLangevin({ state: ['x'], logDensity: '-x^2 + sqrt(-2)' }), /logDensity: sqrt\(-2\) is not a number/],
  ['a user function body', () => defineSDE({ ...base, functions: { f: { args: ['u'], expr: 'u / 0' } }, drift: { x: 'f(x)' } }), /function f\(u\): division by zero/],
  // recursion among user functions, before WGSL reports a dependency cycle
  ['a self-recursive function', () => defineSDE({ ...base, functions: { f: { args: ['u'], expr: 'f(u) + 1' } }, drift: { x: 'f(x)' } }),
    /function f\(\): recursion is not supported: f\(\) calls f\(\)/],
  ['mutual recursion', () => defineSDE({
    ...base,
    functions: { f: { args: ['u'], expr: 'g(u) * 2' }, g: { args: ['v'], expr: '1 + f(v)' } },
    drift: { x: 'f(x)' },
  }), /recursion is not supported: f\(\) calls g\(\) calls f\(\)/],
  // names
  ['__proto__ as a state variable', () => defineSDE({ ...base, state: ['__proto__'], drift: {} }), /state variable name "__proto__" must start with a letter/],
  ['a name with code in it', () => defineSDE({ ...base, params: { 'a; }': 1 } }), /parameter name "a; }" must start with a letter/],
  ['a model name with a newline', () => defineSDE({ ...base, name: 'ou\n}\nfn evil() {}' }), /model name "ou\\n}\\nfn evil\(\) \{\}" must be 1 to 64 letters/],
  ['a model name that is not a string', () => defineSDE({ ...base, name: 7 as unknown as string }), /model name 7 must be/],
  ['t as a parameter', () => defineSDE({ ...base, params: { t: 1 } }), /parameter name 't' is reserved/],
  ['a built-in as a parameter', () => defineSDE({ ...base, params: { exp: 1 } }), /reserved/],
  ['function argument listed twice', () => defineSDE({ ...base, functions: { f: { args: ['u', 'u'], expr: 'u' } } }), /lists the argument 'u' twice/],
  ['integrator named constructor', () => resolveIntegrator('constructor', defineSDE(base)), /unknown integrator 'constructor' \(choose one of em, /],
  ['integrator named toString', () => resolveIntegrator('toString', defineSDE(base)), /unknown integrator 'toString'/],
  ['integrator named __proto__', () => resolveIntegrator('__proto__', defineSDE(base)), /unknown integrator '__proto__'/],
  // raw WGSL needs an opt-in, and the message says how
  ['raw WGSL without opt-in (API)', () => defineSDE({ ...base, functions: { f: { args: ['u'], wgsl: 'return u;' } } }),
    /function 'f' is raw WGSL, which is refused unless you opt in.*allowRawWGSL: true.*--allow-wgsl/],
  ['raw WGSL without opt-in (file)', file({ functions: { f: { args: ['u'], wgsl: 'return u;' } } }), /allowRawWGSL: true/],
  ['JavaScript in a file', file({ functions: { f: { args: ['u'], expr: 'u', js: 'u' } } }), /functions\.f: unknown field 'js' \(JavaScript is never read/],
  // API values of the wrong type
  ['a parameter given as a string (API)', () => defineSDE({ ...base, params: { a: '5' as unknown as number } }),
    /parameter 'a' must be a number or an array of numbers \(one per trial\), got "5"/],
  ['a parameter beyond f32 (API)', () => defineSDE({ ...base, params: { a: 1e39 } }), /parameter 'a' must be a finite number within the 32-bit float range/],
  ['a non-numeric init array (API)', () => defineSDE({ ...base, state: { x: { init: ['a'] as unknown as number[] } } }), /init of 'x'\[0\] must be a finite number.*got "a"/],
  ['an absorbing bound given as a string (API)', () => defineSDE({ ...base, absorb: [{ variable: 'x', lower: '0' as unknown as number }] }),
    /absorb\[0\]\.lower must be a finite number.*got "0"/],
  ['absorb given as an object (API)', () => defineSDE({ ...base, absorb: { variable: 'x' } as unknown as [] }), /'absorb' must be a list/],
  ['an absorbing boundary without bounds', () => defineSDE({ ...base, absorb: [{ variable: 'x' }] }), /absorb\[0\] gives neither 'lower' nor 'upper'/],
  ['a refractory period given as a string (API)', () => defineSDE({ ...base, event: { variable: 'x', threshold: 1, reset: 0, refractory: '2' as unknown as number } }),
    /event\.refractory must be a finite number.*got "2"/],
  ['an init expression calling a user function', () => defineSDE({ ...base, functions: { f: { args: ['u'], expr: 'u' } }, state: { x: { init: 'f(a)' } } }),
    /init of 'x'.*unknown function 'f'/],
  // model files: field path, value and what was expected
  ['absorb lower as a string', file({ absorb: [{ variable: 'x', lower: '0' }] }), /absorb\[0\]\.lower = "0": expected a number/],
  ['absorb as an object', file({ absorb: { variable: 'x', lower: 0 } }), /absorb = \{"variable":"x","lower":0\}: expected a list of boundaries/],
  ['init ["a"]', file({ state: { x: { init: ['a'] } } }), /state\.x\.init\[0\] = "a": expected a number/],
  ['a parameter "5"', file({ params: { k: '5' } }), /params\.k = "5": expected a number or an array of numbers/],
  ['a swept parameter with a string', file({ params: { k: [1, '2'] } }), /params\.k\[1\] = "2": expected a number/],
  ['refractory "2"', file({ event: { variable: 'x', threshold: 1, reset: 0, refractory: '2' } }), /event\.refractory = "2": expected a number/],
  ['refractory -1', file({ event: { variable: 'x', threshold: 1, reset: 0, refractory: -1 } }), /event\.refractory = -1: expected a time ≥ 0/],
  ['a misspelt field', file({ drfit: {} }), /unknown field 'drfit' \(known fields of an SDE model: name, state/],
  ['noise with a fractional wiener count', file({ noise: { wiener: 1.5 } }), /noise\.wiener = 1\.5: expected a whole number ≥ 1/],
  ['drift as a string', file({ drift: 'x' }), /drift = "x": expected an object \{variable: expression\}/],
  ['state missing', () => modelFromJSON({ drift: { x: '-x' } }), /state is missing: expected a list of variable names/],
  ['a diffusion column of the wrong type', file({ noise: { wiener: 2 }, diffusion: { x: ['1', {}] } }), /diffusion\.x\[1\] = \{\}: expected an expression/],
  ['__proto__ as a key', () => modelFromJSON(JSON.parse('{"state": ["x"], "drift": {"x": "-x", "__proto__": "1"}}')), /drift has a field named '__proto__'/],
  ['a model name with a newline (file)', file({ name: 'a\nb' }), /model name "a\\nb" must be/],
  ['a Langevin file with a drift', () => modelFromJSON({ state: ['x'], logDensity: '-x^2', drift: { x: '1' } }), /unknown field 'drift' \(known fields of a Langevin model/],
  ['a model file that is an array', () => modelFromJSON([1, 2]), /must hold a JSON object/],
  // mapExpr's compiler
  ['mapExpr: x / 0', () => compileExpression('x / 0', ['x'], []), /division by zero/],
  ['mapExpr: an input named like a built-in', () => compileExpression('exp + 1', ['exp'], []), /input name 'exp' is reserved/],
  ['mapExpr: an input that is also a parameter', () => compileExpression('x', ['x'], ['x']), /'x' is both an input and a parameter/],
  ['mapExpr: a member expression', () => compileExpression('x.constructor', ['x'], []), /a member expression is not supported at column 1/],
  ['mapExpr: an unknown name that is an Object property', () => compileExpression('x + valueOf', ['x'], []), /unknown name 'valueOf'.* at column 5/],
  ['mapExpr: nested deeper than WGSL compilers accept', () => compileExpression(`${'sin('.repeat(120)}x${')'.repeat(120)}`, ['x'], []),
    /mapExpr|expression '.*': the expression nests 120 levels deep in WGSL, more than GPU compilers accept \(96\)/],
  ['mapExpr: a sum of 200 terms', () => compileExpression(Array(200).fill('x').join(' + '), ['x'], []), /nests 199 levels deep in WGSL/],
  ['a model equation nested too deeply', drift(`${'tanh('.repeat(60)}x${')'.repeat(60)}`), /model 'sde': drift of 'x': the expression nests \d+ levels deep in WGSL/],
  ['parentheses nested 300 deep', () => compileExpression(`${'('.repeat(300)}x${')'.repeat(300)}`, ['x'], []), /nested more than 256 levels deep/],
  ['an expression of 32000 characters', () => compileExpression(Array(8000).fill('x').join(' + '), ['x'], []), /31997 characters long \(at most 20000\)/],
  ['mapExpr: the % operator', () => compileExpression('x % 2', ['x'], []), /'%' is not supported/],
];

describe('bad models, model files and expressions', () => {
  it.each(cases)('%s', (_what, call, pattern) => {
    let caught: unknown = null;
    try {
      call();
    } catch (err) {
      caught = err;
    }
    expect(caught, 'an error is thrown').toBeInstanceOf(InputError);
    expect((caught as Error).message).toMatch(pattern);
  });

  it('counts at least 50 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  it('nested powers do not repeat their base: the code grows linearly', () => {
    const nested = compileExpression('((((x + 1)^4 - 1)^4 - 1)^3 - 1)^2 + square(square(square(x - 1)))', ['x'], []);
    expect(nested.wgsl.length).toBeLessThan(300);
    expect(nested.declarations).toContain('fn expr_pow4(');
    expect(nested.evaluate([0.1], [])).toBeCloseTo(((((1.1 ** 4 - 1) ** 4 - 1) ** 3 - 1) ** 2) + (0.9 ** 8), 12);
  });

  it('mapExpr inputs and parameters named e or pi hide the constants; model names may not', () => {
    expect(compileExpression('2 * e + pi', ['e'], ['pi']).evaluate([3], [0.5])).toBe(6.5);
    expect(compileExpression('2 * e + pi', ['x'], []).evaluate([3], [])).toBe(2 * Math.E + Math.PI);
    expect(() => defineSDE({ ...base, params: { pi: 3 } })).toThrow(/parameter name 'pi' is reserved/);
    const m = defineSDE({ ...base, state: { x: { init: 'a * pi' } } });
    expect(trialInputs(m, 1, 0, 1).init[0]).toBe(Math.PI);
  });

  it('JavaScript object property names are ordinary names', () => {
    const m = defineSDE({
      state: { constructor: { init: 1 }, toString: 0 },
      params: { valueOf: 2, hasOwnProperty: 0.5 },
      functions: { isPrototypeOf: { args: ['toLocaleString', 'propertyIsEnumerable'], expr: 'toLocaleString * propertyIsEnumerable' } },
      drift: { constructor: '-isPrototypeOf(constructor, valueOf)', toString: 'hasOwnProperty' },
      diffusion: { toString: 'hasOwnProperty * constructor' },
    });
    const out = new Float64Array(2);
    m.js.drift(0, [1.5, 0], [2, 0.5], out);
    expect([...out]).toEqual([-3, 0.5]);
    m.js.diffusion(0, [1.5, 0], [2, 0.5], out);
    expect([...out]).toEqual([0, 0.75]);
    expect(m.wgsl).toContain('v_constructor: f32');
    expect(m.wgsl).toContain('fn uf_isPrototypeOf(a_toLocaleString: f32, a_propertyIsEnumerable: f32) -> f32');
    expect(resolveIntegrator('milstein', m).name).toBe('milstein');
  });

  it('raw WGSL is accepted with the opt-in, in the API and in files', () => {
    const soft = { args: ['z'], wgsl: 'return z / (1.0 + abs(z));' };
    const m = modelFromJSON({ state: ['x'], functions: { soft }, drift: { x: '-soft(x)' } }, { allowRawWGSL: true });
    expect(m.wgsl).toContain('fn uf_soft(z: f32) -> f32 {\nreturn z / (1.0 + abs(z));\n}');
    const api = defineSDE({ ...base, functions: { soft: { ...soft, js: (z: number) => z / (1 + Math.abs(z)) } }, drift: { x: 'soft(x)' } }, { allowRawWGSL: true });
    const out = new Float64Array(1);
    api.js.drift(0, [1], [1], out);
    expect(out[0]).toBe(0.5);
  });
});
