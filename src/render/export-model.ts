/**
 * What `wif export` writes, computed purely from wif.yaml (through Settings): the APIs, the pool, the OIDC provider,
 * the service account wif created, every IAM member the recorded grants mean (plan/grants.ts designGrant, exactly
 * as `wif grant` and `wif doctor` read them) and the cred-config. The gcloud and Terraform renderers only format it.
 */
import { REQUIRED_SERVICES } from '../cloud/google/services.js';
import { saProject } from '../cloud/google/service-accounts.js';
import { assertNoProblems, ValidationError, type Problem } from '../core/errors.js';
import type { Grant } from '../model/config.js';
import { parseKsa, type KsaRef, type Settings } from '../model/settings.js';
import { designGrant, targetKey, usesGkeForms } from '../plan/grants.js';
import { jwksUploadRequired } from '../plan/issuer.js';
import { poolName, providerName } from '../plan/names.js';
import type { PolicyTarget } from '../plan/plan.js';
import { FILE_NAMES } from './kinds.js';

/** The service account wif creates for impersonation (same body as grant-flow.ts / init-plan.ts send). */
export const SA_DISPLAY_NAME = 'wif workload identity';
export const SA_DESCRIPTION = 'Impersonated by Kubernetes workloads (created by wif)';

export interface ExportBinding {
  target: PolicyTarget;
  role: string;
  member: string;
}

/** Where the uploaded JWKS comes from: known now (embedded verbatim), or read from the cluster when the script runs. */
export type JwksSource =
  | { kind: 'embedded'; json: string; from: 'file' | 'provider' }
  | { kind: 'cluster'; context?: string; kubeconfig?: string };

export interface ExportProvider {
  id: string;
  displayName?: string;
  description?: string;
  issuerUri: string;
  attributeMapping: Record<string, string>;
  attributeCondition?: string;
  allowedAudiences: string[];
  /** Only for issuers Google cannot reach (wif.yaml `cluster.jwksUploaded`, or a private issuer). */
  jwks?: JwksSource;
}

export interface ExportModel {
  project: { id: string; number: string };
  platform: string;
  context?: string;
  services: string[];
  /** Absent on GKE's built-in workload pool (`PROJECT_ID.svc.id.goog`): nothing to create. */
  pool?: { id: string; displayName?: string; description?: string; name: string };
  provider?: ExportProvider & { name: string };
  serviceAccount?: { email: string; accountId: string; project: string; create: boolean; displayName: string; description: string };
  /** Every (policy, role, member), service-account policies first, no duplicates. */
  bindings: ExportBinding[];
  credConfig?: { provider: string; serviceAccount?: string; tokenPath: string; tokenLifetime?: number; file: string };
  workload?: { namespace: string; configMapName: string };
}

export interface ExportInputs {
  project: { id: string; number: string };
  /** GKE: the cluster's project when it differs from `project` (its workload pool names the principals). */
  gkeProject?: { id: string; number: string };
  /** Known JWKS (`--jwks-file`, or the live provider's `oidc.jwksJson`). */
  jwks?: { json: string; from: 'file' | 'provider' };
}

function grantKsas(g: Grant): KsaRef[] {
  const k = g.ksa ? parseKsa(g.ksa) : undefined;
  return k && typeof k !== 'string' ? [k] : [];
}

/** The bindings of every recorded grant; a grant wif would refuse is named by its wif.yaml path. */
export function exportBindings(s: Settings, i: ExportInputs): ExportBinding[] {
  const out = new Map<string, ExportBinding>();
  const problems: Problem[] = [];
  (s.config?.grants ?? []).forEach((g, n) => {
    try {
      const d = designGrant({ mode: 'grant', project: i.project, gkeProject: i.gkeProject, platform: s.cluster.platform, poolId: s.pool.id,
        mapping: s.provider.attributeMapping, issuer: s.provider.issuerUri ?? s.cluster.issuer, ksas: grantKsas(g), namespace: g.namespace, roles: g.roles, resource: g.resource,
        serviceAccount: g.serviceAccount, force: true });
      for (const w of d.policies) for (const e of w.edits) out.set(`${targetKey(w.target)} ${e.role} ${e.member}`, { target: w.target, role: e.role, member: e.member });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      problems.push(...e.problems.map((p) => ({ ...p, input: `wif.yaml: grants[${n}] (${p.input})` })));
    }
  });
  assertNoProblems(problems);
  const all = [...out.values()];
  return [...all.filter((b) => b.target.kind === 'serviceAccount'), ...all.filter((b) => b.target.kind === 'project')];
}

function jwksSource(s: Settings, issuer: string, known: ExportInputs['jwks']): JwksSource | undefined {
  if (!(s.cluster.jwksUploaded === true || jwksUploadRequired(issuer))) return undefined;
  if (known) return { kind: 'embedded', ...known };
  return { kind: 'cluster', context: s.cluster.context, kubeconfig: s.cluster.kubeconfig };
}

function serviceAccountOf(s: Settings): ExportModel['serviceAccount'] {
  const sa = s.serviceAccount;
  if (!sa) return undefined;
  return { email: sa.email, accountId: sa.email.split('@')[0], project: saProject(sa.email), create: !!sa.create, displayName: SA_DISPLAY_NAME, description: SA_DESCRIPTION };
}

/** The export of a validated Settings (project, pool and — off GKE — provider and issuer present). Pure. */
export function planExport(s: Settings, i: ExportInputs): ExportModel {
  const gke = usesGkeForms(s.cluster.platform, s.pool.id);
  const bindings = exportBindings(s, i);
  const base = { project: i.project, platform: String(s.cluster.platform ?? 'self-hosted'), context: s.cluster.context, services: [...REQUIRED_SERVICES], serviceAccount: serviceAccountOf(s), bindings };
  if (gke) return base;
  const ref = { projectNumber: i.project.number, poolId: s.pool.id!, providerId: s.provider.id! };
  const issuerUri = s.provider.issuerUri!;
  const p = s.provider;
  const lifetime = typeof s.serviceAccount?.tokenLifetime === 'number' ? s.serviceAccount.tokenLifetime : undefined;
  return {
    ...base,
    pool: { id: s.pool.id!, displayName: s.pool.displayName, description: s.pool.description, name: poolName(ref) },
    provider: {
      id: p.id!, name: providerName(ref), displayName: p.displayName, description: p.description, issuerUri,
      attributeMapping: p.attributeMapping, attributeCondition: p.attributeCondition || undefined, allowedAudiences: p.allowedAudiences,
      jwks: jwksSource(s, issuerUri, i.jwks),
    },
    credConfig: { provider: providerName(ref), serviceAccount: s.serviceAccount?.email, tokenPath: s.workload.tokenPath, tokenLifetime: lifetime, file: FILE_NAMES['cred-config'] },
    workload: s.workload.namespace ? { namespace: s.workload.namespace, configMapName: s.workload.configMapName } : undefined,
  };
}
