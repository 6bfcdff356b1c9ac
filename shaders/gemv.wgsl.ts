/**
 * GEMV  y = alpha · op(A) · x + beta · y  in f32 for a row-major rows × cols matrix A.
 *
 * GEMV is bandwidth-bound (2 flops per matrix element read), so both variants stream A exactly
 * once with contiguous accesses (the usual mapping, e.g. Nath et al., "An improved MAGMA GEMV",
 * 2010):
 * - `y = A x`: each workgroup owns ROWS rows; its WG_SIZE invocations split every row into
 *   strided partial dot products (neighbouring invocations read neighbouring elements), combined by
 *   a tree reduction in workgroup memory.
 * - `y = A x`, `rowsPerInvocation` R: each invocation owns R consecutive rows and streams them
 *   side by side, one x load feeding R rows. Suits CPU implementations such as SwiftShader, which
 *   runs four invocations as the lanes of one SIMD register: every load whose address differs per
 *   lane becomes one scalar load per lane, so load instructions, not bytes, set the speed there.
 *   One x load shared by R rows cuts them (4–8 rows measured 2.3–2.8× the one-row kernel in Node,
 *   bench/README.md); A and x are read as vec4 when cols % 4 = 0, A as mat4x4 with `mat4` when
 *   cols % 16 = 0. No barriers (on SwiftShader they are fibre switches). The tuner in
 *   src/linalg/gemv.ts picks the variant per adapter.
 * - `y = Aᵀ x`: each invocation owns one column and walks down the rows, so an invocation group
 *   reads one contiguous run of a row per step.
 * - `y = Aᵀ x`, `columnVec4s` C: each invocation owns 4·C consecutive columns, read as C vec4s
 *   per row into vec4 sums, so one x load (the same for every invocation) feeds 4·C columns instead
 *   of one.
 * - `quadX` (either block variant, device feature `subgroups`): x's loads are shared by the four
 *   invocations of a quad (see {@link GemvShaderOptions.quadX}).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { WGSL_LINEAR_INDEX } from '../src/core/dispatch.js';
import { uniformLayout } from '../src/core/layout.js';
import { workgroupReduceWGSL } from './common/workgroup-reduce.wgsl.js';

/** Compile-time variant of the GEMV kernel. */
export interface GemvShaderOptions {
  /** Compute Aᵀ x instead of A x. */
  trans: boolean;
  /**
   * A x only: each invocation owns this many consecutive rows (1–8), instead of a workgroup per
   * ROWS rows with a tree reduction.
   */
  rowsPerInvocation?: number;
  /** With `rowsPerInvocation`: read A and x as vec4 (needs cols % 4 = 0). Default false. */
  vec4?: boolean;
  /**
   * With `vec4`: read A as mat4x4f, 16 consecutive floats of a row per load (needs cols % 16 = 0).
   * SwiftShader splits every load into per-lane loads, so fewer, wider loads mean fewer
   * instructions per byte. Default false.
   */
  mat4?: boolean;
  /**
   * Aᵀ x only: each invocation owns this many groups of 4 consecutive columns (1–4), read as vec4
   * (needs cols % 4 = 0), instead of one column.
   */
  columnVec4s?: number;
  /**
   * With `vec4` or `columnVec4s`: share x's loads across each quad of the subgroup (needs the
   * `subgroups` feature). All invocations read the same x, and on SwiftShader each such load is
   * still issued lane by lane; instead lane q of a quad loads the q-th of four consecutive
   * elements of x (vec4s with `vec4`) and `quadBroadcast` hands each to the whole quad, so a quad
   * issues one x load where it issued four. Correct for any subgroup layout, since every invocation
   * needs the same x, as long as quads are whole (WG_SIZE ≥ 4, a power of two). Default false.
   */
  quadX?: boolean;
}

