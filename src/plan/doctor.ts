/**
 * `wif doctor`, pure: wif.yaml compared with what was observed, as findings with a severity and a fix
 * (SPEC §1: issuer, JWKS drift, audience consistency, bindings, condition vs granted KSAs, soft-deleted
 * resources, required APIs, least-privilege lint, several clusters sharing a pool's subjects).
 * The command gathers `DoctorObservations` read-only; nothing here does I/O.
 */
import type { Grant, WifYaml } from '../model/config.js';
import type { Pool, Provider } from '../cloud/google/types.js';
import { providerAudience, tokenAudience, type ProviderRef } from './names.js';
import type { Policy } from './policy.js';
import { acceptedAudiences } from './verify.js';
import { diffKids } from './jwks-sync.js';
import { lintFindings, resourceFindings, type Finding } from './doctor-checks.js';

export type { Finding, Severity } from './doctor-checks.js';

/** The APIs workload identity federation needs in the pool's project (cloud/google/services.ts lists the same). */
export const REQUIRED_SERVICES = ['iam.googleapis.com', 'sts.googleapis.com', 'iamcredentials.googleapis.com', 'cloudresourcemanager.googleapis.com'];

export interface DoctorObservations {
  config: WifYaml;
  /** GKE's built-in workload pool: no pool, provider, issuer or condition of wif's own to check. */
  gke?: boolean;
  projectNumber: string;
  /** Discovery `issuer` as the cluster serves it (undefined when the cluster was not reachable). */
  clusterIssuer?: string;
  /** kids of the cluster's JWKS. */
  clusterKids?: string[];
  /** `null` = not found. */
  pool?: Pool | null;
  provider?: Provider | null;
  /** Other providers in the same pool (other clusters). */
  siblings?: Provider[];
  /** Audience of a rendered cred-config found in the output directory, if any. */
  credConfigAudience?: string;
  /** Projected-token audience of rendered manifests found in the output directory, if any. */
  manifestAudience?: string;
  /** Observed IAM policies by target key (`projects/ID`, `serviceAccounts/EMAIL`); absent = not read. */
  policies: Record<string, Policy | undefined>;
  /** Expected bindings derived from wif.yaml grants (grants.ts designGrant). */
  expectedBindings: { target: string; role: string; member: string; ksa?: string; grant?: Grant }[];
  /** Condition evaluated for each granted KSA (`NS/NAME`): admitted, or the refusing detail. */
  conditionResults: { ksa: string; admitted: boolean; detail?: string }[];
  /** Service states (`iam.googleapis.com` → ENABLED/DISABLED); absent = not read. */
  services?: Record<string, string | undefined>;
  /** Checks that could not run (no credentials, cluster unreachable), in words. */
  unreadable: { check: string; why: string }[];
}

function refOf(o: DoctorObservations): ProviderRef {
  return { projectNumber: o.projectNumber, poolId: o.config.pool.id, providerId: o.config.provider.id };
}

/** Provider issuer vs cluster issuer vs wif.yaml, and JWKS drift for uploaded keys. */
export function issuerFindings(o: DoctorObservations): Finding[] {
  const out: Finding[] = [];
  const p = o.provider;
  if (!p) return out;
  const have = p.oidc?.issuerUri;
  if (o.clusterIssuer && have !== o.clusterIssuer) {
    out.push({ check: 'issuer', severity: 'error', message: `the provider's issuer "${have}" differs from the cluster's "${o.clusterIssuer}": STS rejects every token`, fix: `wif provider ensure --issuer-uri ${o.clusterIssuer}` });
  }
  const uploaded = p.oidc?.jwksJson ? kidsOf(p.oidc.jwksJson) : undefined;
  if (uploaded && o.clusterKids) {
    const { missing, stale } = diffKids(o.clusterKids, uploaded);
    if (missing.length) out.push({ check: 'jwks', severity: 'error', message: `the cluster signs with key(s) ${missing.join(', ')} that the provider's uploaded JWKS lacks (keys rotated?)`, fix: 'wif jwks sync' });
    if (stale.length) out.push({ check: 'jwks', severity: 'info', message: `the uploaded JWKS still trusts key(s) ${stale.join(', ')} the cluster no longer serves`, fix: 'Once tokens signed by them have expired: wif jwks sync --prune' });
  }
  if (!uploaded && o.config.cluster?.jwksUploaded) {
    out.push({ check: 'jwks', severity: 'error', message: 'wif.yaml says the JWKS is uploaded (private issuer) but the provider has none: Google cannot fetch the keys', fix: 'wif provider ensure (uploads the cluster JWKS)' });
  }
  return out;
}

