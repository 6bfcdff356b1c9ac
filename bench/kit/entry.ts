/**
 * Entry point of the device kit's single-file CLI (bench/kit/build.ts bundles it with esbuild).
 * It does what bin/wgneuro.mjs does, without tsx: the bundle already is JavaScript.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

// SwiftShader's Vulkan driver probes for a Wayland display when XDG_RUNTIME_DIR is unset and
// complains on stderr; give it a private directory, as bin/wgneuro.mjs does.
if (!process.env.XDG_RUNTIME_DIR) {
  const dir = join(tmpdir(), `wgneuro-xdg-${userInfo().uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

const code = await main(process.argv);
// Dawn keeps native handles alive, so exit explicitly, but only once piped output is flushed.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit(code);
