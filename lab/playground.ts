/**
 * The playground: edit a model (the JSON of `wgneuro simulate`), check it inline, run it on the GPU
 * in the lab's Worker and watch its statistics converge; links carry the model and settings.
 */
import { json } from '@codemirror/lang-json';
import { forceLinting, linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorView, basicSetup } from 'codemirror';
import { INTEGRATORS, resolveIntegrator } from '../src/sde/index.js';
import { checkModelText, type CheckResult } from './check.js';
import { $, runControls, startPage } from './client.js';
import { download, finalStateCSV, finalStateNpy } from './downloads.js';
import { formatHash, parseHash } from './hash.js';
import { HistogramPlot, RasterPlots, StatsPlots } from './plots.js';
import type { FromWorker, LiveStats, ResultSummary, RunSettings } from './protocol.js';

const MODEL_KEY = 'wgneuro.lab.model';
const PREVIOUS_KEY = 'wgneuro.lab.model.previous';
const SETTINGS_KEY = 'wgneuro.lab.settings';

const examples = Object.fromEntries(
  Object.entries(import.meta.glob('../examples/models/*.json', { query: '?raw', import: 'default', eager: true }) as Record<string, string>)
    .map(([path, text]) => [path.replace(/^.*\/(.*)\.json$/, '$1'), text]),
);
const DEFAULT_EXAMPLE = 'ou';

const { worker, setStatus } = startPage();
const { progressEl, runButton, cancelButton, resultEl, summaryEl } = runControls();
const problemsEl = $('#problems');
const integratorEl = $<HTMLSelectElement>('#integrator');
const exampleEl = $<HTMLSelectElement>('#example');

for (const name of Object.keys(INTEGRATORS)) integratorEl.append(new Option(name, name));
exampleEl.append(new Option('(your model)', ''), ...Object.keys(examples).map((n) => new Option(n, n)));

// ---- the editor, with the model checker as its linter
let lastCheck: CheckResult | null = null;
/** The current text came from a link and has not been edited since (raw WGSL then needs a yes). */
let fromLink = false;

function check(text: string): CheckResult {
  lastCheck = checkModelText(text);
  problemsEl.textContent = lastCheck.ok ? '' : lastCheck.problems.map((p) => p.message).join('\n');
  return lastCheck;
}

const modelLinter = linter((view): Diagnostic[] => {
  const result = check(view.state.doc.toString());
  return result.ok ? [] : result.problems.map((p) => ({ from: p.from, to: p.to, severity: 'error', message: p.message, source: 'wgneuro' }));
}, { delay: 250 });

const hash = parseHash(location.hash);
const stored = localStorage.getItem(MODEL_KEY);
let initial = stored ?? examples[DEFAULT_EXAMPLE] ?? '{}';
if (hash.model !== undefined) {
  if (stored !== null && stored !== hash.model) {
    localStorage.setItem(PREVIOUS_KEY, stored);
    $('#restore').hidden = false;
  }
  initial = hash.model;
  fromLink = true;
}

const view = new EditorView({
  doc: initial,
  parent: $('#editor'),
  extensions: [
    basicSetup,
    json(),
    modelLinter,
    lintGutter(),
    EditorView.updateListener.of((update) => {
      if (!update.docChanged) return;
      fromLink = false;
      const text = update.state.doc.toString();
      matchExample(text);
      // Saved on every change (a few kB): a timer could be lost when the tab closes right after typing.
      localStorage.setItem(MODEL_KEY, text);
    }),
  ],
});
localStorage.setItem(MODEL_KEY, initial);
/** Show which example the text is, if it is one unchanged. */
const matchExample = (text: string): void => {
  exampleEl.value = Object.entries(examples).find(([, t]) => t === text)?.[0] ?? '';
};
matchExample(initial);
const setDoc = (text: string): void => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
exampleEl.addEventListener('change', () => {
  const text = examples[exampleEl.value];
  if (text !== undefined) setDoc(text);
});
$('#restore-button').addEventListener('click', () => {
  const previous = localStorage.getItem(PREVIOUS_KEY);
  if (previous !== null) setDoc(previous);
  $('#restore').hidden = true;
});

// ---- settings
const fields = ['trials', 'steps', 'dt', 'seed'] as const;
const input = (name: (typeof fields)[number]): HTMLInputElement => $<HTMLInputElement>(`#${name}`);
const savedSettings = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}') as Partial<RunSettings>;
const startSettings = { ...savedSettings, ...hash.settings };
for (const name of fields) if (startSettings[name] !== undefined) input(name).value = String(startSettings[name]);
if (startSettings.integrator && startSettings.integrator in INTEGRATORS) integratorEl.value = startSettings.integrator;
$('#settings').addEventListener('input', () => localStorage.setItem(SETTINGS_KEY, JSON.stringify(readSettingsLoose())));

