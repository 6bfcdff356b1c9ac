/**
 * Float64 CPU twin of the shaping circuit (Lipshutz & Simoncelli, NeurIPS 2024; SEEDS.md §2.2), its
 * exact oracles (§2.5) and the statistics the experiments report.
 *
 * N primary neurons with responses r, K interneurons with inputs z = Wᵀr, gains g ≥ 0 and shapes
 * θ ∈ [1, 3]. Interneuron i outputs g_i f(θ_i, z_i), f(θ, z) = a(θ) z + b(θ) sign(z)|z|^θ, and the
 * steady state r = T(s) solves s = Σ_i w_i g_i f(θ_i, w_iᵀ r): the minimiser of the convex
 * L(r) = Σ_i g_i C(θ_i, w_iᵀ r) − sᵀr with C(θ, z) = a z²/2 + b |z|^{θ+1}/(θ+1), found by damped
 * Newton. Learning (batch means): g_i ← max(g_i + η_g g_i ⟨c(θ_i, z_i)⟩, 0),
 * θ_i ← clip(θ_i + η_θ ⟨∂c/∂θ⟩, 1, 3), W ← W + η_w ⟨r nᵀ⟩, then unit columns, where
 * c(θ, z) = a (z² − 1)/2 + b (|z|^{θ+1} − m_{θ+1})/(θ+1) is the constraint whose z-derivative is f.
 */
import { erfcx } from '../../reference/special.js';

// ------------------------------------------------------------------ special functions

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; relative error ~1e-15). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Digamma ψ(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series (error ~1e-15). */
export function digamma(x: number): number {
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  return shift + Math.log(x) - 0.5 / x - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));
}

