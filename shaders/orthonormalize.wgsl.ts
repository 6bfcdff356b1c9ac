/**
 * The small step of Cholesky-QR (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto, "CholeskyQR2: a simple
 * and communication-avoiding algorithm", 2014; the shift from Fukaya, Kannan, Nakatsukasa,
 * Yamamoto & Yanagisawa, "Shifted Cholesky QR for computing the QR factorization of
 * ill-conditioned matrices", SIAM J. Sci. Comput. 2020): given the Gram matrix G = QᵀQ (k × k),
 * factor G + s·I = L Lᵀ and write L⁻¹, so that Q ← Q L⁻ᵀ has orthonormal columns spanning the
 * same leading subspaces.
 *
 * k is small (the number of columns), so one workgroup does it all in storage memory:
 * right-looking Cholesky (one column per step, the trailing update spread over the workgroup),
 * then forward substitution with one invocation per column of L⁻¹.
 */
import { uniformLayout } from '../src/core/layout.js';

/** Uniforms of the Cholesky-and-inverse kernel. */
export const cholInverseParams = uniformLayout({
  k: 'u32', // order of G
  shift_factor: 'f32', // s = shift_factor · trace(G); 0 for plain Cholesky-QR
  pivot_floor: 'f32', // pivots below pivot_floor · trace(G) are raised to it (rank deficiency)
});

/** WGSL of the single-workgroup Cholesky factorization and triangular inverse; override WG_SIZE = 256. */
export function cholInverseWGSL(): string {
  return /* wgsl */ `
${cholInverseParams.wgslStruct('Params')}

override WG_SIZE: u32 = 256u;   // invocations of the single workgroup

@group(0) @binding(0) var<uniform> params: Params;                // order, shift and pivot floor
@group(0) @binding(1) var<storage, read_write> g: array<f32>;     // G in, L in its lower triangle out
@group(0) @binding(2) var<storage, read_write> linv: array<f32>;  // L⁻¹ (lower triangular), k × k

fn sync() {
  storageBarrier();
  workgroupBarrier();
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(local_invocation_index) lid: u32) {
  let k = params.k;
  var trace = 0.0;
  for (var i = 0u; i < k; i++) { trace += g[i * k + i]; }
  let floor_value = max(params.pivot_floor * trace, 1e-30);
  sync();
  let shift = params.shift_factor * trace;
  for (var i = lid; i < k; i += WG_SIZE) { g[i * k + i] += shift; }
  sync();

  for (var j = 0u; j < k; j++) {
    let pivot = sqrt(max(g[j * k + j], floor_value));
    sync();
    for (var i = j + lid; i < k; i += WG_SIZE) {
      g[i * k + j] = select(g[i * k + j] / pivot, pivot, i == j);
    }
    sync();
    // Trailing update of the lower triangle: G[i, l] -= L[i, j] · L[l, j] for j < l ≤ i.
    let r = k - j - 1u;
    for (var e = lid; e < r * r; e += WG_SIZE) {
      let i = j + 1u + e / r;
      let l = j + 1u + e % r;
      if (l <= i) { g[i * k + l] -= g[i * k + j] * g[l * k + j]; }
    }
    sync();
  }

  // Forward substitution L X = I, one column of X = L⁻¹ per invocation.
  for (var c = lid; c < k; c += WG_SIZE) {
    for (var i = 0u; i < c; i++) { linv[i * k + c] = 0.0; }
    for (var i = c; i < k; i++) {
      var s = select(0.0, 1.0, i == c);
      for (var l = c; l < i; l++) { s -= g[i * k + l] * linv[l * k + c]; }
      linv[i * k + c] = s / g[i * k + i];
    }
  }
}
`;
}
