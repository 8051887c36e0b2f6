/**
 * Why an attribute condition is false, in words: walks the condition's `||`/`&&`/`!` structure and, for the
 * comparison that failed, evaluates each side and says what it was ("namespace is 'default', allowed:
 * ['backend']"). Values are shown short (truncated); this is for explain/doctor/the wizard, not for errors.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { cel } from './cel-lib.js';
import { restoreGoogle, compile, conditionVars, run, type ConditionVars } from './cel-engine.js';

const FRIENDLY: Record<string, string> = {
  'assertion.kubernetes.io.namespace': 'namespace',
  'attribute.namespace': 'namespace',
  'assertion.sub': 'subject',
  'google.subject': 'subject',
  'assertion.kubernetes.io.serviceaccount.name': 'service account',
  'attribute.service_account_name': 'service account',
  'assertion.kubernetes.io.pod.name': 'pod',
  'attribute.pod': 'pod',
  'assertion.iss': 'issuer',
  'assertion.aud': 'audience',
};
const MAX_VALUE = 80;

type Eval = { value: unknown } | { error: string };

/** Parentheses balance outside string literals. */
function balanced(s: string): boolean {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Render a value CEL-style and short: 'x', ['a', 'b'], 3, true. */
export function show(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = `'${v}'`;
  else if (Array.isArray(v)) s = `[${v.map(show).join(', ')}]`;
  else if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' || v === null) s = String(v);
  else if (v instanceof Map) s = `{${[...v.keys()].map(show).join(', ')}}`;
  else s = v && typeof v === 'object' ? `{${Object.keys(v).map((k) => `'${k}'`).join(', ')}}` : String(v);
  return s.length > MAX_VALUE ? s.slice(0, MAX_VALUE - 1) + '…' : s;
}

class Reasoner {
  constructor(private readonly expr: string, private readonly vars: ConditionVars) {}

  /** The node's text as the user wrote it, or re-serialized when its range cuts through parentheses. */
  src(n: ASTNode): string {
    const s = this.expr.slice(n.range.start, n.range.end);
    return balanced(s) ? s : this.canonical(n);
  }
  /** cel-js's serialization, with the internal `google` alias turned back. */
  canonical(n: ASTNode): string {
    return restoreGoogle(cel().serialize(n));
  }
  label(n: ASTNode): string {
    const path = this.src(n).replace(/\s+/g, '').replace(/\[(['"])(.*?)\1\]/g, '.$2');
    return FRIENDLY[path] ?? this.src(n);
  }
  eval(n: ASTNode): Eval {
    const c = compile(this.canonical(n), 'condition');
    return c.ok ? run(c, conditionVars(this.vars)) : { error: c.message };
  }

  /** Reasons `n` is not true (empty when it is true). */
  why(n: ASTNode): string[] {
    const r = this.eval(n);
    if ('value' in r && r.value === true) return [];
    if ('error' in r) return [`${this.src(n)} could not be evaluated: ${r.error.split('\n')[0]}`];
    switch (n.op) {
      case '||': return [...this.why(n.args[0]), ...this.why(n.args[1])];
      case '&&': {
        const left = this.why(n.args[0]);
        return left.length ? left : this.why(n.args[1]);
      }
      case '!_': return [`${this.src(n.args)} is true`];
      case '==': return [this.compare(n.args, 'expected')];
      case '!=': return [`${this.label(n.args[0])} is ${this.value(n.args[0])}, which is excluded`];
      case 'in': return [this.compare(n.args, 'allowed:')];
      case 'rcall': return [this.call(n)];
      default: return [`${this.src(n)} is ${show((r as { value: unknown }).value)}`];
    }
  }

  value(n: ASTNode): string {
    const r = this.eval(n);
    return 'value' in r ? show(r.value) : `an error (${r.error.split('\n')[0]})`;
  }
  compare([l, r]: [ASTNode, ASTNode], word: string): string {
    const literal = r.op === 'value' || r.op === 'list';
    return literal
      ? `${this.label(l)} is ${this.value(l)}, ${word} ${this.value(r)}`
      : `${this.label(l)} is ${this.value(l)}, ${this.label(r)} is ${this.value(r)}`;
  }
  call(n: ASTNode & { op: 'rcall' }): string {
    const [fn, recv, args] = n.args;
    const verbs: Record<string, string> = { startsWith: 'does not start with', endsWith: 'does not end with', contains: 'does not contain', matches: 'does not match' };
    const verb = verbs[fn];
    if (verb && args.length === 1) return `${this.label(recv)} is ${this.value(recv)}, which ${verb} ${this.value(args[0])}`;
    return `${this.src(n)} is false`;
  }
}

/**
 * Why `expr` does not admit the token described by `vars`: one short sentence per failed alternative,
 * joined with "; ". Empty string when the condition is true.
 */
export function explainCondition(expr: string, vars: ConditionVars): string {
  const c = compile(expr, 'condition');
  if (!c.ok) return `the condition is not valid CEL: ${c.message.split('\n')[0]}`;
  const whole = run(c, conditionVars(vars));
  if ('value' in whole && whole.value === true) return '';
  if ('value' in whole && typeof whole.value !== 'boolean') return `the condition returned ${show(whole.value)}, not a bool`;
  const reasons = new Reasoner(expr, vars).why(c.program.ast);
  return reasons.length ? reasons.join('; ') : 'the condition is false';
}
