/**
 * Links that reproduce runs: the URL hash carries the model and the settings,
 * `#model=<URI-encoded model JSON>&trials=N&steps=S&dt=DT&seed=K&integrator=NAME[&run=1]`.
 */
import type { RunSettings } from './protocol.js';

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
