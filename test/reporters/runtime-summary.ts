/**
 * Prints, after Vitest's own report, one line per runtime (project) and a plain closing line
 * `tests: N passed, N failed, N skipped`, so a log shows at a glance that both Node and Chromium ran.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class RuntimeSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const perProject = new Map<string, { passed: number; failed: number; skipped: number; files: number }>();
    for (const module of testModules) {
      const name = module.project.name || 'default';
      const row = perProject.get(name) ?? { passed: 0, failed: 0, skipped: 0, files: 0 };
      row.files++;
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) row.failed++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') row.passed++;
        else if (state === 'failed') row.failed++;
        else row.skipped++;
      }
      perProject.set(name, row);
    }
    const total = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    const lines = ['', 'runtime summary:'];
    for (const [name, row] of [...perProject].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`  ${name.padEnd(20)} ${row.files} files: ${row.passed} passed, ${row.failed} failed, ${row.skipped} skipped`);
      total.passed += row.passed;
      total.failed += row.failed;
      total.skipped += row.skipped;
    }
    lines.push(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
    process.stdout.write(lines.join('\n') + '\n');
  }
}
