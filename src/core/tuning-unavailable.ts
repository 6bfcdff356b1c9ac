/**
 * What `#tuning-store` resolves to outside Node (browsers, Workers, bundlers targeting the web): the
 * same signature as `tuning-node.ts` without `node:*`. `tuning.ts` calls it only when
 * `process.versions.node` is set, i.e. a browser build run in Node: winners then last the process.
 */
import type { TuningRecord, TuningStore } from './tuning-types.js';

/** A store that keeps nothing beyond the process (this build of wgneuro has no disk store). */
export function fileTuningStore(): TuningStore {
  const kept = new Map<string, Record<string, TuningRecord>>();
  return {
    location: "memory (this build resolved wgneuro's '#tuning-store' for a browser)",
    load: async (adapter) => ({ ...(kept.get(adapter) ?? {}) }),
    save: async (adapter, record) => {
      kept.set(adapter, { ...(kept.get(adapter) ?? {}), [`${record.kernel}|${record.shapeClass}`]: record });
    },
  };
}