/** Uniforms of the GEMV kernel. */
export const gemvParams = uniformLayout({
  rows: 'u32', // rows of A as stored
  cols: 'u32', // columns of A as stored
  alpha: 'f32', // scale of the product
  beta: 'f32', // scale of the previous y; 0 means y is not read (it may hold NaN)
});

/** WGSL of the GEMV kernel; overrides WG_SIZE = 64 (a power of two), ROWS = 4. */
export function gemvWGSL(options: GemvShaderOptions): string {
  const rowBlock = !options.trans && options.rowsPerInvocation !== undefined;
  if (rowBlock && !(Number.isInteger(options.rowsPerInvocation) && options.rowsPerInvocation! >= 1 && options.rowsPerInvocation! <= 8)) {
    throw new Error(`gemvWGSL: rowsPerInvocation must be 1–8, got ${options.rowsPerInvocation}`);
  }
  const colBlock = options.trans && options.columnVec4s !== undefined;
  if (colBlock && !(Number.isInteger(options.columnVec4s) && options.columnVec4s! >= 1 && options.columnVec4s! <= 4)) {
    throw new Error(`gemvWGSL: columnVec4s must be 1–4, got ${options.columnVec4s}`);
  }
  const vec4 = rowBlock && options.vec4 === true;
  const mat4 = vec4 && options.mat4 === true;
  const quadX = (vec4 || colBlock) && options.quadX === true;
  if (!vec4 && options.mat4 === true) throw new Error('gemvWGSL: mat4 needs rowsPerInvocation and vec4');
  if (!quadX && options.quadX === true) throw new Error('gemvWGSL: quadX needs rowsPerInvocation and vec4, or columnVec4s');
  const elem = vec4 ? 'vec4f' : 'f32';
  const elemA = mat4 ? 'mat4x4f' : vec4 || colBlock ? 'vec4f' : 'f32';
  const pad = (t: string) => ' '.repeat(Math.max(1, 10 - t.length));
  return wgsl`
#if ${quadX}
enable subgroups;
#endif
${WGSL_LINEAR_INDEX}
${gemvParams.wgslStruct('Params')}

override WG_SIZE: u32 = 64u;   // invocations per workgroup (a power of two for the tree reduction)
override ROWS: u32 = 4u;       // rows per workgroup in the A x workgroup variant

@group(0) @binding(0) var<uniform> params: Params;              // sizes, alpha, beta
@group(0) @binding(1) var<storage, read> a: array<${elemA}>;${pad(elemA)}// A, rows × cols, row-major
@group(0) @binding(2) var<storage, read> x: array<${elem}>;${pad(elem)}// input vector
@group(0) @binding(3) var<storage, read_write> y: array<f32>;   // output vector

#if ${rowBlock}
${rowBlock ? rowBlockWGSL(options.rowsPerInvocation!, vec4, mat4, quadX) : ''}
#elif ${colBlock}
${colBlock ? columnBlockWGSL(options.columnVec4s!, quadX) : ''}
#elif ${!options.trans}
var<workgroup> partial: array<f32, WG_SIZE * ROWS>;             // per-invocation partial sums, per row

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row0 = wg_linear_index(wid, nwg) * ROWS;
  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    var s = 0.0;
    if (row < params.rows) {
      let base = row * params.cols;
      for (var c = lid; c < params.cols; c += WG_SIZE) { s = fma(a[base + c], x[c], s); }
    }
    partial[r * WG_SIZE + lid] = s;
  }
${workgroupReduceWGSL({
    size: 'WG_SIZE',
    combine: (into, from) => `for (var r = 0u; r < ROWS; r++) { partial[r * WG_SIZE + ${into}] += partial[r * WG_SIZE + ${from}]; }`,
  })}
  if (lid < ROWS) {
    let row = row0 + lid;
    if (row < params.rows) {
      var value = params.alpha * partial[lid * WG_SIZE];
      if (params.beta != 0.0) { value += params.beta * y[row]; }
      y[row] = value;
    }
  }
}
#else
@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let col = wg_linear_index(wid, nwg) * WG_SIZE + lid;
  if (col >= params.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < params.rows; r++) { s = fma(a[r * params.cols + col], x[r], s); }
  var value = params.alpha * s;
  if (params.beta != 0.0) { value += params.beta * y[col]; }
  y[col] = value;
}
#endif
`;
}

