/**
 * The network page: edit a network file of `wgneuro network` (start from the examples; the
 * visitor's .json and its .npy weights can be loaded), checked inline before any GPU work, run in
 * the lab's Worker with a spike raster and population rates drawn live; cancel keeps what the run
 * reached, labelled partial. Links carry the network and the settings; `#result-json` holds the
 * summary `wgneuro network --json` prints for the same seed.
 */
import { jsonLanguage } from '@codemirror/lang-json';
import { dump } from 'npyjs';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { NETWORK_TIME_UNITS } from '../src/network/summary.js';
import { rangeAt, type ModelProblem } from './check.js';
import { $, runControls, startPage } from './client.js';
import { download } from './downloads.js';
import { EditorRuns, examplesByName, linkButton, openEditor, settingsForm } from './editor-page.js';
import { formatNetworkHash, parseNetworkHash } from './hash.js';
import { checkNetworkText, locateNetworkMessage, npyName, type NetworkCheck } from './network-check.js';
import { NetworkPlots } from './plots.js';
import type { FromWorker, NetworkPopulationData, NetworkSettings } from './protocol.js';

const exampleJSON = examplesByName(import.meta.glob<string>('../examples/networks/*.json', { query: '?raw', import: 'default', eager: true }));
/** The examples' .npy weights, by file name (fetched when a run needs them). */
const exampleNpy = Object.fromEntries(
  Object.entries(import.meta.glob<string>('../examples/networks/*.npy', { query: '?url', import: 'default', eager: true }))
    .map(([path, url]) => [npyName(path), url]),
);

const page = startPage();
const { worker, setStatus } = page;
const controls = runControls();
const { progressEl, runButton, summaryEl } = controls;
const filesEl = $<HTMLInputElement>('#files');

// ---- files the visitor chose (.npy weights by name)
const userNpy = new Map<string, File>();
const available = (): Set<string> => new Set([...Object.keys(exampleNpy), ...userNpy.keys()]);

// ---- the editor, with the network checker as its linter; the settings
let lastCheck: { text: string; files: string; result: NetworkCheck } | null = null;
/** Problems the Worker found in this very text (a .npy of the wrong shape), shown until it changes. */
let runProblems: { text: string; problems: ModelProblem[] } | null = null;

/** The check of `text` with the files at hand, redone only when either changed (the linter asks often). */
function check(text: string): NetworkCheck {
  const files = [...available()].sort().join('\n');
  if (lastCheck?.text !== text || lastCheck.files !== files) lastCheck = { text, files, result: checkNetworkText(text, available()) };
  return lastCheck.result;
}

const hash = parseNetworkHash(location.hash);
const editor = openEditor({
  storage: { text: 'wgneuro.lab.network', previous: 'wgneuro.lab.network.previous' },
  examples: exampleJSON, defaultExample: 'cuba', ownLabel: '(your network)', linked: hash.network, check,
  problems: (result, text) => [...(result.ok ? [] : result.problems), ...(runProblems?.text === text ? runProblems.problems : [])],
});
filesEl.addEventListener('change', () => {
  void (async () => {
    const chosen = [...(filesEl.files ?? [])];
    for (const f of chosen) if (f.name.endsWith('.npy')) userNpy.set(f.name, f);
    const jsonFiles = chosen.filter((f) => f.name.endsWith('.json'));
    if (jsonFiles.length > 1) setStatus(`choose one network .json at a time (got ${jsonFiles.length}); the .npy files were kept`, true);
    else if (jsonFiles.length === 1) editor.setText(await jsonFiles[0]!.text());
    editor.relint();
  })();
});
const settings = settingsForm<NetworkSettings>({
  storageKey: 'wgneuro.lab.network.settings', linked: hash.settings,
  choice: { id: 'timeUnit', field: 'timeUnit', values: NETWORK_TIME_UNITS },
  numbers: { trials: 'trials', steps: 'steps', dt: 'dt', seed: 'seed', rateBin: 'rateBinSteps' },
  rules: (s) => [
    ['trials', Number.isInteger(s.trials) && s.trials >= 1 && s.trials <= 2 ** 31, 'a whole number ≥ 1'],
    ['steps', Number.isInteger(s.steps) && s.steps >= 1 && s.steps < 2 ** 32 - 1, 'a whole number ≥ 1'],
    ['dt', Number.isFinite(s.dt) && s.dt > 0, 'a positive number'],
    ['seed', Number.isSafeInteger(s.seed) && s.seed >= 0, 'a whole number ≥ 0 below 2^53'],
    ['rateBin', Number.isSafeInteger(s.rateBinSteps) && s.rateBinSteps >= 1, 'a whole number of steps ≥ 1'],
  ],
});

