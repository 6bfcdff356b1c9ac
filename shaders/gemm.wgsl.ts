/**
 * Batched GEMM  C[b] = alpha · op(A[b]) · op(B[b]) + beta · C[b]  in f32, any sizes.
 *
 * Two-level tiling after the classic shared-memory/register-blocked SGEMM (Volkov & Demmel,
 * "Benchmarking GPUs to tune dense linear algebra", SC 2008; the same scheme as
 * tfjs-backend-webgpu's `matmul_packed` and Simon Boehm's "How to optimize a CUDA matmul"):
 * a workgroup of WG_X × WG_Y invocations owns a (4·WG_Y) × (4·WG_X) tile of C; each invocation
 * accumulates a 4 × 4 register block as four vec4 rows. Per step of TILE_K along k the workgroup
 * stages the A and B panels in workgroup memory (k-major, so an invocation's 4 rows / 4 columns
 * are one vec4), then every invocation runs TILE_K rank-1 vec4 updates. Out-of-range elements
 * are loaded as zero and out-of-range outputs are not written, so no size has to be a multiple of
 * the tile. Batches run along the grid's z axis with element strides (stride 0 broadcasts).
 *
 * `gemmDirectWGSL` below is the register-blocked variant without workgroup memory (fastest on CPU
 * implementations such as SwiftShader); which one runs is measured per adapter (src/linalg/matmul.ts).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { uniformLayout } from '../src/core/layout.js';

/** Compile-time variant of the GEMM kernels (part of the pipeline-cache key). */
export interface GemmShaderOptions {
  /** A is stored k × m (row-major) and used transposed. */
  transA: boolean;
  /** B is stored n × k (row-major) and used transposed. */
  transB: boolean;
}

/** Uniforms of both GEMM kernels. */
export const gemmParams = uniformLayout({
  m: 'u32', // rows of op(A) and C
  n: 'u32', // columns of op(B) and C
  k: 'u32', // inner dimension
  batch: 'u32', // number of products
  stride_a: 'u32', // elements between consecutive A matrices (0 broadcasts one A)
  stride_b: 'u32', // elements between consecutive B matrices (0 broadcasts one B)
  stride_c: 'u32', // elements between consecutive C matrices
  alpha: 'f32', // scale of the product
  beta: 'f32', // scale of the previous C; 0 means C is not read (it may hold NaN)
});

/** The epilogue both GEMM kernels share: scale, optionally blend with C, and write four columns. */
const STORE_ROW_WGSL = /* wgsl */ `
// C[row, col..col+3] = alpha · v + beta · C (columns past n and rows past m are skipped).
fn store_row(base: u32, row: u32, col: u32, v: vec4f) {
  if (row >= params.m) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (col + j >= params.n) { return; }
    let idx = base + row * params.n + col + j;
    var value = params.alpha * v[j];
    if (params.beta != 0.0) { value += params.beta * c[idx]; }
    c[idx] = value;
  }
}
`;

/** Epilogue of the strided direct GEMM: v[j] goes to column col + j·WG_X. */
const STORE_STRIDED_WGSL = /* wgsl */ `
// C[row, col + j·WG_X] = alpha · v[j] + beta · C for j = 0..3 (columns past n, rows past m skipped).
fn store_strided(base: u32, row: u32, col: u32, v: vec4f) {
  if (row >= params.m) { return; }
  for (var j = 0u; j < 4u; j++) {
    let cj = col + j * WG_X;
    if (cj >= params.n) { return; }
    let idx = base + row * params.n + cj;
    var value = params.alpha * v[j];
    if (params.beta != 0.0) { value += params.beta * c[idx]; }
    c[idx] = value;
  }
}
`;

