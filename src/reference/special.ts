/**
 * Special functions in float64 for the theory and the statistical tests: the error function and the
 * scaled complementary error function, accurate to about 1e-15 over the whole real line.
 */

/** erf(x) to ~1e-15: Maclaurin series for |x| < 2, 1 − erfc from the continued fraction beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2) {
    let term = ax;
    let sum = ax;
    for (let k = 1; k < 100; k++) {
      term *= (-ax * ax) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * sum) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - Math.exp(-ax * ax) * erfcxTail(ax));
}

/** Scaled complementary error function erfcx(x) = e^{x²} erfc(x), stable for all x. */
export function erfcx(x: number): number {
  if (x < 0) return 2 * Math.exp(x * x) - erfcx(-x);
  if (x < 2) return Math.exp(x * x) * (1 - erf(x));
  return erfcxTail(x);
}

/** e^{x²} erfc(x) for x ≥ 2 by its continued fraction (modified Lentz). */
function erfcxTail(x: number): number {
  // erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = 1 / (x + a * d);
    c = x + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (Math.sqrt(Math.PI) * f);
}