function readSettingsLoose(): Partial<RunSettings> {
  const out: Partial<RunSettings> = { integrator: integratorEl.value };
  for (const name of fields) out[name] = Number(input(name).value);
  return out;
}

/** The settings, or the list of problems (each also marked on its input). */
function readSettings(): RunSettings | string[] {
  const s = readSettingsLoose() as RunSettings;
  const problems: string[] = [];
  const rule = (name: (typeof fields)[number], ok: boolean, expected: string): void => {
    const el = input(name);
    const message = ok ? '' : `${name} = ${el.value === '' ? '(empty)' : el.value}: expected ${expected}`;
    el.setCustomValidity(message);
    if (!ok) problems.push(message);
  };
  rule('trials', Number.isInteger(s.trials) && s.trials >= 1 && s.trials < 2 ** 32, 'a whole number ≥ 1');
  rule('steps', Number.isInteger(s.steps) && s.steps >= 0 && s.steps < 2 ** 32, 'a whole number ≥ 0');
  rule('dt', Number.isFinite(s.dt) && s.dt > 0, 'a positive number');
  rule('seed', Number.isSafeInteger(s.seed) && s.seed >= 0, 'a whole number ≥ 0 below 2^53');
  return problems.length ? problems : s;
}

// ---- runs
const statsPlots = new StatsPlots($('#stats-plots'));
const histPlot = new HistogramPlot($('#hist-plot'), $<HTMLSelectElement>('#hist-variable'));
const rasterPlots = new RasterPlots($('#raster-plots'));
let current: { id: number; settings: RunSettings; model: string } | null = null;
let lastStats: LiveStats | null = null;
/** Start and end (performance.now()) of each run, for tests of main-thread responsiveness. */
const runTimes: { id: number; start: number; end: number }[] = [];
/** Plot updates received (one per finished batch of trials), for tests. */
let liveUpdates = 0;
let lastResult: { summary: ResultSummary; final: Float32Array; variables: string[]; model: string } | null = null;

/** Start a run if the model and settings check out; nothing reaches the GPU otherwise. */
function run(confirmedWGSL = false): void {
  if (!worker) return;
  const text = view.state.doc.toString();
  const result = check(text);
  forceLinting(view);
  const settings = readSettings();
  if (!result.ok) {
    setStatus('The model has errors (marked in the editor); nothing was run.', true);
    return;
  }
  if (Array.isArray(settings)) {
    setStatus(settings.join('\n'), true);
    return;
  }
  try {
    resolveIntegrator(settings.integrator, result.model);
  } catch (err) {
    setStatus((err as Error).message, true);
    return;
  }
  if (result.rawWGSL && fromLink && !confirmedWGSL) {
    $('#confirm-wgsl').hidden = false;
    setStatus('Waiting for your confirmation to run raw WGSL from a link.');
    return;
  }
  $('#confirm-wgsl').hidden = true;
  if (current) worker.send({ type: 'cancel', id: current.id });
  statsPlots.clear();
  histPlot.clear();
  rasterPlots.clear();
  summaryEl.replaceChildren();
  resultEl.textContent = '';
  lastResult = null;
  lastStats = null;
  setDownloads(false);
  progressEl.value = 0;
  progressEl.dataset.trialsDone = '0';
  const id = worker.send({ type: 'simulate', model: result.json, allowRawWGSL: result.rawWGSL, settings });
  current = { id, settings, model: text };
  // User-timing marks bound the run in a performance trace too (the lab's e2e test reads them there).
  runTimes.push({ id, start: performance.mark('wgneuro:run-start').startTime, end: Number.NaN });
  runButton.disabled = true;
  cancelButton.disabled = false;
  setStatus(`running ${settings.trials} trials × ${settings.steps} steps…`);
}

function finish(): void {
  const times = runTimes.find((r) => r.id === current?.id);
  if (times) times.end = performance.mark('wgneuro:run-end').startTime;
  current = null;
  runButton.disabled = false;
  cancelButton.disabled = true;
}

