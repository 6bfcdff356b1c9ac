/**
 * The network page: edit a network file of `wgneuro network` (start from the examples; the
 * visitor's .json and its .npy weights can be loaded), checked inline before any GPU work, run in
 * the lab's Worker with a spike raster and population rates drawn live; cancel keeps what the run
 * reached, labelled partial. Links carry the network and the settings; `#result-json` holds the
 * summary `wgneuro network --json` prints for the same seed.
 */
import { json, jsonLanguage } from '@codemirror/lang-json';
import { forceLinting, linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorView, basicSetup } from 'codemirror';
import { dump } from 'npyjs';
import { stringify } from 'csv-stringify/browser/esm/sync';
import { NETWORK_TIME_UNITS } from '../src/network/summary.js';
import { rangeAt, type ModelProblem } from './check.js';
import { $, runControls, startPage } from './client.js';
import { download } from './downloads.js';
import { formatNetworkHash, parseNetworkHash } from './hash.js';
import { checkNetworkText, locateNetworkMessage, npyName, type NetworkCheck } from './network-check.js';
import { NetworkPlots } from './plots.js';
import type { FromWorker, NetworkPopulationData, NetworkSettings } from './protocol.js';

const TEXT_KEY = 'wgneuro.lab.network';
const PREVIOUS_KEY = 'wgneuro.lab.network.previous';
const SETTINGS_KEY = 'wgneuro.lab.network.settings';

const exampleJSON = Object.fromEntries(
  Object.entries(import.meta.glob('../examples/networks/*.json', { query: '?raw', import: 'default', eager: true }) as Record<string, string>)
    .map(([path, text]) => [path.replace(/^.*\/(.*)\.json$/, '$1'), text]),
);
/** The examples' .npy weights, by file name (fetched when a run needs them). */
const exampleNpy = Object.fromEntries(
  Object.entries(import.meta.glob('../examples/networks/*.npy', { query: '?url', import: 'default', eager: true }) as Record<string, string>)
    .map(([path, url]) => [npyName(path), url]),
);
const DEFAULT_EXAMPLE = 'cuba';

const { worker, setStatus } = startPage();
const { progressEl, runButton, cancelButton, resultEl, summaryEl } = runControls();
const problemsEl = $('#problems');
const exampleEl = $<HTMLSelectElement>('#example');
const filesEl = $<HTMLInputElement>('#files');
exampleEl.append(new Option('(your network)', ''), ...Object.keys(exampleJSON).map((n) => new Option(n, n)));

// ---- files the visitor chose (.npy weights by name)
const userNpy = new Map<string, File>();
const available = (): Set<string> => new Set([...Object.keys(exampleNpy), ...userNpy.keys()]);

// ---- the editor, with the network checker as its linter
let lastCheck: { text: string; files: string; result: NetworkCheck } | null = null;
/** Problems the Worker found in this very text (a .npy of the wrong shape), shown until it changes. */
let runProblems: { text: string; problems: ModelProblem[] } | null = null;

function check(text: string): NetworkCheck {
  const files = [...available()].sort().join('\n');
  if (lastCheck?.text !== text || lastCheck.files !== files) lastCheck = { text, files, result: checkNetworkText(text, available()) };
  const problems = [...(lastCheck.result.ok ? [] : lastCheck.result.problems), ...(runProblems?.text === text ? runProblems.problems : [])];
  problemsEl.textContent = problems.map((p) => p.message).join('\n');
  return lastCheck.result;
}

const networkLinter = linter((view): Diagnostic[] => {
  const text = view.state.doc.toString();
  const result = check(text);
  const problems = [...(result.ok ? [] : result.problems), ...(runProblems?.text === text ? runProblems.problems : [])];
  return problems.map((p) => ({ from: p.from, to: p.to, severity: 'error', message: p.message, source: 'wgneuro' }));
}, { delay: 250 });

const hash = parseNetworkHash(location.hash);
const stored = localStorage.getItem(TEXT_KEY);
let initial = stored ?? exampleJSON[DEFAULT_EXAMPLE] ?? '{}';
if (hash.network !== undefined) {
  if (stored !== null && stored !== hash.network) {
    localStorage.setItem(PREVIOUS_KEY, stored);
    $('#restore').hidden = false;
  }
  initial = hash.network;
}

