/**
 * The human rendering of `wif explain` (pure). The JSON form is the result object itself.
 */
import type { Colors } from '../core/color.js';
import type { ExplainResult } from '../commands/explain.js';

const FLAG_OF: Record<string, string> = { PROJECT_NUMBER: '--project-number', POOL_ID: '--pool', PROJECT_ID: '--project' };

function fmt(v: string | string[]): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function sourceLines(r: ExplainResult, c: Colors): string[] {
  const head = r.source.kind === 'token'
    ? `${c.bold('Token')} ${r.source.from} ${c.yellow('(decoded only: the signature was NOT checked)')}`
    : `${c.bold('Token')} synthesized claims for ${r.source.from}, in the shape kube-apiserver issues`;
  const out = [head];
  const { iss, sub, aud } = r.claims;
  out.push(`  iss  ${String(iss)}${r.source.placeholderIssuer ? c.dim('  (placeholder: pass --issuer-uri or set it in wif.yaml)') : ''}`);
  out.push(`  sub  ${String(sub)}`);
  out.push(`  aud  ${Array.isArray(aud) ? aud.join(', ') : String(aud)}`);
  return out;
}

function mappingLines(r: ExplainResult, c: Colors): string[] {
  const rows: [string, string][] = [['google.subject', r.subject ?? c.red('(none)')]];
  if (r.groups) rows.push(['google.groups', fmt(r.groups)]);
  for (const [k, v] of Object.entries(r.attributes)) rows.push([`attribute.${k}`, fmt(v)]);
  for (const e of r.mappingErrors) {
    if (e.key === 'google.subject' || e.key === '*') continue;
    if (!rows.some(([k]) => k === e.key)) rows.push([e.key, c.dim(`(unset: ${e.message.split('\n')[0].replace(/^.*?: /, '')})`)]);
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  const out = [c.bold('Mapping'), ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)];
  for (const e of r.mappingErrors.filter((x) => x.sts)) out.push(`  ${c.red('rejected')}: ${e.message.split('\n')[0]} (STS: ${e.sts!.error} "${e.sts!.description}")`);
  return out;
}

function conditionLines(r: ExplainResult, c: Colors): string[] {
  const cond = r.condition;
  if (cond.expression === null) return [`${c.bold('Condition')} ${c.dim('(none)')}`, `  ${cond.reason}`];
  const verdict = cond.result ? c.green('true') : c.red('false');
  return [`${c.bold('Condition')} ${cond.expression}`, `  ${verdict}${cond.reason ? `: ${cond.reason}` : ''}`];
}

function principalLines(r: ExplainResult, c: Colors): string[] {
  let head = c.bold(r.admitted ? 'Principals this identity matches' : 'Principals it would match if admitted');
  if (r.placeholders.length) {
    head += c.dim(` (${r.placeholders.join(', ')} are placeholders: pass ${r.placeholders.map((p) => FLAG_OF[p] ?? p).join(', ')}, or run where wif.yaml is)`);
  }
  const w = Math.max(...r.principalDetails.map((p) => p.member.length));
  return [head, ...r.principalDetails.map((p) => `  ${p.member.padEnd(w)}  ${c.dim(p.via)}`)];
}

/** The full text explanation of one token. */
export function renderExplanation(r: ExplainResult, c: Colors): string {
  const result = r.admitted
    ? `${c.bold('Result')} ${c.green('admitted')} by the mapping and the condition`
    : `${c.bold('Result')} ${c.red('rejected')}: ${r.mappingErrors.some((e) => e.sts) ? 'the mapping fails' : 'the condition is false (STS: "The given credential is rejected by the attribute condition.")'}`;
  const blocks = [sourceLines(r, c), mappingLines(r, c), conditionLines(r, c), [result], principalLines(r, c)];
  if (r.notes.length) blocks.push([c.bold('Notes'), ...r.notes.map((n) => `  - ${n}`)]);
  return blocks.map((b) => b.join('\n')).join('\n\n') + '\n';
}
