/**
 * Float64 CPU reference of the SDE integrators in shaders/sde.wgsl.ts: the same schemes on the same
 * random stream, Philox4x32-10 or Threefry-4x32-20 as `generator` says (normal q of a trial in lane
 * q % 4 of block (trial, q / 4, 0, 0), fine step j's r-th active process taking q = j·a + r for a
 * active processes; MALA's uniforms from (trial, step, 0, 1)), running the JavaScript twin of the model.
 * GPU and CPU agree to f32 rounding on the same trial; tests and the plain-JS benchmark use it.
 */
import { trialInputs, type SDEModel } from '../expr/index.js';
import { SDE_FLAG_ABSORBED, SDE_FLAG_DIVERGED, SDE_TAG_ACCEPT, SDE_TAG_WIENER, sdeNoiseStride } from '../core/sde-status.js';
import { normal4FromBits, philox4x32_10, uniformFromBits } from './philox.js';
import { threefry4x32 } from './threefry.js';
import { seedToKey, type NormalTransform, type RandomGenerator } from '../core/seed.js';

/** Options of {@link simulateReference} (a subset of `simulate`'s, same meaning and defaults). */
export interface ReferenceOptions {
  trials: number;
  steps: number;
  dt: number;
  seed?: number;
  /** `'em' | 'milstein' | 'weak2' | 'mala' | 'baoab'` (`ula` is `em`). Default `'em'`. */
  scheme?: 'em' | 'milstein' | 'weak2' | 'mala' | 'baoab' | 'ula';
  refine?: number;
  friction?: number;
  t0?: number;
  /** Simulate trials [first, first + trials) of a larger run. Default 0. */
  firstTrial?: number;
  /** Total trials of the run (for swept parameters). Default first + trials. */
  totalTrials?: number;
  /**
   * `simulate`'s normal transform. Both are the same Box–Muller numbers in exact arithmetic, so the
   * twin computes that float64 transform for either; a `'fast'` GPU run differs from it by the
   * platform's log/cos/sin error. Accepted so both sides take the same options. Default `'precise'`.
   */
  rng?: NormalTransform;
  /** `simulate`'s counter-based generator, `'philox'` or `'threefry'` (bit-identical words). Default `'philox'`. */
  generator?: RandomGenerator;
}

/** What {@link simulateReference} returns (float64). */
export interface ReferenceResult {
  /** Final state [variable][trial]. */
  state: Float64Array;
  /** BAOAB velocities [variable][trial]. */
  velocities?: Float64Array;
  flags: Uint8Array;
  stopStep: Uint32Array;
  spikes: Uint32Array;
  firstSpikeTime: Float64Array;
  accepted: Uint32Array;
}

/**
 * Integrate every trial on the CPU exactly as the GPU kernel does (same scheme, same random
 * numbers, same event and divergence rules), in float64.
 */