const matchExample = (text: string): void => {
  exampleEl.value = Object.entries(exampleJSON).find(([, t]) => t === text)?.[0] ?? '';
};
const view = new EditorView({
  doc: initial,
  parent: $('#editor'),
  extensions: [
    basicSetup,
    json(),
    networkLinter,
    lintGutter(),
    EditorView.updateListener.of((update) => {
      if (!update.docChanged) return;
      const text = update.state.doc.toString();
      matchExample(text);
      localStorage.setItem(TEXT_KEY, text);
    }),
  ],
});
localStorage.setItem(TEXT_KEY, initial);
matchExample(initial);
const setDoc = (text: string): void => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
exampleEl.addEventListener('change', () => {
  const text = exampleJSON[exampleEl.value];
  if (text !== undefined) setDoc(text);
});
$('#restore-button').addEventListener('click', () => {
  const previous = localStorage.getItem(PREVIOUS_KEY);
  if (previous !== null) setDoc(previous);
  $('#restore').hidden = true;
});
filesEl.addEventListener('change', () => {
  void (async () => {
    const chosen = [...(filesEl.files ?? [])];
    for (const f of chosen) if (f.name.endsWith('.npy')) userNpy.set(f.name, f);
    const jsonFiles = chosen.filter((f) => f.name.endsWith('.json'));
    if (jsonFiles.length > 1) setStatus(`choose one network .json at a time (got ${jsonFiles.length}); the .npy files were kept`, true);
    else if (jsonFiles.length === 1) setDoc(await jsonFiles[0]!.text());
    forceLinting(view);
  })();
});

// ---- settings
const numberFields = ['trials', 'steps', 'dt', 'seed', 'rateBin'] as const;
type NumberField = (typeof numberFields)[number];
const input = (name: NumberField): HTMLInputElement => $<HTMLInputElement>(`#${name}`);
const unitEl = $<HTMLSelectElement>('#timeUnit');
const fieldOf = (name: NumberField): keyof NetworkSettings => (name === 'rateBin' ? 'rateBinSteps' : name);
const start = { ...(JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}') as Partial<NetworkSettings>), ...hash.settings };
for (const name of numberFields) if (start[fieldOf(name)] !== undefined) input(name).value = String(start[fieldOf(name)]);
if (start.timeUnit && start.timeUnit in NETWORK_TIME_UNITS) unitEl.value = start.timeUnit;
$('#settings').addEventListener('input', () => localStorage.setItem(SETTINGS_KEY, JSON.stringify(readSettingsLoose())));

function readSettingsLoose(): NetworkSettings {
  const out = { timeUnit: unitEl.value } as NetworkSettings;
  for (const name of numberFields) (out as unknown as Record<string, number>)[fieldOf(name)] = Number(input(name).value);
  return out;
}

/** The settings, or the list of problems (each also marked on its input). */
function readSettings(): NetworkSettings | string[] {
  const s = readSettingsLoose();
  const problems: string[] = [];
  const rule = (name: NumberField, ok: boolean, expected: string): void => {
    const el = input(name);
    const message = ok ? '' : `${name} = ${el.value === '' ? '(empty)' : el.value}: expected ${expected}`;
    el.setCustomValidity(message);
    if (!ok) problems.push(message);
  };
  rule('trials', Number.isInteger(s.trials) && s.trials >= 1 && s.trials <= 2 ** 31, 'a whole number ≥ 1');
  rule('steps', Number.isInteger(s.steps) && s.steps >= 1 && s.steps < 2 ** 32 - 1, 'a whole number ≥ 1');
  rule('dt', Number.isFinite(s.dt) && s.dt > 0, 'a positive number');
  rule('seed', Number.isSafeInteger(s.seed) && s.seed >= 0, 'a whole number ≥ 0 below 2^53');
  rule('rateBin', Number.isSafeInteger(s.rateBinSteps) && s.rateBinSteps >= 1, 'a whole number of steps ≥ 1');
  return problems.length ? problems : s;
}

// ---- runs
const plots = new NetworkPlots($('#network-plots'));
let current: { id: number; settings: NetworkSettings; text: string } | null = null;
/** Start and end (performance.now()) of each run, for tests of main-thread responsiveness. */
const runTimes: { id: number; start: number; end: number }[] = [];
let liveUpdates = 0;
let last: { summary: Extract<FromWorker, { type: 'network-done' }>['summary']; data: NetworkPopulationData[]; text: string; rates: { name: string; times: number[]; hz: number[] }[] } | null = null;

function setDownloads(enabled: boolean): void {
  for (const id of ['#dl-json', '#dl-spikes', '#dl-rates']) $<HTMLButtonElement>(id).disabled = !enabled;
}

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
  const text = view.state.doc.toString();
  const result = check(text);
  forceLinting(view);
  if (!result.ok) {
    setStatus('The network has errors (marked in the editor); nothing was run.', true);
    return;
  }
  const settings = readSettings();
  if (Array.isArray(settings)) {
    setStatus(settings.join('\n'), true);
    return;
  }
  const files = await weightFiles(result.npy);
  if (current) worker.send({ type: 'cancel', id: current.id });
  plots.clear();
  summaryEl.replaceChildren();
  resultEl.textContent = '';
  last = null;
  setDownloads(false);
  progressEl.value = 0;
  const id = worker.send({ type: 'network', json: result.json, files, settings });
  current = { id, settings, text };
  // User-timing marks bound the run in a performance trace too (the lab's e2e test reads them there).
  runTimes.push({ id, start: performance.mark('wgneuro:run-start').startTime, end: Number.NaN });
  runButton.disabled = true;
  cancelButton.disabled = false;
  setStatus(`running ${settings.trials} trial(s) × ${settings.steps} steps…`);
}