/** WGSL of the staged (workgroup-memory tiled) GEMM; overrides WG_X = 16, WG_Y = 16, TILE_K = 16. */
export function gemmWGSL(options: GemmShaderOptions): string {
  const { transA, transB } = options;
  return wgsl`
${gemmParams.wgslStruct('Params')}

override WG_X: u32 = 16u;   // invocations along n; the tile is 4·WG_X columns wide
override WG_Y: u32 = 16u;   // invocations along m; the tile is 4·WG_Y rows tall
override TILE_K: u32 = 16u; // depth of the k panel staged in workgroup memory

@group(0) @binding(0) var<uniform> params: Params;                  // sizes, strides, alpha, beta
@group(0) @binding(1) var<storage, read> a: array<f32>;             // A matrices (row-major)
@group(0) @binding(2) var<storage, read> b: array<f32>;             // B matrices (row-major)
@group(0) @binding(3) var<storage, read_write> c: array<f32>;       // C matrices (row-major)

var<workgroup> tile_a: array<vec4f, TILE_K * WG_Y>; // A panel: [kk][row/4], 4 rows per vec4
var<workgroup> tile_b: array<vec4f, TILE_K * WG_X>; // B panel: [kk][col/4], 4 columns per vec4

// Element (row, col) of op(A) in batch base 'base', zero outside the matrix.
fn load_a(base: u32, row: u32, col: u32) -> f32 {
  if (row >= params.m || col >= params.k) { return 0.0; }
#if ${transA}
  return a[base + col * params.m + row];
#else
  return a[base + row * params.k + col];
#endif
}

// Element (row, col) of op(B) in batch base 'base', zero outside the matrix.
fn load_b(base: u32, row: u32, col: u32) -> f32 {
  if (row >= params.k || col >= params.n) { return 0.0; }
#if ${transB}
  return b[base + col * params.k + row];
#else
  return b[base + row * params.n + col];
#endif
}

${STORE_ROW_WGSL}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let batch = wid.z;
  let row0 = wid.y * 4u * WG_Y;            // first row of this workgroup's tile
  let col0 = wid.x * 4u * WG_X;            // first column of this workgroup's tile
  let base_a = batch * params.stride_a;
  let base_b = batch * params.stride_b;
  let threads = WG_X * WG_Y;
  let t = lid.y * WG_X + lid.x;

  // Four named vec4 rows rather than an array: a dynamically indexed private array would live in
  // memory on some compilers (SwiftShader), turning every FMA into a load and a store.
  var acc0 = vec4f(0.0);                   // C[row0 + 4·lid.y + 0, col0 + 4·lid.x + 0..3]
  var acc1 = vec4f(0.0);                   // … row + 1
  var acc2 = vec4f(0.0);                   // … row + 2
  var acc3 = vec4f(0.0);                   // … row + 3
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // Stage the A panel: 4·WG_Y rows × TILE_K, one vec4 of 4 consecutive rows per (kk, row/4).
    // Threads walk the global contiguous axis first so neighbouring invocations read neighbours.
    for (var e = t; e < TILE_K * WG_Y; e += threads) {
#if ${transA}
      let r4 = e % WG_Y;
      let kk = e / WG_Y;
#else
      let kk = e % TILE_K;
      let r4 = e / TILE_K;
#endif
      let r = row0 + 4u * r4;
      let kc = k0 + kk;
      tile_a[kk * WG_Y + r4] = vec4f(load_a(base_a, r, kc), load_a(base_a, r + 1u, kc),
                                        load_a(base_a, r + 2u, kc), load_a(base_a, r + 3u, kc));
    }
    // Stage the B panel: TILE_K × 4·WG_X columns, one vec4 of 4 consecutive columns per (kk, col/4).
    for (var e = t; e < TILE_K * WG_X; e += threads) {
#if ${transB}
      let kk = e % TILE_K;
      let c4 = e / TILE_K;
#else
      let c4 = e % WG_X;
      let kk = e / WG_X;
#endif
      let col = col0 + 4u * c4;
      let kr = k0 + kk;
      tile_b[kk * WG_X + c4] = vec4f(load_b(base_b, kr, col), load_b(base_b, kr, col + 1u),
                                        load_b(base_b, kr, col + 2u), load_b(base_b, kr, col + 3u));
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let av = tile_a[kk * WG_Y + lid.y];
      let bv = tile_b[kk * WG_X + lid.x];
      acc0 = fma(vec4f(av.x), bv, acc0);
      acc1 = fma(vec4f(av.y), bv, acc1);
      acc2 = fma(vec4f(av.z), bv, acc2);
      acc3 = fma(vec4f(av.w), bv, acc3);
    }
    workgroupBarrier();
  }

  let row = row0 + 4u * lid.y;
  let col = col0 + 4u * lid.x;
  let base_c = batch * params.stride_c;
  store_row(base_c, row, col, acc0);
  store_row(base_c, row + 1u, col, acc1);
  store_row(base_c, row + 2u, col, acc2);
  store_row(base_c, row + 3u, col, acc3);
}
`;
}

