/**
 * One page per `wgneuro run` experiment (`experiments.html#<name>`): the experiment's parameters
 * as controls (typed by their defaults, as on the command line), its figures rendered from the
 * experiment's own Vega-Lite specs, and a JSON download identical to `wgneuro run <name> --json`.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { formatParamValue, paramKind, parseParamValue } from '../src/cli/output/params.js';
import type { Experiment, ParamValue } from '../src/models/experiment.js';
import { experiments } from '../src/models/registry.js';
import { $, runControls, startPage } from './client.js';
import { download } from './downloads.js';

const { worker, setStatus } = startPage();
const { progressEl, runButton, cancelButton, resultEl, summaryEl } = runControls();
const jsonButton = $<HTMLButtonElement>('#dl-json');
const figuresEl = $<HTMLDivElement>('#figures');
const controlsEl = $<HTMLFormElement>('#controls');

const list = $<HTMLParagraphElement>('#experiment-list');
list.append('Experiments: ', ...experiments.flatMap((e, k) => {
  const a = document.createElement('a');
  a.href = `#${e.name}`;
  a.textContent = e.name;
  return k ? [' · ', a] : [a];
}));

let experiment: Experiment<unknown> = experiments[0]!;
let current: number | null = null;
let lastJSON = '';
const views: vega.View[] = [];

function show(): void {
  const name = decodeURIComponent(location.hash.replace(/^#/, ''));
  experiment = experiments.find((e) => e.name === name) ?? experiments[0]!;
  document.title = `wgneuro lab — ${experiment.name}`;
  $('#title').textContent = experiment.name;
  $('#description').textContent = experiment.description;
  $('#cli').textContent = `wgneuro run ${experiment.name}`;
  controlsEl.replaceChildren();
  for (const [name, param] of Object.entries(experiment.params)) {
    const label = document.createElement('label');
    label.htmlFor = `param-${name}`;
    label.textContent = `--${name}`;
    const kind = paramKind(param);
    const el = document.createElement('input');
    el.id = `param-${name}`;
    el.name = name;
    if (kind === 'boolean') {
      el.type = 'checkbox';
      el.checked = param.default as boolean;
    } else {
      el.type = kind === 'number' ? 'number' : 'text';
      if (kind === 'number') el.step = 'any';
      el.value = formatParamValue(param.default);
    }
    const help = document.createElement('small');
    help.textContent = param.description;
    const cell = document.createElement('div');
    cell.append(el, ' ', help);
    controlsEl.append(label, cell);
  }
  for (const v of views.splice(0)) v.finalize();
  figuresEl.replaceChildren();
  summaryEl.hidden = true;
  resultEl.textContent = '';
  jsonButton.disabled = true;
  progressEl.value = 0;
  setStatus('');
}

/** Parameters from the controls, parsed exactly as the CLI parses `--name value`. */
function readParams(): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, param] of Object.entries(experiment.params)) {
    const el = $<HTMLInputElement>(`#param-${CSS.escape(name)}`);
    el.setCustomValidity('');
    try {
      out[name] = parseParamValue(experiment.name, name, param, paramKind(param) === 'boolean' ? el.checked : el.value);
    } catch (err) {
      el.setCustomValidity((err as Error).message);
      el.reportValidity();
      throw err;
    }
  }
  return out;
}

async function renderFigures(figures: { name: string; spec: Record<string, unknown> }[]): Promise<void> {
  for (const v of views.splice(0)) v.finalize();
  figuresEl.replaceChildren();
  for (const figure of figures) {
    const box = document.createElement('figure');
    box.dataset.figure = figure.name;
    const caption = document.createElement('figcaption');
    caption.textContent = figure.name;
    const target = document.createElement('div');
    box.append(target, caption);
    figuresEl.append(box);
    const view = new vega.View(vega.parse(compile(figure.spec as unknown as TopLevelSpec).spec), { renderer: 'svg', container: target, hover: true });
    views.push(view);
    await view.runAsync();
  }
}

runButton.addEventListener('click', () => {
  if (!worker) return;
  let params: Record<string, ParamValue>;
  try {
    params = readParams();
  } catch (err) {
    setStatus((err as Error).message, true);
    return;
  }
  current = worker.send({ type: 'experiment', name: experiment.name, params });
  runButton.disabled = true;
  cancelButton.disabled = false;
  jsonButton.disabled = true;
  setStatus('running…');
});
cancelButton.addEventListener('click', () => {
  if (worker && current !== null) worker.send({ type: 'cancel', id: current });
});
jsonButton.addEventListener('click', () => download(`${experiment.name}.json`, `${lastJSON}\n`, 'application/json'));

worker?.on((msg) => {
  if (msg.type === 'lost' || (msg.type === 'error' && msg.id === 0)) {
    current = null;
    runButton.disabled = false;
    cancelButton.disabled = true;
    return;
  }
  if (!('id' in msg) || msg.id !== current) return;
  if (msg.type === 'experiment-progress') {
    progressEl.value = msg.fraction;
    setStatus(`running: ${(100 * msg.fraction).toFixed(0)}% ${msg.message}`);
  } else if (msg.type === 'experiment-done') {
    current = null;
    runButton.disabled = false;
    cancelButton.disabled = true;
    lastJSON = msg.json;
    resultEl.textContent = msg.json;
    jsonButton.disabled = false;
    progressEl.value = 1;
    summaryEl.hidden = false;
    summaryEl.textContent = msg.summary;
    setStatus('done');
    renderFigures(msg.figures).catch((err) => setStatus(`figure: ${(err as Error).message}`, true));
  } else if (msg.type === 'error') {
    current = null;
    runButton.disabled = false;
    cancelButton.disabled = true;
    setStatus(msg.name === 'AbortError' || /cancel|abort/i.test(msg.message) ? 'cancelled' : `${msg.name}: ${msg.message}`, msg.name !== 'AbortError');
  }
});

window.addEventListener('hashchange', show);
show();
Object.assign(window, { wgneuroLab: { worker } });
