/**
 * Pieces shared by the two batched Jacobi kernels in `shaders/jacobi.wgsl.ts` (one workgroup per
 * matrix, and one invocation per matrix).
 *
 * The rotation that zeroes a_pq is the symmetric Schur decomposition of Golub & Van Loan, Matrix
 * Computations, Alg. 8.5.1 (sym.schur2), with t = 1/(2τ) for |τ| > 1e15 so τ² cannot overflow.
 *
 * The functions read and write the including kernel's array `work` (module scope: WGSL functions
 * cannot take pointers into a storage array without an extension) holding row-major n × n
 * matrices: `var<storage, read_write> work: array<f32>`, or — `jacobiFunctionsWGSL('pw')` — a
 * `var<private>` array of another name.
 */
export function jacobiFunctionsWGSL(work: string): string {
  return jacobiCommonWGSL.replaceAll('work[', `${work}[`);
}

export const jacobiCommonWGSL = /* wgsl */ `
// (c, s) of the rotation J that zeroes a_pq of the matrix at work[base] (p < q): Jᵀ·A·J.
// The identity (1, 0) when a_pq is already zero.
fn jacobi_rotation(base: u32, n: u32, p: u32, q: u32) -> vec2f {
  let apq = work[base + p * n + q];
  if (apq == 0.0) { return vec2f(1.0, 0.0); }
  let tau = (work[base + q * n + q] - work[base + p * n + p]) / (2.0 * apq);
  var t: f32;
  if (abs(tau) > 1e15) {
    t = 0.5 / tau;
  } else {
    t = select(-1.0, 1.0, tau >= 0.0) / (abs(tau) + sqrt(1.0 + tau * tau));
  }
  let c = 1.0 / sqrt(1.0 + t * t);
  return vec2f(c, t * c);
}

// (x_i, x_j) ← (c x_i − s x_j, s x_i + c x_j) for two elements of work.
fn jacobi_rotate(cs: vec2f, i: u32, j: u32) {
  let xi = work[i];
  let xj = work[j];
  work[i] = cs.x * xi - cs.y * xj;
  work[j] = cs.y * xi + cs.x * xj;
}

// Position of diagonal element i of the matrix at work[base] in descending order; ties are broken
// by index so the positions of 0 … n − 1 form a permutation.
fn jacobi_descending_rank(base: u32, n: u32, i: u32) -> u32 {
  let di = work[base + i * n + i];
  var pos = 0u;
  for (var j = 0u; j < n; j++) {
    let dj = work[base + j * n + j];
    if (dj > di || (dj == di && j < i)) { pos++; }
  }
  return pos;
}
`;