function finish(): void {
  const times = runTimes.find((r) => r.id === current?.id);
  if (times) times.end = performance.mark('wgneuro:run-end').startTime;
  current = null;
  runButton.disabled = false;
  cancelButton.disabled = true;
}

worker?.on((msg) => {
  if (msg.type === 'lost') {
    if (current) setStatus('The GPU device was lost during the run; restart the worker and run again.', true);
    finish();
    return;
  }
  if (msg.type === 'error' && msg.id === 0) {
    if (current) finish();
    return;
  }
  if (!current || !('id' in msg) || msg.id !== current.id) return;
  const duration = current.settings.steps * current.settings.dt;
  switch (msg.type) {
    case 'progress':
      progressEl.value = msg.fraction;
      setStatus(`running: ${(100 * msg.fraction).toFixed(1)}%`);
      break;
    case 'network-live':
      liveUpdates++;
      plots.update(msg.populations, duration, current.settings.timeUnit);
      break;
    case 'network-done': {
      const { summary } = msg;
      resultEl.textContent = JSON.stringify(summary);
      if (summary.partial) {
        // Redrawn over the time the run reached, not the time it was set to run.
        plots.clear();
        plots.update(msg.live, Math.max(...msg.stepsCompleted, 1) * summary.dt, summary.timeUnit, true);
      } else {
        plots.update(msg.live, duration, summary.timeUnit);
      }
      last = {
        summary, data: msg.data, text: current.text,
        rates: msg.live.map((p) => ({ name: p.name, times: Array.from(p.rateTimes), hz: Array.from(p.rate, (x) => (Number.isFinite(x) ? x : Number.NaN)) })),
      };
      showSummary(summary, msg.stepsCompleted);
      setDownloads(true);
      setStatus(summary.partial
        ? `cancelled: PARTIAL result of ${summary.trialStepsRun} trial-steps (of ${summary.trials * summary.steps}); rates are over the steps run`
        : `done in ${summary.seconds.toFixed(2)} s`);
      if (!summary.partial) progressEl.value = 1;
      finish();
      break;
    }
    case 'error': {
      setStatus(`${msg.name}: ${msg.message}`, true);
      // A problem the Worker found in the input (a .npy of the wrong shape) is marked in the text too.
      if (msg.name !== 'InputError') {
        finish();
        break;
      }
      const tree = jsonLanguage.parser.parse(current.text);
      runProblems = { text: current.text, problems: [{ ...rangeAt(tree, current.text, msg.message, locateNetworkMessage(msg.message)), message: msg.message }] };
      forceLinting(view);
      finish();
      break;
    }
    default:
      break;
  }
});

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
cancelButton.addEventListener('click', () => {
  if (current && worker) {
    worker.send({ type: 'cancel', id: current.id });
    setStatus('cancelling…');
  }
});
$('#link').addEventListener('click', () => {
  const settings = readSettings();
  if (Array.isArray(settings)) return setStatus(settings.join('\n'), true);
  history.replaceState(null, '', formatNetworkHash(view.state.doc.toString(), settings));
  navigator.clipboard?.writeText(location.href).then(() => setStatus('link copied'), () => setStatus('link in the address bar'));
});

// For tests and scripting.
Object.assign(window, { wgneuroLab: { worker, editor: view, runTimes, liveUpdates: () => liveUpdates } });

check(view.state.doc.toString());
if (hash.run) void run();
