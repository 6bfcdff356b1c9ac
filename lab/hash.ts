/**
 * Links that reproduce runs: the URL hash carries the model and the settings,
 * `#model=<URI-encoded model JSON>&trials=N&steps=S&dt=DT&seed=K&integrator=NAME[&run=1]`;
 * the network page's carry the network file instead (`#network=…`).
 */
import type { NetworkSettings, RunSettings } from './protocol.js';

/**
 * The settings a link carries, in the order it writes them: the key in the hash, the field of the
 * settings, and whether the value is a number (a bad or blank one is dropped) or a name (an empty
 * one is dropped).
 */
type LinkFields<Settings> = readonly (readonly [key: string, field: keyof Settings & string, kind: 'number' | 'name'])[];

const MODEL_LINK: LinkFields<RunSettings> = [
  ['trials', 'trials', 'number'], ['steps', 'steps', 'number'], ['dt', 'dt', 'number'], ['seed', 'seed', 'number'],
  ['integrator', 'integrator', 'name'],
];
const NETWORK_LINK: LinkFields<NetworkSettings> = [
  ['trials', 'trials', 'number'], ['steps', 'steps', 'number'], ['dt', 'dt', 'number'], ['seed', 'seed', 'number'],
  ['timeUnit', 'timeUnit', 'name'], ['rateBin', 'rateBinSteps', 'number'],
];

/** What a link holds: the text under `TextKey` (when it has one), the settings, and whether to run at once (`run=1`). */
export type LinkState<TextKey extends string, Settings> = { [key in TextKey]?: string } & { settings: Partial<Settings>; run: boolean };

/** A playground link's state. */
export type HashState = LinkState<'model', RunSettings>;
/** A network page link's state: `#network=<URI-encoded network JSON>&trials=N&steps=S&dt=DT&seed=K[&timeUnit=ms&rateBin=B][&run=1]`. */
export type NetworkHashState = LinkState<'network', NetworkSettings>;

/** Read a link's hash (without or with its leading '#'); unknown keys are ignored, bad numbers dropped. */
function parseLink<TextKey extends string, Settings>(hash: string, textKey: TextKey, fields: LinkFields<Settings>): LinkState<TextKey, Settings> {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const settings: Record<string, string | number> = {};
  for (const [key, field, kind] of fields) {
    const value = params.get(key);
    if (kind === 'name') {
      if (value) settings[field] = value;
    } else if (value !== null && value.trim() !== '' && Number.isFinite(Number(value))) {
      settings[field] = Number(value);
    }
  }
  const text = params.get(textKey);
  return { ...(text === null ? {} : { [textKey]: text }), settings, run: params.get('run') === '1' } as LinkState<TextKey, Settings>;
}

/** The hash of a text under `textKey` and its settings (URLSearchParams encoding, which {@link parseLink} reads back). */
function formatLink<Settings>(textKey: string, text: string, settings: Settings, fields: LinkFields<Settings>, run: boolean): string {
  const params = new URLSearchParams();
  params.set(textKey, text);
  for (const [key, field] of fields) params.set(key, String(settings[field]));
  if (run) params.set('run', '1');
  return `#${params.toString()}`;
}

/** Read a playground hash (without or with its leading '#'); unknown keys are ignored, bad numbers dropped. */
export const parseHash = (hash: string): HashState => parseLink(hash, 'model', MODEL_LINK);
/** The hash for a model text and settings (URLSearchParams encoding, which `parseHash` reads back). */
export const formatHash = (model: string, settings: RunSettings, run = false): string => formatLink('model', model, settings, MODEL_LINK, run);

/** Read a network page hash; unknown keys are ignored, bad numbers dropped. */
export const parseNetworkHash = (hash: string): NetworkHashState => parseLink(hash, 'network', NETWORK_LINK);
/** The hash for a network text and settings (read back by `parseNetworkHash`). */
export const formatNetworkHash = (network: string, settings: NetworkSettings, run = false): string => formatLink('network', network, settings, NETWORK_LINK, run);
