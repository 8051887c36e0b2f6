import { UsageError } from '../core/errors.js';
import type { CheckboxQuestion, ConfirmQuestion, InputQuestion, Prompter, SelectQuestion } from '../core/prompt.js';

/**
 * The wizard's view of prompts. When prompting is not allowed (`--yes`, no TTY, CI, JSON output) each
 * question takes its default, and a question without one is a usage error naming the flag that answers it
 * (SPEC §1: "a missing required answer is a usage error naming the flag"). Otherwise it asks.
 */
export interface Asker {
  /** True when questions are really asked (a human is there). */
  readonly asking: boolean;
  input(q: InputQuestion): Promise<string>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
  select<T>(q: SelectQuestion<T>): Promise<T>;
  checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]>;
}

/** A usage error (exit 2) naming the flag that answers `q`. */
export function missing(q: { flag: string; message: string }): never {
  throw new UsageError('input.missing', `${q.flag} is required: ${q.message.replace(/[?:]\s*$/, '')}.`, {
    hint: `Pass ${q.flag}${q.flag.startsWith('--') ? ' …' : ''}, or run wif init in a terminal (without --yes) to be asked.`,
  });
}

/** An Asker over `prompt`; `neverPrompt` makes every question take its default (or fail naming its flag). */
export function makeAsker(prompt: Prompter, neverPrompt: boolean): Asker {
  const asking = prompt.interactive && !neverPrompt;
  if (asking) {
    return {
      asking,
      input: (q) => prompt.input(q),
      confirm: (q) => prompt.confirm(q),
      select: (q) => prompt.select(q),
      checkbox: (q) => prompt.checkbox(q),
    };
  }
  return {
    asking,
    async input(q) {
      if (q.default === undefined) missing(q);
      const ok = q.validate?.(q.default) ?? true;
      if (ok !== true) throw new UsageError('input.invalid', `${q.flag}: the default ${JSON.stringify(q.default)} is not valid: ${ok}`, { hint: `Pass ${q.flag} explicitly.` });
      return q.default;
    },
    async confirm(q) {
      if (q.default === undefined) missing(q);
      return q.default;
    },
    async select(q) {
      if (q.default === undefined) missing(q);
      return q.default;
    },
    async checkbox(q) {
      const checked = q.choices.filter((c) => c.checked).map((c) => c.value);
      if (!checked.length) missing(q);
      return checked;
    },
  };
}
