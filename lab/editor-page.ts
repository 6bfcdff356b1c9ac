/**
 * What the two editor pages share (the playground, which edits a model, and the network page, which
 * edits a network file): the CodeMirror editor of a JSON text checked inline and kept across visits,
 * the settings form, the life of a run in the Worker, and the "Copy link" button. Each page keeps
 * what its file means: its checker, its plots, the replies it draws, its downloads. The element ids
 * are those the shared HTML fragments of `html-chrome.ts` write (`#editor`, `#problems`, `#restore`,
 * `#settings`, `#run`, `#cancel`, `#link`, `#progress`, `#status`, `#summary`).
 */
import { json } from '@codemirror/lang-json';
import { forceLinting, linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorView, basicSetup } from 'codemirror';
import type { ModelProblem } from './check.js';
import { $, type LabPage, type LabWorker, type RunControls } from './client.js';
import type { FromWorker } from './protocol.js';

/**
 * The example files of an `import.meta.glob` (which takes only literals, so each page calls it
 * itself), by file name without folder and `.json`: `../examples/models/ou.json` → `ou`.
 */
export function examplesByName(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, text]) => [path.replace(/^.*\/(.*)\.json$/, '$1'), text]));
}

/** How {@link openEditor} sets up a page's editor. */
export interface EditorOptions<Result> {
  /** localStorage keys of the text as last edited, and of the text a link replaced (offered back by `#restore`). */
  storage: { text: string; previous: string };
  /** The examples by name (listed in `#example`), the one a first visit opens, and the label of "not an example". */
  examples: Record<string, string>;
  defaultExample: string;
  ownLabel: string;
  /** The text a link carries (`#model=…`, `#network=…`), undefined when the link has none. */
  linked: string | undefined;
  /** The page's checker: no GPU work, run on every edit (after a pause) and before every run. */
  check(text: string): Result;
  /** The problems to mark in the text and list in `#problems` for a checked text. */
  problems(result: Result, text: string): readonly ModelProblem[];
}

/** A page's editor, from {@link openEditor}. */
export interface LabEditor<Result> {
  view: EditorView;
  /** The text as it stands. */
  text(): string;
  /** Replace the whole text (an edit like any other: checked, saved, matched to an example). */
  setText(text: string): void;
  /** Check the text now and list its problems in `#problems` (the marks follow at the linter's pace). */
  check(): Result;
  /** Mark the problems in the text now rather than after the linter's pause. */
  relint(): void;
  /** The text came from a link and has not been edited since (the playground asks before running raw WGSL then). */
  readonly fromLink: boolean;
}

/**
 * The page's editor in `#editor`, with its checker as linter and `#problems` listing what it found.
 * It opens the link's text if any (keeping the edited one under `storage.previous`, offered back by
 * `#restore-button`), else the text last edited here, else the default example. `#example` lists
 * the examples and shows which one the text is, unchanged.
 */
export function openEditor<Result>(options: EditorOptions<Result>): LabEditor<Result> {
  const { storage, examples } = options;
  const problemsEl = $('#problems');
  const exampleEl = $<HTMLSelectElement>('#example');
  exampleEl.append(new Option(options.ownLabel, ''), ...Object.keys(examples).map((n) => new Option(n, n)));

  const check = (text: string): { result: Result; problems: readonly ModelProblem[] } => {
    const result = options.check(text);
    const problems = options.problems(result, text);
    problemsEl.textContent = problems.map((p) => p.message).join('\n');
    return { result, problems };
  };
  const pageLinter = linter((view): Diagnostic[] => check(view.state.doc.toString()).problems
    .map((p) => ({ from: p.from, to: p.to, severity: 'error', message: p.message, source: 'wgneuro' })), { delay: 250 });

  const stored = localStorage.getItem(storage.text);
  let initial = stored ?? examples[options.defaultExample] ?? '{}';
  let fromLink = false;
  if (options.linked !== undefined) {
    if (stored !== null && stored !== options.linked) {
      localStorage.setItem(storage.previous, stored);
      $('#restore').hidden = false;
    }
    initial = options.linked;
    fromLink = true;
  }

  /** Show which example the text is, if it is one unchanged. */
  const matchExample = (text: string): void => {
    exampleEl.value = Object.entries(examples).find(([, t]) => t === text)?.[0] ?? '';
  };
  const view = new EditorView({
    doc: initial,
    parent: $('#editor'),
    extensions: [
      basicSetup,
      json(),
      pageLinter,
      lintGutter(),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        fromLink = false;
        const text = update.state.doc.toString();
        matchExample(text);
        // Saved on every change (a few kB): a timer could be lost when the tab closes right after typing.
        localStorage.setItem(storage.text, text);
      }),
    ],
  });
  localStorage.setItem(storage.text, initial);
  matchExample(initial);
  const setText = (text: string): void => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  exampleEl.addEventListener('change', () => {
    const text = examples[exampleEl.value];
    if (text !== undefined) setText(text);
  });
  $('#restore-button').addEventListener('click', () => {
    const previous = localStorage.getItem(storage.previous);
    if (previous !== null) setText(previous);
    $('#restore').hidden = true;
  });

  return {
    view,
    text: () => view.state.doc.toString(),
    setText,
    check: () => check(view.state.doc.toString()).result,
    relint: () => forceLinting(view),
    get fromLink() {
      return fromLink;
    },
  };
}

