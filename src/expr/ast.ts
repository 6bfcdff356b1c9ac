/**
 * The tree every part of the equation language works on: the parser builds it, the checker walks
 * it, the differentiator rewrites it, and the emitters print it as WGSL (f32) or JavaScript
 * (float64).
 */

/** Where a node came from in the user's text (absent on nodes built by differentiation). */
export interface SourceSpan {
  /** The whole expression as the user wrote it. */
  source: string;
  /** Half-open character range [start, end) of this node in `source`. */
  start: number;
  end: number;
}

/** Binary arithmetic operators (`^` is power; `**` is read as `^`). */
export type ArithmeticOp = '+' | '-' | '*' | '/' | '^';
/** Comparison operators (`===`/`!==` are read as `==`/`!=`). */
export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** Parsed expression tree (numbers are float64 in JS and f32 in WGSL). */
export type Expr = (
  | { k: 'num'; v: number }
  | { k: 'name'; name: string }
  | { k: 'neg'; a: Expr }
  | { k: 'bin'; op: ArithmeticOp; a: Expr; b: Expr }
  | { k: 'cmp'; op: ComparisonOp; a: Expr; b: Expr }
  | { k: 'logic'; op: '&&' | '||'; a: Expr; b: Expr }
  | { k: 'not'; a: Expr }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr }
) & { at?: SourceSpan };

/** The direct children of a node, in source order. */
export function children(e: Expr): Expr[] {
  switch (e.k) {
    case 'num': case 'name': return [];
    case 'neg': case 'not': return [e.a];
    case 'bin': case 'cmp': case 'logic': return [e.a, e.b];
    case 'cond': return [e.c, e.a, e.b];
    case 'call': return e.args;
  }
}

/** A readable form of `e` for messages and generated comments. */
export function print(e: Expr): string {
  switch (e.k) {
    case 'num': return String(e.v);
    case 'name': return e.name;
    case 'neg': return `-${print(e.a)}`;
    case 'not': return `!${print(e.a)}`;
    case 'bin': case 'cmp': case 'logic': return `(${print(e.a)} ${e.op} ${print(e.b)})`;
    case 'cond': return `(${print(e.c)} ? ${print(e.a)} : ${print(e.b)})`;
    case 'call': return `${e.fn}(${e.args.map(print).join(', ')})`;
  }
}

/** `source` for a message: whitespace flattened, at most 80 characters (elided in the middle). */
export function quoteSource(source: string): string {
  const flat = source.replace(/\s/g, ' ');
  return flat.length <= 80 ? `'${flat}'` : `'${flat.slice(0, 38)} … ${flat.slice(-38)}'`;
}

/**
 * ` at column N of 'source'` plus the source with the node underlined, for error messages (a
 * window of the source around the node when it is long); the printed subexpression when the node
 * has no source position.
 */
export function describeAt(e: Expr): string {
  const at = e.at;
  if (!at) {
    const printed = print(e);
    return ` in ${printed.length > 80 ? `${printed.slice(0, 77)}...` : printed}`;
  }
  const flat = at.source.replace(/\s/g, ' ');
  // show at most 40 characters either side of the node, and at most 60 of the node itself
  const from = Math.max(0, at.start - 40);
  const to = Math.min(flat.length, Math.max(at.end, at.start + 1) + 40, at.start + 100);
  const shown = `${from > 0 ? '…' : ''}${flat.slice(from, to)}${to < flat.length ? '…' : ''}`;
  const offset = at.start - from + (from > 0 ? 1 : 0);
  const width = Math.max(1, Math.min(at.end, to) - at.start);
  return ` at column ${at.start + 1} of ${quoteSource(at.source)}\n    ${shown}\n    ${' '.repeat(offset)}${'^'.repeat(width)}`;
}
