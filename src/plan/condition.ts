/**
 * Condition builders for `--allow-namespace NS` and `--allow-ksa NS/NAME`: readable CEL over the token's
 * claims (they do not depend on the mapping). Returns undefined when nothing is allowed explicitly.
 */
function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function buildCondition(namespaces: readonly string[], ksas: readonly { namespace: string; name: string }[]): string | undefined {
  const parts: string[] = [];
  if (namespaces.length === 1) parts.push(`assertion['kubernetes.io']['namespace'] == ${quote(namespaces[0])}`);
  else if (namespaces.length > 1) parts.push(`assertion['kubernetes.io']['namespace'] in [${namespaces.map(quote).join(', ')}]`);
  const subs = ksas.map((k) => `system:serviceaccount:${k.namespace}:${k.name}`);
  if (subs.length === 1) parts.push(`assertion.sub == ${quote(subs[0])}`);
  else if (subs.length > 1) parts.push(`assertion.sub in [${subs.map(quote).join(', ')}]`);
  return parts.length ? parts.join(' || ') : undefined;
}
