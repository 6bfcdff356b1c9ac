/**
 * The benchmark behind `wgneuro bench train` (browser-safe: the lab's bench page runs it too, with
 * `--browser`; the command line is in train.ts). One training step (forward pass, backward pass, gradients on the device)
 * of an MLP with a softmax cross-entropy loss and of a rate RNN by backpropagation through time,
 * with wgneuro's tape (src/autodiff) and with TF.js (`tf.variableGrads`) on its WebGPU backend
 * (on our very device) and its wasm backend, in one process on the same problem and the same
 * initial values. Every step is timed by wall clock until the loss and the sum of the first
 * layer's gradient are on the CPU (the same readback for every contender); the losses and gradient
 * sums of all contenders are compared, so a bench of different problems cannot pass unnoticed.
 */
import { createContext, type Context } from '../src/core/context.js';
import type { Tensor } from '../src/core/tensor.js';
import { InputError } from '../src/gpu/errors.js';
import { createTape, rnnRollout, type Tape, type Var } from '../src/autodiff/index.js';
import { sum } from '../src/linalg/index.js';
import type { WasmPaths } from './linalg-run.js';
import { importPeer, useTfWebGPU, type Tf } from './peers.js';
import { medianWallMs } from './timing.js';

/** Options of `wgneuro bench train` as commander parses them (also what `--browser` sends the page). */
export interface TrainBenchOptions {
  json?: boolean;
  out?: string;
  batch: number;
  mlp: string;
  rnnBatch: number;
  units: number;
  inputs: number;
  steps: number;
  reps: number;
  peers: string;
}

/** The peers `--peers` may name. */
export const TRAIN_PEERS = ['tfjs-webgpu', 'tfjs-wasm'] as const;

/** Deterministic values in (−scale, scale) (an LCG; benchmark data only). */
function values(count: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return scale * (2 * (s / 2 ** 32) - 1);
  });
}

/** One problem: named arrays with shapes, shared by every contender. */
interface Problem {
  name: string;
  description: string;
  arrays: Record<string, { shape: number[]; data: Float32Array }>;
  /** Parameters, in order; the first is the one whose gradient sum is read back. */
  params: string[];
}

function mlpProblem(batch: number, layers: number[]): Problem {
  const arrays: Problem['arrays'] = {};
  const classes = layers[layers.length - 1]!;
  arrays.X = { shape: [batch, layers[0]!], data: values(batch * layers[0]!, 1, 1) };
  arrays.Y = { shape: [batch, classes], data: Float32Array.from({ length: batch * classes }, (_, i) => (i % classes === (Math.floor(i / classes) * 7) % classes ? 1 : 0)) };
  const params: string[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    arrays[`W${l}`] = { shape: [layers[l]!, layers[l + 1]!], data: values(layers[l]! * layers[l + 1]!, 10 + l, Math.sqrt(3 / layers[l]!)) };
    arrays[`b${l}`] = { shape: [layers[l + 1]!], data: values(layers[l + 1]!, 20 + l, 0.1) };
    params.push(`W${l}`, `b${l}`);
  }
  return { name: 'mlp', description: `MLP ${layers.join('-')} (ReLU), softmax cross-entropy, batch ${batch}`, arrays, params };
}

function rnnProblem(batch: number, units: number, inputs: number, steps: number): Problem {
  const arrays: Problem['arrays'] = {
    W: { shape: [units, units], data: values(units * units, 30, 1.5 * Math.sqrt(3 / units)) },
    U: { shape: [units, inputs], data: values(units * inputs, 31, 1) },
    R: { shape: [1, units], data: values(units, 32, Math.sqrt(3 / units)) },
    x0: { shape: [batch, units], data: values(batch * units, 33, 0.5) },
    target: { shape: [batch, 1], data: values(batch, 34, 1) },
  };
  for (let t = 0; t < steps; t++) arrays[`u${t}`] = { shape: [batch, inputs], data: values(batch * inputs, 100 + t, 1) };
  return {
    name: 'rnn-bptt',
    description: `rate RNN BPTT: ${units} units, ${inputs} inputs, ${steps} steps, batch ${batch}, dt 0.1, tanh`,
    arrays,
    params: ['W', 'U', 'R'],
  };
}

const DT = 0.1;