/** Register block of the direct GEMM: `rows` rows × `4·cols4` columns of C per invocation. */
export interface GemmDirectOptions extends Pick<GemmShaderOptions, 'transA' | 'transB'> {
  /** Rows of C per invocation (1–32). */
  rows: number;
  /** Column groups of 4 per invocation (1–4). */
  cols4: number;
  /**
   * Columns strided by WG_X instead of contiguous: invocation x of a workgroup owns columns
   * x, x + WG_X, x + 2·WG_X, … of the workgroup's tile, so neighbouring invocations read
   * neighbouring elements of B. On GPUs those loads coalesce; on SwiftShader, whose SIMD lanes are
   * neighbouring invocations, a load whose lanes hit consecutive addresses is one vector load
   * instead of four scalar ones. Default false.
   */
  strided?: boolean;
  /**
   * Share A's loads across each quad of the subgroup (needs `strided`, WG_X a multiple of 4 and the
   * `subgroups` feature). The four invocations of a quad own the same rows, so on a CPU adapter a
   * load of A fetches one value four times (SwiftShader gathers every storage load with a
   * lane-dependent address lane by lane). Instead lane q loads A[row, l + q] and `quadBroadcast`
   * hands each of the four k values to the whole quad, so the k loop runs in steps of 4 with a
   * quarter of the A loads. A quad whose invocations do not share rows (a subgroup layout that does
   * not follow local_invocation_index) is detected once and takes the plain loop. Default false.
   */
  quadA?: boolean;
}

/**
 * GEMM without workgroup memory: each invocation computes a rows × 4·cols4 block of C straight
 * from storage, keeping the block in named vec4 registers (the register-blocking half of Volkov &
 * Demmel 2008). Row and column indices are clamped into the matrix, which is safe because clamped
 * rows/columns only feed outputs that are never stored, so the k loop needs no bounds checks.
 * On CPU implementations (SwiftShader) "workgroup memory" is ordinary memory and every barrier
 * switches all of a workgroup's fibres, so staging buys nothing there; the CPU caches provide the
 * reuse, and the register block sets the ratio of loads to FMAs (rows + 4·cols4 loads per
 * rows·cols4 vec4 FMAs).
 */
