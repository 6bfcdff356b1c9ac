/**
 * The network page's checker: the editor's text as a network file, through the library's own
 * checks (`parseNetworkJSON`'s schema, then `defineNetwork`'s compilation of every model and
 * projection) on the main thread, before any GPU work, each problem placed at its field in the
 * text. Connectivity is not generated here (a fixed-probability projection of CUBA draws ten
 * million coins, too long for the main thread); the Worker builds the real network.
 */
import type { Tree } from '@lezer/common';
import { defineNetwork, parseNetworkJSON, type NetworkDefinition, type NetworkJSON } from '../src/network/index.js';
import { locateMessage, parseEditorJSON, parseFieldPath, rangeAt, type ModelProblem, type Path } from './check.js';

export type NetworkCheck =
  | { ok: true; json: NetworkJSON; /** `.npy` weight files the network names (by file name). */ npy: string[] }
  | { ok: false; problems: ModelProblem[] };

/** The file name a `.npy` weights path refers to (the page keeps files by name, without folders). */
export const npyName = (path: string): string => path.replace(/^.*[\\/]/, '');

/**
 * Where a library message about a network points. Messages start with the field path
 * (`projections[1].target: got …`, `populations.E.model.state.v.init: …`); a model's own message
 * follows `populations.P.model: ` and is located inside that model as the playground does.
 */
export function locateNetworkMessage(message: string): { paths: Path[]; column?: number; property?: boolean } {
  const text = message.replace(/^network(?: '[^']*')?: /, '');
  const inner = /^populations\.([\w$]+)\.model: (.*)$/s.exec(text);
  if (inner) {
    const base: Path = ['populations', inner[1]!, 'model'];
    const where = locateMessage(inner[2]!);
    return { ...where, paths: [...where.paths.map((p) => [...base, ...p]), base] };
  }
  const head = /^([\w$]+(?:\.[\w$]+|\[\d+\])*)(?:: | \(|$)/.exec(text)?.[1];
  if (!head) return { paths: [[]] };
  const path = parseFieldPath(head);
  const column = /at column (\d+) of/.exec(text)?.[1];
  const unknown = /expected no unknown field \(([^,)]+)/.exec(text)?.[1];
  const parents = path.map((_, k) => path.slice(0, path.length - k - 1));
  if (unknown) return { paths: [[...path, unknown], path, ...parents], property: true };
  return { paths: [path, ...parents], ...(column === undefined ? {} : { column: Number(column) }) };
}

function problems(tree: Tree, text: string, message: string): ModelProblem[] {
  const body = message.replace(/^network(?: '[^']*')?: /, '');
  // The schema lists every wrong field at once, joined by '; '.
  const parts = body.includes(': got ') && !/^populations\.[\w$]+\.model: /.test(body) ? body.split('; ') : [body];
  return parts.map((m) => ({ ...rangeAt(tree, text, m, locateNetworkMessage(m)), message: m }));
}

/**
 * Check the editor's text as a network file. `available` names the `.npy` files the page holds
 * (examples and the visitor's); a weights path naming another file is a problem at that field.
 */
export function checkNetworkText(text: string, available: ReadonlySet<string>): NetworkCheck {
  const parsed = parseEditorJSON(text);
  if (!parsed.ok) return parsed;
  const { tree, json } = parsed;
  let net: NetworkJSON;
  try {
    net = parseNetworkJSON(json, 'network');
  } catch (err) {
    return { ok: false, problems: problems(tree, text, (err as Error).message) };
  }
  const npy: string[] = [];
  const missing: ModelProblem[] = [];
  // Stand-ins with no synapses for generated and file weights: every other check still runs.
  const projections = (net.projections ?? []).map((p, k) => {
    const rows = net.populations[p.to]?.size;
    if (rows === undefined || net.populations[p.from] === undefined) return p;
    const empty = { kind: 'csr' as const, indptr: new Array<number>(rows + 1).fill(0), indices: [], data: [] };
    if (typeof p.weights === 'string') {
      const name = npyName(p.weights);
      if (!available.has(name)) {
        const message = `projections[${k}].weights: got "${p.weights}", expected a .npy file given with the network (choose it with "your files")`;
        missing.push({ ...rangeAt(tree, text, message, { paths: [['projections', k, 'weights']] }), message });
      }
      npy.push(name);
      return { ...p, weights: empty };
    }
    if (!Array.isArray(p.weights) && !ArrayBuffer.isView(p.weights) && p.weights.kind === 'fixed-probability') return { ...p, weights: empty };
    return p;
  });
  try {
    defineNetwork({ ...net, projections } as NetworkDefinition);
  } catch (err) {
    return { ok: false, problems: [...missing, ...problems(tree, text, (err as Error).message)] };
  }
  return missing.length ? { ok: false, problems: missing } : { ok: true, json: net, npy: [...new Set(npy)] };
}
