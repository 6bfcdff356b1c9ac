/**
 * The neural-ODE spiral benchmark of Hazelden et al. (`NDEs.py`; SEEDS.md §6.4), in float64: the
 * true system dy/dt = (y³)A (row vector times A), A = [[−0.1, 2], [−2, −0.1]], y₀ = (2, 0) on
 * t ∈ [0, 25] at 1000 samples; the model dy/dt = tanh(y³W₁)W₂ (2 → H → 2, no biases: 4H
 * parameters, "4,000" at H = 1000); batches of windows of consecutive samples integrated from
 * their first true point by classical RK4, one step per sample interval; L1 loss.
 */

export const SPIRAL_A = Object.freeze([-0.1, 2, -2, -0.1]);
export const SPIRAL_Y0 = Object.freeze([2, 0]);
export const SPIRAL_T_END = 25;
export const SPIRAL_SAMPLES = 1000;

/** Philox counter word 3 of the window draws. */
export const SPIRAL_TAG = 0x4e44; // 'ND'

function trueRhs(y: ArrayLike<number>, out: Float64Array): void {
  const c0 = y[0]! ** 3;
  const c1 = y[1]! ** 3;
  out[0] = c0 * SPIRAL_A[0]! + c1 * SPIRAL_A[2]!;
  out[1] = c0 * SPIRAL_A[1]! + c1 * SPIRAL_A[3]!;
}

/** The true trajectory at the 1000 sample times (row-major 1000 × 2), RK4 with 20 substeps per interval. */
export function spiralTrajectory(): Float64Array {
  const out = new Float64Array(SPIRAL_SAMPLES * 2);
  const dt = SPIRAL_T_END / (SPIRAL_SAMPLES - 1);
  const sub = 20;
  const h = dt / sub;
  const y = Float64Array.from(SPIRAL_Y0);
  const k = [0, 1, 2, 3].map(() => new Float64Array(2));
  const tmp = new Float64Array(2);
  out.set(y, 0);
  for (let i = 1; i < SPIRAL_SAMPLES; i++) {
    for (let s = 0; s < sub; s++) {
      trueRhs(y, k[0]!);
      for (let j = 0; j < 2; j++) tmp[j] = y[j]! + (h / 2) * k[0]![j]!;
      trueRhs(tmp, k[1]!);
      for (let j = 0; j < 2; j++) tmp[j] = y[j]! + (h / 2) * k[1]![j]!;
      trueRhs(tmp, k[2]!);
      for (let j = 0; j < 2; j++) tmp[j] = y[j]! + h * k[2]![j]!;
      trueRhs(tmp, k[3]!);
      for (let j = 0; j < 2; j++) y[j] = y[j]! + (h / 6) * (k[0]![j]! + 2 * k[1]![j]! + 2 * k[2]![j]! + k[3]![j]!);
    }
    out.set(y, 2 * i);
  }
  return out;
}


/** The model's right-hand side tanh(y³W₁)W₂ with W₁ (2 × H) and W₂ (H × 2), row-major. */
export function modelRhs(w1: ArrayLike<number>, w2: ArrayLike<number>, hidden: number, y: ArrayLike<number>, out: Float64Array): void {
  const c0 = y[0]! ** 3;
  const c1 = y[1]! ** 3;
  out[0] = 0;
  out[1] = 0;
  for (let h = 0; h < hidden; h++) {
    const a = Math.tanh(c0 * w1[h]! + c1 * w1[hidden + h]!);
    out[0] += a * w2[2 * h]!;
    out[1] += a * w2[2 * h + 1]!;
  }
}

/**
 * One classical RK4 step of the model over a sampling interval (dt = 25/999), updating `y` in
 * place; the returned function reuses its stage buffers.
 */
function rk4Stepper(w1: ArrayLike<number>, w2: ArrayLike<number>, hidden: number): (y: Float64Array) => void {
  const dt = SPIRAL_T_END / (SPIRAL_SAMPLES - 1);
  const k = [0, 1, 2, 3].map(() => new Float64Array(2));
  const tmp = new Float64Array(2);
  return (y) => {
    modelRhs(w1, w2, hidden, y, k[0]!);
    for (let j = 0; j < 2; j++) tmp[j] = y[j]! + (dt / 2) * k[0]![j]!;
    modelRhs(w1, w2, hidden, tmp, k[1]!);
    for (let j = 0; j < 2; j++) tmp[j] = y[j]! + (dt / 2) * k[1]![j]!;
    modelRhs(w1, w2, hidden, tmp, k[2]!);
    for (let j = 0; j < 2; j++) tmp[j] = y[j]! + dt * k[2]![j]!;
    modelRhs(w1, w2, hidden, tmp, k[3]!);
    for (let j = 0; j < 2; j++) y[j] = y[j]! + (dt / 6) * (k[0]![j]! + 2 * k[1]![j]! + 2 * k[2]![j]! + k[3]![j]!);
  };
}

/**
 * L1 loss of the model on the windows starting at `starts`: mean over windows, points and both
 * coordinates of |ŷ − y|, with ŷ integrated from the window's first true point by RK4 (one step
 * of dt = 25/999 per sample).
 */
export function spiralLossReference(w1: ArrayLike<number>, w2: ArrayLike<number>, hidden: number, truth: Float64Array, starts: ArrayLike<number>, window: number): number {
  const step = rk4Stepper(w1, w2, hidden);
  let total = 0;
  for (let b = 0; b < starts.length; b++) {
    const s0 = starts[b]!;
    const y = Float64Array.of(truth[2 * s0]!, truth[2 * s0 + 1]!);
    for (let i = 1; i < window; i++) {
      step(y);
      for (let j = 0; j < 2; j++) total += Math.abs(y[j]! - truth[2 * (s0 + i) + j]!);
    }
  }
  // The window's first point is exact (error 0) and counts in the mean, as in the reference loss.
  return total / (starts.length * window * 2);
}

/** Integrate the model from y₀ over all 1000 samples (RK4, one step per interval); mean L1 distance to `truth` and the path. */
export function spiralRollout(w1: ArrayLike<number>, w2: ArrayLike<number>, hidden: number, truth: Float64Array): { l1: number; path: Float64Array } {
  const step = rk4Stepper(w1, w2, hidden);
  const path = new Float64Array(2 * SPIRAL_SAMPLES);
  const y = Float64Array.from(SPIRAL_Y0);
  path.set(y, 0);
  let l1 = 0;
  for (let i = 1; i < SPIRAL_SAMPLES; i++) {
    step(y);
    for (let j = 0; j < 2; j++) l1 += Math.abs(y[j]! - truth[2 * i + j]!);
    path.set(y, 2 * i);
  }
  return { l1: l1 / (2 * SPIRAL_SAMPLES), path };
}