// ---- runs
const plots = new NetworkPlots($('#network-plots'));
let liveUpdates = 0;
let last: { summary: Extract<FromWorker, { type: 'network-done' }>['summary']; data: NetworkPopulationData[]; text: string; rates: { name: string; times: number[]; hz: number[] }[] } | null = null;

const runs = new EditorRuns<NetworkSettings>(page, controls, {
  downloads: ['#dl-json', '#dl-spikes', '#dl-rates'],
  onReply(msg, run) {
    const duration = run.settings.steps * run.settings.dt;
    switch (msg.type) {
      case 'progress':
        progressEl.value = msg.fraction;
        setStatus(`running: ${(100 * msg.fraction).toFixed(1)}%`);
        break;
      case 'network-live':
        liveUpdates++;
        plots.update(msg.populations, duration, run.settings.timeUnit);
        break;
      case 'network-done': {
        const { summary } = msg;
        if (summary.partial) {
          // Redrawn over the time the run reached, not the time it was set to run.
          plots.clear();
          plots.update(msg.live, Math.max(...msg.stepsCompleted, 1) * summary.dt, summary.timeUnit, true);
        } else {
          plots.update(msg.live, duration, summary.timeUnit);
        }
        last = {
          summary, data: msg.data, text: run.text,
          rates: msg.live.map((p) => ({ name: p.name, times: Array.from(p.rateTimes), hz: Array.from(p.rate, (x) => (Number.isFinite(x) ? x : Number.NaN)) })),
        };
        showSummary(summary, msg.stepsCompleted);
        runs.done(summary, summary.partial
          ? `cancelled: PARTIAL result of ${summary.trialStepsRun} trial-steps (of ${summary.trials * summary.steps}); rates are over the steps run`
          : `done in ${summary.seconds.toFixed(2)} s`);
        break;
      }
      default:
        break;
    }
  },
  onError(msg, run) {
    // A problem the Worker found in the input (a .npy of the wrong shape) is marked in the text too.
    if (msg.name !== 'InputError') return;
    const tree = jsonLanguage.parser.parse(run.text);
    runProblems = { text: run.text, problems: [{ ...rangeAt(tree, run.text, msg.message, locateNetworkMessage(msg.message)), message: msg.message }] };
    editor.relint();
  },
});

/** The .npy weights a network names, as bytes by file name: the visitor's files, else the examples'. */
async function weightFiles(names: string[]): Promise<Record<string, ArrayBuffer>> {
  const files: Record<string, ArrayBuffer> = {};
  for (const name of names) {
    const mine = userNpy.get(name);
    files[name] = mine ? await mine.arrayBuffer() : await (await fetch(exampleNpy[name]!)).arrayBuffer();
  }
  return files;
}

