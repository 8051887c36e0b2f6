/**
 * The one plan `wif init` shows and applies: pool + provider (pool.ts / provider.ts planners), then the
 * service account and IAM policy edits of the grants (grants.ts design). Read-only observation; apply/
 * walks the plan. GKE uses its built-in workload pool: no pool or provider steps.
 */
import type { GoogleSession } from '../apply/preflight.js';
import { getPolicy } from '../cloud/google/iam-policy.js';
import { getServiceAccount } from '../cloud/google/service-accounts.js';
import type { Pool, Provider } from '../cloud/google/types.js';
import { getWip, listProviders } from '../cloud/google/wip.js';
import { assertNoProblems, UsageError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { KsaRef, Settings } from '../model/settings.js';
import { checkPoolCollisions, clusterSlug } from '../plan/collisions.js';
import { designGrant, targetKey, usesGkeForms, type GrantDesign } from '../plan/grants.js';
import type { Plan, Step } from '../plan/plan.js';
import { applyPolicyEdits, type Policy } from '../plan/policy.js';
import { planPool, poolPath } from '../plan/pool.js';
import { planProvider, providerPath, type ProviderWant } from '../plan/provider.js';

/** The grant design of an init: every chosen KSA, the roles, direct or impersonation. Throws on refused input. */
export function initGrantDesign(s: Settings, project: { id: string; number: string }): GrantDesign {
  return designGrant({
    mode: 'grant', project, platform: s.cluster.platform, poolId: s.pool.id, mapping: s.provider.attributeMapping,
    issuer: s.provider.issuerUri ?? s.cluster.issuer,
    ksas: s.access.ksas.filter((k): k is KsaRef => typeof k !== 'string'),
    roles: s.access.roles, resource: s.access.resource, serviceAccount: s.serviceAccount?.email, force: s.access.force,
  });
}

/**
 * Service account + policy steps for a grant design. (grant-flow.ts keeps its planner private; this is the
 * same read → applyPolicyEdits → step, for init's single combined plan.)
 */
async function grantSteps(g: GoogleSession, s: Settings, d: GrantDesign): Promise<Step[]> {
  const email = s.serviceAccount?.email;
  const absent = !!email && !(await getServiceAccount(g.api, email));
  const steps: Step[] = [];
  if (absent) {
    if (!s.serviceAccount?.create) throw new UsageError('gcp.service-account.not-found', `--service-account ${email}: no such service account in project ${g.project.id}`, { hint: 'Pass --create-service-account to create it, or check the email.' });
    steps.push({ action: 'create', kind: 'service-account', resource: `serviceAccounts/${email}`, reason: 'it does not exist (--create-service-account)',
      op: { type: 'sa.create', project: g.project.id, accountId: email!.split('@')[0], body: { displayName: 'wif workload identity', description: 'Impersonated by Kubernetes workloads (created by wif)' } } });
  }
  for (const w of d.policies) {
    const resource = targetKey(w.target);
    const fresh = absent && w.target.kind === 'serviceAccount' && w.target.email === email;
    const observed: Policy = fresh ? { bindings: [] } : await getPolicy(g.api, w.target);
    const { changes } = applyPolicyEdits(observed, w.edits);
    if (!changes.length) { steps.push({ action: 'noop', kind: 'iam-policy', resource, reason: `all ${w.edits.length} binding(s) already present` }); continue; }
    steps.push({ action: 'update', kind: 'iam-policy', resource, reason: `add ${changes.length} binding(s) (read-modify-write with the etag; existing bindings kept)`, bindings: changes,
      op: { type: 'policy.edit', target: w.target, edits: w.edits, observed: fresh ? undefined : { etag: observed.etag, policy: observed } } });
  }
  return steps;
}

/** Pool and provider steps (none on GKE's built-in pool). */
async function identitySteps(g: GoogleSession, s: Settings, want: ProviderWant | undefined, log?: Pick<Logger, 'warn'>): Promise<Step[]> {
  if (!want) return [];
  const ids = { projectId: g.project.id, projectNumber: g.project.number };
  if (g.disabled.includes('iam.googleapis.com')) return [...planPool({ poolId: want.poolId }, undefined, ids), ...planProvider(want, undefined, ids)];
  const [pool, provider, siblings] = await Promise.all([
    getWip<Pool>(g.api, poolPath(ids.projectId, want.poolId), ids.projectId),
    getWip<Provider>(g.api, providerPath(ids.projectId, want.poolId, want.providerId), ids.projectId),
    listProviders(g.api, poolPath(ids.projectId, want.poolId), ids.projectId),
  ]);
  const steps = [...planPool({ poolId: want.poolId, displayName: s.pool.displayName, description: s.pool.description }, pool, ids), ...planProvider(want, pool ? provider : undefined, ids)];
  // Multi-cluster safety (plan/collisions.ts): refuse, before applying, subjects shared with another cluster.
  const c = checkPoolCollisions({ ...want, siblings, steps, ksas: s.access.ksas.filter((k): k is KsaRef => typeof k !== 'string'), force: s.access.force, cluster: clusterSlug(s.cluster) });
  for (const w of c.warnings) log?.warn(w);
  assertNoProblems(c.problems);
  return steps;
}

/** The whole init plan. `want` is undefined on GKE's workload pool. */
export async function planInit(g: GoogleSession, s: Settings, want: ProviderWant | undefined, log?: Pick<Logger, 'warn'>): Promise<Plan> {
  const design = initGrantDesign(s, g.project);
  return { steps: [...(await identitySteps(g, s, want, log)), ...(await grantSteps(g, s, design))] };
}

/** True when this setup uses GKE's built-in workload pool. */
export function isGkePool(s: Settings): boolean {
  return usesGkeForms(s.cluster.platform, s.pool.id);
}
