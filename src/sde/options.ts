/**
 * The options of `simulate`, checked in one place before any GPU work: the schema below names
 * every field, its bounds and its default, and a bad value is reported as
 * `simulate: options.trials: expected a whole number ≥ 1, got 0`.
 */
import * as z from 'zod';
import { abortSignal, callback, count, dottedName, finiteNumber, flag, parseInput, seedSchema, wholeNumber } from '../core/validate.js';
import { INTEGRATORS, type IntegratorName } from './integrators.js';

const U32_MAX = 2 ** 32 - 1;
const integratorNames = Object.keys(INTEGRATORS) as [IntegratorName, ...IntegratorName[]];

const recordSchema = z.strictObject(
  {
    final: flag.optional(),
    perTrial: flag.optional(),
    snapshots: z.strictObject({ every: count(), variables: z.array(z.string({ error: 'a variable name' }), { error: 'a list of variable names' }).optional() }, { error: 'an object { every, variables? }' }).optional(),
    stats: z.strictObject({ every: count().optional(), covariance: flag.optional() }, { error: 'an object { every?, covariance? }' }).optional(),
    histogram: z
      .strictObject(
        {
          variable: z.string({ error: 'a variable name' }),
          bins: count(1 << 20),
          range: z.tuple([finiteNumber(), finiteNumber()], { error: 'a range [lo, hi] with lo < hi' }).refine(([lo, hi]) => lo < hi, { error: 'a range [lo, hi] with lo < hi' }),
        },
        { error: 'an object { variable, bins, range }' },
      )
      .optional(),
  },
  { error: 'an object' },
);

/** The schema of `SimulateOptions`; unknown fields are errors (a misspelt option is never ignored). */
const simulateOptionsSchema = z.strictObject(
  {
    trials: count(U32_MAX),
    steps: wholeNumber({ min: 0, max: U32_MAX }),
    dt: finiteNumber({ above: 0 }),
    seed: seedSchema.optional(),
    integrator: z.enum(integratorNames, { error: `one of ${integratorNames.join(', ')}` }).optional(),
    t0: finiteNumber().optional(),
    record: recordSchema.optional(),
    stepsPerDispatch: count().optional(),
    maxTrialsPerChunk: count().optional(),
    refine: count(2 ** 16).optional(),
    friction: finiteNumber({ above: 0 }).optional(),
    firstTrial: wholeNumber({ min: 0, max: U32_MAX }).optional(),
    totalTrials: count(2 ** 32).optional(),
    rng: z.enum(['precise', 'fast'], { error: "'precise' or 'fast'" }).optional(),
    generator: z.enum(['philox', 'threefry'], { error: "'philox' or 'threefry'" }).optional(),
    onProgress: callback.optional(),
    signal: abortSignal.optional(),
  },
  { error: 'an options object' },
).superRefine((options, ctx) => {
  // A trial range [firstTrial, firstTrial + trials) must lie inside the whole run, and its trial
  // indices (the random-number counter and the kernel's u32 trial_offset) below 2^32.
  const { trials, firstTrial = 0, totalTrials } = options;
  if (firstTrial + trials > 2 ** 32) {
    ctx.addIssue({ code: 'custom', path: ['firstTrial'], input: firstTrial, message: `a whole number ≤ 2^32 − trials = ${2 ** 32 - trials} (trial indices are 32-bit)` });
  } else if (totalTrials !== undefined && firstTrial + trials > totalTrials) {
    ctx.addIssue({
      code: 'custom', path: ['totalTrials'], input: totalTrials,
      message: `a whole number ≥ firstTrial + trials = ${firstTrial} + ${trials} = ${firstTrial + trials} (the range must lie inside the whole run)`,
    });
  }
});

/** `SimulateOptions` after validation. */
export type ValidSimulateOptions = z.output<typeof simulateOptionsSchema>;

/** Check `options` of `simulate` against its schema; throws `InputError` naming the field. */
export function validateSimulateOptions(options: unknown): ValidSimulateOptions {
  return parseInput(simulateOptionsSchema, options, 'simulate', dottedName('options'));
}
