/**
 * `wif verify` as data: the stages of SPEC §1, their results, and the pure checks of stages 2 and 3
 * (token claims vs provider; mapping + condition evaluated locally). The command runs the stages in order;
 * the first failure names its cause and fix (verify-errors.ts) and every later stage is skipped.
 */
import { evaluateCondition, evaluateMapping } from './cel.js';
import { explainCondition } from './condition-reason.js';
import { providerAudience, providerAudienceHttps, type ProviderRef } from './names.js';
import { fixFor, type Cause, type Diagnosis, type FixContext } from './verify-errors.js';

export type StageName = 'ksa-token' | 'claims' | 'condition' | 'sts' | 'impersonation' | 'grants' | 'pod';
export type StageStatus = 'passed' | 'failed' | 'skipped';

export const STAGE_TITLES: Record<StageName, string> = {
  'ksa-token': 'KSA exists and a token is minted for the provider audience',
  claims: 'token claims match the provider (issuer, audience, signing key)',
  condition: 'attribute mapping and condition admit the token',
  sts: 'STS token exchange with the rendered cred-config',
  impersonation: 'service account impersonation (generateAccessToken)',
  grants: 'the federated principal holds its grants',
  pod: 'gcloud auth print-access-token inside the pod',
};

/** One stage as `--output json` shows it: `{name, ok, detail, fix}` (+ status, cause, title). */
export interface StageResult {
  name: StageName;
  title: string;
  ok: boolean;
  status: StageStatus;
  detail: string;
  fix: string | null;
  cause?: Cause;
  /** Wall time the stage took (its retries included), for `--output json` and bench/verify.mjs. */
  durationMs?: number;
}

export function passed(name: StageName, detail: string): StageResult {
  return { name, title: STAGE_TITLES[name], ok: true, status: 'passed', detail, fix: null };
}
export function failed(name: StageName, d: Diagnosis): StageResult {
  return { name, title: STAGE_TITLES[name], ok: false, status: 'failed', detail: d.detail, fix: d.fix, cause: d.cause };
}
/** A stage that does not apply (no service account, no --pod): not a failure. */
export function notApplicable(name: StageName, detail: string): StageResult {
  return { name, title: STAGE_TITLES[name], ok: true, status: 'skipped', detail, fix: null };
}
/** A stage not run because an earlier one failed. */
export function skippedAfter(name: StageName, failedStage: StageName): StageResult {
  return { name, title: STAGE_TITLES[name], ok: false, status: 'skipped', detail: `not run: stage "${failedStage}" failed`, fix: null };
}

