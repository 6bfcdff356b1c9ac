/**
 * The playground: edit a model (the JSON of `wgneuro simulate`), check it inline, run it on the GPU
 * in the lab's Worker and watch its statistics converge; links carry the model and settings.
 */
import { INTEGRATORS, resolveIntegrator } from '../src/sde/index.js';
import { checkModelText } from './check.js';
import { $, runControls, startPage } from './client.js';
import { download, finalStateCSV, finalStateNpy } from './downloads.js';
import { EditorRuns, examplesByName, linkButton, openEditor, settingsForm } from './editor-page.js';
import { formatHash, parseHash } from './hash.js';
import { HistogramPlot, RasterPlots, StatsPlots } from './plots.js';
import type { LiveStats, ResultSummary, RunSettings } from './protocol.js';

const examples = examplesByName(import.meta.glob<string>('../examples/models/*.json', { query: '?raw', import: 'default', eager: true }));

const page = startPage();
const { worker, setStatus } = page;
const controls = runControls();
const { progressEl, runButton, summaryEl } = controls;
const integratorEl = $<HTMLSelectElement>('#integrator');
for (const name of Object.keys(INTEGRATORS)) integratorEl.append(new Option(name, name));

// ---- the editor, with the model checker as its linter; the settings
const hash = parseHash(location.hash);
const editor = openEditor({
  storage: { text: 'wgneuro.lab.model', previous: 'wgneuro.lab.model.previous' },
  examples, defaultExample: 'ou', ownLabel: '(your model)', linked: hash.model,
  check: checkModelText, problems: (result) => (result.ok ? [] : result.problems),
});
const settings = settingsForm<RunSettings>({
  storageKey: 'wgneuro.lab.settings', linked: hash.settings,
  choice: { id: 'integrator', field: 'integrator', values: INTEGRATORS },
  numbers: { trials: 'trials', steps: 'steps', dt: 'dt', seed: 'seed' },
  rules: (s) => [
    ['trials', Number.isInteger(s.trials) && s.trials >= 1 && s.trials < 2 ** 32, 'a whole number ≥ 1'],
    ['steps', Number.isInteger(s.steps) && s.steps >= 0 && s.steps < 2 ** 32, 'a whole number ≥ 0'],
    ['dt', Number.isFinite(s.dt) && s.dt > 0, 'a positive number'],
    ['seed', Number.isSafeInteger(s.seed) && s.seed >= 0, 'a whole number ≥ 0 below 2^53'],
  ],
});

// ---- runs
const statsPlots = new StatsPlots($('#stats-plots'));
const histPlot = new HistogramPlot($('#hist-plot'), $<HTMLSelectElement>('#hist-variable'));
const rasterPlots = new RasterPlots($('#raster-plots'));
let lastStats: LiveStats | null = null;
/** Plot updates received (one per finished batch of trials), for tests. */
let liveUpdates = 0;
let lastResult: { summary: ResultSummary; final: Float32Array; variables: string[]; model: string } | null = null;

const runs = new EditorRuns<RunSettings>(page, controls, {
  downloads: ['#dl-npy', '#dl-csv', '#dl-json'],
  onReply(msg, run) {
    switch (msg.type) {
      case 'progress':
        progressEl.value = msg.fraction;
        progressEl.dataset.trialsDone = String(msg.trialsDone);
        setStatus(`running: ${(100 * msg.fraction).toFixed(1)}% (${msg.trialsDone} of ${run.settings.trials} trials finished)`);
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
        lastResult = { summary, final: msg.final, variables: msg.variables, model: run.text };
        showSummary(summary, msg.completed, msg.seconds);
        runs.done(summary, summary.partial
          ? `cancelled: partial result of the ${msg.completed} trials that finished (of ${summary.trials})`
          : `done in ${msg.seconds.toFixed(2)} s: ${((summary.trials * summary.steps) / msg.seconds / 1e6).toFixed(2)} M trajectory-steps/s`);
        break;
      }
      default:
        break;
    }
  },
});

/** Start a run if the model and settings check out; nothing reaches the GPU otherwise. */
function run(confirmedWGSL = false): void {
  if (!worker) return;
  const text = editor.text();
  const result = editor.check();
  editor.relint();
  const checked = settings.read();
  if (!result.ok) {
    setStatus('The model has errors (marked in the editor); nothing was run.', true);
    return;
  }
  if (Array.isArray(checked)) {
    setStatus(checked.join('\n'), true);
    return;
  }
  try {
    resolveIntegrator(checked.integrator, result.model);
  } catch (err) {
    setStatus((err as Error).message, true);
    return;
  }
  if (result.rawWGSL && editor.fromLink && !confirmedWGSL) {
    $('#confirm-wgsl').hidden = false;
    setStatus('Waiting for your confirmation to run raw WGSL from a link.');
    return;
  }
  $('#confirm-wgsl').hidden = true;
  statsPlots.clear();
  histPlot.clear();
  rasterPlots.clear();
  lastResult = null;
  lastStats = null;
  progressEl.dataset.trialsDone = '0';
  runs.start(worker, { type: 'simulate', model: result.json, allowRawWGSL: result.rawWGSL, settings: checked }, checked, text,
    `running ${checked.trials} trials × ${checked.steps} steps…`);
}

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
$('#confirm-wgsl-run').addEventListener('click', () => run(true));
$('#confirm-wgsl-cancel').addEventListener('click', () => {
  $('#confirm-wgsl').hidden = true;
  setStatus('Not run.');
});
linkButton(page, settings, (checked) => formatHash(editor.text(), checked));

// For tests and scripting: the worker (GPU request count) and a way to exercise the lost-device path.
Object.assign(window, { wgneuroLab: { worker, editor: editor.view, runTimes: runs.runTimes, liveUpdates: () => liveUpdates, loseDevice: () => worker?.send({ type: 'lose-device' }) } });

editor.check();
if (hash.run) run();