/** Start a run if the network and settings check out; nothing reaches the GPU otherwise. */
async function run(): Promise<void> {
  if (!worker) return;
  const text = editor.text();
  const result = editor.check();
  editor.relint();
  if (!result.ok) {
    setStatus('The network has errors (marked in the editor); nothing was run.', true);
    return;
  }
  const checked = settings.read();
  if (Array.isArray(checked)) {
    setStatus(checked.join('\n'), true);
    return;
  }
  const files = await weightFiles(result.npy);
  plots.clear();
  last = null;
  runs.start(worker, { type: 'network', json: result.json, files, settings: checked }, checked, text,
    `running ${checked.trials} trial(s) × ${checked.steps} steps…`);
}

function showSummary(summary: NonNullable<typeof last>['summary'], stepsCompleted: Uint32Array): void {
  const table = document.createElement('table');
  table.className = 'summary';
  table.innerHTML = '<tr><th>population</th><th>size</th><th>spikes</th><th>rate (Hz)</th><th>mean of each variable at the end</th></tr>';
  for (const [name, p] of Object.entries(summary.populations)) {
    const row = table.insertRow();
    const means = Object.entries(p.mean).map(([v, m]) => `${v}: ${m.toPrecision(4)}`).join(', ');
    for (const text of [name, String(p.size), String(p.spikes), p.rateHz.toPrecision(4), means]) row.insertCell().textContent = text;
  }
  let reached = 0;
  for (const s of stepsCompleted) if (s === summary.steps) reached++;
  const caption = table.createCaption();
  caption.textContent = `${summary.partial ? `PARTIAL (cancelled): ${reached} of ${summary.trials} trials ran all steps; ` : ''}`
    + `${summary.trials} trial(s) × ${summary.steps} steps of ${summary.dt} ${summary.timeUnit}, seed ${summary.seed}`
    + `${summary.nonFiniteTrials ? `; ${summary.nonFiniteTrials} trial(s) produced NaN/Inf` : ''}; ${summary.seconds.toFixed(2)} s`;
  summaryEl.replaceChildren(table);
}

const stem = (): string => `wgneuro-network-${last!.summary.partial ? 'partial-' : ''}seed${last!.summary.seed}`;
$('#dl-json').addEventListener('click', () => {
  const r = last!;
  const body = { ...r.summary, networkFile: JSON.parse(r.text) as unknown, rateHz: r.rates };
  download(`${stem()}.json`, JSON.stringify(body, null, 2), 'application/json');
});
$('#dl-spikes').addEventListener('click', () => {
  const r = last!;
  const rows: (string | number)[][] = [];
  for (const d of r.data) for (let k = 0; k < d.spikes.length; k += 3) rows.push([d.name, d.spikes[k]!, d.spikes[k + 1]!, d.spikes[k + 2]!, d.spikes[k + 2]! * r.summary.dt]);
  download(`${stem()}-spikes.csv`, stringify(rows, { header: true, columns: ['population', 'trial', 'neuron', 'step', 't'] }), 'text/csv');
});
$('#dl-rates').addEventListener('click', () => {
  // [population][trial][bin] in Hz, as `wgneuro network --out` writes each population's .rates.npy.
  const r = last!;
  const { trials, dt, timeUnit } = r.summary;
  const bins = r.data[0]?.bins ?? 0;
  const out = new Float32Array(r.data.length * trials * bins);
  r.data.forEach((d, q) => {
    const size = r.summary.populations[d.name]!.size;
    const binSeconds = d.binSteps * dt * NETWORK_TIME_UNITS[timeUnit]!;
    for (let k = 0; k < trials * bins; k++) out[q * trials * bins + k] = d.rateCounts[k]! / (size * binSeconds);
  });
  download(`${stem()}-rates.npy`, dump(out, [r.data.length, trials, bins]), 'application/octet-stream');
});

runButton.addEventListener('click', () => void run());
linkButton(page, settings, (checked) => formatNetworkHash(editor.text(), checked));

// For tests and scripting.
Object.assign(window, { wgneuroLab: { worker, editor: editor.view, runTimes: runs.runTimes, liveUpdates: () => liveUpdates } });

editor.check();
if (hash.run) void run();
