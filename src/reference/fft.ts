/**
 * Discrete Fourier transforms in float64 on the CPU: the direct O(n²) DFT (the test oracle, with
 * exactly reduced twiddle angles) and an iterative radix-2 FFT (the plain-JS peer of the GPU
 * kernel, and the transform of the CPU pyramid reference). Complex arrays are interleaved
 * (re, im, re, im, …), as on the GPU; conventions follow numpy (forward unnormalised, inverse 1/n).
 */

/** e^{−2πik/n} with k reduced mod n first, so large k·j products lose no accuracy. */
function unitRoot(k: number, n: number, sign: number): [number, number] {
  const m = ((k % n) + n) % n;
  const angle = (2 * Math.PI * m) / n;
  return [Math.cos(angle), sign * Math.sin(angle)];
}

/**
 * Direct DFT along an axis of length n and element stride `stride` of an interleaved complex array
 * viewed as [outer][n][stride]. `sign` −1 forward, +1 inverse (inverse also divides by n).
 */
export function dftAxisRef(x: ArrayLike<number>, n: number, stride: number, sign: -1 | 1): Float64Array {
  const total = x.length / 2;
  const out = new Float64Array(x.length);
  const outer = total / (n * stride);
  const scale = sign > 0 ? 1 / n : 1;
  for (let o = 0; o < outer; o++) {
    for (let s = 0; s < stride; s++) {
      const base = o * n * stride + s;
      for (let k = 0; k < n; k++) {
        let re = 0;
        let im = 0;
        for (let j = 0; j < n; j++) {
          const [c, sn] = unitRoot(j * k, n, sign);
          const idx = 2 * (base + j * stride);
          const a = x[idx]!;
          const b = x[idx + 1]!;
          re += a * c - b * sn;
          im += a * sn + b * c;
        }
        out[2 * (base + k * stride)] = re * scale;
        out[2 * (base + k * stride) + 1] = im * scale;
      }
    }
  }
  return out;
}

/** Direct 1-D DFT of every length-n row of an interleaved complex array (forward unless `inverse`). */
export function dftRef(x: ArrayLike<number>, n: number, inverse = false): Float64Array {
  return dftAxisRef(x, n, 1, inverse ? 1 : -1);
}

/** Direct 2-D DFT of every H × W slice of an interleaved complex array (rows, then columns). */
export function dft2Ref(x: ArrayLike<number>, h: number, w: number, inverse = false): Float64Array {
  const sign = inverse ? 1 : -1;
  return dftAxisRef(dftAxisRef(x, w, 1, sign), h, w, sign);
}

/**
 * In-place iterative radix-2 FFT (Cooley–Tukey: bit reversal, then butterflies) of one complex
 * sequence of power-of-two length held in split arrays; `sign` −1 forward, +1 inverse (unnormalised).
 */
function fftInPlace(re: Float64Array, im: Float64Array, sign: number): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      const [wr, wi] = unitRoot(k, len, sign);
      for (let start = 0; start < n; start += len) {
        const a = start + k;
        const b = a + half;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/** Radix-2 FFT along an axis (length n a power of two, element stride `stride`) of an interleaved complex array. */
export function fftAxisRef(x: ArrayLike<number>, n: number, stride: number, inverse = false): Float64Array {
  const out = Float64Array.from(x);
  const total = x.length / 2;
  const outer = total / (n * stride);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const scale = inverse ? 1 / n : 1;
  for (let o = 0; o < outer; o++) {
    for (let s = 0; s < stride; s++) {
      const base = o * n * stride + s;
      for (let j = 0; j < n; j++) {
        re[j] = out[2 * (base + j * stride)]!;
        im[j] = out[2 * (base + j * stride) + 1]!;
      }
      fftInPlace(re, im, inverse ? 1 : -1);
      for (let j = 0; j < n; j++) {
        out[2 * (base + j * stride)] = re[j]! * scale;
        out[2 * (base + j * stride) + 1] = im[j]! * scale;
      }
    }
  }
  return out;
}

/** Radix-2 2-D FFT of every H × W slice of an interleaved complex array. */
export function fft2Ref(x: ArrayLike<number>, h: number, w: number, inverse = false): Float64Array {
  return fftAxisRef(fftAxisRef(x, w, 1, inverse), h, w, inverse);
}
