import { UsageError, InterruptedError } from './errors.js';

/**
 * Guarded prompts. Every question names the flag that answers it, so a non-interactive run fails with a
 * usage error naming that flag instead of blocking. Tests use `scriptedPrompter` (answers keyed by question key).
 */
export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
  checked?: boolean;
}
interface Base {
  /** Stable key, used by scripted answers in tests. */
  key: string;
  message: string;
  /** The flag that answers this question non-interactively, e.g. `--pool`. */
  flag: string;
}
export interface InputQuestion extends Base { default?: string; validate?: (v: string) => true | string }
export interface ConfirmQuestion extends Base { default?: boolean }
export interface SelectQuestion<T> extends Base { choices: Choice<T>[]; default?: T }
export interface CheckboxQuestion<T> extends Base { choices: Choice<T>[] }

export interface Prompter {
  readonly interactive: boolean;
  input(q: InputQuestion): Promise<string>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
  select<T>(q: SelectQuestion<T>): Promise<T>;
  checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]>;
}

function missing(q: Base): never {
  throw new UsageError('input.missing', `${q.flag} is required: ${q.message.replace(/[?:]\s*$/, '')}.`, {
    hint: `Pass ${q.flag}, or run in a terminal to be asked.`,
  });
}

/** A prompter that never asks: every question is a usage error naming its flag. */
export const nonInteractivePrompter: Prompter = {
  interactive: false,
  input: async (q) => missing(q),
  confirm: async (q) => missing(q),
  select: async (q) => missing(q),
  checkbox: async (q) => missing(q),
};

function isExitPrompt(e: unknown): boolean {
  return e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError');
}

/** Real prompts with @inquirer/prompts, imported lazily. Ctrl-C becomes InterruptedError (exit 130). */
export function inquirerPrompter(signal?: AbortSignal): Prompter {
  const wrap = async <R>(f: () => Promise<R>): Promise<R> => {
    try {
      return await f();
    } catch (e) {
      if (isExitPrompt(e)) throw new InterruptedError();
      throw e;
    }
  };
  const ctx = { signal, output: process.stderr };
  return {
    interactive: true,
    input: (q) => wrap(async () => (await import('@inquirer/prompts')).input({ message: q.message, default: q.default, validate: q.validate }, ctx)),
    confirm: (q) => wrap(async () => (await import('@inquirer/prompts')).confirm({ message: q.message, default: q.default }, ctx)),
    select: <T>(q: SelectQuestion<T>) => wrap(async () => (await import('@inquirer/prompts')).select<T>({ message: q.message, choices: q.choices, default: q.default }, ctx)),
    checkbox: <T>(q: CheckboxQuestion<T>) => wrap(async () => (await import('@inquirer/prompts')).checkbox<T>({ message: q.message, choices: q.choices }, ctx)),
  };
}

/**
 * Scripted answers for tests: `answers[key]` is used for the question with that key; the special value
 * `DEFAULT` accepts the question's default. A question without an answer, or an answer never asked for
 * (see `unused()`), fails the test.
 */
export const DEFAULT = Symbol('default');
export function scriptedPrompter(answers: Record<string, unknown>): Prompter & { asked: string[]; unused(): string[] } {
  const asked: string[] = [];
  const take = (q: Base & { default?: unknown; choices?: Choice<unknown>[] }) => {
    asked.push(q.key);
    if (!(q.key in answers)) throw new Error(`scripted prompter: unexpected question "${q.key}" (${q.message})`);
    const a = answers[q.key];
    if (a !== DEFAULT) return a;
    if (q.default !== undefined) return q.default;
    if (q.choices?.length) return q.choices[0].value;
    throw new Error(`scripted prompter: question "${q.key}" has no default`);
  };
  return {
    interactive: true,
    asked,
    unused: () => Object.keys(answers).filter((k) => !asked.includes(k)),
    input: async (q) => {
      const v = String(take(q));
      const ok = q.validate?.(v) ?? true;
      if (ok !== true) throw new Error(`scripted prompter: answer to "${q.key}" rejected: ${ok}`);
      return v;
    },
    confirm: async (q) => Boolean(take(q)),
    select: async <T>(q: SelectQuestion<T>) => take(q as never) as T,
    checkbox: async <T>(q: CheckboxQuestion<T>) => {
      // DEFAULT on a checkbox accepts the pre-checked choices (what Enter does in a terminal).
      const a = answers[q.key] === DEFAULT ? (asked.push(q.key), undefined) : take(q as never);
      return (a === undefined ? q.choices.filter((c) => c.checked).map((c) => c.value) : a) as T[];
    },
  };
}
