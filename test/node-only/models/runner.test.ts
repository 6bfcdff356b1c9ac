/**
 * `wgneuro run`: parameter parsing, --json, summaries and --out files, with a tiny fake experiment
 * (no GPU work), run in-process through commander.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Context } from '../../../src/core/context.js';
import { InputError } from '../../../src/gpu/errors.js';
import type { Experiment, ParamValue } from '../../../src/models/experiment.js';
import { parseParamValue, resolveParams } from '../../../src/cli/output/params.js';
import { tableToCSV } from '../../../src/cli/output/output.js';
import { experiments } from '../../../src/models/registry.js';
import { runExperimentCli } from '../../helpers/cli.js';
import { testContext } from '../../helpers/device.js';

interface FakeResult {
  params: Record<string, ParamValue>;
  squares: { x: number; y: number }[];
  aborted: boolean;
}

/** Squares each value of `xs`, scaled by `scale`; reports progress per value. */
const fake: Experiment<FakeResult> = {
  name: 'fake',
  description: 'squares numbers (runner test)',
  params: {
    xs: { default: [1, 2, 3], description: 'values to square' },
    scale: { default: 1, description: 'scale factor' },
    label: { default: 'demo', description: 'a label' },
    verbose: { default: false, description: 'a flag' },
  },
  async run(_ctx, params, progress, signal) {
    const xs = params.xs as number[];
    const squares = xs.map((x, i) => {
      progress((i + 1) / xs.length, `x=${x}`);
      return { x, y: (params.scale as number) * x * x };
    });
    return { params, squares, aborted: signal?.aborted ?? false };
  },
  toJSON: (r) => ({ params: r.params, squares: r.squares }),
  tables: (r) => ({ squares: r.squares }),
  figures: (r) => [{
    name: 'squares',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: r.squares },
      mark: 'line',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    },
  }],
  summary: (r) => r.squares.map((s) => `${s.x}^2 = ${s.y}`).join('\n'),
};

