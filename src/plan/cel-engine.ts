/**
 * The CEL engine behind cel.ts: one cel-js Environment per kind (mapping: `assertion`; condition: also
 * `attribute` and `google`), Google's `extract()`, a bounded compile cache, and message cleaning
 * (cel-js's caret line kept; claim values never included). Pure; no I/O.
 */
import type { ASTNode, Environment, ParseResult } from '@marcbachmann/cel-js';
import { cel } from './cel-lib.js';

export type CelKind = 'mapping' | 'condition';
export type CheckResult = { ok: true; type: string } | { ok: false; message: string };

/**
 * cel-js predefines a `google` constant (for `google.protobuf.*` types) that cannot be replaced, so in
 * conditions every `google` identifier is renamed to this same-length alias before checking/evaluating
 * (caret columns stay right) and the alias is turned back into `google` in every message.
 */
const GOOGLE_ALIAS = 'g0ogle';
const MAX_MESSAGE = 600;

/**
 * Google's `extract`: the part of `s` between the template's literal prefix and suffix around `{name}`;
 * '' when the template has no `{name}` or does not match.
 */
export function extract(s: string, template: string): string {
  const m = /\{[\w-]+\}/.exec(template);
  if (!m) return '';
  const prefix = template.slice(0, m.index);
  const suffix = template.slice(m.index + m[0].length);
  const at = prefix ? s.indexOf(prefix) : 0;
  if (at < 0) return '';
  const rest = s.slice(at + prefix.length);
  if (!suffix) return rest;
  const end = rest.indexOf(suffix);
  return end < 0 ? '' : rest.slice(0, end);
}

function baseEnv(): Environment {
  return new (cel().Environment)()
    .registerVariable('assertion', 'map<string, dyn>')
    .registerFunction('string.extract(string): string', extract);
}
/** Built on first use, not at import: commands that compile no CEL start faster (bench/RESULTS.md). */
const ENVS: Partial<Record<CelKind, Environment>> = {};
function envOf(kind: CelKind): Environment {
  ENVS[kind] ??= kind === 'mapping'
    ? baseEnv()
    : baseEnv().registerVariable('attribute', 'map<string, dyn>').registerVariable({ name: GOOGLE_ALIAS, schema: { subject: 'string', groups: 'list<string>' } });
  return ENVS[kind];
}

export interface Compiled {
  ok: true;
  program: ParseResult;
  type: string;
  /** The source actually compiled (with the `google` alias), for slicing sub-expressions. */
  source: string;
}
export type CompileResult = Compiled | { ok: false; message: string };

const CACHE_LIMIT = 2000;
/** One cache per kind, keyed by the expression itself (no concatenated key to hash on every lookup). */
const caches: Record<CelKind, Map<string, CompileResult>> = { mapping: new Map(), condition: new Map() };

/** Turn the internal alias back into `google` (in messages, or in re-serialized condition text). */
export function restoreGoogle(s: string): string {
  return s.split(GOOGLE_ALIAS).join('google');
}

/** Restore `google`, drop cel-js's blank line before the caret, and bound the length. */
export function cleanMessage(message: string): string {
  const m = restoreGoogle(message).replace(/\n\n>/, '\n>');
  return m.length > MAX_MESSAGE ? m.slice(0, MAX_MESSAGE) + '…' : m;
}

/** Visit every AST node (generic over cel-js's node shapes: args may be nodes, arrays, pairs or strings). */
export function walkAst(node: unknown, visit: (n: ASTNode) => void): void {
  if (Array.isArray(node)) {
    for (const x of node) walkAst(x, visit);
    return;
  }
  if (!node || typeof node !== 'object' || !('op' in node) || !('range' in node)) return;
  const n = node as ASTNode;
  visit(n);
  walkAst(n.args as unknown, visit);
}

/**
 * Conditions: `google` → the alias. Mappings: `google` is not a variable there (only `assertion` is), so
 * it is reported as unknown instead of resolving to cel-js's built-in constant.
 */
function renameGoogle(expr: string, ast: ASTNode, kind: CelKind): string | { message: string } {
  const spots: number[] = [];
  let clash: ASTNode | undefined;
  walkAst(ast, (n) => {
    if (n.op !== 'id') return;
    if (n.args === 'google') spots.push(n.range.start);
    if (n.args === GOOGLE_ALIAS || (n.args === 'google' && kind === 'mapping')) clash ??= n;
  });
  if (clash) return { message: new (cel().TypeError)(`Unknown variable: ${clash.args}`, clash).message };
  let out = expr;
  for (const at of spots) out = out.slice(0, at) + GOOGLE_ALIAS + out.slice(at + GOOGLE_ALIAS.length);
  return out;
}

function compileUncached(expr: string, kind: CelKind): CompileResult {
  const env = envOf(kind);
  let program: ParseResult;
  try {
    program = env.parse(expr);
  } catch (e) {
    return { ok: false, message: cleanMessage((e as Error).message) };
  }
  let source = expr;
  const renamed = renameGoogle(expr, program.ast, kind);
  if (typeof renamed !== 'string') return { ok: false, message: cleanMessage(renamed.message) };
  if (renamed !== expr) {
    source = renamed;
    program = env.parse(source);
  }
  const checked = program.check();
  if (!checked.valid) return { ok: false, message: cleanMessage(checked.error?.message ?? 'invalid expression') };
  return { ok: true, program, type: checked.type ?? 'dyn', source };
}

/** Parse + type-check once per (kind, expression); cached. */
export function compile(expr: string, kind: CelKind): CompileResult {
  const cache = caches[kind];
  let r = cache.get(expr);
  if (!r) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    r = compileUncached(expr, kind);
    cache.set(expr, r);
  }
  return r;
}

/** Evaluate a compiled expression; errors become messages (never thrown, never with claim values). */
export function run(c: Compiled, vars: Record<string, unknown>): { value: unknown } | { error: string } {
  try {
    return { value: c.program(vars) };
  } catch (e) {
    return { error: cleanMessage(e instanceof Error ? e.message : String(e)) };
  }
}

/** The variables a condition sees, under the names the compiled program uses. */
export function conditionVars(vars: ConditionVars): Record<string, unknown> {
  const g: Record<string, unknown> = {};
  if (vars.google.subject !== undefined) g.subject = vars.google.subject;
  if (vars.google.groups !== undefined) g.groups = vars.google.groups;
  return { assertion: vars.assertion, attribute: vars.attribute, [GOOGLE_ALIAS]: g };
}

export interface ConditionVars {
  assertion: object;
  attribute: Record<string, unknown>;
  google: { subject?: string; groups?: string[] };
}

/** A CEL-ish type name of a runtime value (for messages that must not show the value itself). */
export function celTypeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v === 'string' ? 'string' : 'bool';
  if (Array.isArray(v)) return 'list';
  return 'map';
}
