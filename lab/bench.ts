/**
 * The bench page: runs `wgneuro bench linalg|eig|sde|train` in the lab's Worker on this browser's
 * adapter and shows the rows as a table; `#suite=NAME&options=<JSON>&run=1` starts a run on load
 * (how `wgneuro bench <suite> --browser` drives it). `#result-json` then holds the suite's JSON.
 */
import { $, startPage } from './client.js';
import { download } from './downloads.js';
import { BENCH_DEFAULTS } from './bench-defaults.js';
import type { BenchSuite } from './protocol.js';


const suiteEl = $<HTMLSelectElement>('#suite');
const optionsEl = $<HTMLTextAreaElement>('#options');
const logEl = $<HTMLPreElement>('#log');
const runButton = $<HTMLButtonElement>('#run');
const jsonButton = $<HTMLButtonElement>('#dl-json');

const { worker, setStatus } = startPage();

const params = new URLSearchParams(location.hash.replace(/^#/, ''));
const initialSuite = params.get('suite');
if (initialSuite && initialSuite in BENCH_DEFAULTS) suiteEl.value = initialSuite;
const showDefaults = (): void => {
  optionsEl.value = JSON.stringify(BENCH_DEFAULTS[suiteEl.value as BenchSuite], null, 2);
};
showDefaults();
if (params.get('options')) optionsEl.value = params.get('options')!;
suiteEl.addEventListener('change', showDefaults);

let current: number | null = null;
let lastJSON = '';

function run(): void {
  if (!worker) return;
  let options: Record<string, unknown>;
  try {
    options = JSON.parse(optionsEl.value) as Record<string, unknown>;
  } catch (err) {
    setStatus(`options: ${(err as Error).message}`, true);
    return;
  }
  logEl.textContent = '';
  $('#table').replaceChildren();
  $('#result-json').textContent = '';
  jsonButton.disabled = true;
  runButton.disabled = true;
  current = worker.send({ type: 'bench', suite: suiteEl.value as BenchSuite, options });
  setStatus(`running bench ${suiteEl.value}…`);
}

/** One HTML table of the result's `rows` (nested values written compactly). */
function table(result: Record<string, unknown>): HTMLTableElement {
  const rows = (result.rows ?? []) as Record<string, unknown>[];
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const el = document.createElement('table');
  el.className = 'summary';
  el.createTHead().insertRow().append(...columns.map((c) => Object.assign(document.createElement('th'), { textContent: c })));
  const body = el.createTBody();
  const cell = (v: unknown): string => {
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
    if (v !== null && typeof v === 'object') return JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isInteger(x) ? Number(x.toPrecision(4)) : x));
    return String(v ?? '');
  };
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) tr.insertCell().textContent = cell(row[c]);
  }
  return el;
}

worker?.on((msg) => {
  if (!('id' in msg) || msg.id !== current) return;
  if (msg.type === 'bench-log') {
    logEl.textContent += `${msg.line}\n`;
    console.info(`[bench] ${msg.line}`);
  } else if (msg.type === 'bench-done') {
    current = null;
    runButton.disabled = false;
    lastJSON = msg.json;
    jsonButton.disabled = false;
    const result = JSON.parse(msg.json) as Record<string, unknown>;
    const adapter = result.adapter;
    const name = typeof adapter === 'string' ? adapter : [(adapter as Record<string, string>).vendor, (adapter as Record<string, string>).description].filter(Boolean).join(' / ');
    const caption = table(result).createCaption();
    caption.textContent = `bench ${suiteEl.value} on ${name}`;
    $('#table').replaceChildren(caption.parentElement!);
    $('#result-json').textContent = msg.json;
    setStatus('done');
  } else if (msg.type === 'error') {
    current = null;
    runButton.disabled = false;
    setStatus(`${msg.name}: ${msg.message}`, true);
    $('#result-json').dataset.error = `${msg.name}: ${msg.message}`;
  }
});

runButton.addEventListener('click', run);
jsonButton.addEventListener('click', () => download(`bench-${suiteEl.value}.json`, `${lastJSON}\n`, 'application/json'));
if (params.get('run') === '1') run();
