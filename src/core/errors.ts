/**
 * The error model. Every failure a user can meet is a WifError with a stable lower-case `code`
 * (e.g. `gcp.pool.permission-denied`), a message naming the input and the rule, and a `hint` naming the fix.
 * Exit codes: 0 ok · 1 operation failed · 2 usage/bad input · 130 interrupted. Only main.ts prints and exits.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export interface ErrorOptions {
  hint?: string;
  details?: unknown;
  cause?: unknown;
}

export class WifError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly details?: unknown;
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode: number, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
    this.exitCode = exitCode;
  }
}

/** Bad input or a usage mistake: exit 2, nothing was changed. */
export class UsageError extends WifError {
  constructor(code: string, message: string, opts: ErrorOptions = {}) {
    super(code, message, EXIT_USAGE, opts);
  }
}

/** An API call, a verification or a check failed: exit 1. */
export class OperationError extends WifError {
  constructor(code: string, message: string, opts: ErrorOptions = {}) {
    super(code, message, EXIT_FAILED, opts);
  }
}

/** Ctrl-C / SIGTERM: exit 130. */
export class InterruptedError extends WifError {
  constructor(message = 'Interrupted.') {
    super('interrupted', message, EXIT_INTERRUPTED, { hint: 'Nothing was left half-written; re-run the command to continue.' });
  }
}

/** One problem found by validation: which input, which rule, and the message shown to the user. */
export interface Problem {
  /** The flag or file field, e.g. `--pool` or `wif.yaml: provider.id`. */
  input: string;
  /** A short rule identifier, e.g. `pool-id.pattern`. */
  rule: string;
  message: string;
  hint?: string;
}

/** All validation problems at once (exit 2). */
export class ValidationError extends UsageError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    const lines = problems.map((p) => `${p.input}: ${p.message}`);
    const message = problems.length === 1 ? lines[0] : `${problems.length} problems:\n  - ${lines.join('\n  - ')}`;
    const hints = [...new Set(problems.map((p) => p.hint).filter((h): h is string => !!h))];
    super('input.invalid', message, { hint: hints.join(' ') || undefined, details: problems });
    this.problems = problems;
  }
}

/** Throw a ValidationError when `problems` is not empty. */
export function assertNoProblems(problems: Problem[]): void {
  if (problems.length) throw new ValidationError(problems);
}

/** A command or feature that exists in the command tree but is not built yet (exit 1, never pretends). */
export class NotImplementedError extends OperationError {
  constructor(what: string) {
    super('not-implemented', `${what} is not implemented yet in this version of wif.`, {
      hint: 'See CHANGELOG.md for what is available.',
    });
  }
}
