/**
 * Attribute mapping: parsing the `--attribute-mapping` flag and the presets of the guide (seeds/000:
 * `kubernetes` = subject + namespace + service_account_name + pod). Keys, limits and CEL are checked in
 * validate-identity.ts; evaluation is cel.ts `evaluateMapping`.
 */
export type AttributeMapping = Record<string, string>;

export const MAPPING_PRESETS: Record<'subject' | 'kubernetes', AttributeMapping> = {
  subject: { 'google.subject': 'assertion.sub' },
  kubernetes: {
    'google.subject': 'assertion.sub',
    'attribute.namespace': "assertion['kubernetes.io']['namespace']",
    'attribute.service_account_name': "assertion['kubernetes.io']['serviceaccount']['name']",
    'attribute.pod': "assertion['kubernetes.io']['pod']['name']",
  },
};
export type MappingPreset = keyof typeof MAPPING_PRESETS;

/**
 * Parse `key=value,key=value`. Commas inside quotes, brackets or parentheses belong to the CEL value.
 * Returns the mapping and the fragments that were not `key=value` (reported by validation).
 */
export function parseMappingFlag(s: string): { mapping: AttributeMapping; bad: string[] } {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === '\\') { cur += ch + (s[++i] ?? ''); continue; }
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; continue; }
    cur += ch;
  }
  parts.push(cur);
  const mapping: AttributeMapping = {};
  const bad: string[] = [];
  for (const p of parts.map((x) => x.trim()).filter(Boolean)) {
    const eq = p.indexOf('=');
    if (eq <= 0) { bad.push(p); continue; }
    mapping[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return { mapping, bad };
}