/** `90s`, `5m`, `1h30m`, `0`, or a bare number of seconds → milliseconds; undefined when malformed. */
export function parseDuration(s: string): number | undefined {
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (!/^(\d+(ms|h|m|s))+$/.test(t)) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of t.matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

/** The audiences STS accepts for a provider: its allowed audiences, or both default forms (research §3.5). */
export function acceptedAudiences(ref: ProviderRef, allowed: readonly string[]): string[] {
  return allowed.length ? [...allowed] : [providerAudience(ref), providerAudienceHttps(ref)];
}

export interface JwtParts {
  header: { alg?: string; kid?: string };
  claims: Record<string, unknown> & { iss?: string; aud?: string | string[]; exp?: number; iat?: number; sub?: string };
}
export interface ProviderFacts {
  ref: ProviderRef;
  issuerUri?: string;
  allowedAudiences: string[];
  /** Keys STS will use: the uploaded `oidc.jwksJson`, else the issuer's JWKS (undefined when unknown). */
  keys?: { source: 'uploaded' | 'issuer'; kids: string[] };
}

/** Stage 2 (pure part): iss, aud, alg, validity window and kid. Returns the failure, or the passing detail. */
export function checkClaims(t: JwtParts, p: ProviderFacts, c: FixContext, nowSec: number): Diagnosis | { ok: string } {
  const fail = (cause: Cause, detail: string): Diagnosis => ({ cause, detail, fix: fixFor(cause, c) });
  const iss = t.claims.iss;
  if (p.issuerUri !== undefined && iss !== p.issuerUri) {
    return fail('issuer-mismatch', `the token's iss "${iss ?? ''}" differs from the provider's issuerUri "${p.issuerUri}"`);
  }
  const aud = t.claims.aud === undefined ? [] : Array.isArray(t.claims.aud) ? t.claims.aud : [t.claims.aud];
  const accepted = acceptedAudiences(p.ref, p.allowedAudiences);
  if (!aud.some((a) => accepted.includes(a))) {
    return fail('audience-mismatch', `the token's aud [${aud.join(', ')}] is not among the provider's accepted audiences [${accepted.join(', ')}]`);
  }
  if (t.header.alg !== 'RS256' && t.header.alg !== 'ES256') return fail('token-algorithm', `the token is signed with ${t.header.alg ?? 'no algorithm'}; Google accepts RS256 and ES256`);
  if (typeof t.claims.exp !== 'number' || t.claims.exp < nowSec - 60) return fail('token-expired', 'the token has expired (or has no exp)');
  if (typeof t.claims.iat !== 'number' || t.claims.iat > nowSec + 60) return fail('token-expired', 'the token is issued in the future (or has no iat): clocks disagree');
  if (p.keys && (!t.header.kid || !p.keys.kids.includes(t.header.kid))) {
    const where = p.keys.source === 'uploaded' ? "the provider's uploaded JWKS" : "the issuer's JWKS";
    return fail('jwks-stale', `the token's signing key kid "${t.header.kid ?? ''}" is not in ${where} (kids: ${p.keys.kids.join(', ') || 'none'})`);
  }
  const keyNote = p.keys ? `, kid in ${p.keys.source === 'uploaded' ? 'uploaded JWKS' : "issuer's JWKS"}` : '';
  return { ok: `iss ${iss}, aud ${aud.find((a) => accepted.includes(a))}${keyNote}` };
}

/** Stage 3: evaluate the mapping and the condition on the token's claims as STS would. */
export function checkCondition(claims: object, mapping: Record<string, string>, condition: string | undefined, c: FixContext): Diagnosis | { ok: string } {
  const m = evaluateMapping(mapping, claims);
  const fatal = m.errors.find((e) => e.sts);
  if (fatal) {
    const cause: Cause = fatal.sts?.error === 'invalid_request' && /127/.test(fatal.sts.description) ? 'subject-too-long' : 'mapping-invalid';
    return { cause, detail: `the attribute mapping fails on this token: ${fatal.message}`, fix: fixFor(cause, c) };
  }
  const subject = `google.subject = ${m.subject}`;
  if (!condition) return { ok: `${subject}; no attribute condition (every token from this issuer is admitted)` };
  const vars = { assertion: claims, attribute: m.attributes, google: { subject: m.subject, groups: m.groups } };
  const r = evaluateCondition(condition, vars);
  if (r.result) return { ok: `${subject}; the condition admits ${c.ksa}` };
  const why = explainCondition(condition, vars) || r.error?.split('\n')[0] || 'the condition is false';
  return { cause: 'condition-refused', detail: `the condition \`${condition}\` refuses ${c.ksa}: ${why}`, fix: fixFor('condition-refused', c) };
}

/** The text shown for a run: one line per stage, then the first failure's fix. */
export function formatStages(stages: StageResult[], mark: { ok: (s: string) => string; bad: (s: string) => string; dim: (s: string) => string }): string {
  const lines: string[] = [];
  stages.forEach((s, i) => {
    const sym = s.status === 'passed' ? mark.ok('✔') : s.status === 'failed' ? mark.bad('✖') : mark.dim('–');
    lines.push(`${sym} ${i + 1}. ${s.title}`);
    lines.push(`     ${s.status === 'skipped' ? mark.dim(s.detail) : s.detail}`);
    if (s.fix) lines.push(`     ${mark.bad('fix:')} ${s.fix}`);
  });
  return lines.join('\n');
}
