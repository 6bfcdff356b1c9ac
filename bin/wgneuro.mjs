#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

// SwiftShader's Vulkan driver complains on stderr when XDG_RUNTIME_DIR is unset (it probes for a
// Wayland display); give it a private directory so CLI output stays clean.
if (!process.env.XDG_RUNTIME_DIR) {
  const { mkdirSync } = await import('node:fs');
  const { tmpdir, userInfo } = await import('node:os');
  const { join } = await import('node:path');
  const dir = join(tmpdir(), `wgneuro-xdg-${userInfo().uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv);
// Dawn keeps native handles alive, so exit explicitly, but only once piped output is flushed.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit(code);
