/**
 * Attribute-mapping evaluation with Google's runtime rules (research/gcp-api.md §2.2, §3.3):
 * `google.subject` must be a STRING of at most 127 bytes, `google.groups` a list of strings, every
 * `attribute.*` a string or a list of strings, and all mapped values together at most 8 KB.
 */
import { celTypeOf, compile, run } from './cel-engine.js';

export const MAX_SUBJECT_BYTES = 127;
export const MAX_ATTRIBUTES_BYTES = 8192;

/**
 * One problem met while mapping. `sts` is set when real STS rejects the token for it (the OAuth error
 * body it returns); without `sts` the problem only drops that attribute. [UNVERIFIED] Google does not
 * document what happens when a custom attribute's expression fails (e.g. a missing claim): wif assumes
 * the attribute is left unset; a wrong *type* is treated as fatal, as for google.subject.
 */
export interface MappingError {
  key: string;
  message: string;
  sts?: { error: 'invalid_request' | 'unauthorized_client'; description: string };
}

export interface MappingResult {
  subject?: string;
  groups?: string[];
  /** Custom attributes by name (without the `attribute.` prefix). */
  attributes: Record<string, string | string[]>;
  errors: MappingError[];
}

const NOT_STRING = "The mapped attribute 'google.subject' must be of type STRING.";
const SUBJECT_TOO_LONG =
  'The size of mapped attribute google.subject exceeds the 127 bytes limit. Either modify your attribute mapping or the incoming assertion to produce a mapped attribute that is less than 127 bytes.';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function fatal(key: string, message: string, error: 'invalid_request' | 'unauthorized_client', description: string): MappingError {
  return { key, message, sts: { error, description } };
}

/** Check one evaluated value against its key's type rule; returns the accepted value or an error. */
function accept(key: string, v: unknown): { value: string | string[] } | { error: MappingError } {
  if (key === 'google.subject') {
    if (typeof v !== 'string') return { error: fatal(key, `google.subject evaluated to ${celTypeOf(v)}; it must be a string`, 'unauthorized_client', NOT_STRING) };
    const n = bytes(v);
    if (n > MAX_SUBJECT_BYTES) return { error: fatal(key, `google.subject is ${n} bytes; Google allows at most ${MAX_SUBJECT_BYTES}`, 'invalid_request', SUBJECT_TOO_LONG) };
    return { value: v };
  }
  if (key === 'google.groups') {
    if (isStringList(v)) return { value: v };
    return { error: fatal(key, `google.groups evaluated to ${celTypeOf(v)}; it must be a list of strings`, 'unauthorized_client', "The mapped attribute 'google.groups' must be of type LIST<STRING>.") };
  }
  if (typeof v === 'string' || isStringList(v)) return { value: v };
  return { error: fatal(key, `${key} evaluated to ${celTypeOf(v)}; it must be a string or a list of strings`, 'unauthorized_client', `The mapped attribute '${key}' must be of type STRING.`) };
}

/**
 * Evaluate every mapping expression against the token claims (`assertion`). Never throws: problems are
 * collected in `errors` (keyed by mapping key, `*` for the total-size rule). When any error has `sts`,
 * STS would reject the token with that body.
 */
export function evaluateMapping(mapping: Record<string, string>, assertion: object): MappingResult {
  const out: MappingResult = { attributes: {}, errors: [] };
  let total = 0;
  for (const [key, expr] of Object.entries(mapping)) {
    const c = compile(expr, 'mapping');
    const r = c.ok ? run(c, { assertion }) : { error: c.message };
    if ('error' in r) {
      out.errors.push(key === 'google.subject'
        ? fatal(key, `google.subject could not be evaluated: ${r.error}`, 'unauthorized_client', NOT_STRING)
        : { key, message: `${key} could not be evaluated (left unset): ${r.error}` });
      continue;
    }
    const a = accept(key, r.value);
    if ('error' in a) {
      out.errors.push(a.error);
      continue;
    }
    total += typeof a.value === 'string' ? bytes(a.value) : a.value.reduce((n, s) => n + bytes(s), 0);
    if (key === 'google.subject') out.subject = a.value as string;
    else if (key === 'google.groups') out.groups = a.value as string[];
    else if (key.startsWith('attribute.')) out.attributes[key.slice('attribute.'.length)] = a.value;
  }
  if (!('google.subject' in mapping)) {
    out.errors.push(fatal('google.subject', 'the mapping has no google.subject', 'invalid_request', 'The attribute mapping must include google.subject.'));
  }
  if (total > MAX_ATTRIBUTES_BYTES) {
    const d = `The size of mapped attributes exceeds the ${MAX_ATTRIBUTES_BYTES} bytes limit.`;
    out.errors.push(fatal('*', `the mapped attributes total ${total} bytes; Google allows at most ${MAX_ATTRIBUTES_BYTES}`, 'invalid_request', d));
  }
  return out;
}
