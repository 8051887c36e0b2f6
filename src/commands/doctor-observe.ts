/**
 * `wif doctor`'s read-only observation: the cluster's issuer and JWKS (kubectl), the pool, provider and sibling
 * providers, the IAM policies wif.yaml's grants live on, the required APIs, and the rendered cred-config.
 * Each read that fails becomes an "unreadable" note instead of stopping the others.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { GoogleApi } from '../cloud/google/http.js';
import { getPolicy } from '../cloud/google/iam-policy.js';
import { checkServices, REQUIRED_SERVICES } from '../cloud/google/services.js';
import type { Pool, Provider } from '../cloud/google/types.js';
import { getWip, listProviders } from '../cloud/google/wip.js';
import type { Kubectl } from '../cloud/kube/kubectl.js';
import type { Ctx } from '../core/context.js';
import type { KsaRef, Settings } from '../model/settings.js';
import { parseKsa } from '../model/settings.js';
import { describeCondition } from '../plan/condition.js';
import type { DoctorObservations } from '../plan/doctor.js';
import { designGrant, parseResource, targetKey, usesGkeForms } from '../plan/grants.js';
import type { Policy } from '../plan/policy.js';
import { poolPath } from '../plan/pool.js';
import { providerPath } from '../plan/provider.js';
import { FILE_NAMES } from '../render/kinds.js';

type Unreadable = DoctorObservations['unreadable'];

async function attempt<T>(check: string, out: Unreadable, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    out.push({ check, why: (e as Error).message.split('\n')[0] });
    return undefined;
  }
}

/** The bindings wif.yaml's grants imply, per policy target. */
export function expectedBindings(s: Settings, project: { id: string; number: string }): DoctorObservations['expectedBindings'] {
  const out: DoctorObservations['expectedBindings'] = [];
  for (const g of s.config?.grants ?? []) {
    const k = g.ksa ? parseKsa(g.ksa) : undefined;
    const ksas = k && typeof k !== 'string' ? [k] : [];
    const d = designGrant({ mode: 'grant', project, platform: s.cluster.platform, poolId: s.pool.id, mapping: s.provider.attributeMapping, issuer: s.provider.issuerUri ?? s.cluster.issuer, ksas, namespace: g.namespace, roles: g.roles, resource: g.resource, serviceAccount: g.serviceAccount, force: true });
    for (const w of d.policies) for (const e of w.edits) out.push({ target: targetKey(w.target), role: e.role, member: e.member, ksa: g.ksa, grant: g });
  }
  return out;
}

function rendered(ctx: Ctx, s: Settings, name: string): string | undefined {
  const dir = s.workload.out;
  if (!dir) return undefined;
  try {
    return readFileSync(join(isAbsolute(dir) ? dir : resolve(ctx.io.cwd, dir), name), 'utf8');
  } catch {
    return undefined;
  }
}

/** The audiences the rendered files carry: the cred-config's, and the pod's projected token's. */
async function renderedAudiences(ctx: Ctx, s: Settings): Promise<{ credConfig?: string; manifest?: string }> {
  const out: { credConfig?: string; manifest?: string } = {};
  const cred = rendered(ctx, s, FILE_NAMES['cred-config']);
  const pod = rendered(ctx, s, FILE_NAMES.pod);
  try {
    if (cred) out.credConfig = (JSON.parse(cred) as { audience?: string }).audience;
    if (pod) {
      const { parse } = await import('yaml');
      const doc = parse(pod) as { spec?: { volumes?: { projected?: { sources?: { serviceAccountToken?: { audience?: string } }[] } }[] } };
      const src = doc.spec?.volumes?.flatMap((v) => v.projected?.sources ?? []).find((x) => x.serviceAccountToken);
      out.manifest = src?.serviceAccountToken?.audience;
    }
  } catch {
    // A hand-edited file that no longer parses is not doctor's business: the audiences stay unknown.
  }
  return out;
}

async function googleSide(api: GoogleApi, s: Settings, project: { id: string; number: string }, o: DoctorObservations): Promise<void> {
  const gke = usesGkeForms(s.cluster.platform, s.pool.id);
  const u = o.unreadable;
  const targets = new Set([`projects/${project.id}`, ...o.expectedBindings.map((b) => b.target)]);
  const [pool, provider, siblings, services, policies] = await Promise.all([
    gke ? undefined : attempt('pool', u, async () => (await getWip<Pool>(api, poolPath(project.id, s.pool.id!), project.id)) ?? null),
    gke ? undefined : attempt('provider', u, async () => (await getWip<Provider>(api, providerPath(project.id, s.pool.id!, s.provider.id!), project.id)) ?? null),
    gke ? [] : attempt('shared-pool', u, () => listProviders(api, poolPath(project.id, s.pool.id!), project.id)),
    attempt('services', u, () => checkServices(api, project.id)),
    Promise.all([...targets].map((t) => attempt('bindings', u, async () => [t, await getPolicy(api, parseResource(t, project.id)!)] as [string, Policy]))),
  ]);
  Object.assign(o, { pool, provider, siblings: siblings ?? [] });
  if (services && !services.unknown) o.services = Object.fromEntries(REQUIRED_SERVICES.map((x) => [x, services.disabled.includes(x) ? 'DISABLED' : 'ENABLED']));
  for (const p of policies) if (p) o.policies[p[0]] = p[1];
}

async function clusterSide(k: Kubectl, o: DoctorObservations): Promise<void> {
  const { readClusterOidc } = await import('../cloud/kube/discovery.js');
  const reads = await attempt('issuer', o.unreadable, () => readClusterOidc(k));
  if (!reads) return;
  o.clusterIssuer = reads.tokenIssuer ?? reads.discovery?.issuer;
  o.clusterKids = reads.jwks?.keys.map((x) => String(x.kid ?? '')).filter(Boolean);
}

/** Observe everything doctor compares (see module doc). */
export async function observeForDoctor(ctx: Ctx, s: Settings, api: GoogleApi, k: Kubectl, project: { id: string; number: string }): Promise<DoctorObservations> {
  const o: DoctorObservations = {
    config: s.config!, gke: usesGkeForms(s.cluster.platform, s.pool.id), projectNumber: project.number, policies: {}, expectedBindings: expectedBindings(s, project),
    conditionResults: [], unreadable: [],
  };
  const auds = await renderedAudiences(ctx, s);
  o.credConfigAudience = auds.credConfig;
  o.manifestAudience = auds.manifest;
  await Promise.all([googleSide(api, s, project, o), clusterSide(k, o)]);
  if (!usesGkeForms(s.cluster.platform, s.pool.id)) {
    const granted = (s.config?.grants ?? []).map((g) => (g.ksa ? parseKsa(g.ksa) : undefined)).filter((x): x is KsaRef => !!x && typeof x !== 'string');
    const p = o.provider ?? undefined;
    const verdicts = describeCondition(p ? p.attributeCondition : s.provider.attributeCondition, p?.attributeMapping ?? s.provider.attributeMapping, granted, { issuer: o.clusterIssuer ?? s.provider.issuerUri });
    o.conditionResults = verdicts.map((v) => ({ ksa: v.ksa, admitted: v.admitted, detail: v.reason }));
  }
  return o;
}
