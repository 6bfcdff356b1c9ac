/**
 * The layering of the library, checked with dependency-cruiser and the rules in
 * .dependency-cruiser.cjs: gpu → core → expr → reference → shaders → linalg / eig / sde / random → autodiff →
 * network → models → cli / bench / lab,
 * src/reference above core only, nothing in src importing bench/ or test/ (except the CLI's lazy
 * `import()` of a bench suite), no import cycle between files, and every import resolvable.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

async function check(baseDir: string, paths: string[]): Promise<ICruiseResult> {
  const options: ICruiseOptions = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const resolve = options.enhancedResolveOptions ?? {};
  const { output } = await cruise(paths, { ...options, baseDir, validate: true }, {
    extensions: resolve.extensions,
    exportsFields: resolve.exportsFields,
    conditionNames: resolve.conditionNames,
  });
  return output as ICruiseResult;
}

function describeViolations(result: ICruiseResult): string[] {
  return result.summary.violations.map((v) => {
    const path = v.cycle?.length ? `${v.from} → ${v.cycle.map((c) => c.name).join(' → ')}` : `${v.from} → ${v.to}`;
    return `${v.rule.name}: ${path}`;
  });
}

describe('architecture', () => {
  it('src, shaders, bench and lab import only downward, without cycles', async () => {
    const result = await check(root, ['src', 'shaders', 'bench', 'lab']);
    const violations = describeViolations(result);
    if (violations.length > 0) console.error(`layer violations:\n  ${violations.join('\n  ')}`);
    expect(violations).toEqual([]);
    // The cruise did see the tree (a misconfigured parser would find no modules and pass vacuously).
    expect(result.summary.totalCruised).toBeGreaterThan(80);
    expect(result.summary.totalDependenciesCruised).toBeGreaterThan(250);
  }, 120_000);

  it('catches an upward import and a cycle (fixture: core importing linalg)', async () => {
    const result = await check(join(root, 'test/node-only/fixtures/layers'), ['src']);
    const rules = new Set(result.summary.violations.map((v) => v.rule.name));
    expect(rules).toContain('no-upward-from-core');
    expect(rules).toContain('no-circular');
    // autodiff sits between linalg/eig and network (fixture: autodiff importing network)
    expect(rules).toContain('no-upward-from-autodiff');
  }, 120_000);
});