/** Regularised lower incomplete gamma P(s, x): series for x < s + 1, Lentz continued fraction beyond. */
export function gammaP(s: number, x: number): number {
  if (x <= 0) return 0;
  const logPrefix = s * Math.log(x) - x - lgamma(s);
  if (x < s + 1) {
    let term = 1 / s;
    let total = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (s + n);
      total += term;
      if (Math.abs(term) < 1e-17 * Math.abs(total)) break;
    }
    return Math.min(1, total * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - s;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let n = 1; n < 1000; n++) {
    const an = -n * (n - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.max(0, 1 - Math.exp(logPrefix) * h);
}

/** Standard normal CDF Φ, through erfc in the tails so small probabilities keep their relative accuracy. */
export function normalCdf(x: number): number {
  const tail = 0.5 * Math.exp(-(x * x) / 2) * erfcx(Math.abs(x) / Math.SQRT2);
  return x < 0 ? tail : 1 - tail;
}

/**
 * Φ⁻¹(p) for 0 < p < 1: rational initial guess (Acklam, 2003), then two Newton steps on Φ, which
 * bring it to float64 accuracy.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  }
  for (let i = 0; i < 2; i++) {
    const err = normalCdf(x) - p;
    x -= err * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  }
  return x;
}

// ------------------------------------------------------------------ the circuit's functions

/** Gaussian absolute moment m_p = E|ξ|^p = √(2^p/π) Γ((p+1)/2), ξ ~ N(0, 1). */
export function gaussianMoment(p: number): number {
  return Math.sqrt(2 ** p / Math.PI) * Math.exp(lgamma((p + 1) / 2));
}

/** dm_p/dp = ½ m_p (ln 2 + ψ((p+1)/2)). */
export function gaussianMomentPrime(p: number): number {
  return 0.5 * gaussianMoment(p) * (Math.LN2 + digamma((p + 1) / 2));
}

/** a(θ) = exp(max(2θ − 3.85, 0)^1.95). */
export const shapeA = (theta: number): number => Math.exp(Math.max(2 * theta - 3.85, 0) ** 1.95);
/** b(θ) = exp(max(θ^2.32 − 6, 0)). */
export const shapeB = (theta: number): number => Math.exp(Math.max(theta ** 2.32 - 6, 0));
/** a′(θ) = 3.9 a(θ) max(2θ − 3.85, 0)^0.95. */
export const shapeAPrime = (theta: number): number => 3.9 * shapeA(theta) * Math.max(2 * theta - 3.85, 0) ** 0.95;
/** b′(θ) = 2.32 b(θ) θ^1.32 (the code's form, also where θ^2.32 < 6, as in the reference). */
export const shapeBPrime = (theta: number): number => 2.32 * shapeB(theta) * theta ** 1.32;

/** |z|^e with 0^0 = 1 and 0^e = 0 for e > 0. */
function powAbs(z: number, e: number): number {
  const az = Math.abs(z);
  if (az === 0) return e === 0 ? 1 : 0;
  return az ** e;
}

/** Interneuron activation f(θ, z) = a z + b sign(z)|z|^θ. */
export function activation(theta: number, z: number): number {
  return shapeA(theta) * z + shapeB(theta) * Math.sign(z) * powAbs(z, theta);
}

/** ∂f/∂z = a + b θ |z|^{θ−1}. */
export function activationPrime(theta: number, z: number): number {
  return shapeA(theta) + shapeB(theta) * theta * powAbs(z, theta - 1);
}

/** Constraint c(θ, z) = a (z² − 1)/2 + b (|z|^{θ+1} − m_{θ+1})/(θ+1); ∂c/∂z = f. */
export function constraint(theta: number, z: number): number {
  return (shapeA(theta) * (z * z - 1)) / 2 + (shapeB(theta) * (powAbs(z, theta + 1) - gaussianMoment(theta + 1))) / (theta + 1);
}

/** ∂c/∂θ, as in the reference code (SEEDS §2.2). */
export function constraintThetaDerivative(theta: number, z: number): number {
  const p = theta + 1;
  const mono = (powAbs(z, p) - gaussianMoment(p)) / p;
  const az = Math.abs(z);
  const logTerm = az > 0 ? Math.log(az) * az ** p : 0;
  return shapeAPrime(theta) * (z * z - 1) / 2 + shapeBPrime(theta) * mono - (shapeB(theta) * mono) / p +
    (shapeB(theta) * (logTerm - gaussianMomentPrime(p))) / p;
}

// ------------------------------------------------------------------ state and steady state

/** Parameters of the circuit: W is N × K row-major (column i = w_i). */
export interface CircuitState {
  n: number;
  k: number;
  g: Float64Array;
  theta: Float64Array;
  w: Float64Array;
}

/** A deep copy of a state. */
export function cloneState(s: CircuitState): CircuitState {
  return { n: s.n, k: s.k, g: Float64Array.from(s.g), theta: Float64Array.from(s.theta), w: Float64Array.from(s.w) };
}

/** z = Wᵀ r. */
function project(state: CircuitState, r: ArrayLike<number>): Float64Array {
  const z = new Float64Array(state.k);
  for (let i = 0; i < state.k; i++) {
    let acc = 0;
    for (let j = 0; j < state.n; j++) acc += state.w[j * state.k + i]! * r[j]!;
    z[i] = acc;
  }
  return z;
}

/** The convex potential L(r) = Σ g_i C(θ_i, z_i) − sᵀr whose minimiser is the steady state. */
function potential(state: CircuitState, r: ArrayLike<number>, s: ArrayLike<number>): number {
  const z = project(state, r);
  let value = 0;
  for (let i = 0; i < state.k; i++) {
    const th = state.theta[i]!;
    value += state.g[i]! * ((shapeA(th) * z[i]! * z[i]!) / 2 + (shapeB(th) * powAbs(z[i]!, th + 1)) / (th + 1));
  }
  for (let j = 0; j < state.n; j++) value -= s[j]! * r[j]!;
  return value;
}

/** Solve the symmetric positive definite system A x = b (n × n) by Cholesky; null if A is not PD. */
export function choleskySolve(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let acc = A[i * n + j]!;
      for (let q = 0; q < j; q++) acc -= L[i * n + q]! * L[j * n + q]!;
      if (i === j) {
        if (!(acc > 0)) return null;
        L[i * n + i] = Math.sqrt(acc);
      } else L[i * n + j] = acc / L[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = b[i]!;
    for (let q = 0; q < i; q++) acc -= L[i * n + q]! * y[q]!;
    y[i] = acc / L[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let acc = y[i]!;
    for (let q = i + 1; q < n; q++) acc -= L[q * n + i]! * y[q]!;
    y[i] = acc / L[i * n + i]!;
  }
  return y;
}

/** Jacobian of the inverse map, ∂T⁻¹/∂r = W diag(g f′(θ, z)) Wᵀ (N × N), at z = Wᵀ r. */
export function inverseJacobian(state: CircuitState, r: ArrayLike<number>): Float64Array {
  const { n, k } = state;
  const z = project(state, r);
  const J = new Float64Array(n * n);
  for (let i = 0; i < k; i++) {
    const d = state.g[i]! * activationPrime(state.theta[i]!, z[i]!);
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) J[p * n + q] = J[p * n + q]! + state.w[p * k + i]! * d * state.w[q * k + i]!;
  }
  return J;
}

/** Newton settings shared by the GPU kernel and this twin. */
export interface NewtonOptions {
  /** Stop when max_j |F_j| ≤ tol · (1 + max_j |s_j|). Default 1e-12 here (1e-6 on the GPU, f32). */
  tol?: number;
  /** Newton iterations at most. Default 60. */
  maxIter?: number;
  /**
   * Rounding allowance of the line search: a step is accepted when L decreases by a quarter of the
   * predicted amount minus slack·(|L| + 1). Default 0 here; the f32 kernel uses 1e-6, since near the
   * root L's decrease falls below its rounding and the test could reject every step.
   */
  armijoSlack?: number;
}

/**
 * Steady state r = T(s) by damped Newton on L from r = s: step δ = J⁻¹F with F = W(g∘f) − s and
 * J = W diag(g f′) Wᵀ, halved until L decreases by at least a quarter of the predicted amount
 * (Armijo). A singular J (all gains zero along some direction) falls back to the gradient step.
 */
export function steadyState(state: CircuitState, s: ArrayLike<number>, options: NewtonOptions = {}): Float64Array {
  const { n, k } = state;
  const tol = options.tol ?? 1e-12;
  const maxIter = options.maxIter ?? 60;
  const slack = options.armijoSlack ?? 0;
  let sMax = 0;
  for (let j = 0; j < n; j++) sMax = Math.max(sMax, Math.abs(s[j]!));
  const r = Float64Array.from({ length: n }, (_, j) => s[j]!);
  for (let it = 0; it < maxIter; it++) {
    const z = project(state, r);
    const F = new Float64Array(n);
    for (let i = 0; i < k; i++) {
      const out = state.g[i]! * activation(state.theta[i]!, z[i]!);
      for (let j = 0; j < n; j++) F[j] = F[j]! + state.w[j * k + i]! * out;
    }
    let fMax = 0;
    for (let j = 0; j < n; j++) {
      F[j] = F[j]! - s[j]!;
      fMax = Math.max(fMax, Math.abs(F[j]!));
    }
    if (fMax <= tol * (1 + sMax)) break;
    const delta = choleskySolve(inverseJacobian(state, r), F, n) ?? F;
    let decrease = 0;
    for (let j = 0; j < n; j++) decrease += F[j]! * delta[j]!;
    const l0 = potential(state, r, s);
    let t = 1;
    const trial = new Float64Array(n);
    for (let halvings = 0; halvings < 30; halvings++) {
      for (let j = 0; j < n; j++) trial[j] = r[j]! - t * delta[j]!;
      if (potential(state, trial, s) <= l0 - 0.25 * t * decrease + slack * (Math.abs(l0) + 1)) break;
      t *= 0.5;
    }
    r.set(trial);
  }
  return r;
}

// ------------------------------------------------------------------ learning

/** Learning rates of the three updates. */
export interface LearningRates {
  etaG: number;
  etaTheta: number;
  etaW: number;
}

/** Batch means of one learning step, before the update (for learning curves). */
export interface StepStats {
  /** ⟨c(θ_i, z_i)⟩ per interneuron. */
  meanC: Float64Array;
}

/**
 * One learning step on a batch (rows of `data`, N values each, at `indices`): steady states, then
 * the gain, shape and Hebbian weight updates from the batch means, then unit-norm columns. Mutates
 * `state`; returns the batch means of c.
 */
export function circuitStep(state: CircuitState, data: ArrayLike<number>, indices: ArrayLike<number>, rates: LearningRates, newton: NewtonOptions = {}): StepStats {
  const { n, k } = state;
  const B = indices.length;
  const sumC = new Float64Array(k);
  const sumDTheta = new Float64Array(k);
  const sumRN = new Float64Array(n * k);
  const s = new Float64Array(n);
  for (let t = 0; t < B; t++) {
    for (let j = 0; j < n; j++) s[j] = data[indices[t]! * n + j]!;
    const r = steadyState(state, s, newton);
    const z = project(state, r);
    for (let i = 0; i < k; i++) {
      const th = state.theta[i]!;
      sumC[i] = sumC[i]! + constraint(th, z[i]!);
      sumDTheta[i] = sumDTheta[i]! + constraintThetaDerivative(th, z[i]!);
      const out = state.g[i]! * activation(th, z[i]!);
      for (let j = 0; j < n; j++) sumRN[j * k + i] = sumRN[j * k + i]! + r[j]! * out;
    }
  }
  const meanC = sumC.map((v) => v / B);
  for (let i = 0; i < k; i++) {
    state.g[i] = Math.max(state.g[i]! + rates.etaG * state.g[i]! * meanC[i]!, 0);
    state.theta[i] = Math.min(Math.max(state.theta[i]! + rates.etaTheta * (sumDTheta[i]! / B), 1), 3);
  }
  for (let q = 0; q < n * k; q++) state.w[q] = state.w[q]! + rates.etaW * (sumRN[q]! / B);
  for (let i = 0; i < k; i++) {
    let norm = 0;
    for (let j = 0; j < n; j++) norm += state.w[j * k + i]! ** 2;
    norm = Math.sqrt(norm);
    for (let j = 0; j < n; j++) state.w[j * k + i] = state.w[j * k + i]! / norm;
  }
  return { meanC };
}

// ------------------------------------------------------------------ statistics

/** Excess kurtosis m₄/m₂² − 3 of a sample (central moments, float64). */
export function excessKurtosis(x: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i]! - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= x.length;
  m4 /= x.length;
  return m4 / (m2 * m2) - 3;
}

/** Kolmogorov–Smirnov distance sup_x |F_n(x) − Φ(x)| of a sample to N(0, 1). */
export function ksDistanceNormal(x: ArrayLike<number>): number {
  const sorted = Float64Array.from(x).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const phi = normalCdf(sorted[i]!);
    d = Math.max(d, (i + 1) / n - phi, phi - i / n);
  }
  return d;
}

