/**
 * Float64 twins of the kernels of shaders/autodiff.wgsl.ts (expand, row-wise log-softmax) and of
 * the sum over the middle axis that the tape takes from src/linalg.
 */

/** `out[o, j, i] = x[o, i]` for an output viewed as [outer, len, inner]. */
export function expandRef(x: ArrayLike<number>, outer: number, len: number, inner: number): Float64Array {
  const out = new Float64Array(outer * len * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < len; j++) {
      for (let i = 0; i < inner; i++) out[(o * len + j) * inner + i] = x[o * inner + i]!;
    }
  }
  return out;
}

/** `out[o, i] = Σ_j x[o, j, i]` for an input viewed as [outer, len, inner]. */
export function sumMiddleRef(x: ArrayLike<number>, outer: number, len: number, inner: number): Float64Array {
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < len; j++) {
      for (let i = 0; i < inner; i++) out[o * inner + i] = out[o * inner + i]! + x[(o * len + j) * inner + i]!;
    }
  }
  return out;
}

/** Row-wise log-softmax of `z` viewed as [rows, cols], shifted by the row maximum. */
export function logSoftmaxRef(z: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let top = -Infinity;
    for (let j = 0; j < cols; j++) top = Math.max(top, z[r * cols + j]!);
    let total = 0;
    for (let j = 0; j < cols; j++) total += Math.exp(z[r * cols + j]! - top);
    const shift = top + Math.log(total);
    for (let j = 0; j < cols; j++) out[r * cols + j] = z[r * cols + j]! - shift;
  }
  return out;
}
