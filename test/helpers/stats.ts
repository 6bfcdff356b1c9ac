/** Statistics used by the stochastic tests (float64, CPU). */
import { expect } from 'vitest';

/** Mean, unbiased variance, skewness and excess kurtosis. */
export function sampleMoments(x: ArrayLike<number>): { mean: number; variance: number; skewness: number; excessKurtosis: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { mean, variance: (m2 * n) / (n - 1), skewness: m3 / m2 ** 1.5, excessKurtosis: m4 / (m2 * m2) - 3 };
}

/**
 * erf to about 1e-15 relative: series for small |x|, continued fraction (Lentz) for the tail.
 * Deliberately independent of src/reference/special.ts, which tests check against it.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/sqrt(pi) Σ (-1)^n x^(2n+1) / (n! (2n+1)).
    let term = ax;
    let sum = ax;
    for (let k = 1; k < 200; k++) {
      term *= (-ax * ax) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - erfcTail(ax));
}

/** erfc(x) for x ≥ 2.5 by its continued fraction. */
function erfcTail(x: number): number {
  // erfc x = exp(-x²)/sqrt(pi) · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    d = x + a * d;
    c = x + a / c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/** One-sample Kolmogorov–Smirnov statistic D = sup |F_n(x) − F(x)|. */
export function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

/**
 * Expect `samples` to pass as standard normal: mean, variance, skewness and excess kurtosis within 5
 * standard errors of 0, 1, 0, 0, and the Kolmogorov–Smirnov statistic below its 0.1 % critical
 * value 1.95/√n. Callers use fixed seeds, so the check is deterministic. `what` labels failures.
 */
export function expectStandardNormal(samples: ArrayLike<number>, what?: string): void {
  const n = samples.length;
  const m = sampleMoments(samples);
  expect(Math.abs(m.mean), what).toBeLessThan(5 / Math.sqrt(n));
  expect(Math.abs(m.variance - 1), what).toBeLessThan(5 * Math.sqrt(2 / n));
  expect(Math.abs(m.skewness), what).toBeLessThan(5 * Math.sqrt(6 / n));
  expect(Math.abs(m.excessKurtosis), what).toBeLessThan(5 * Math.sqrt(24 / n));
  expect(ksStatistic(samples, normalCdf), what).toBeLessThan(1.95 / Math.sqrt(n));
}