/**
 * Entry point of the row-block variant: invocation i owns rows R·i … R·i + R − 1. Rows past the end
 * re-read the last row (clamped index) so the loop has no per-row branch; only their stores are
 * skipped. Each row keeps one scalar sum fed by a chain of four FMAs per vec4: a vec4 sum per row
 * would hold four SIMD registers per row on SwiftShader (one per component, across lanes) and spill
 * at four or more rows (measured 1.2× slower there, bench/README.md); the R rows are R independent
 * chains, which hides FMA latency. With `quadX` no invocation returns early: every lane of a quad
 * must reach the broadcasts.
 */
function rowBlockWGSL(rowsPerInvocation: number, vec4: boolean, mat4: boolean, quadX: boolean): string {
  const rows = [...Array(rowsPerInvocation).keys()];
  const each = (f: (r: number) => string, sep = ' ') => rows.map(f).join(sep);
  const dot4 = (r: number, el: (k: number) => string, xk: (k: number) => string) =>
    `s${r} = fma(${el(3)}, ${xk(3)}, fma(${el(2)}, ${xk(2)}, fma(${el(1)}, ${xk(1)}, fma(${el(0)}, ${xk(0)}, s${r}))));`;
  const xyzw = 'xyzw';
  /** The R rows' updates by vec4 number `col` (an expression) of their rows, x's vec4 in `xv`. */
  const vec4Step = (indent: string, col: string) =>
    each((r) => `let a${r} = a[base${r} + ${col}]; ${dot4(r, (k) => `a${r}.${xyzw[k]}`, (k) => `xv.${xyzw[k]}`)}`, `\n${indent}`);
  const quads = [0, 1, 2, 3];
  let loop: string;
  if (mat4) {
    // One mat4x4f of A per row and step: its column j holds floats 4j … 4j + 3 of the 16.
    const xLoads = quadX
      ? [`let xq = x[4u * c + lane];`, ...quads.map((j) => `let x${j} = quadBroadcast(xq, ${j}u);`)]
      : quads.map((j) => `let x${j} = x[4u * c + ${j}u];`);
    loop = `  let stride = params.cols / 16u;   // mat4x4s per row
  ${each((r) => `let base${r} = min(first + ${r}u, last) * stride;`, '\n  ')}
  for (var c = 0u; c < stride; c++) {
    ${xLoads.join('\n    ')}
    ${each((r) => [`let a${r} = a[base${r} + c];`, ...quads.map((j) => dot4(r, (k) => `a${r}[${j}].${xyzw[k]}`, (k) => `x${j}.${xyzw[k]}`))].join(' '), '\n    ')}
  }`;
  } else if (vec4) {
    const quadLoop = quadX
      ? `  for (; c + 4u <= stride; c += 4u) {
    let xq = x[c + lane];   // lane q holds x's vec4 number c + q
${quads.map((j) => `    {
      let xv = quadBroadcast(xq, ${j}u);
      ${vec4Step('      ', `c + ${j}u`)}
    }`).join('\n')}
  }
`
      : '';
    loop = `  let stride = params.cols / 4u;   // vec4s per row
  ${each((r) => `let base${r} = min(first + ${r}u, last) * stride;`, '\n  ')}
  var c = 0u;
${quadLoop}  for (; c < stride; c++) {
    let xv = x[c];
    ${vec4Step('    ', 'c')}
  }`;
  } else {
    loop = `  let cols4 = params.cols / 4u * 4u;
  ${each((r) => `let base${r} = min(first + ${r}u, last) * params.cols;`, '\n  ')}
  for (var c = 0u; c < cols4; c += 4u) {
    let xv = vec4f(x[c], x[c + 1u], x[c + 2u], x[c + 3u]);
    ${each((r) => dot4(r, (k) => `a[base${r} + c + ${k}u]`, (k) => `xv.${xyzw[k]}`), '\n    ')}
  }
  for (var c = cols4; c < params.cols; c++) {
    ${each((r) => `s${r} = fma(a[base${r} + c], x[c], s${r});`, '\n    ')}
  }`;
  }
  return `@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32${quadX ? ', @builtin(subgroup_invocation_id) sid: u32' : ''}) {
  let first = (wg_linear_index(wid, nwg) * WG_SIZE + lid) * ${rowsPerInvocation}u;
${quadX ? '  let lane = sid & 3u;   // this invocation\'s place in its quad' : '  if (first >= params.rows) { return; }'}
  let last = params.rows - 1u;
  ${each((r) => `var s${r} = 0.0;`)}
${loop}
  ${each((r) => `store_row(first + ${r}u, s${r});`, '\n  ')}
}

// y[row] = alpha · sum + beta · y[row], for rows that exist.
fn store_row(row: u32, sum: f32) {
  if (row >= params.rows) { return; }
  var value = params.alpha * sum;
  if (params.beta != 0.0) { value += params.beta * y[row]; }
  y[row] = value;
}`;
}