/**
 * Plug-in mutual information (nats) of pairs (x, y) on a 0.5-wide grid, bins ⌊x/0.5⌋ and ⌊y/0.5⌋,
 * as `sklearn.metrics.mutual_info_score(x // 0.5, y // 0.5)`; uses every `step`-th pair.
 * `pairs` holds (x, y) interleaved.
 */
export function mutualInformationRef(pairs: ArrayLike<number>, step = 1): number {
  const counts = new Map<string, number>();
  const cx = new Map<number, number>();
  const cy = new Map<number, number>();
  let total = 0;
  for (let p = 0; 2 * p < pairs.length; p += step) {
    const bx = Math.floor(pairs[2 * p]! / 0.5);
    const by = Math.floor(pairs[2 * p + 1]! / 0.5);
    const key = `${bx},${by}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    cx.set(bx, (cx.get(bx) ?? 0) + 1);
    cy.set(by, (cy.get(by) ?? 0) + 1);
    total++;
  }
  let mi = 0;
  for (const [key, c] of counts) {
    const [bx, by] = key.split(',').map(Number) as [number, number];
    mi += (c / total) * Math.log((c * total) / (cx.get(bx)! * cy.get(by)!));
  }
  return mi;
}

/** Plug-in MI (nats) from a contingency table of counts (row-major nx × ny). */
export function mutualInformationFromCounts(counts: ArrayLike<number>, nx: number, ny: number): number {
  const rows = new Float64Array(nx);
  const cols = new Float64Array(ny);
  let total = 0;
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      const c = counts[i * ny + j]!;
      rows[i] = rows[i]! + c;
      cols[j] = cols[j]! + c;
      total += c;
    }
  }
  let mi = 0;
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      const c = counts[i * ny + j]!;
      if (c > 0) mi += (c / total) * Math.log((c * total) / (rows[i]! * cols[j]!));
    }
  }
  return mi;
}

/** ZCA whitening matrix C^{-1/2} = U diag(1/√λ) Uᵀ of a symmetric 2 × 2 covariance [a, b; b, d]. */
export function zcaMatrix2(a: number, b: number, d: number): Float64Array {
  const mean = (a + d) / 2;
  const rad = Math.hypot((a - d) / 2, b);
  const l1 = mean + rad;
  const l2 = mean - rad;
  if (!(l2 > 0)) throw new RangeError(`ZCA: the covariance [[${a}, ${b}], [${b}, ${d}]] is not positive definite`);
  // Eigenvector of l1: (b, l1 − a), or (1, 0) when b = 0 and a ≥ d.
  let ux = b;
  let uy = l1 - a;
  if (Math.hypot(ux, uy) < 1e-300) [ux, uy] = a >= d ? [1, 0] : [0, 1];
  const norm = Math.hypot(ux, uy);
  ux /= norm;
  uy /= norm;
  const s1 = 1 / Math.sqrt(l1);
  const s2 = 1 / Math.sqrt(l2);
  // U diag(s1, s2) Uᵀ with U = [[ux, −uy], [uy, ux]].
  return Float64Array.from([
    s1 * ux * ux + s2 * uy * uy, (s1 - s2) * ux * uy,
    (s1 - s2) * ux * uy, s1 * uy * uy + s2 * ux * ux,
  ]);
}

// ------------------------------------------------------------------ oracle inputs

/**
 * CDF of the generalized Gaussian with density ∝ exp(−|s/α|^β):
 * F(s) = ½ + ½ sign(s) P(1/β, |s/α|^β), P the regularised lower incomplete gamma function.
 */
export function generalizedGaussianCdf(s: number, alpha: number, beta: number): number {
  return 0.5 + 0.5 * Math.sign(s) * gammaP(1 / beta, Math.abs(s / alpha) ** beta);
}

/** Scale α giving unit variance: Var = α² Γ(3/β)/Γ(1/β). */
export function generalizedGaussianUnitScale(beta: number): number {
  return Math.exp(0.5 * (lgamma(1 / beta) - lgamma(3 / beta)));
}

/** The optimal 1-D Gaussianizing map T*(s) = Φ⁻¹(F_s(s)) for the generalized Gaussian (α, β). */
export function generalizedGaussianOptimalMap(s: number, alpha: number, beta: number): number {
  return normalQuantile(generalizedGaussianCdf(s, alpha, beta));
}

/**
 * The empirical optimal map Φ⁻¹(F̂(s)) on a sample, with F̂ the mid-rank empirical CDF
 * ((rank + ½)/n), as the 1-D experiment's target.
 */
export function empiricalOptimalMap(samples: ArrayLike<number>): Float64Array {
  const n = samples.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => samples[i]! - samples[j]!);
  const out = new Float64Array(n);
  order.forEach((idx, rank) => {
    out[idx] = normalQuantile((rank + 0.5) / n);
  });
  return out;
}
