import { Command } from 'commander';
import { InputError } from '../../gpu/errors.js';

type Register = (bench: Command) => void;

/**
 * The benchmark suites. Each lives in bench/ (which compares against dev-dependency peers such as
 * TF.js) and is loaded with `import()` only when it is run, so the rest of the CLI never loads it.
 */
const SUITES: Record<string, { description: string; load: () => Promise<Register> }> = {
  linalg: {
    description: 'roofline benchmark: FMA peak and copy bandwidth, our GEMM/GEMV, and TF.js WebGPU / wasm / plain JS peers',
    load: async () => (await import('../../../bench/linalg.js')).registerBenchLinalg,
  },
  eig: {
    description: 'top-k eigenvalues of random nonsymmetric matrices: eigs (GPU) vs ml-matrix full decomposition vs JS power iteration',
    load: async () => (await import('../../../bench/eig.js')).registerBenchEig,
  },
  sde: {
    description: 'ensemble SDE trajectory-steps/s: GBM and conductance LIF, vs TF.js-WebGPU and plain JS',
    load: async () => (await import('../../../bench/sde.js')).registerBenchSde,
  },
  network: {
    description: 'Brian2 CUBA example in Brian2 and wgneuro (rates, wall time, many trials) and dense rate networks vs TF.js-WebGPU and plain JS',
    load: async () => (await import('../../../bench/network.js')).registerBenchNetwork,
  },
  train: {
    description: 'one training step (forward + backward) of an MLP and of a BPTT rate RNN: wgneuro tape vs TF.js WebGPU and wasm',
    load: async () => (await import('../../../bench/train.js')).registerBenchTrain,
  },
  fft: {
    description: '2-D complex FFT: fft2 vs copy bandwidth, fft.js and plain JS',
    load: async () => (await import('../../../bench/fft.js')).registerBenchFft,
  },
};

/** Suites the lab's bench page can run (`--browser`); the others run in Node only. */
const BROWSER_SUITES = new Set(['linalg', 'eig', 'sde', 'train']);

/** Load one suite; when bench/ is not there (an install without the sources) say so. */
async function loadSuite(name: string): Promise<Register> {
  try {
    // Own properties only: a name such as 'constructor' must never find Object's members.
    const suite = Object.hasOwn(SUITES, name) ? SUITES[name] : undefined;
    if (!suite) throw new InputError(`unknown bench suite '${name}'; known: ${Object.keys(SUITES).join(', ')}`);
    return await suite.load();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw new InputError(
      `bench '${name}' could not be loaded (${(err as Error).message.split('\n')[0]}); the suites live in bench/ of the `
      + 'source repository and need its dev dependencies (`npm install --include=dev`)',
    );
  }
}

/**
 * `wgneuro bench <suite>`: a placeholder sub-command per suite passes its arguments through to the
 * suite's own commander definition, registered after the suite's module is loaded.
 */
export function registerBench(program: Command): void {
  const bench = program.command('bench').description('run a benchmark suite on the current adapter');
  for (const [name, suite] of Object.entries(SUITES)) {
    bench
      .command(name)
      .description(suite.description)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[options...]', 'options of the suite (see `wgneuro bench ' + name + ' --help`); --browser runs it in headless Chromium (the lab\'s bench page) and prints its JSON')
      .action(async (_args: string[], _opts: unknown, cmd: Command) => {
        const register = await loadSuite(name);
        const inner = new Command('wgneuro bench').exitOverride().showHelpAfterError();
        register(inner);
        const args = cmd.args.filter((a) => a !== '--browser');
        if (args.length !== cmd.args.length && !BROWSER_SUITES.has(name)) {
          throw new InputError(`--browser: bench ${name} runs in Node only (the lab's bench page has ${[...BROWSER_SUITES].join(', ')})`);
        }
        if (args.length !== cmd.args.length) {
          // Same options, parsed by the suite's own definition, but run by the lab's bench page in
          // headless Chromium instead of here; it prints the JSON `--json` prints.
          const suite = inner.commands.find((c) => c.name() === name)!;
          suite.action(async (options: Record<string, unknown>) => {
            const { runBenchInBrowser } = await import('../../../bench/browser.js');
            const json = await runBenchInBrowser(name, options, (line) => process.stderr.write(`${line}\n`));
            process.stdout.write(`${json}\n`);
          });
        }
        await inner.parseAsync([name, ...args], { from: 'user' });
      });
  }
}
