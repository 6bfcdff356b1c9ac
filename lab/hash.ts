/**
 * Links that reproduce runs: the URL hash carries the model and the settings,
 * `#model=<URI-encoded model JSON>&trials=N&steps=S&dt=DT&seed=K&integrator=NAME[&run=1]`;
 * the network page's carry the network file instead (`#network=…`).
 */
import type { NetworkSettings, RunSettings } from './protocol.js';

export interface HashState {
  model?: string;
  settings: Partial<RunSettings>;
  run: boolean;
}

/** Read the hash (without or with its leading '#'); unknown keys are ignored, bad numbers dropped. */
export function parseHash(hash: string): HashState {
  const out: HashState = { settings: {}, run: false };
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const model = params.get('model');
  if (model !== null) out.model = model;
  for (const key of ['trials', 'steps', 'dt', 'seed'] as const) {
    const text = params.get(key);
    if (text === null || text.trim() === '') continue;
    const value = Number(text);
    if (Number.isFinite(value)) out.settings[key] = value;
  }
  const integrator = params.get('integrator');
  if (integrator) out.settings.integrator = integrator;
  out.run = params.get('run') === '1';
  return out;
}

/** The hash for a model text and settings (URLSearchParams encoding, which `parseHash` reads back). */
export function formatHash(model: string, settings: RunSettings, run = false): string {
  const params = new URLSearchParams();
  params.set('model', model);
  params.set('trials', String(settings.trials));
  params.set('steps', String(settings.steps));
  params.set('dt', String(settings.dt));
  params.set('seed', String(settings.seed));
  params.set('integrator', settings.integrator);
  if (run) params.set('run', '1');
  return `#${params.toString()}`;
}

/** A network page link: `#network=<URI-encoded network JSON>&trials=N&steps=S&dt=DT&seed=K[&timeUnit=ms&rateBin=B][&run=1]`. */
export interface NetworkHashState {
  network?: string;
  settings: Partial<NetworkSettings>;
  run: boolean;
}

/** Read a network page hash; unknown keys are ignored, bad numbers dropped. */
export function parseNetworkHash(hash: string): NetworkHashState {
  const out: NetworkHashState = { settings: {}, run: false };
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const network = params.get('network');
  if (network !== null) out.network = network;
  const numbers = { trials: 'trials', steps: 'steps', dt: 'dt', seed: 'seed', rateBin: 'rateBinSteps' } as const;
  for (const [key, field] of Object.entries(numbers)) {
    const text = params.get(key);
    if (text === null || text.trim() === '') continue;
    const value = Number(text);
    if (Number.isFinite(value)) out.settings[field] = value;
  }
  const unit = params.get('timeUnit');
  if (unit) out.settings.timeUnit = unit;
  out.run = params.get('run') === '1';
  return out;
}

/** The hash for a network text and settings (read back by `parseNetworkHash`). */
export function formatNetworkHash(network: string, settings: NetworkSettings, run = false): string {
  const params = new URLSearchParams();
  params.set('network', network);
  params.set('trials', String(settings.trials));
  params.set('steps', String(settings.steps));
  params.set('dt', String(settings.dt));
  params.set('seed', String(settings.seed));
  params.set('timeUnit', settings.timeUnit);
  params.set('rateBin', String(settings.rateBinSteps));
  if (run) params.set('run', '1');
  return `#${params.toString()}`;
}
