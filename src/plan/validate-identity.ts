/**
 * Validation of the provider's attribute mapping and attribute condition (research/gcp-api.md §2.2–2.3):
 * key names, counts, lengths, CEL syntax and types, and the condition's references to mapped attributes.
 */
import type { Settings } from '../model/settings.js';
import { checkExpression, mappingTypeProblem } from './cel.js';
import { MAPPING_PRESETS } from './mapping.js';
import type { Problems } from './validate.js';

export const MAX_CUSTOM_ATTRIBUTES = 50;
export const MAX_MAPPING_EXPRESSION = 2048;
export const MAX_CONDITION_EXPRESSION = 4096;
const KEY = /^(google\.subject|google\.groups|attribute\.[a-z0-9_]{1,100})$/;

/** Every mapping problem: keys, ≤50 custom attributes, each value valid CEL ≤2048 chars of a fitting type, google.subject present. */
export function validateMapping(s: Settings, p: Problems): void {
  const input = p.label('provider.attributeMapping', '--attribute-mapping');
  const prov = s.provider;
  if (prov.mappingPreset !== undefined && !(prov.mappingPreset in MAPPING_PRESETS)) {
    p.add('--mapping-preset', 'mapping-preset.value', `mapping preset ${JSON.stringify(prov.mappingPreset)} must be one of ${Object.keys(MAPPING_PRESETS).join(', ')}`);
  }
  if (prov.mappingPreset !== undefined && prov.mappingBad !== undefined) {
    p.add('--mapping-preset', 'mapping.conflict', '--mapping-preset and --attribute-mapping both set the mapping; pass only one', 'Use --attribute-mapping alone to write a custom mapping.');
  }
  for (const frag of prov.mappingBad ?? []) {
    p.add('--attribute-mapping', 'mapping.fragment', `${JSON.stringify(frag)} is not KEY=EXPRESSION`, "Write --attribute-mapping 'google.subject=assertion.sub,attribute.namespace=assertion[\"kubernetes.io\"][\"namespace\"]'.");
  }
  const mapping = prov.attributeMapping;
  const custom = Object.keys(mapping).filter((k) => k.startsWith('attribute.'));
  if (custom.length > MAX_CUSTOM_ATTRIBUTES) p.add(input, 'mapping.count', `${custom.length} custom attributes are mapped; Google allows at most ${MAX_CUSTOM_ATTRIBUTES}`);
  if (!('google.subject' in mapping)) {
    p.add(input, 'mapping.subject', 'the attribute mapping must map google.subject', 'Add google.subject=assertion.sub.');
  }
  for (const [key, expr] of Object.entries(mapping)) {
    if (!KEY.test(key)) {
      p.add(input, 'mapping.key', `invalid mapped attribute key ${JSON.stringify(key)}: keys are google.subject, google.groups or attribute.NAME, where NAME is 1–100 of [a-z0-9_]`);
      continue;
    }
    if (expr.length > MAX_MAPPING_EXPRESSION) {
      p.add(input, 'mapping.length', `the expression for ${key} is ${expr.length} characters; Google allows at most ${MAX_MAPPING_EXPRESSION}`);
      continue;
    }
    if (!expr.trim()) {
      p.add(input, 'mapping.empty', `${key} has an empty expression`);
      continue;
    }
    const c = checkExpression(expr, 'mapping');
    if (!c.ok) {
      p.add(input, 'mapping.cel', `${key} is not a valid CEL mapping expression: ${c.message}`, 'Mapping expressions may only use `assertion` (the token claims).');
      continue;
    }
    const t = mappingTypeProblem(key, c.type);
    if (t) p.add(input, 'mapping.type', t);
  }
}

/** The condition: ≤4096 chars, valid CEL of type bool, only mapped `attribute.*`; builder flags consistent. */
export function validateCondition(s: Settings, p: Problems): void {
  const input = p.label('provider.attributeCondition', '--attribute-condition');
  const cond = s.provider.attributeCondition;
  const built = s.access.allowNamespaces.length || s.access.allowKsas.length;
  if (built && input === '--attribute-condition') {
    p.add('--attribute-condition', 'condition.conflict', '--attribute-condition and --allow-namespace/--allow-ksa both set the condition; pass only one', 'Use --allow-namespace/--allow-ksa to generate it, or write it whole with --attribute-condition.');
  }
  if (cond === undefined) return;
  if (cond.length > MAX_CONDITION_EXPRESSION) {
    p.add(input, 'condition.length', `the attribute condition is ${cond.length} characters; Google allows at most ${MAX_CONDITION_EXPRESSION}`);
    return;
  }
  if (!cond.trim()) {
    p.add(input, 'condition.empty', 'the attribute condition is empty', 'Drop it, or pass a CEL expression.');
    return;
  }
  const mapped = Object.keys(s.provider.attributeMapping).filter((k) => k.startsWith('attribute.'));
  const c = checkExpression(cond, 'condition', mapped);
  if (!c.ok) p.add(input, 'condition.cel', `the attribute condition is not valid: ${c.message}`, 'The condition may use assertion (claims), attribute (mapped attributes) and google (subject, groups).');
}
