import type { Command } from 'commander';
import { createContext, type ContextInfo } from '../../core/context.js';

/** Human-readable summary of a context's adapter, runtime, features and limits. */
export function formatInfo(info: ContextInfo): string {
  const a = info.adapter;
  const lines = [
    `runtime:  ${info.runtime}`,
    `adapter:  ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || '(no info)'}${a.isFallbackAdapter ? ' [fallback]' : ''} (${a.kind})`,
    `features: ${info.features.join(', ')}`,
    'limits:',
    ...Object.entries(info.limits).map(([k, v]) => `  ${k.padEnd(42)} ${v}`),
    'how the adapter was found:',
    ...info.attempts.map((s) => `  - ${s}`),
  ];
  return lines.join('\n');
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print the WebGPU adapter, runtime, features and limits')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const ctx = await createContext();
      try {
        process.stdout.write((opts.json ? JSON.stringify(ctx.info, null, 2) : formatInfo(ctx.info)) + '\n');
      } finally {
        ctx.destroy();
      }
    });
}