export function gemmDirectWGSL(options: GemmDirectOptions): string {
  const { transA, transB, rows, cols4 } = options;
  const strided = options.strided === true;
  const quadA = options.quadA === true;
  if (quadA && !strided) throw new Error('gemmDirectWGSL: quadA needs strided columns (a quad must own the same rows)');
  if (!Number.isInteger(rows) || rows < 1 || rows > 32 || !Number.isInteger(cols4) || cols4 < 1 || cols4 > 4) {
    throw new Error(`gemmDirectWGSL: unsupported register block ${rows} × ${4 * cols4}`);
  }
  const R = [...Array(rows).keys()];
  const C4 = [...Array(cols4).keys()];
  const C = [...Array(4 * cols4).keys()];
  const lines: string[] = [];
  lines.push(...R.map((i) => `  let r${i} = min(row + ${i}u, last_r);`));
  lines.push(...C.map((j) => `  let c${j} = min(col + ${strided ? `${j}u * WG_X` : `${j}u`}, last_c);`));
  lines.push(...R.flatMap((i) => C4.map((q) => `  var acc${i}_${q} = vec4f(0.0);   // C[row + ${i}, col + ${4 * q}..${4 * q + 3}]`)));
  /** One rank-1 update at k index `l` (a WGSL expression), A's values from `a(i)`. */
  const update = (indent: string, l: string, a: (i: number) => string): string[] => {
    const out = C4.map((q) => `${indent}let b${q} = vec4f(${[0, 1, 2, 3].map((j) => `eb(base_b, ${l}, c${4 * q + j})`).join(', ')});`);
    for (const i of R) {
      out.push(`${indent}let a${i} = vec4f(${a(i)});`);
      out.push(...C4.map((q) => `${indent}acc${i}_${q} = fma(a${i}, b${q}, acc${i}_${q});`));
    }
    return out;
  };
  const body = update('    ', 'l', (i) => `ea(base_a, r${i}, l)`);
  // The quad-shared loop: lane q holds A[r_i, l + q]; step s of 4 broadcasts lane s's value.
  const quadBody: string[] = R.map((i) => `      let x${i} = ea(base_a, r${i}, l + lane);`);
  for (let s = 0; s < 4; s++) {
    quadBody.push(`      {`, ...update('        ', `l + ${s}u`, (i) => `quadBroadcast(x${i}, ${s}u)`), `      }`);
  }
  const stores = R.flatMap((i) => C4.map((q) => strided
    ? `  store_strided(base_c, row + ${i}u, col + ${4 * q}u * WG_X, acc${i}_${q});`
    : `  store_row(base_c, row + ${i}u, col + ${4 * q}u, acc${i}_${q});`));
  return wgsl`
#if ${quadA}
enable subgroups;
// The quad loop runs only where the whole subgroup agreed (subgroupAll) that its quads share rows,
// which the uniformity analysis cannot see.
diagnostic(off, subgroup_uniformity);
#endif
${gemmParams.wgslStruct('Params')}

override WG_X: u32 = 8u;    // invocations along n (${4 * cols4} columns each)
override WG_Y: u32 = 8u;    // invocations along m (${rows} rows each)

@group(0) @binding(0) var<uniform> params: Params;                  // sizes, strides, alpha, beta
@group(0) @binding(1) var<storage, read> a: array<f32>;             // A matrices (row-major)
@group(0) @binding(2) var<storage, read> b: array<f32>;             // B matrices (row-major)
@group(0) @binding(3) var<storage, read_write> c: array<f32>;       // C matrices (row-major)

// Element (row, l) of op(A); row must be < m and l < k.
fn ea(base: u32, row: u32, l: u32) -> f32 {
#if ${transA}
  return a[base + l * params.m + row];
#else
  return a[base + row * params.k + l];
#endif
}

// Element (l, col) of op(B); l must be < k and col < n.
fn eb(base: u32, l: u32, col: u32) -> f32 {
#if ${transB}
  return b[base + col * params.k + l];
#else
  return b[base + l * params.n + col];
#endif
}

${STORE_ROW_WGSL}
${strided ? STORE_STRIDED_WGSL : ''}
@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u${quadA ? ',\n        @builtin(subgroup_invocation_id) sid: u32' : ''}) {
  let batch = wid.z;
  let row = (wid.y * WG_Y + lid.y) * ${rows}u;   // first of this invocation's rows
${strided
    ? `  let col = wid.x * WG_X * ${4 * cols4}u + lid.x;   // first of this invocation's columns (then every WG_X-th)`
    : `  let col = (wid.x * WG_X + lid.x) * ${4 * cols4}u;   // first of this invocation's columns`}
${quadA
    ? '  // No early return: every invocation of a quad must reach the broadcasts; stores skip what is outside.'
    : '  if (row >= params.m || col >= params.n) { return; }'}
  let base_a = batch * params.stride_a;
  let base_b = batch * params.stride_b;
  let last_r = params.m - 1u;
  let last_c = params.n - 1u;
${lines.join('\n')}
  var l = 0u;
#if ${quadA}
  let lane = sid & 3u;                                          // this invocation's place in its quad
  let quad_shares_rows = subgroupAll(quadBroadcast(row, 0u) == row);
  if (quad_shares_rows) {
    for (; l + 4u <= params.k; l += 4u) {
${quadBody.join('\n')}
    }
  }
#endif
  for (; l < params.k; l++) {
${body.join('\n')}
  }
  let base_c = batch * params.stride_c;
${stores.join('\n')}
}
`;
}