function kidsOf(jwksJson: string): string[] {
  try {
    const doc = JSON.parse(jwksJson) as { keys?: { kid?: string }[] };
    return (doc.keys ?? []).map((k) => k.kid ?? '').filter(Boolean);
  } catch {
    return [];
  }
}

/** The projected token's audience, the provider's accepted audiences and the cred-config's audience agree. */
export function audienceFindings(o: DoctorObservations): Finding[] {
  const out: Finding[] = [];
  const ref = refOf(o);
  const tokenAud = o.manifestAudience ?? tokenAudience(ref, o.config.provider.allowedAudiences);
  if (o.provider) {
    const accepted = acceptedAudiences(ref, o.provider.oidc?.allowedAudiences ?? []);
    if (!accepted.includes(tokenAud)) {
      out.push({ check: 'audience', severity: 'error', message: `projected tokens carry audience "${tokenAud}" but the provider accepts only [${accepted.join(', ')}]`, fix: `wif provider ensure --allowed-audience ${tokenAud} (or re-render the manifests: wif render all)` });
    }
  }
  const want = providerAudience(ref);
  if (o.credConfigAudience !== undefined && o.credConfigAudience !== want) {
    out.push({ check: 'audience', severity: 'error', message: `the rendered cred-config's audience "${o.credConfigAudience}" is not the provider "${want}"`, fix: 'wif render cred-config --out DIR (then update the ConfigMap)' });
  }
  return out;
}

/** Each binding wif.yaml grants is present; each granted KSA is admitted by the condition. */
export function grantFindings(o: DoctorObservations): Finding[] {
  const out: Finding[] = [];
  for (const b of o.expectedBindings) {
    const policy = o.policies[b.target];
    if (!policy) continue;
    const present = (policy.bindings ?? []).some((x) => x.role === b.role && !x.condition && x.members.includes(b.member));
    if (!present) {
      out.push({ check: 'bindings', severity: 'error', message: `${b.target} has no ${b.role} binding for ${b.member}`, fix: grantCommand(b.grant) });
    }
  }
  for (const r of o.conditionResults.filter((x) => !x.admitted)) {
    out.push({ check: 'condition', severity: 'error', message: `the provider's condition refuses granted KSA ${r.ksa}${r.detail ? `: ${r.detail}` : ''}`, fix: `wif provider ensure --allow-ksa ${r.ksa} (or revoke the grant: wif revoke --ksa ${r.ksa})` });
  }
  return out;
}

/** The `wif grant` that re-applies a recorded grant. */
function grantCommand(g: Grant | undefined): string {
  if (!g) return 'wif grant (re-apply the grants recorded in wif.yaml)';
  const parts = ['wif grant', g.ksa ? `--ksa ${g.ksa}` : `--namespace ${g.namespace}`, ...g.roles.map((r) => `--role ${r}`)];
  if (g.resource) parts.push(`--resource ${g.resource}`);
  if (g.serviceAccount) parts.push(`--service-account ${g.serviceAccount}`);
  return parts.join(' ');
}

/** Required APIs enabled in the project. */
export function serviceFindings(o: DoctorObservations): Finding[] {
  if (!o.services) return [];
  const off = REQUIRED_SERVICES.filter((s) => o.services![s] !== undefined && o.services![s] !== 'ENABLED');
  return off.length ? [{ check: 'services', severity: 'error', message: `required APIs are not enabled: ${off.join(', ')}`, fix: `gcloud services enable ${off.join(' ')} --project ${o.config.project.id}` }] : [];
}

/** Every finding, errors first. */
export function planDoctor(o: DoctorObservations): Finding[] {
  const all = [
    ...resourceFindings(o.pool, o.provider, o.config),
    ...issuerFindings(o),
    ...audienceFindings(o),
    ...grantFindings(o),
    ...serviceFindings(o),
    ...lintFindings(o.config, o.gke ? null : o.provider, o.siblings ?? [], Object.values(o.policies), o.projectNumber),
    ...o.unreadable.map((u): Finding => ({ check: u.check, severity: 'warning', message: `not checked: ${u.why}`, fix: 'Re-run with credentials and a reachable cluster for a complete report.' })),
  ];
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return all.sort((a, b) => rank[a.severity] - rank[b.severity]);
}
