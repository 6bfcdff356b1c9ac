import { describe, expect, it } from 'vitest';
import { dot, gramSchmidtAppend, matmulDense } from '../../src/reference/dense.js';
import { philoxArray } from '../../src/reference/philox.js';

describe('float64 dense helpers', () => {
  // Small integer matrices: every product is exact in float64, so the comparison is exact.
  const a = [1, 2, 3, 4, 5, 6]; // 2 × 3
  const b = [7, 8, 9, 10, 11, 12]; // 3 × 2

  it('matmulDense multiplies plain and transposed operands', () => {
    expect([...matmulDense(a, b, 2, 3, 2)]).toEqual([58, 64, 139, 154]);
    // Aᵀ·A is 3 × 3 with inner dimension 2.
    expect([...matmulDense(a, a, 3, 2, 3, { transA: true })]).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
    // A·Aᵀ is 2 × 2 with inner dimension 3.
    expect([...matmulDense(a, a, 2, 3, 2, { transB: true })]).toEqual([14, 32, 32, 77]);
    // (Bᵀ)·(Aᵀ) = (A·B)ᵀ.
    expect([...matmulDense(b, a, 2, 3, 2, { transA: true, transB: true })]).toEqual([58, 139, 64, 154]);
  });

  it('gramSchmidtAppend builds an orthonormal basis and refuses dependent vectors', () => {
    const n = 7;
    const g = philoxArray(5 * n, 3, { distribution: 'normal' });
    const basis: Float64Array[] = [];
    for (let i = 0; i < 4; i++) expect(gramSchmidtAppend(basis, g.slice(i * n, (i + 1) * n))).toBe(true);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) expect(Math.abs(dot(basis[i]!, basis[j]!) - (i === j ? 1 : 0))).toBeLessThan(1e-14);
    }
    // basis[0] + 2·basis[2] lies in the span: what is left is rounding, below 1e-10 of its norm.
    const dependent = basis[0]!.map((x, e) => x + 2 * basis[2]![e]!);
    expect(gramSchmidtAppend(basis, dependent, 1e-10)).toBe(false);
    expect(basis).toHaveLength(4);
    expect(gramSchmidtAppend(basis, new Float64Array(n))).toBe(false); // zero vector
  });
});
