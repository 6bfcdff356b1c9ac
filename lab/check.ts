/**
 * The playground's model checker: parses the editor's text and runs the library's own model checks
 * (`modelFromJSON`) on the main thread, before any GPU work, and places each problem at its
 * position in the text (a CodeMirror lint diagnostic). The library names the field at fault in its
 * messages ("drift of 'x'", "model file: event.threshold = ..."); this module maps that name to the
 * field's place in the JSON syntax tree, and a column inside an expression when the message gives one.
 */
import { jsonLanguage } from '@codemirror/lang-json';
import type { SyntaxNode, Tree } from '@lezer/common';
import { modelFromJSON, type SDEModel } from '../src/sde/index.js';

/** One problem, with its place in the text (character offsets). */
export interface ModelProblem {
  from: number;
  to: number;
  message: string;
}

export type CheckResult = { ok: true; model: SDEModel; json: unknown; rawWGSL: boolean } | { ok: false; problems: ModelProblem[] };

export type Path = (string | number)[];

/** The JSON value node at `path` (object keys and array indices), or null. */
export function nodeAtPath(tree: Tree, text: string, path: Path): SyntaxNode | null {
  let node: SyntaxNode | null = tree.topNode.firstChild;
  for (const key of path) {
    if (!node) return null;
    if (node.name === 'Object' && typeof key === 'string') {
      let found: SyntaxNode | null = null;
      for (let p = node.firstChild; p; p = p.nextSibling) {
        if (p.name !== 'Property') continue;
        const name = p.getChild('PropertyName');
        if (name && safeParse(text.slice(name.from, name.to)) === key) found = p.lastChild;
      }
      node = found;
    } else if (node.name === 'Array' && typeof key === 'number') {
      let i = 0;
      let found: SyntaxNode | null = null;
      for (let c = node.firstChild; c; c = c.nextSibling) {
        if (c.name === '[' || c.name === ']' || c.name === ',' || c.type.isError) continue;
        if (i++ === key) found = c;
      }
      node = found;
    } else {
      return null;
    }
  }
  return node;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Parse `state.x.init`, `absorb[0].lower` into a path. */
export function parseFieldPath(text: string): Path {
  const path: Path = [];
  for (const m of text.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]/g)) path.push(m[1] ?? Number(m[2]));
  return path;
}

/**
 * Where a library message points: candidate paths (most precise first) and, for an expression, the
 * 1-based column the message names.
 */
export function locateMessage(message: string): { paths: Path[]; column?: number; property?: boolean } {
  const column = /at column (\d+) of/.exec(message)?.[1];
  const at = column === undefined ? {} : { column: Number(column) };
  const q = (re: RegExp): string | undefined => re.exec(message)?.[1];
  let v: string | undefined;
  // zod-validated model files: "model file: drift.x = 3: expected ...", "model file: (the model
  // object): unknown field 'colour'" (then the unknown field's own entry is marked).
  const unknown = /^model file: (.*?): unknown fields? '([^']+)'/.exec(message);
  if (unknown) {
    const base = unknown[1]!.startsWith('(') ? [] : parseFieldPath(unknown[1]!);
    return { paths: [[...base, unknown[2]!], base], property: true };
  }
  const file = /^model file: ([\w$.[\]]+)(?: = | is missing| has )/.exec(message)?.[1];
  if (file) return { paths: [parseFieldPath(file)] };
  if ((v = q(/derivative of the diffusion of '(\w+)'/))) return { paths: [['diffusionDerivative', v], ['diffusion', v]], ...at };
  if ((v = q(/diffusion of '(\w+)', column (\d+)/))) {
    const col = Number(/diffusion of '\w+', column (\d+)/.exec(message)![1]);
    return { paths: [['diffusion', v, col], ['diffusion', v]], ...at };
  }
  if ((v = q(/drift of '(\w+)'/))) return { paths: [['drift', v]], ...at };
  if ((v = q(/diffusion of '(\w+)'/))) return { paths: [['diffusion', v]], ...at };
  if ((v = q(/score of '(\w+)'/))) return { paths: [['score', v]], ...at };
  if ((v = q(/init of '(\w+)'/))) return { paths: [['state', v, 'init'], ['state', v]], ...at };
  if ((v = q(/parameter '(\w+)'/))) return { paths: [['params', v]], ...at };
  if ((v = q(/function '?(\w+)'?\(/)) ?? (v = q(/function '(\w+)'/))) return { paths: [['functions', v, 'expr'], ['functions', v]], ...at };
  if (/event threshold/.test(message)) return { paths: [['event', 'threshold']], ...at };
  if (/event reset/.test(message)) return { paths: [['event', 'reset']], ...at };
  if (/event\.variable|event refractory/.test(message)) return { paths: [['event', /refractory/.test(message) ? 'refractory' : 'variable'], ['event']] };
  if (/logDensity/.test(message)) return { paths: [['logDensity'], []], ...at };
  if ((v = q(/absorb\[(\d+)\]/))) return { paths: [['absorb', Number(v)], ['absorb']] };
  if ((v = q(/state variable '(\w+)'/))) return { paths: [['state']] };
  for (const field of ['drift', 'diffusion', 'noise', 'state', 'params', 'functions', 'event', 'diffusionDerivative', 'score']) {
    if (new RegExp(`'${field}'`).test(message)) return { paths: [[field]] };
  }
  return { paths: [[]] };
}

