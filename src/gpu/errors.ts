/**
 * Errors wgneuro throws. Every one names its cause in the user's terms; GPU-side failures carry the
 * label of the kernel or buffer involved so a failing run can be traced to the code that caused it.
 */

/** Base class: `instanceof WgneuroError` catches everything this library throws on purpose. */
export class WgneuroError extends Error {
  override name = 'WgneuroError';
}

/** No WebGPU adapter or device could be obtained; `attempts` lists what was tried, in order. */
export class GPUUnavailableError extends WgneuroError {
  override name = 'GPUUnavailableError';
  readonly attempts: string[];
  constructor(message: string, attempts: string[]) {
    super(`${message}\nTried:\n${attempts.map((a) => `  - ${a}`).join('\n')}`);
    this.attempts = attempts;
  }
}

/** One diagnostic from WGSL compilation, with 1-based line and column in the shader source. */
export interface ShaderMessage {
  type: GPUCompilationMessageType;
  line: number;
  column: number;
  message: string;
  /** The offending source line, for display. */
  source: string;
}

/** A WGSL shader failed to compile; the message shows `label:line:col` and the source line. */
export class ShaderCompileError extends WgneuroError {
  override name = 'ShaderCompileError';
  readonly label: string;
  readonly messages: ShaderMessage[];
  constructor(label: string, messages: ShaderMessage[]) {
    const lines = messages.map(
      (m) => `${label}:${m.line}:${m.column}: ${m.type}: ${m.message}\n    ${m.source.trim()}`,
    );
    super(`WGSL compilation of '${label}' failed:\n${lines.join('\n')}`);
    this.label = label;
    this.messages = messages;
  }
}

/** The GPU rejected an operation (validation error) or ran out of memory; `label` names the work. */
export class GPUOperationError extends WgneuroError {
  override name = 'GPUOperationError';
  readonly label: string;
  readonly kind: 'validation' | 'out-of-memory' | 'internal' | 'pipeline';
  constructor(label: string, kind: GPUOperationError['kind'], detail: string) {
    super(`${kind} error in '${label}': ${detail}`);
    this.label = label;
    this.kind = kind;
  }
}

/** A requested size exceeds what this device allows, detected before any GPU work. */
export class LimitError extends WgneuroError {
  override name = 'LimitError';
  readonly label: string;
  readonly limit: string;
  readonly requested: number;
  readonly allowed: number;
  constructor(label: string, limit: string, requested: number, allowed: number, hint = '') {
    super(
      `'${label}' needs ${limit} = ${requested}, but this device allows at most ${allowed}` +
        (hint ? `. ${hint}` : ''),
    );
    this.label = label;
    this.limit = limit;
    this.requested = requested;
    this.allowed = allowed;
  }
}

/** The device was lost (driver reset, destroyed, tab backgrounded); the context is unusable. */
export class DeviceLostError extends WgneuroError {
  override name = 'DeviceLostError';
  readonly reason: string;
  constructor(reason: string, detail: string) {
    super(`GPU device lost (${reason}): ${detail || 'no message'}. Create a new context to continue.`);
    this.reason = reason;
  }
}

/** Bad user input (shapes, options, values), detected before any GPU work. */
export class InputError extends WgneuroError {
  override name = 'InputError';
}

/**
 * A computed result is not usable as a whole: non-finite entries from finite input (overflow), an
 * iteration that did not converge or diverged. Carries which parts failed where it can.
 */
export class NumericalError extends WgneuroError {
  override name = 'NumericalError';
}
