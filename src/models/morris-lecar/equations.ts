/**
 * The Morris–Lecar map of Hazelden et al. in the equation language, for engines that integrate
 * drift/diffusion models (src/sde, and populations of the network engine).
 *
 * The semi-implicit update is a map M(V, w), not an Euler step of the ODE; but every map is the
 * Euler step of the "drift" (M(x) − x)/dt. Worked out:
 *   w' − w = dt·(w∞ − w)/(τ_w + dt/2),   V' − V = dt·(E + I/C − G·V)/(1 + dt·G/2),
 * with G and E taken at the new w' = w + dt·(w∞ − w)/(τ_w + dt/2), which is itself a function of
 * the old (V, w). So Euler–Maruyama with step dt on this drift reproduces the map exactly — for that
 * one dt. The step is therefore part of the model (`p.dt`), and a run with another dt integrates
 * a different, dt-dependent system; this is why the f–I experiment uses the named built-in kernel
 * (shaders/models-morris-lecar.wgsl.ts), whose step cannot drift away from its model.
 */
import type { SDEDefinition } from '../../sde/index.js';
import { DEFAULT_ML, ML_INITIAL, type MorrisLecarParams } from './reference.js';

/**
 * A `defineSDE` definition of the Morris–Lecar map with constant current `iTot` (a number, or one
 * value per trial), exact under `integrator: 'em'` with `dt = p.dt` (default 0.1 ms).
 */
export function morrisLecarDefinition(p: MorrisLecarParams = DEFAULT_ML, iTot: number | ArrayLike<number> = 0): SDEDefinition {
  const n = (x: number): string => `(${x})`;
  const h = n(p.dt);
  return {
    name: 'morris_lecar_map',
    state: { v: { init: ML_INITIAL.v }, w: { init: ML_INITIAL.w } },
    params: { iTot: typeof iTot === 'number' ? iTot : Float64Array.from(iTot) },
    functions: {
      minf: { args: ['v'], expr: `0.5 * (1 + tanh((v - ${n(p.V1)}) / ${n(p.V2)}))` },
      winf: { args: ['v'], expr: `0.5 * (1 + tanh((v - ${n(p.V3)}) / ${n(p.V4)}))` },
      tauw: { args: ['v'], expr: `1 / (${n(p.phi)} * cosh((v - ${n(p.V3)}) / ${n(2 * p.V4)}))` },
      wnext: { args: ['v', 'w'], expr: `w + ${h} * (winf(v) - w) / (tauw(v) + ${h} / 2)` },
      gsum: { args: ['v', 'w'], expr: `(${n(p.gCa)} * minf(v) + ${n(p.gK)} * wnext(v, w) + ${n(p.gL)}) / ${n(p.C)}` },
      esum: { args: ['v', 'w'], expr: `(${n(p.gCa * p.ECa)} * minf(v) + ${n(p.gK * p.EK)} * wnext(v, w) + ${n(p.gL * p.EL)}) / ${n(p.C)}` },
    },
    drift: {
      v: `(esum(v, w) + iTot / ${n(p.C)} - gsum(v, w) * v) / (1 + ${h} * gsum(v, w) / 2)`,
      w: `(winf(v) - w) / (tauw(v) + ${h} / 2)`,
    },
  };
}
