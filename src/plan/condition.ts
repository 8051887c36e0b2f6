/**
 * Attribute conditions: the `--allow-namespace NS` / `--allow-ksa NS/NAME` builders (readable CEL over the
 * token's own claims, so they work with any mapping), and a preview of which KSAs a condition admits.
 */
import { evaluateCondition, evaluateMapping } from './cel.js';
import { synthesizeClaims, type SynthesizeOptions } from './claims.js';
import { explainCondition } from './condition-reason.js';
import { ksaSubject } from './names.js';

export { explainCondition } from './condition-reason.js';

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * `assertion['kubernetes.io']['namespace'] in [...]` for the namespaces, `assertion.sub in [...]` for KSAs
 * outside those namespaces, joined by `||`; `==` when there is one value. Duplicates are dropped. Returns
 * undefined when nothing is allowed explicitly (no condition).
 */
export function buildCondition(namespaces: readonly string[], ksas: readonly { namespace: string; name: string }[]): string | undefined {
  const nss = [...new Set(namespaces)];
  const subs = [...new Set(ksas.filter((k) => !nss.includes(k.namespace)).map((k) => ksaSubject(k.namespace, k.name)))];
  const clause = (lhs: string, values: string[]) =>
    values.length === 1 ? `${lhs} == ${quote(values[0])}` : `${lhs} in [${values.map(quote).join(', ')}]`;
  const parts: string[] = [];
  if (nss.length) parts.push(clause("assertion['kubernetes.io']['namespace']", nss));
  if (subs.length) parts.push(clause('assertion.sub', subs));
  return parts.length ? parts.join(' || ') : undefined;
}

export interface KsaVerdict {
  /** `NS/NAME`. */
  ksa: string;
  subject?: string;
  admitted: boolean;
  /** Why not admitted (mapping rejected, or the failed comparison); absent when admitted. */
  reason?: string;
}

/**
 * For a wizard's live preview (and doctor): which of `ksas` a provider with this mapping and condition
 * admits, using synthesized pod-bound tokens for each KSA (`claims` sets issuer/audience). A token is
 * admitted when the mapping gives no STS-fatal error and the condition (if any) is true.
 */
export function describeCondition(
  condition: string | undefined,
  mapping: Record<string, string>,
  ksas: readonly { namespace: string; name: string }[],
  claims: SynthesizeOptions = {},
): KsaVerdict[] {
  return ksas.map(({ namespace, name }) => {
    const ksa = `${namespace}/${name}`;
    const assertion = synthesizeClaims(namespace, name, claims);
    const m = evaluateMapping(mapping, assertion);
    const fatal = m.errors.find((e) => e.sts);
    if (fatal) return { ksa, subject: m.subject, admitted: false, reason: `the mapping is rejected: ${fatal.message}` };
    if (!condition) return { ksa, subject: m.subject, admitted: true };
    const vars = { assertion, attribute: m.attributes, google: { subject: m.subject, groups: m.groups } };
    if (evaluateCondition(condition, vars).result) return { ksa, subject: m.subject, admitted: true };
    return { ksa, subject: m.subject, admitted: false, reason: explainCondition(condition, vars) };
  });
}
