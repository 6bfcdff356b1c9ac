/**
 * The evidence-integration task of Hazelden et al. (SEEDS.md §6.4, after `meeree/mpn/int_data.py`),
 * generated in-process from a seed: phrases of `words` tokens from {evid0, evid1, evid2, null}
 * ending in <eos>; the label is the evidence word seen most often. Count tuples (c₀, c₁, c₂) with
 * c₀ + c₁ + c₂ ≤ words − 1 are drawn uniformly among those with a single largest count (ties
 * eliminated), then placed at random positions among the nulls. Each word is a random binary
 * vector scaled by 1/√(inputSize/2), the same vocabulary for every phrase of a seed.
 */
import { InputError } from '../../gpu/errors.js';
import { philoxSequence } from '../../reference/philox.js';

/** Token ids: the evidence words are 0 … classes − 1, then null and <eos>. */
export const EVIDENCE_CLASSES = 3;
export const NULL_TOKEN = EVIDENCE_CLASSES;
export const EOS_TOKEN = EVIDENCE_CLASSES + 1;
export const EVIDENCE_VOCABULARY = EVIDENCE_CLASSES + 2;

/** Philox tags of the task's draws (vocabulary, phrases). */
const VOCAB_TAG = 0x6d6c6531; // 'mle1'
const PHRASE_TAG = 0x6d6c6532;

/** A generated task. */
export interface EvidenceTask {
  words: number;
  inputSize: number;
  /** Word vectors [token][inputSize]. */
  vocabulary: Float64Array;
  /** Tokens [phrase][word]. */
  tokens: Uint32Array;
  /** Label [phrase]. */
  labels: Uint32Array;
  count: number;
}

/** Options of {@link evidenceTask}. */
export interface EvidenceTaskOptions {
  /** Tokens per phrase including the final <eos> (paper: 50). */
  words: number;
  /** Size of the word vectors (paper: 50). */
  inputSize: number;
  /** Phrases. */
  count: number;
  seed: number;
  /** Which set (0 train, 1 validation, …): independent phrases under the same vocabulary. */
  stream?: number;
}

/** All count tuples with sum ≤ n and a unique maximum. */
function countTuples(n: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let a = 0; a <= n; a++) for (let b = 0; a + b <= n; b++) for (let c = 0; a + b + c <= n; c++) {
    const m = Math.max(a, b, c);
    if ([a, b, c].filter((x) => x === m).length === 1) out.push([a, b, c]);
  }
  return out;
}

/** Generate the phrases of one set; the vocabulary depends only on (seed, inputSize). */
export function evidenceTask(o: EvidenceTaskOptions): EvidenceTask {
  for (const [name, v, min] of [['words', o.words, 2], ['inputSize', o.inputSize, 1], ['count', o.count, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new InputError(`evidence task: ${name} must be a whole number ≥ ${min}, got ${v}`);
  }
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new InputError(`evidence task: seed must be a non-negative whole number, got ${o.seed}`);
  const bits = philoxSequence(o.seed, { distribution: 'uniform', tag: VOCAB_TAG });
  const scale = 1 / Math.sqrt(o.inputSize / 2);
  const vocabulary = Float64Array.from({ length: EVIDENCE_VOCABULARY * o.inputSize }, () => (bits() < 0.5 ? scale : 0));
  const u = philoxSequence(o.seed, { distribution: 'uniform', stream: o.stream ?? 0, tag: PHRASE_TAG });
  const tuples = countTuples(o.words - 1);
  const tokens = new Uint32Array(o.count * o.words);
  const labels = new Uint32Array(o.count);
  const slots = Array.from({ length: o.words - 1 }, (_, k) => k);
  for (let n = 0; n < o.count; n++) {
    const counts = tuples[Math.min(tuples.length - 1, Math.floor(u() * tuples.length))]!;
    labels[n] = counts.indexOf(Math.max(...counts));
    // Fisher–Yates on the positions, then fill evidence words first, nulls after
    for (let k = slots.length - 1; k > 0; k--) {
      const j = Math.min(k, Math.floor(u() * (k + 1)));
      [slots[k], slots[j]] = [slots[j]!, slots[k]!];
    }
    const row = tokens.subarray(n * o.words, (n + 1) * o.words);
    row.fill(NULL_TOKEN);
    let at = 0;
    counts.forEach((c, word) => { for (let k = 0; k < c; k++) row[slots[at++]!] = word; });
    row[o.words - 1] = EOS_TOKEN;
  }
  return { words: o.words, inputSize: o.inputSize, vocabulary, tokens, labels, count: o.count };
}