/**
 * Entry point of the column-block variant of Aᵀ x: invocation i owns vec4 columns C·i … C·i + C − 1
 * (columns 4C·i … 4C·i + 4C − 1), one vec4 sum each. Columns past the end re-read the last vec4
 * column (clamped) and are not stored. With `quadX` the rows go in steps of 4: lane q loads
 * x[r + q] and `quadBroadcast` hands each to the quad; no invocation returns early.
 */
function columnBlockWGSL(columnVec4s: number, quadX: boolean): string {
  const cs = [...Array(columnVec4s).keys()];
  const each = (f: (j: number) => string, sep = ' ') => cs.map(f).join(sep);
  const update = (row: string, xs: string) => `{ let base = (${row}) * stride; ${each((j) => `acc${j} = fma(a[base + c${j}], vec4f(${xs}), acc${j});`)} }`;
  const quadLoop = quadX
    ? `  for (; r + 4u <= params.rows; r += 4u) {
    let xq = x[r + lane];   // lane q holds x[r + q]
    ${[0, 1, 2, 3].map((s) => update(`r + ${s}u`, `quadBroadcast(xq, ${s}u)`)).join('\n    ')}
  }
`
    : '';
  return `@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32${quadX ? ', @builtin(subgroup_invocation_id) sid: u32' : ''}) {
  let stride = params.cols / 4u;   // vec4s per row
  let first = (wg_linear_index(wid, nwg) * WG_SIZE + lid) * ${columnVec4s}u;   // first vec4 column
${quadX ? '  let lane = sid & 3u;   // this invocation\'s place in its quad' : '  if (first >= stride) { return; }'}
  let last = stride - 1u;
  ${each((j) => `let c${j} = min(first + ${j}u, last);`)}
  ${each((j) => `var acc${j} = vec4f(0.0);`)}
  var r = 0u;
${quadLoop}  for (; r < params.rows; r++) {
    ${update('r', 'x[r]')}
  }
  ${each((j) => `store_vec4(first + ${j}u, acc${j});`, '\n  ')}
}

// y[4c … 4c + 3] = alpha · sum + beta · y[…], for vec4 columns c that exist.
fn store_vec4(c: u32, sum: vec4f) {
  if (c >= params.cols / 4u) { return; }
  for (var k = 0u; k < 4u; k++) {
    var value = params.alpha * sum[k];
    if (params.beta != 0.0) { value += params.beta * y[4u * c + k]; }
    y[4u * c + k] = value;
  }
}`;
}