/** Our loss for a problem, recorded on `tape` from the leaf Vars. */
async function ourLoss(tape: Tape, p: Problem, v: Record<string, Var>, steps: number): Promise<Var> {
  if (p.name === 'mlp') {
    let h = v.X!;
    const layers = p.params.length / 2;
    for (let l = 0; l < layers; l++) {
      const a = await tape.matmul(h, v[`W${l}`]!);
      const b = await tape.expand(v[`b${l}`]!, h.shape[0]!, 0);
      h = await tape.map(l + 1 < layers ? 'relu(a + b)' : 'a + b', { a, b });
    }
    return tape.softmaxCrossEntropy(h, v.Y!);
  }
  const inputs = Array.from({ length: steps }, (_, t) => v[`u${t}`]!);
  const states = await rnnRollout(tape, v.x0!, inputs, { W: v.W!, U: v.U! }, { dt: DT, phi: 'tanh(x)' });
  const y = await tape.matmul(states[steps]!, v.R!, { transB: true });
  return tape.mean(await tape.map('(y - t) ^ 2', { y, t: v.target! }));
}

/** TF.js's loss for a problem, from its tensors (inside `variableGrads`). */
function tfLoss(tf: Tf, p: Problem, v: Record<string, import('@tensorflow/tfjs-core').Tensor>, steps: number): import('@tensorflow/tfjs-core').Scalar {
  if (p.name === 'mlp') {
    let h = v.X! as import('@tensorflow/tfjs-core').Tensor2D;
    const layers = p.params.length / 2;
    for (let l = 0; l < layers; l++) {
      const z = tf.add(tf.matMul(h, v[`W${l}`] as import('@tensorflow/tfjs-core').Tensor2D), v[`b${l}`]!) as import('@tensorflow/tfjs-core').Tensor2D;
      h = l + 1 < layers ? tf.relu(z) : z;
    }
    return tf.losses.softmaxCrossEntropy(v.Y!, h) as import('@tensorflow/tfjs-core').Scalar;
  }
  let x = v.x0! as import('@tensorflow/tfjs-core').Tensor2D;
  for (let t = 0; t < steps; t++) {
    const r = tf.matMul(tf.tanh(x), v.W! as import('@tensorflow/tfjs-core').Tensor2D, false, true);
    const s = tf.matMul(v[`u${t}`]! as import('@tensorflow/tfjs-core').Tensor2D, v.U! as import('@tensorflow/tfjs-core').Tensor2D, false, true);
    x = tf.add(x, tf.mul(DT, tf.sub(tf.add(r, s), x))) as import('@tensorflow/tfjs-core').Tensor2D;
  }
  const y = tf.matMul(x, v.R! as import('@tensorflow/tfjs-core').Tensor2D, false, true);
  return tf.mean(tf.square(tf.sub(y, v.target!))) as import('@tensorflow/tfjs-core').Scalar;
}

/** What one contender's step gives back, to check that all solved the same problem. */
interface StepResult {
  loss: number;
  gradSum: number;
}

async function ourStep(ctx: Context, p: Problem, tensors: Record<string, Tensor>, steps: number): Promise<StepResult> {
  const tape = createTape(ctx);
  try {
    const v: Record<string, Var> = {};
    for (const [name, t] of Object.entries(tensors)) v[name] = p.params.includes(name) ? tape.param(t) : tape.constant(t);
    const loss = await ourLoss(tape, p, v, steps);
    const grads = await tape.grad(loss, p.params.map((n) => v[n]!));
    const s = await sum(ctx, grads[0]!.value);
    const [lossValue, gradSum] = [(await loss.value.read())[0]!, (await s.read())[0]!];
    s.destroy();
    return { loss: lossValue, gradSum };
  } finally {
    tape.destroy();
  }
}

async function tfStep(tf: Tf, p: Problem, v: Record<string, import('@tensorflow/tfjs-core').Tensor>, vars: import('@tensorflow/tfjs-core').Variable[], steps: number): Promise<StepResult> {
  const { value, grads } = tf.variableGrads(() => tfLoss(tf, p, v, steps), vars);
  const s = tf.sum(grads[vars[0]!.name]!);
  const [lossValue, gradSum] = [(await value.data())[0]!, (await s.data())[0]!];
  tf.dispose([value, s, ...Object.values(grads)]);
  return { loss: lossValue, gradSum };
}

/**
 * What the runtime provides: the TF.js wasm files' location, a way to register tfjs-core's gradient
 * functions (Node and a bundled page differ), and optionally a context to use.
 */
export interface TrainBenchEnv {
  wasmPaths: () => Promise<WasmPaths>;
  registerTfGradients: () => Promise<void>;
  /** A context to run on (kept); by default one is created and destroyed. */
  context?: Context;
}

