/**
 * CEL as Google's Workload Identity Federation runs it (research/gcp-api.md §2.2–2.3, §3.3; deps.md §2):
 * attribute-mapping expressions see `assertion`; the attribute condition also sees `attribute` (the mapped
 * custom attributes) and `google` (`subject`, `groups`). Google's `string.extract(template)` is registered.
 * Compiled programs are cached (the sandbox's STS and `explain` over many KSAs evaluate the same few
 * expressions many times). Error messages carry cel-js's caret line, never claim values.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { cel } from './cel-lib.js';
import { celTypeOf, compile, conditionVars, run, walkAst, cleanMessage, type CelKind, type CheckResult, type ConditionVars } from './cel-engine.js';
import { MAPPING_PRESETS } from './mapping.js';

const PRESET_EXPRESSIONS = new Set(Object.values(MAPPING_PRESETS).flatMap((m) => Object.values(m)));

export type { CelKind, CheckResult, ConditionVars } from './cel-engine.js';
export { extract } from './cel-engine.js';
export { evaluateMapping, MAX_SUBJECT_BYTES, MAX_ATTRIBUTES_BYTES, type MappingResult, type MappingError } from './cel-mapping.js';

/** `attribute.x` / `attribute['x']` references whose key is not among `mapped` (names without `attribute.`). */
function unmappedAttributeRefs(ast: ASTNode, mapped: ReadonlySet<string>): { name: string; node: ASTNode }[] {
  const out: { name: string; node: ASTNode }[] = [];
  walkAst(ast, (n) => {
    let name: unknown;
    if (n.op === '.' || n.op === '.?') name = n.args[0].op === 'id' && n.args[0].args === 'attribute' ? n.args[1] : undefined;
    else if (n.op === '[]' || n.op === '[?]') {
      const [obj, key] = n.args;
      if (obj.op === 'id' && obj.args === 'attribute' && key.op === 'value') name = key.args;
    }
    if (typeof name === 'string' && !mapped.has(name)) out.push({ name, node: n });
  });
  return out;
}

/**
 * Syntax + type check without evaluating. For conditions, `mappedAttributes` (custom attribute names,
 * with or without the `attribute.` prefix) makes a reference to any other `attribute.x` an error.
 * Returns the inferred CEL type (`bool`, `string`, `dyn`, `list<string>`, …) or a message with a caret.
 */
export function checkExpression(expr: string, kind: CelKind, mappedAttributes?: string[]): CheckResult {
  // The presets' own expressions: known valid, so a preset mapping loads no CEL engine (fuzz-cli.test.ts checks
  // that the engine agrees).
  if (kind === 'mapping' && PRESET_EXPRESSIONS.has(expr)) return { ok: true, type: 'dyn' };
  const c = compile(expr, kind);
  if (!c.ok) return { ok: false, message: c.message };
  if (kind === 'condition' && mappedAttributes) {
    const mapped = new Set(mappedAttributes.map((a) => a.replace(/^attribute\./, '')));
    const bad = unmappedAttributeRefs(c.program.ast, mapped);
    if (bad.length) {
      const known = mapped.size ? [...mapped].map((a) => `attribute.${a}`).join(', ') : 'none';
      const msg = `attribute.${bad[0].name} is not mapped (mapped attributes: ${known})`;
      return { ok: false, message: cleanMessage(new (cel().TypeError)(msg, bad[0].node).message) };
    }
  }
  if (kind === 'condition' && c.type !== 'bool' && c.type !== 'dyn') {
    return { ok: false, message: `the condition must be a bool expression, but it is of type ${c.type}` };
  }
  return { ok: true, type: c.type };
}

/**
 * Whether a mapping value of CEL type `type` can be assigned to `key` (google.subject: string;
 * google.groups: list of strings; attribute.*: string or list of strings; `dyn` is decided at runtime).
 * Returns the problem in words, or undefined.
 */
export function mappingTypeProblem(key: string, type: string): string | undefined {
  if (type === 'dyn') return undefined;
  const isList = type === 'list' || type === 'list<string>' || type === 'list<dyn>';
  if (key === 'google.subject') return type === 'string' ? undefined : `google.subject must be a string, but the expression is of type ${type}`;
  if (key === 'google.groups') return isList ? undefined : `google.groups must be a list of strings, but the expression is of type ${type}`;
  return type === 'string' || isList ? undefined : `${key} must be a string or a list of strings, but the expression is of type ${type}`;
}

/** STS's body when the attribute condition is not true (research/gcp-api.md §2.3, §3.3; HTTP 400). */
export const STS_CONDITION_REJECTED = { error: 'unauthorized_client', description: 'The given credential is rejected by the attribute condition.' } as const;

/**
 * Evaluate an attribute condition as STS does: anything but `true` (false, a non-bool, an error such as a
 * missing claim) rejects the credential. `error` explains a non-bool or a failed evaluation.
 */
export function evaluateCondition(expr: string, vars: ConditionVars): { result: boolean; error?: string } {
  const c = compile(expr, 'condition');
  if (!c.ok) return { result: false, error: c.message };
  const r = run(c, conditionVars(vars));
  if ('error' in r) return { result: false, error: r.error };
  if (typeof r.value !== 'boolean') return { result: false, error: `the condition returned ${celTypeOf(r.value)}, not a bool` };
  return { result: r.value };
}
