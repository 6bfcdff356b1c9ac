/**
 * The layer rules of wgneuro, checked by test/node-only/architecture.test.ts (and by
 * `npx depcruise src shaders bench`). Layers point down only:
 *
 *   gpu → core → expr → reference → shaders → linalg / eig / sde / random → autodiff → network → models → sweep → cli / bench / lab
 *
 * (an arrow reads "is imported by"). src/reference holds the CPU twins of kernels and may import
 * only gpu, core and expr (the equation language, whose JS emitter the twins of mapExpr and of
 * models run); the experiments' own CPU code lives beside each experiment in src/models/.
 * src/index.ts, src/internal.ts and src/testing.ts are entry points: they may import any layer of
 * the library, but nothing in the library imports them.
 */

/** Layer of each folder, lowest first; a module may import its own layer or any lower one. */
const LAYERS = [
  ['gpu', '^src/gpu/'],
  ['core', '^src/core/'],
  // the equation language is plain CPU code (parser, checker, emitters) that CPU twins evaluate too
  ['expr', '^src/expr/'],
  ['reference', '^src/reference/'],
  ['shaders', '^shaders/'],
  ['compute', '^src/(linalg|eig|sde|random)/'],
  // reverse-mode gradients, Hessian products and optimizers, built on linalg and eig
  ['autodiff', '^src/autodiff/'],
  ['network', '^src/network/'],
  ['models', '^src/models/'],
  ['sweep', '^src/sweep/'],
  ['app', '^(src/cli|bench|lab)/'],
];

/** One "forbidden" rule per layer: nothing in it imports a higher layer. */
const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} sits below ${LAYERS.slice(i + 1).map(([n]) => n).join(', ')} and must not import them`,
  severity: 'error',
  from: { path },
  to: {
    path: LAYERS.slice(i + 1).map(([, p]) => `(${p})`).join('|'),
  },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'reference-only-gpu-core',
      comment: 'CPU twins of kernels (src/reference) import nothing above core, except the equation language they evaluate',
      severity: 'error',
      from: { path: '^src/reference/' },
      to: { path: '^(src|shaders)/', pathNot: '^src/(gpu|core|expr|reference)/' },
    },
    {
      name: 'no-import-of-entry-points',
      comment: 'src/index.ts, src/internal.ts and src/testing.ts are for users, tests and benches only',
      severity: 'error',
      from: { path: '^(src|shaders)/' },
      to: { path: '^src/(index|internal|testing)\\.ts$' },
    },
    {
      name: 'src-not-bench-or-test',
      comment: 'the library never imports bench/ or test/ (bench needs dev dependencies; the CLI loads it with import())',
      severity: 'error',
      from: { path: '^(src|shaders)/' },
      to: { path: '^(bench|test)/', dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'no-circular',
      comment: 'no import cycle between files (type-only imports included)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves (a typo or a stale path after a move)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      // 'wgneuro-source' resolves package.json "imports" ('#device') to the TypeScript sources.
      conditionNames: ['wgneuro-source', 'import', 'require', 'node', 'default', 'types'],
    },
  },
};