/** TF.js on `backend`: WebGPU on our device (the same adapter, see `useTfWebGPU`), or wasm. */
async function loadTf(ctx: Context, backend: 'tfjs-webgpu' | 'tfjs-wasm', env: TrainBenchEnv): Promise<Tf> {
  const tf = await importPeer('@tensorflow/tfjs-core', () => import('@tensorflow/tfjs-core'));
  await env.registerTfGradients();
  if (backend === 'tfjs-webgpu') {
    await useTfWebGPU(tf, ctx.device);
  } else {
    const wasm = await importPeer('@tensorflow/tfjs-backend-wasm', () => import('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(await env.wasmPaths() as never);
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
  }
  await tf.ready();
  return tf;
}

function parseLayers(text: string): number[] {
  const layers = text.split(',').map((s) => Number(s.trim()));
  if (layers.length < 2 || layers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InputError(`--mlp: expected comma-separated layer widths, input first (at least two whole numbers ≥ 1), got "${text}"`);
  }
  return layers;
}

interface Contender {
  ms: number;
  loss: number;
  gradSum: number;
}

/**
 * Check the command-line options and run the bench: the object `wgneuro bench train --json` prints.
 * The bench page (`--browser`) calls the same function, so both print the same JSON.
 */
export async function runTrainBench(opts: TrainBenchOptions, log: (line: string) => void, env: TrainBenchEnv) {
  const layers = parseLayers(opts.mlp);
  const wanted = opts.peers.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of wanted) if (!(TRAIN_PEERS as readonly string[]).includes(p)) throw new InputError(`--peers: unknown peer '${p}' (known: ${TRAIN_PEERS.join(', ')})`);
  const problems = [mlpProblem(opts.batch, layers), rnnProblem(opts.rnnBatch, opts.units, opts.inputs, opts.steps)];
  const ctx = env.context ?? await createContext();
  try {
    log(`adapter: ${ctx.info.adapter.description || ctx.info.adapter.vendor} (${ctx.info.adapter.architecture})`);
    const rows = [];
    for (const p of problems) {
      log(`${p.description}: wgneuro...`);
      const tensors = Object.fromEntries(Object.entries(p.arrays).map(([n, a]) => [n, ctx.tensor(a.shape, { label: `bench.${n}`, data: a.data })]));
      const contenders: Record<string, Contender | { skipped: string }> = {};
      try {
        let last: StepResult = { loss: NaN, gradSum: NaN };
        const ms = await medianWallMs(opts.reps, async () => { last = await ourStep(ctx, p, tensors, opts.steps); });
        contenders.wgneuro = { ms, ...last };
      } finally {
        for (const t of Object.values(tensors)) t.destroy();
      }
      for (const peer of wanted as (typeof TRAIN_PEERS)[number][]) {
        log(`${p.description}: ${peer}...`);
        try {
          const tf = await loadTf(ctx, peer, env);
          const v: Record<string, import('@tensorflow/tfjs-core').Tensor> = {};
          const vars: import('@tensorflow/tfjs-core').Variable[] = [];
          for (const [n, a] of Object.entries(p.arrays)) {
            if (p.params.includes(n)) {
              const variable = tf.variable(tf.tensor(a.data, a.shape), true, `${p.name}_${n}_${peer}`);
              v[n] = variable;
              vars.push(variable);
            } else v[n] = tf.tensor(a.data, a.shape);
          }
          const ordered = p.params.map((n) => vars.find((x) => x.name === `${p.name}_${n}_${peer}`)!);
          try {
            let last: StepResult = { loss: NaN, gradSum: NaN };
            const ms = await medianWallMs(opts.reps, async () => { last = await tfStep(tf, p, v, ordered, opts.steps); });
            contenders[peer] = { ms, ...last };
          } finally {
            tf.dispose(Object.values(v));
          }
        } catch (err) {
          contenders[peer] = { skipped: (err as Error).message.split('\n')[0]! };
        }
      }
      const ours = contenders.wgneuro as Contender;
      const ratios: Record<string, number> = {};
      const agreement: Record<string, { lossRelDiff: number; gradSumRelDiff: number }> = {};
      for (const [name, c] of Object.entries(contenders)) {
        if (name === 'wgneuro' || 'skipped' in c) continue;
        ratios[name] = c.ms / ours.ms;
        agreement[name] = {
          lossRelDiff: Math.abs(c.loss - ours.loss) / Math.max(Math.abs(ours.loss), 1e-12),
          gradSumRelDiff: Math.abs(c.gradSum - ours.gradSum) / Math.max(Math.abs(ours.gradSum), 1e-12),
        };
      }
      rows.push({ problem: p.name, description: p.description, contenders, speedupOverPeer: ratios, agreement });
    }
    return { adapter: ctx.info.adapter, runtime: ctx.info.runtime, reps: opts.reps, rows };
  } finally {
    if (!env.context) ctx.destroy();
  }
}