/** Run `wgneuro run …` in-process; returns what it wrote and the exit code. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return cliWith([fake], async () => ({}) as Context, args); // the fake experiment does no GPU work
}

const cliWith = (list: Experiment<any>[], context: () => Promise<Context>, args: string[]) => runExperimentCli(context, args, list);

describe('runner parameters', () => {
  it('parse by the type of the default', () => {
    expect(parseParamValue('fake', 'xs', fake.params.xs!, '0.5, 2,1e-3')).toEqual([0.5, 2, 0.001]);
    expect(parseParamValue('fake', 'scale', fake.params.scale!, '-2.5')).toBe(-2.5);
    expect(parseParamValue('fake', 'verbose', fake.params.verbose!, true)).toBe(true);
    expect(parseParamValue('fake', 'verbose', fake.params.verbose!, 'no')).toBe(false);
    expect(parseParamValue('fake', 'label', fake.params.label!, '12')).toBe('12');
    expect(() => parseParamValue('fake', 'scale', fake.params.scale!, 'abc')).toThrow(/--scale: expected a finite number, got "abc"/);
    expect(() => parseParamValue('fake', 'xs', fake.params.xs!, '1,x')).toThrow(InputError);
    expect(() => parseParamValue('fake', 'verbose', fake.params.verbose!, 'maybe')).toThrow(/true or false/);
  });

  it('fill defaults and reject unknown names with the valid list', () => {
    expect(resolveParams(fake, { scale: '3' })).toEqual({ xs: [1, 2, 3], scale: 3, label: 'demo', verbose: false });
    expect(() => resolveParams(fake, { sclae: '3' })).toThrow(/no parameter 'sclae'; valid parameters: --xs, --scale, --label, --verbose/);
  });

  it('CSV has a header from the union of keys', () => {
    expect(tableToCSV([{ a: 1, b: 'x' }, { a: 2, c: 3 }])).toBe('a,b,c\n1,x,\n2,,3\n');
  });

  it('every registered experiment has parameters the runner can parse', () => {
    for (const e of experiments) {
      const resolved = resolveParams(e, {});
      expect(Object.keys(resolved).sort(), e.name).toEqual(Object.keys(e.params).sort());
    }
  });
});

describe('wgneuro run (in-process CLI)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('--list names the experiments', async () => {
    const r = await cli('--list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^fake\s+squares numbers/);
  });

  it('an unknown experiment is an input error naming the known ones', async () => {
    await expect(cli('nope')).rejects.toThrow(/unknown experiment 'nope'; known: fake/);
  });

  it('--json prints toJSON with parsed parameters', async () => {
    const r = await cli('fake', '--xs', '2,4', '--scale', '0.5', '--verbose', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      params: { xs: [2, 4], scale: 0.5, label: 'demo', verbose: true },
      squares: [{ x: 2, y: 2 }, { x: 4, y: 8 }],
    });
    expect(r.err).toBe(''); // no progress bar: stderr is not a terminal and --progress was not given
  });

  it('prints the summary without --json, and a progress bar with --progress', async () => {
    const r = await cli('fake', '--xs', '3', '--progress');
    expect(r.out).toBe('fake (xs=3 scale=1 label=demo verbose=false)\n3^2 = 9\n');
    expect(r.err).toMatch(/fake \[.*\] 100% \| done/);
  });

  it('an unknown option is rejected', async () => {
    const r = await cli('fake', '--sclae', '2');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/unknown option '--sclae'/);
    expect(r.err).toMatch(/--scale <number>/); // the help shown after the error lists the valid ones
  });

  it('a bad value is an input error in the user\'s terms', async () => {
    await expect(cli('fake', '--scale', 'big')).rejects.toThrow(/--scale: expected a finite number, got "big"/);
  });

  it('an experiment whose parameter clashes with a runner option fails alone', async () => {
    const clash: Experiment<FakeResult> = { ...fake, name: 'clash', params: { ...fake.params, json: { default: 1, description: 'bad name' } } };
    const list = [fake, clash];
    await expect(cliWith(list, async () => ({}) as Context, ['clash'])).rejects.toThrow(/reserved by the runner: json/);
    expect((await cliWith(list, async () => ({}) as Context, ['fake', '--json'])).code).toBe(0);
  });

  it('--out writes result.json, CSV tables and SVG figures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgneuro-run-'));
    dirs.push(dir);
    const out = join(dir, 'nested');
    const r = await cli('fake', '--xs', '1,2,3', '--out', out);
    expect(r.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['result.json', 'squares.csv', 'squares.svg']);
    expect(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')).squares).toHaveLength(3);
    expect(await readFile(join(out, 'squares.csv'), 'utf8')).toBe('x,y\n1,1\n2,4\n3,9\n');
    const svg = await readFile(join(out, 'squares.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/<path[^>]* d="M/); // the line was drawn
    expect(r.err).toMatch(/wrote .*result\.json/);
  });
});

describe('wgneuro run lif-rate (tiny, real GPU run)', () => {
  it('prints the documented JSON and writes its tables and figures', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    const dir = await mkdtemp(join(tmpdir(), 'wgneuro-lif-'));
    try {
      const args = ['lif-rate', '--tauS', '0.2,0.4', '--trials', '64', '--duration', '20', '--warmup', '2', '--fitMaxTauS', '0.4', '--json', '--out', dir];
      const r = await cliWith(experiments, async () => ctx, args);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out);
      expect(json.params.trials).toBe(64);
      expect(json.params.tauS).toEqual([0.2, 0.4]);
      expect(json.theoryHz).toBeGreaterThan(json.itoHz);
      expect(json.quadratureCheck.relError).toBeLessThan(1e-8);
      expect(json.points.map((p: { tauS: number }) => p.tauS)).toEqual([0.2, 0.4]);
      for (const p of json.points) {
        expect(p.rateHz).toBeGreaterThan(0);
        expect(p.stderrHz).toBeGreaterThan(0);
      }
      expect(Number.isFinite(json.extrapolatedHz)).toBe(true);
      expect((await readdir(dir)).sort()).toEqual(['points.csv', 'rate-vs-sqrt-tau-s.svg', 'rate-vs-tau-s.svg', 'result.json', 'theory.csv']);
      expect((await readFile(join(dir, 'points.csv'), 'utf8')).split('\n')[0]).toBe('tauS,sqrtTauS,dt,rateHz,stderrHz,spikes');
      expect(await readFile(join(dir, 'rate-vs-tau-s.svg'), 'utf8')).toMatch(/^<svg[\s\S]*theory \(Stratonovich\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad neuron in the user\'s terms', async () => {
    const ctx = await testContext();
    if (!ctx) return;
    await expect(cliWith(experiments, async () => ctx, ['lif-rate', '--threshold', '-70'])).rejects.toThrow(/threshold \(-70\) must be above the reset \(-60\)/);
  });
});