/** The text range a message points at: the expression's offending column, else the field, else all. */
export function problemRange(tree: Tree, text: string, message: string): { from: number; to: number } {
  return rangeAt(tree, text, message, locateMessage(message));
}

/** The text range of the first of `where.paths` found in the text (see {@link problemRange}). */
export function rangeAt(tree: Tree, text: string, message: string, where: { paths: Path[]; column?: number; property?: boolean }): { from: number; to: number } {
  const { paths, column, property } = where;
  for (const path of paths) {
    const node = nodeAtPath(tree, text, path);
    if (!node) continue;
    if (column !== undefined && node.name === 'String') {
      // Column of the expression inside the JSON string (after the opening quote; exact unless the
      // expression holds escapes before that column).
      const from = Math.min(node.to - 1, node.from + column);
      const width = /\n\s*\^+/.exec(message)?.[0].trim().length ?? 1;
      let to = Math.min(node.to - 1, from + Math.max(1, width));
      while (to > from + 1 && /\s/.test(text[to - 1]!)) to--; // spans may end after trailing blanks
      return { from, to };
    }
    const target = property && node.parent?.name === 'Property' ? node.parent : node;
    return { from: target.from, to: target.to };
  }
  return { from: 0, to: Math.min(text.length, 1) };
}

/** Whether a parsed model carries raw WGSL (a function with a `wgsl` body). */
export function hasRawWGSL(json: unknown): boolean {
  const fns = (json as { functions?: unknown } | null)?.functions;
  if (!fns || typeof fns !== 'object') return false;
  return Object.values(fns).some((f) => f !== null && typeof f === 'object' && 'wgsl' in f);
}

/**
 * The editor's text parsed twice: by lezer (its syntax tree, where problems are placed, even in a
 * broken text) and by `JSON.parse` (its value); or, when it is not JSON, the syntax error placed.
 */
export function parseEditorJSON(text: string): { ok: true; tree: Tree; json: unknown } | { ok: false; problems: ModelProblem[] } {
  const tree = jsonLanguage.parser.parse(text);
  try {
    return { ok: true, tree, json: JSON.parse(text) };
  } catch (err) {
    return { ok: false, problems: [jsonSyntaxProblem(tree, text, err)] };
  }
}

/** A JSON syntax error placed at its position (the parser's, else the syntax tree's first error). */
function jsonSyntaxProblem(tree: Tree, text: string, err: unknown): ModelProblem {
  let from = 0;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError && from === 0) from = n.from;
    },
  });
  const pos = /position (\d+)/.exec((err as Error).message)?.[1];
  if (pos !== undefined) from = Number(pos);
  from = Math.min(from, Math.max(0, text.length - 1));
  return { from, to: Math.min(text.length, from + 1), message: `JSON: ${(err as Error).message}` };
}

type ModelFromJSON = (json: unknown, options?: { allowRawWGSL?: boolean }) => SDEModel;

/**
 * Check the editor's text as a model: JSON syntax, then every check of `modelFromJSON` (which
 * compiles the model to WGSL text but touches no GPU). Raw WGSL is let through here (the page asks
 * before running it).
 */
export function checkModelText(text: string): CheckResult {
  const parsed = parseEditorJSON(text);
  if (!parsed.ok) return parsed;
  const { tree, json } = parsed;
  try {
    const model = (modelFromJSON as ModelFromJSON)(json, { allowRawWGSL: true });
    return { ok: true, model, json, rawWGSL: hasRawWGSL(json) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // zod reports every wrong field at once, joined by '; '.
    const parts = message.startsWith('model file: ') ? message.slice('model file: '.length).split('; ').map((p) => `model file: ${p}`) : [message];
    return { ok: false, problems: parts.map((m) => ({ ...problemRange(tree, text, m), message: m })) };
  }
}