/** How {@link settingsForm} reads a page's `#settings` form into settings of type `Settings`. */
export interface SettingsFormOptions<Settings> {
  /** localStorage key of the form as last typed. */
  storageKey: string;
  /** The `<select>`: its element id and its field, and the values it takes (from storage or a link). */
  choice: { id: string; field: keyof Settings & string; values: Readonly<Record<string, unknown>> };
  /** The number inputs: element id → field (an id names its field in problems, as the visitor sees it). */
  numbers: Readonly<Record<string, keyof Settings & string>>;
  /** Settings a link carries; they win over the stored ones. */
  linked: Partial<Settings>;
  /** What valid settings are: `[element id, holds, what was expected]` for each rule. */
  rules(settings: Settings): [id: string, holds: boolean, expected: string][];
}

/** A page's settings form, from {@link settingsForm}. */
export interface SettingsForm<Settings> {
  /** The settings, or the list of problems (each also marked on its input, for the browser's own hint). */
  read(): Settings | string[];
}

/**
 * The page's `#settings` form: filled from the link's settings over those last typed here (a value
 * the `<select>` does not offer is skipped), saved on every input, and read back checked.
 */
export function settingsForm<Settings>(options: SettingsFormOptions<Settings>): SettingsForm<Settings> {
  const { choice, numbers } = options;
  const input = (id: string): HTMLInputElement => $<HTMLInputElement>(`#${id}`);
  const choiceEl = $<HTMLSelectElement>(`#${choice.id}`);
  const start = { ...(JSON.parse(localStorage.getItem(options.storageKey) ?? '{}') as Partial<Settings>), ...options.linked };
  for (const [id, field] of Object.entries(numbers)) if (start[field] !== undefined) input(id).value = String(start[field]);
  const chosen = start[choice.field];
  if (typeof chosen === 'string' && chosen in choice.values) choiceEl.value = chosen;

  // Numbers as typed, unchecked: what is saved, and what the rules look at.
  const readLoose = (): Settings => {
    const out: Record<string, string | number> = { [choice.field]: choiceEl.value };
    for (const [id, field] of Object.entries(numbers)) out[field] = Number(input(id).value);
    return out as Settings;
  };
  $('#settings').addEventListener('input', () => localStorage.setItem(options.storageKey, JSON.stringify(readLoose())));

  return {
    read() {
      const settings = readLoose();
      const problems: string[] = [];
      for (const [id, holds, expected] of options.rules(settings)) {
        const el = input(id);
        const message = holds ? '' : `${id} = ${el.value === '' ? '(empty)' : el.value}: expected ${expected}`;
        el.setCustomValidity(message);
        if (!holds) problems.push(message);
      }
      return problems.length ? problems : settings;
    },
  };
}

/** A run in flight: the id its replies carry, and the settings and text it was started with. */
export interface Run<Settings> {
  id: number;
  settings: Settings;
  text: string;
}

type ErrorReply = Extract<FromWorker, { type: 'error' }>;

/** How {@link EditorRuns} hands a page the replies to its run. */
export interface EditorRunsOptions<Settings> {
  /** The page's download buttons (off from a run's start until its result). */
  downloads: readonly string[];
  /** Every reply to the run in flight but an error: progress, live plots, the result (then {@link EditorRuns.done}). */
  onReply(message: Exclude<FromWorker, ErrorReply>, run: Run<Settings>): void;
  /** An error reply to the run in flight, after the status line shows it and before the run ends. */
  onError?(message: ErrorReply, run: Run<Settings>): void;
}

