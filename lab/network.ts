/**
 * The network page: a network file of `wgneuro network` (an example, or the visitor's .json with
 * its .npy weights) run for a few trials in the lab's Worker, with a spike raster and population
 * rates per population.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { hasWebGPU, LabWorker, pageChrome } from './client.js';
import { download } from './downloads.js';
import type { NetworkPopulationResult } from './protocol.js';

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;
const statusEl = $<HTMLDivElement>('#status');
const exampleEl = $<HTMLSelectElement>('#example');
const filesEl = $<HTMLInputElement>('#files');
const plotsEl = $<HTMLDivElement>('#network-plots');

const exampleJSON = import.meta.glob('../examples/networks/*.json', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const exampleNpy = import.meta.glob('../examples/networks/*.npy', { query: '?url', import: 'default', eager: true }) as Record<string, string>;
const base = (path: string): string => path.replace(/^.*\//, '');
for (const path of Object.keys(exampleJSON)) exampleEl.append(new Option(base(path).replace(/\.json$/, ''), path));

const worker = hasWebGPU() ? new LabWorker() : null;
pageChrome(worker);

let current: number | null = null;
let lastJSON = '';
const charts: uPlot[] = [];

function setStatus(text: string, error = false): void {
  statusEl.textContent = text;
  statusEl.classList.toggle('err', error);
}

/** The network text and its .npy files by file name: the chosen files, else the example. */
async function inputs(): Promise<{ text: string; files: Record<string, ArrayBuffer> }> {
  const chosen = [...(filesEl.files ?? [])];
  if (chosen.length) {
    const json = chosen.filter((f) => f.name.endsWith('.json'));
    if (json.length !== 1) throw new Error(`choose one .json network file (and its .npy weights); got ${json.length} .json files`);
    const files: Record<string, ArrayBuffer> = {};
    for (const f of chosen) if (f.name.endsWith('.npy')) files[f.name] = await f.arrayBuffer();
    return { text: await json[0]!.text(), files };
  }
  const files: Record<string, ArrayBuffer> = {};
  for (const [path, url] of Object.entries(exampleNpy)) files[base(path)] = await (await fetch(url)).arrayBuffer();
  return { text: exampleJSON[exampleEl.value]!, files };
}

function number(id: string): number {
  return Number($<HTMLInputElement>(`#${id}`).value);
}

async function run(): Promise<void> {
  if (!worker) return;
  let text: string;
  let files: Record<string, ArrayBuffer>;
  let json: unknown;
  try {
    ({ text, files } = await inputs());
    json = JSON.parse(text);
  } catch (err) {
    setStatus((err as Error).message, true);
    return;
  }
  const settings = { trials: number('trials'), steps: number('steps'), dt: number('dt'), seed: number('seed'), rateBinSteps: number('bin') };
  current = worker.send({ type: 'network', json, files, settings });
  $<HTMLButtonElement>('#run').disabled = true;
  $('#result-json').textContent = '';
  setStatus('running…');
}

function draw(populations: NetworkPopulationResult[], duration: number): void {
  for (const c of charts.splice(0)) c.destroy();
  plotsEl.replaceChildren();
  for (const p of populations) {
    const order = Array.from(p.rasterTimes.keys()).sort((a, b) => p.rasterTimes[a]! - p.rasterTimes[b]!);
    charts.push(new uPlot({
      title: `${p.name}: spikes of trial 0${p.rasterShown < p.rasterTotal ? ` (first ${p.rasterShown} of ${p.rasterTotal})` : ''}`,
      width: 420, height: 200,
      scales: { x: { time: false, range: [0, duration] }, y: { range: [-0.5, p.size - 0.5] } },
      axes: [{ label: 't', size: 40 }, { label: 'neuron', size: 50 }],
      series: [{ label: 't' }, { label: 'neuron', stroke: '#222', paths: () => null, points: { show: true, size: 2, fill: '#222' } }],
      legend: { show: false },
    }, [order.map((k) => p.rasterTimes[k]!), order.map((k) => p.rasterNeurons[k]!)], plotsEl));
    charts.push(new uPlot({
      title: `${p.name}: population rate (mean over trials)`,
      width: 420, height: 200,
      scales: { x: { time: false } },
      axes: [{ label: 't', size: 40 }, { label: 'rate', size: 60 }],
      series: [{ label: 't' }, { label: 'rate', stroke: '#d1242f', width: 2 }],
    }, [Array.from(p.rateTimes), Array.from(p.rate)], plotsEl));
  }
}

worker?.on((msg) => {
  if (!('id' in msg) || msg.id !== current) return;
  if (msg.type === 'network-done') {
    current = null;
    $<HTMLButtonElement>('#run').disabled = false;
    lastJSON = msg.json;
    $('#result-json').textContent = msg.json;
    $<HTMLButtonElement>('#dl-json').disabled = false;
    const table = document.createElement('table');
    table.className = 'summary';
    table.innerHTML = '<tr><th>population</th><th>size</th><th>spikes</th><th>rate (per neuron per unit time)</th></tr>';
    for (const p of msg.populations) {
      const row = table.insertRow();
      for (const t of [p.name, String(p.size), String(p.spikes), p.ratePerUnit.toPrecision(4)]) row.insertCell().textContent = t;
    }
    $('#summary').replaceChildren(table);
    draw(msg.populations, msg.duration);
    setStatus(`done in ${msg.seconds.toFixed(2)} s`);
  } else if (msg.type === 'error') {
    current = null;
    $<HTMLButtonElement>('#run').disabled = false;
    setStatus(`${msg.name}: ${msg.message}`, true);
  }
});

$('#run').addEventListener('click', () => void run());
$('#dl-json').addEventListener('click', () => download('network.json', `${lastJSON}\n`, 'application/json'));
Object.assign(window, { wgneuroLab: { worker } });
