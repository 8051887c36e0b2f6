/**
 * The explanation behind `wif explain`, pure: a token's claims run through the provider's mapping and
 * condition as STS would, the reason a false condition is false, and the principal identifiers the
 * resulting identity matches. Placeholders stand in for an unknown project number / pool / project ID.
 */
import { evaluateCondition, evaluateMapping, type MappingError } from './cel.js';
import { explainCondition } from './condition-reason.js';
import { gkePrincipalsFor, principalsFor, providerAudience, providerAudienceHttps, type PrincipalMatch } from './names.js';

export interface ExplainInput {
  claims: Record<string, unknown>;
  mapping: Record<string, string>;
  condition?: string;
  projectNumber?: string;
  projectId?: string;
  poolId?: string;
  providerId?: string;
  platform?: string;
  issuer?: string;
  allowedAudiences?: readonly string[];
  /** Seconds since the epoch, to say whether the token has expired. */
  now?: number;
}

export interface Explanation {
  subject: string | null;
  groups?: string[];
  attributes: Record<string, string | string[]>;
  mappingErrors: MappingError[];
  condition: { expression: string | null; result: boolean; reason: string | null };
  /** The mapping and the condition admit the token (STS's other checks — signature, iss, aud, exp — aside). */
  admitted: boolean;
  principals: string[];
  principalDetails: PrincipalMatch[];
  /** Which of PROJECT_NUMBER, POOL_ID, PROJECT_ID stand in for unknown values in `principals`. */
  placeholders: string[];
  /** Other things STS would check that look wrong (issuer, audience, expiry). */
  notes: string[];
}

function kubernetesIdentity(claims: Record<string, unknown>): { namespace: string; name: string } | undefined {
  const k = claims['kubernetes.io'] as { namespace?: unknown; serviceaccount?: { name?: unknown } } | undefined;
  if (typeof k?.namespace === 'string' && typeof k.serviceaccount?.name === 'string') return { namespace: k.namespace, name: k.serviceaccount.name };
  const m = typeof claims.sub === 'string' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(claims.sub) : null;
  return m ? { namespace: m[1], name: m[2] } : undefined;
}

function conditionPart(i: ExplainInput, vars: Parameters<typeof evaluateCondition>[1]): Explanation['condition'] {
  if (!i.condition) return { expression: null, result: true, reason: 'no attribute condition: every token the provider verifies is accepted' };
  const r = evaluateCondition(i.condition, vars);
  if (r.result) return { expression: i.condition, result: true, reason: null };
  return { expression: i.condition, result: false, reason: explainCondition(i.condition, vars) || r.error || 'the condition is false' };
}

function notesFor(i: ExplainInput): string[] {
  const notes: string[] = [];
  const { iss, aud, exp } = i.claims;
  if (i.issuer && iss !== i.issuer) notes.push(`the token's iss ${JSON.stringify(iss ?? null)} differs from the provider issuer ${JSON.stringify(i.issuer)}; STS would reject it`);
  const auds = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
  let expected = i.allowedAudiences?.length ? [...i.allowedAudiences] : [];
  if (!expected.length && i.projectNumber && i.poolId && i.providerId) {
    const ref = { projectNumber: i.projectNumber, poolId: i.poolId, providerId: i.providerId };
    expected = [providerAudience(ref), providerAudienceHttps(ref)];
  }
  if (expected.length && !auds.some((a) => expected.includes(String(a)))) {
    notes.push(`the token's aud ${JSON.stringify(auds)} contains none of the provider's accepted audiences ${JSON.stringify(expected)}; STS would reject it`);
  }
  if (typeof exp === 'number' && i.now !== undefined && exp < i.now) notes.push(`the token expired at ${new Date(exp * 1000).toISOString()}`);
  return notes;
}

/** Explain one token (claims) against a provider's mapping and condition. */
export function explain(i: ExplainInput): Explanation {
  const m = evaluateMapping(i.mapping, i.claims);
  const vars = { assertion: i.claims, attribute: m.attributes, google: { subject: m.subject, groups: m.groups } };
  const fatal = m.errors.some((e) => e.sts);
  const condition = fatal
    ? { expression: i.condition ?? null, result: false, reason: 'not evaluated: STS rejects the token at the mapping' }
    : conditionPart(i, vars);
  const placeholders: string[] = [];
  const ph = (v: string | undefined, name: string) => v ?? (placeholders.push(name), name);
  const pool = { projectNumber: ph(i.projectNumber, 'PROJECT_NUMBER'), poolId: ph(i.poolId, 'POOL_ID') };
  let details = principalsFor(pool, { subject: m.subject, groups: m.groups, attributes: m.attributes });
  const who = kubernetesIdentity(i.claims);
  if (i.platform === 'gke' && who) {
    details = [...gkePrincipalsFor(pool.projectNumber, ph(i.projectId, 'PROJECT_ID'), who.namespace, who.name), ...details];
  }
  return {
    subject: m.subject ?? null,
    ...(m.groups ? { groups: m.groups } : {}),
    attributes: m.attributes,
    mappingErrors: m.errors,
    condition,
    admitted: !fatal && condition.result,
    principals: details.map((d) => d.member),
    principalDetails: details,
    placeholders: [...new Set(placeholders)],
    notes: notesFor(i),
  };
}
