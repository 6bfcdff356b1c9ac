/**
 * The layer rules of wgneuro, checked by test/node-only/architecture.test.ts (and by
 * `npx depcruise src shaders bench`). Layers point down only:
 *
 *   gpu → core → shaders → linalg / eig / sde / random → models → cli / bench
 *
 * (an arrow reads "is imported by"). src/reference holds the CPU twins of kernels and may import
 * only gpu and core; the experiments' own CPU code lives beside each experiment in src/models/.
 * src/index.ts, src/internal.ts and src/testing.ts are entry points: they may import any layer of
 * the library, but nothing in the library imports them.
 */

/**
 * Imports from src/reference that issue 9 removes in work done in parallel (the one expression
 * language in src/expr). Each is allowed by
 * exact path until that work lands; delete its line then, and the rules below hold with no exception.
 */
const PENDING_REFERENCE_IMPORTS = [
  '^src/linalg/expr\\.ts$', // src/reference/linalg.ts → compileExpression (moves to src/expr)
  '^src/sde/model\\.ts$', // src/reference/sde.ts → SDEModel, trialInputs
].join('|');

/** Layer of each folder, lowest first; a module may import its own layer or any lower one. */
const LAYERS = [
  ['gpu', '^src/gpu/'],
  ['core', '^src/core/'],
  ['reference', '^src/reference/'],
  ['expr', '^src/expr/'],
  ['shaders', '^shaders/'],
  ['compute', '^src/(linalg|eig|sde|random)/'],
  ['models', '^src/models/'],
  ['app', '^(src/cli|bench)/'],
];

/** One "forbidden" rule per layer: nothing in it imports a higher layer. */
const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} sits below ${LAYERS.slice(i + 1).map(([n]) => n).join(', ')} and must not import them`,
  severity: 'error',
  from: { path },
  to: {
    path: LAYERS.slice(i + 1).map(([, p]) => `(${p})`).join('|'),
    ...(name === 'reference' ? { pathNot: PENDING_REFERENCE_IMPORTS } : {}),
  },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'reference-only-gpu-core',
      comment: 'CPU twins of kernels (src/reference) import nothing above core',
      severity: 'error',
      from: { path: '^src/reference/' },
      to: { path: '^(src|shaders)/', pathNot: `^src/(gpu|core|reference)/|${PENDING_REFERENCE_IMPORTS}` },
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
