/**
 * Print an expression tree back as equation-language source, fully parenthesised, so that a
 * symbolic derivative can run as an elementwise map (`mapExpr` takes source text).
 */
import type { Expr } from '../expr/index.js';

/** Source text that parses back to `e` (every operation parenthesised; numbers exact). */
export function exprSource(e: Expr): string {
  switch (e.k) {
    case 'num':
      // 17 significant digits round-trip a float64; negative literals are parenthesised
      return e.v < 0 ? `(${numberText(e.v)})` : numberText(e.v);
    case 'name':
      return e.name;
    case 'neg':
      return `(-(${exprSource(e.a)}))`;
    case 'not':
      return `(!(${exprSource(e.a)}))`;
    case 'bin':
    case 'cmp':
    case 'logic':
      return `(${exprSource(e.a)} ${e.op} ${exprSource(e.b)})`;
    case 'cond':
      return `(${exprSource(e.c)} ? ${exprSource(e.a)} : ${exprSource(e.b)})`;
    case 'call':
      return `${e.fn}(${e.args.map(exprSource).join(', ')})`;
  }
}

function numberText(v: number): string {
  const text = String(v);
  return text.includes('e') ? v.toExponential(16) : text;
}
