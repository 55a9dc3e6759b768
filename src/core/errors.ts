/**
 * Typed errors. Each has a stable `code` (shown as `[code]` by the CLI), readonly context
 * fields and an optional `cause`. Only src/vscode and src/cli turn them into user text.
 */

export const ErrorCode = {
  TemplateInvalid: 'template_invalid',
  TemplateNotFound: 'template_not_found',
  InputInvalid: 'input_invalid',
  RunNotFound: 'run_not_found',
  RunNotFinished: 'run_not_finished',
  StepNotFound: 'step_not_found',
  GateNotFound: 'gate_not_found',
  GateAlreadyDecided: 'gate_already_decided',
  GateNotAllowed: 'gate_not_allowed',
  InvalidTransition: 'invalid_transition',
  DatabaseTooNew: 'database_too_new',
  DatabaseCorrupt: 'database_corrupt',
  ExecutableNotFound: 'executable_not_found',
  StepFailed: 'step_failed',
  StepTimeout: 'step_timeout',
  StepCancelled: 'step_cancelled',
  ExpressionFailed: 'expression_failed',
  LeaseLost: 'lease_lost',
  Usage: 'usage',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class: every error Baton raises on purpose. */
export class BatonError extends Error {
  readonly code: ErrorCode;
  /** False when trying again cannot help (bad template, missing binary). */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** One located problem in a template file. */
export interface TemplateProblem {
  file: string;
  line: number;
  column: number;
  /** JSON-pointer-like path of the field, e.g. `steps[2].needs`. */
  path: string;
  message: string;
  /** Stable machine code, e.g. `unknown-key`, `cycle`. */
  code: string;
  hint?: string;
  severity: 'error' | 'warning';
}

export class TemplateInvalidError extends BatonError {
  constructor(
    readonly file: string,
    readonly problems: readonly TemplateProblem[],
  ) {
    const first = problems[0];
    super(
      ErrorCode.TemplateInvalid,
      first
        ? `${file}:${first.line}:${first.column}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`
        : `${file}: invalid template`,
    );
  }
}

export class TemplateNotFoundError extends BatonError {
  constructor(readonly templateId: string) {
    super(ErrorCode.TemplateNotFound, `template not found: ${templateId}`);
  }
}

/** One bad input field. */
export interface InputProblem {
  field: string;
  message: string;
}

export class InputInvalidError extends BatonError {
  constructor(
    readonly templateId: string,
    readonly problems: readonly InputProblem[],
  ) {
    super(
      ErrorCode.InputInvalid,
      `invalid inputs for ${templateId}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    );
  }
}

export class RunNotFoundError extends BatonError {
  constructor(readonly runId: string) {
    super(ErrorCode.RunNotFound, `run not found: ${runId}`);
  }
}

/** Something only a finished run allows (archiving) was asked of a run that is not finished. */
export class RunNotFinishedError extends BatonError {
  constructor(
    readonly runId: string,
    readonly status: string,
    readonly action: string,
    cause?: unknown,
  ) {
    super(ErrorCode.RunNotFinished, `run ${runId} is ${status}: only a finished run (succeeded, failed, cancelled) can be ${action}`, { cause });
  }
}

export class StepNotFoundError extends BatonError {
  constructor(
    readonly runId: string,
    readonly stepId: string,
  ) {
    super(ErrorCode.StepNotFound, `step ${stepId} not found in run ${runId}`);
  }
}

export class GateNotFoundError extends BatonError {
  constructor(
    readonly runId: string,
    readonly gateId: string,
  ) {
    super(ErrorCode.GateNotFound, `no gate ${gateId} waiting in run ${runId}`);
  }
}

export class GateAlreadyDecidedError extends BatonError {
  constructor(
    readonly runId: string,
    readonly gateId: string,
    readonly decision: string,
    readonly decidedBy: string | null,
  ) {
    super(
      ErrorCode.GateAlreadyDecided,
      `gate ${gateId} in run ${runId} was already ${decision}${decidedBy ? ` by ${decidedBy}` : ''}`,
    );
  }
}

export class GateNotAllowedError extends BatonError {
  constructor(
    readonly gateId: string,
    readonly user: string,
    readonly approvers: readonly string[],
  ) {
    super(ErrorCode.GateNotAllowed, `${user} may not decide gate ${gateId}; approvers: ${approvers.join(', ')}`);
  }
}

export class InvalidTransitionError extends BatonError {
  constructor(
    readonly entity: 'run' | 'step',
    readonly id: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(ErrorCode.InvalidTransition, `${entity} ${id} cannot go from ${from} to ${to}`);
  }
}

export class DatabaseTooNewError extends BatonError {
  constructor(
    readonly path: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      ErrorCode.DatabaseTooNew,
      `${path} has schema version ${found}, newer than this Baton supports (${supported}); update Baton`,
    );
  }
}

export class DatabaseCorruptError extends BatonError {
  constructor(
    readonly path: string,
    cause?: unknown,
  ) {
    super(ErrorCode.DatabaseCorrupt, `${path} is not a usable Baton database`, { cause });
  }
}

export class ExecutableNotFoundError extends BatonError {
  constructor(
    readonly executable: string,
    readonly installHint: string,
  ) {
    super(ErrorCode.ExecutableNotFound, `${executable} not found: ${installHint}`);
  }
}

export class StepFailedError extends BatonError {
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(ErrorCode.StepFailed, message, { retryable: true, ...options });
  }
}

export class StepTimeoutError extends BatonError {
  constructor(readonly timeoutMs: number) {
    super(ErrorCode.StepTimeout, `step timed out after ${timeoutMs} ms`, { retryable: true });
  }
}

/** An expression could not be parsed or evaluated (at run time: fails the step, not retryable). */
export class ExpressionError extends BatonError {
  constructor(
    readonly expression: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(ErrorCode.ExpressionFailed, `expression \`${expression}\` failed: ${reason}`, { cause });
  }
}

/** A worker reported on a step it no longer owns (its lease expired and another took over). */
export class LeaseLostError extends BatonError {
  constructor(
    readonly stepRowId: number,
    readonly owner: string,
  ) {
    super(ErrorCode.LeaseLost, `worker ${owner} no longer holds the lease of step row ${stepRowId}`);
  }
}

export class UsageError extends BatonError {
  constructor(message: string) {
    super(ErrorCode.Usage, message);
  }
}

/** Short text for any thrown value (for logs and events). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
