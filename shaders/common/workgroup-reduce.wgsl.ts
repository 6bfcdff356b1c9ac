/**
 * The workgroup tree reduction every kernel with a cross-invocation sum, maximum or merge uses:
 * after each invocation has stored its partial in slot `lid` of a workgroup array, halving strides
 * fold slots `lid + stride` into `lid` until slot 0 holds the result of all `size` slots, in
 * log₂(size) barrier-separated rounds (the classic shared-memory reduction; Harris, "Optimizing
 * Parallel Reduction in CUDA", NVIDIA 2007, kernel 3 "sequential addressing").
 *
 * `size` must be a power of two (every caller's WG_SIZE is). The generated code starts with the
 * barrier that publishes the partials and ends with one, so every invocation may read slot 0
 * afterwards; it must be reached in uniform control flow.
 */
export interface WorkgroupReduceOptions {
  /** WGSL u32 expression for the number of slots (a power of two), e.g. `'WG_SIZE'`. */
  size: string;
  /**
   * WGSL statement(s) folding slot `from` into slot `into` (both WGSL u32 expressions), e.g.
   * `(into, from) => \`partial[${into}] += partial[${from}];\``.
   */
  combine: (into: string, from: string) => string;
  /** Name of the local invocation index. Default `'lid'`. */
  lid?: string;
  /** Indentation of every generated line. Default two spaces. */
  indent?: string;
}

/** WGSL statements of a workgroup tree reduction (see the module comment). */
export function workgroupReduceWGSL(o: WorkgroupReduceOptions): string {
  const lid = o.lid ?? 'lid';
  const pad = o.indent ?? '  ';
  return [
    'workgroupBarrier();',
    `for (var stride = ${o.size} / 2u; stride > 0u; stride /= 2u) {`,
    `  if (${lid} < stride) { ${o.combine(lid, `${lid} + stride`)} }`,
    '  workgroupBarrier();',
    '}',
  ].map((line) => pad + line).join('\n');
}