function onMessage(msg: FromWorker): void {
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
  switch (msg.type) {
    case 'progress':
      progressEl.value = msg.fraction;
      progressEl.dataset.trialsDone = String(msg.trialsDone);
      setStatus(`running: ${(100 * msg.fraction).toFixed(1)}% (${msg.trialsDone} of ${current.settings.trials} trials finished)`);
      break;
    case 'live':
      liveUpdates++;
      lastStats = msg.stats;
      statsPlots.update(msg.stats);
      histPlot.update(msg.histograms);
      if (msg.raster) rasterPlots.update(msg.raster);
      break;
    case 'done': {
      const { summary } = msg;
      resultEl.textContent = JSON.stringify(summary);
      lastResult = { summary, final: msg.final, variables: msg.variables, model: current.model };
      showSummary(summary, msg.completed, msg.seconds);
      setDownloads(true);
      setStatus(summary.partial
        ? `cancelled: partial result of the ${msg.completed} trials that finished (of ${summary.trials})`
        : `done in ${msg.seconds.toFixed(2)} s: ${((summary.trials * summary.steps) / msg.seconds / 1e6).toFixed(2)} M trajectory-steps/s`);
      if (!summary.partial) progressEl.value = 1;
      finish();
      break;
    }
    case 'error':
      setStatus(`${msg.name}: ${msg.message}`, true);
      finish();
      break;
    default:
      break;
  }
}
worker?.on(onMessage);

function showSummary(summary: ResultSummary, completed: number, seconds: number): void {
  const table = document.createElement('table');
  table.className = 'summary';
  table.innerHTML = '<tr><th>variable</th><th>mean</th><th>variance</th><th>s.e. of mean</th></tr>';
  const counted = completed - summary.diverged;
  for (const [v, s] of Object.entries(summary.stats)) {
    const row = table.insertRow();
    for (const text of [v, s.mean.toPrecision(7), s.var.toPrecision(7), Math.sqrt(s.var / counted).toPrecision(3)]) row.insertCell().textContent = text;
  }
  const caption = table.createCaption();
  caption.textContent = `${summary.partial ? 'PARTIAL (cancelled): ' : ''}final state over ${counted} trials, t = ${(summary.steps * summary.dt).toPrecision(6)}`
    + `${summary.diverged ? `; ${summary.diverged} diverged trials left out` : ''}; ${seconds.toFixed(2)} s`;
  summaryEl.replaceChildren(table);
}

function setDownloads(enabled: boolean): void {
  for (const id of ['#dl-npy', '#dl-csv', '#dl-json']) $<HTMLButtonElement>(id).disabled = !enabled;
}

const stem = (): string => `wgneuro-${lastResult!.summary.partial ? 'partial-' : ''}seed${lastResult!.summary.seed}`;
$('#dl-npy').addEventListener('click', () => {
  const r = lastResult!;
  download(`${stem()}.npy`, finalStateNpy(r.final, r.variables.length, r.summary.trials), 'application/octet-stream');
});
$('#dl-csv').addEventListener('click', () => {
  const r = lastResult!;
  download(`${stem()}.csv`, finalStateCSV(r.final, r.variables, r.summary.trials), 'text/csv');
});
$('#dl-json').addEventListener('click', () => {
  const r = lastResult!;
  const s = lastStats;
  const body = {
    ...r.summary,
    model: JSON.parse(r.model) as unknown,
    overTime: s ? { times: Array.from(s.times), count: Array.from(s.count), variables: s.variables, mean: Array.from(s.mean), variance: Array.from(s.variance) } : null,
  };
  download(`${stem()}.json`, JSON.stringify(body, null, 2), 'application/json');
});

runButton.addEventListener('click', () => run());
cancelButton.addEventListener('click', () => {
  if (current && worker) {
    worker.send({ type: 'cancel', id: current.id });
    setStatus('cancelling…');
  }
});
$('#confirm-wgsl-run').addEventListener('click', () => run(true));
$('#confirm-wgsl-cancel').addEventListener('click', () => {
  $('#confirm-wgsl').hidden = true;
  setStatus('Not run.');
});
$('#link').addEventListener('click', () => {
  const settings = readSettings();
  if (Array.isArray(settings)) return setStatus(settings.join('\n'), true);
  const h = formatHash(view.state.doc.toString(), settings);
  history.replaceState(null, '', h);
  navigator.clipboard?.writeText(location.href).then(() => setStatus('link copied'), () => setStatus('link in the address bar'));
});

// For tests and scripting: the worker (GPU request count) and a way to exercise the lost-device path.
Object.assign(window, { wgneuroLab: { worker, editor: view, runTimes, liveUpdates: () => liveUpdates, loseDevice: () => worker?.send({ type: 'lose-device' }) } });

check(view.state.doc.toString());
if (hash.run) run();