/**
 * The life of an editor page's runs in its Worker: one run at a time (a new one cancels the last),
 * the Run and Cancel buttons, the result panels cleared at the start, and the end of a run by its
 * result, its error, or a lost device. Replies to other runs (a cancelled one's late batches) are
 * dropped here, so the page sees only its run's.
 */
export class EditorRuns<Settings> {
  /** The run in flight, if any. */
  current: Run<Settings> | null = null;
  /** Start and end (performance.now()) of each run, for tests of main-thread responsiveness. */
  readonly runTimes: { id: number; start: number; end: number }[] = [];
  readonly #page: LabPage;
  readonly #controls: RunControls;
  readonly #downloads: readonly string[];

  constructor(page: LabPage, controls: RunControls, options: EditorRunsOptions<Settings>) {
    this.#page = page;
    this.#controls = controls;
    this.#downloads = options.downloads;
    page.worker?.on((message) => {
      if (message.type === 'lost') {
        if (this.current) page.setStatus('The GPU device was lost during the run; restart the worker and run again.', true);
        this.finish();
        return;
      }
      // An error of no run: the Worker failed to start (the header says why).
      if (message.type === 'error' && message.id === 0) {
        if (this.current) this.finish();
        return;
      }
      const run = this.current;
      if (!run || !('id' in message) || message.id !== run.id) return;
      if (message.type === 'error') {
        page.setStatus(`${message.name}: ${message.message}`, true);
        options.onError?.(message, run);
        this.finish();
      } else {
        options.onReply(message, run);
      }
    });
    controls.cancelButton.addEventListener('click', () => {
      if (this.current && page.worker) {
        page.worker.send({ type: 'cancel', id: this.current.id });
        page.setStatus('cancelling…');
      }
    });
  }

  /**
   * Send `request` (checked settings and text) to the Worker as the page's run, cancelling the one in
   * flight; the page clears its own plots first. `status` is the status line until the first reply.
   */
  start(worker: LabWorker, request: Parameters<LabWorker['send']>[0], settings: Settings, text: string, status: string): void {
    const { progressEl, runButton, cancelButton, resultEl, summaryEl } = this.#controls;
    if (this.current) worker.send({ type: 'cancel', id: this.current.id });
    summaryEl.replaceChildren();
    resultEl.textContent = '';
    this.#setDownloads(false);
    progressEl.value = 0;
    const id = worker.send(request);
    this.current = { id, settings, text };
    // User-timing marks bound the run in a performance trace too (the lab's e2e test reads them there).
    this.runTimes.push({ id, start: performance.mark('wgneuro:run-start').startTime, end: Number.NaN });
    runButton.disabled = true;
    cancelButton.disabled = false;
    this.#page.setStatus(status);
  }

  /**
   * The run's result came (whole, or partial after a cancel): its JSON in `#result-json`, downloads
   * on, `status` in the status line, and the run ends. The page has drawn the result first.
   */
  done(summary: { partial: boolean }, status: string): void {
    this.#controls.resultEl.textContent = JSON.stringify(summary);
    this.#setDownloads(true);
    this.#page.setStatus(status);
    if (!summary.partial) this.#controls.progressEl.value = 1;
    this.finish();
  }

  /** The run in flight ended (or none was): its end mark, and the Run button back. */
  finish(): void {
    const times = this.runTimes.find((r) => r.id === this.current?.id);
    if (times) times.end = performance.mark('wgneuro:run-end').startTime;
    this.current = null;
    this.#controls.runButton.disabled = false;
    this.#controls.cancelButton.disabled = true;
  }

  #setDownloads(enabled: boolean): void {
    for (const id of this.#downloads) $<HTMLButtonElement>(id).disabled = !enabled;
  }
}

/**
 * The `#link` button: puts a link that reproduces the run (the text and the checked settings, as
 * `hashOf` writes them) in the address bar and, where the browser allows, on the clipboard.
 */
export function linkButton<Settings>(page: LabPage, settings: SettingsForm<Settings>, hashOf: (settings: Settings) => string): void {
  $('#link').addEventListener('click', () => {
    const checked = settings.read();
    if (Array.isArray(checked)) return page.setStatus(checked.join('\n'), true);
    history.replaceState(null, '', hashOf(checked));
    navigator.clipboard?.writeText(location.href).then(() => page.setStatus('link copied'), () => page.setStatus('link in the address bar'));
  });
}
