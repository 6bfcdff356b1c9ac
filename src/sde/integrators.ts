/**
 * The integrators wgneuro offers, with their convergence orders and what they need of a model.
 */
import { InputError } from '../gpu/errors.js';
import type { SdeKernelScheme } from '../../shaders/sde.wgsl.js';
import type { SDEModel } from './model.js';

/** Integrator names accepted by `simulate` and the CLI. */
export type IntegratorName = 'em' | 'milstein' | 'weak2' | 'ula' | 'mala' | 'baoab';

/** What an integrator is and promises. */
export interface IntegratorInfo {
  name: IntegratorName;
  /** The kernel that runs it (`ula` runs the `em` kernel on a Langevin model). */
  kernel: SdeKernelScheme;
  description: string;
  /** Strong order of convergence (general multiplicative noise), or null for samplers. */
  strongOrder: number | null;
  /** Weak order of convergence (for samplers: of the bias of stationary averages in h). */
  weakOrder: number | null;
  /** Whether it needs a Langevin model (`defineLangevin`). */
  langevinOnly: boolean;
}

/** Every integrator, by name. */
export const INTEGRATORS: Record<IntegratorName, IntegratorInfo> = {
  em: { name: 'em', kernel: 'em', description: 'Euler–Maruyama (strong 0.5, 1 for additive noise; weak 1)', strongOrder: 0.5, weakOrder: 1, langevinOnly: false },
  milstein: { name: 'milstein', kernel: 'milstein', description: 'Milstein, diagonal noise (strong 1, weak 1)', strongOrder: 1, weakOrder: 1, langevinOnly: false },
  weak2: { name: 'weak2', kernel: 'weak2', description: "Platen's explicit weak order 2.0 scheme, diagonal noise with g_i(x_i)", strongOrder: 0.5, weakOrder: 2, langevinOnly: false },
  ula: { name: 'ula', kernel: 'em', description: 'unadjusted Langevin algorithm (bias O(h))', strongOrder: null, weakOrder: 1, langevinOnly: true },
  mala: { name: 'mala', kernel: 'mala', description: 'Metropolis-adjusted Langevin (exact stationary law)', strongOrder: null, weakOrder: null, langevinOnly: true },
  baoab: { name: 'baoab', kernel: 'baoab', description: 'underdamped Langevin, BAOAB splitting (configurational bias O(h^2))', strongOrder: null, weakOrder: 2, langevinOnly: true },
};

/** Look up an integrator and check that `model` supports it; throws InputError otherwise. */
export function resolveIntegrator(name: string, model: SDEModel): IntegratorInfo {
  // Own properties only: 'constructor' or 'toString' must not find Object's members.
  const info = typeof name === 'string' && Object.hasOwn(INTEGRATORS, name) ? INTEGRATORS[name as IntegratorName] : undefined;
  if (!info) throw new InputError(`unknown integrator ${JSON.stringify(name)} (choose one of ${Object.keys(INTEGRATORS).join(', ')})`);
  if (info.langevinOnly && model.kind !== 'langevin') {
    throw new InputError(`integrator '${name}' samples a Langevin target; define the model with defineLangevin (a 'logDensity')`);
  }
  if ((name === 'milstein' || name === 'weak2') && !model.diagonal) {
    throw new InputError(`integrator '${name}' needs diagonal noise, but model '${model.name}' has ${model.wiener} Wiener processes in a matrix`);
  }
  if (name === 'milstein' && !model.hasDiffusionDerivative) {
    throw new InputError(`integrator 'milstein' needs dg/dx, which cannot be derived through a raw-WGSL function; give 'diffusionDerivative'`);
  }
  if (name === 'weak2' && !model.diffusionSelfOnly) {
    throw new InputError(`integrator 'weak2' needs each diffusion term to depend only on its own variable; model '${model.name}' does not`);
  }
  if ((name === 'mala' || name === 'baoab') && model.event) {
    throw new InputError(`integrator '${name}' does not support events`);
  }
  return info;
}