export function simulateReference(model: SDEModel, options: ReferenceOptions): ReferenceResult {
  const { trials, steps } = options;
  const scheme = options.scheme === 'ula' ? 'em' : options.scheme ?? 'em';
  const dt = Math.fround(options.dt);
  const t0 = Math.fround(options.t0 ?? 0);
  const refine = options.refine ?? 1;
  const friction = options.friction ?? 1;
  const first = options.firstTrial ?? 0;
  const key = seedToKey(options.seed ?? 0);
  const generate = options.generator === 'threefry' ? threefry4x32 : philox4x32_10;
  const n = model.state.length;
  const m = model.wiener;
  const js = model.js;
  const { params: allParams, init } = trialInputs(model, options.totalTrials ?? first + trials, first, trials);
  const np = model.params.length;
  const refractorySteps = model.event ? Math.round(model.event.refractory / options.dt) : 0;
  const ev = model.event?.index ?? -1;

  const out: ReferenceResult = {
    state: new Float64Array(n * trials),
    flags: new Uint8Array(trials),
    stopStep: new Uint32Array(trials),
    spikes: new Uint32Array(trials),
    firstSpikeTime: new Float64Array(trials).fill(Number.NaN),
    accepted: new Uint32Array(trials),
  };
  if (scheme === 'baoab') out.velocities = new Float64Array(n * trials);

  const ctr = new Uint32Array(4);
  const bits = new Uint32Array(4);
  const normals = new Float64Array(4);
  const dW = new Float64Array(m);
  const p = new Float64Array(np);
  let s = new Float64Array(n);
  let next = new Float64Array(n);
  const f = new Float64Array(n);
  const g = new Float64Array(model.diagonal ? n : n * m);
  const dg = new Float64Array(n);
  const y = new Float64Array(n);
  const fy = new Float64Array(n);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  const sp = new Float64Array(n);
  const sm = new Float64Array(n);
  const vel = new Float64Array(n);
  const c1 = Math.exp(-friction * dt);
  const c2 = Math.sqrt(1 - c1 * c1);
  const timeOf = (step: number): number => Math.fround(t0 + Math.fround(step * dt));

  const active = model.activeNoise;
  const stride = sdeNoiseStride(active.length);
  let cachedBlock = -1;
  let cachedTrial = -1;
  /** Normal number q of the trial's stream: lane q % 4 of Philox block (trial, q / 4, 0, 0). */
  const normal = (trial: number, q: number): number => {
    const block = Math.floor(q / 4);
    if (block !== cachedBlock || trial !== cachedTrial) {
      ctr[0] = trial; ctr[1] = block; ctr[2] = 0; ctr[3] = SDE_TAG_WIENER;
      normal4FromBits(generate(ctr, key, bits), normals);
      cachedBlock = block;
      cachedTrial = trial;
    }
    return normals[q % 4]!;
  };
  const wiener = (trial: number, step: number): void => {
    dW.fill(0);
    for (let j = 0; j < refine; j++) {
      const q = (step * refine + j) * stride;
      active.forEach((k, r) => {
        dW[k] = dW[k]! + normal(trial, q + r);
      });
    }
    const scale = Math.sqrt(dt / refine);
    for (let k = 0; k < m; k++) dW[k] = dW[k]! * scale;
  };
  const finite = (x: Float64Array): boolean => {
    for (let k = 0; k < n; k++) if (!Number.isFinite(Math.fround(x[k]!))) return false;
    return true;
  };

  for (let i = 0; i < trials; i++) {
    const trial = first + i;
    for (let k = 0; k < np; k++) p[k] = allParams[k * trials + i]!;
    for (let k = 0; k < n; k++) s[k] = Math.fround(init[k * trials + i]!);
    vel.fill(0);
    let flags = 0;
    let refractoryLeft = 0;
    let logp = 0;
    if (scheme === 'mala') {
      js.drift(timeOf(0), s, p, f);
      logp = js.logDensity(timeOf(0), s, p);
    }
    if (scheme === 'baoab') js.drift(timeOf(0), s, p, f);
    for (let step = 0; step < steps && flags === 0; step++) {
      const t = timeOf(step);
      wiener(trial, step);
      next.set(s);
      if (scheme === 'em') {
        js.drift(t, s, p, f);
        js.diffusion(t, s, p, g);
        for (let k = 0; k < n; k++) {
          let noise = 0;
          if (model.diagonal) noise = g[k]! * dW[k]!;
          else for (let j = 0; j < m; j++) noise += g[k * m + j]! * dW[j]!;
          next[k] = s[k]! + f[k]! * dt + noise;
        }
      } else if (scheme === 'milstein') {
        js.drift(t, s, p, f);
        js.diffusion(t, s, p, g);
        js.diffusionDerivative(t, s, p, dg);
        for (let k = 0; k < n; k++) {
          next[k] = s[k]! + f[k]! * dt + g[k]! * dW[k]! + 0.5 * g[k]! * dg[k]! * (dW[k]! * dW[k]! - dt);
        }
      } else if (scheme === 'weak2') {
        const sdt = Math.sqrt(dt);
        js.drift(t, s, p, f);
        js.diffusion(t, s, p, g);
        for (let k = 0; k < n; k++) {
          y[k] = s[k]! + f[k]! * dt + g[k]! * dW[k]!;
          sp[k] = s[k]! + f[k]! * dt + g[k]! * sdt;
          sm[k] = s[k]! + f[k]! * dt - g[k]! * sdt;
        }
        js.drift(Math.fround(t + dt), y, p, fy);
        js.diffusion(t, sp, p, gp);
        js.diffusion(t, sm, p, gm);
        for (let k = 0; k < n; k++) {
          next[k] = s[k]! + 0.5 * (fy[k]! + f[k]!) * dt + 0.25 * (gp[k]! + gm[k]! + 2 * g[k]!) * dW[k]!
            + (0.25 * (gp[k]! - gm[k]!) * (dW[k]! * dW[k]! - dt)) / sdt;
        }
      } else if (scheme === 'mala') {
        js.diffusion(t, s, p, g);
        for (let k = 0; k < n; k++) y[k] = s[k]! + f[k]! * dt + g[k]! * dW[k]!;
        js.drift(t, y, p, fy);
        const logpY = js.logDensity(t, y, p);
        let back = 0;
        let fwd = 0;
        for (let k = 0; k < n; k++) {
          back += (s[k]! - y[k]! - fy[k]! * dt) ** 2;
          fwd += (y[k]! - s[k]! - f[k]! * dt) ** 2;
        }
        const logAlpha = logpY - logp - (back - fwd) / (4 * dt);
        ctr[0] = trial; ctr[1] = step; ctr[2] = 0; ctr[3] = SDE_TAG_ACCEPT;
        const uAccept = uniformFromBits(generate(ctr, key, bits)[0]!);
        if (Math.log(uAccept) < logAlpha && finite(y)) {
          next.set(y);
          f.set(fy);
          logp = logpY;
          out.accepted[i]!++;
        }
      } else {
        // BAOAB
        const invSdt = 1 / Math.sqrt(dt);
        for (let k = 0; k < n; k++) {
          vel[k] = vel[k]! + 0.5 * dt * f[k]!;
          next[k] = s[k]! + 0.5 * dt * vel[k]!;
          vel[k] = c1 * vel[k]! + c2 * dW[k]! * invSdt;
          next[k] = next[k]! + 0.5 * dt * vel[k]!;
        }
        js.drift(Math.fround(t + dt), next, p, f);
        for (let k = 0; k < n; k++) vel[k] = vel[k]! + 0.5 * dt * f[k]!;
      }
      if (ev >= 0) {
        const te = Math.fround(t + dt);
        if (refractoryLeft > 0) {
          next[ev] = js.reset(te, next, p);
          refractoryLeft--;
        } else if (next[ev]! >= js.threshold(te, next, p)) {
          if (out.spikes[i] === 0) out.firstSpikeTime[i] = te;
          out.spikes[i]!++;
          next[ev] = js.reset(te, next, p);
          refractoryLeft = refractorySteps;
        }
      }
      if (!finite(next)) {
        flags |= SDE_FLAG_DIVERGED;
        out.stopStep[i] = step + 1;
      } else {
        [s, next] = [next, s];
        for (const b of model.absorb) {
          const v = s[b.index]!;
          if (v <= b.lower || v >= b.upper) {
            flags |= SDE_FLAG_ABSORBED;
            out.stopStep[i] = step + 1;
          }
        }
      }
    }
    out.flags[i] = flags;
    for (let k = 0; k < n; k++) out.state[k * trials + i] = s[k]!;
    if (out.velocities) for (let k = 0; k < n; k++) out.velocities[k * trials + i] = vel[k]!;
  }
  return out;
}
