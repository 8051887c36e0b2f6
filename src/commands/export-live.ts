/**
 * `wif export --live`: read-only observation of what already exists in Google, so the export embeds the provider's
 * uploaded JWKS verbatim and writes import blocks only for resources and bindings that are really there.
 * Reads in parallel; nothing is changed.
 */
import { googleAccess } from '../cloud/google/auth.js';
import { isGoogleError } from '../cloud/google/errors.js';
import { createGoogleApi } from '../cloud/google/http.js';
import { getPolicy } from '../cloud/google/iam-policy.js';
import { getProject, resolveProject } from '../cloud/google/projects.js';
import { getServiceAccount } from '../cloud/google/service-accounts.js';
import { checkServices } from '../cloud/google/services.js';
import type { Pool, Provider } from '../cloud/google/types.js';
import { getWip } from '../cloud/google/wip.js';
import type { Ctx } from '../core/context.js';
import type { Settings } from '../model/settings.js';
import { parseResource, usesGkeForms } from '../plan/grants.js';
import type { Policy } from '../plan/policy.js';
import { poolPath } from '../plan/pool.js';
import { providerPath } from '../plan/provider.js';
import { exportBindings, type ExportInputs } from '../render/export-model.js';
import type { Exists } from '../render/export-terraform.js';

/** A policy of a service account that does not exist (yet) has no bindings; other errors are real. */
function noPolicyOn404(e: unknown): Policy {
  if (isGoogleError(e, 404)) return { bindings: [] };
  throw e;
}

const live = (r: { state?: string } | undefined) => !!r && r.state !== 'DELETED';

function hasMember(p: Policy, role: string, member: string): boolean {
  return (p.bindings ?? []).some((b) => b.role === role && !b.condition && b.members.includes(member));
}

/** Observe Google for the export; `jwks` given with --jwks-file wins over the provider's. */
export async function observeExport(ctx: Ctx, s: Settings, jwks: ExportInputs['jwks']): Promise<ExportInputs & { exists: Exists }> {
  const env = ctx.io.env;
  const api = createGoogleApi({ access: googleAccess({ accessTokenFile: s.accessTokenFile, env }), env, log: ctx.log, signal: ctx.signal });
  const h = ctx.log.step('Reading what already exists in Google (pool, provider, service account, policies, APIs)');
  try {
    const project = await resolveProject(api, { id: s.project.id!, number: s.project.number });
    const gke = usesGkeForms(s.cluster.platform, s.pool.id);
    const gkeId = s.cluster.identity?.projectId;
    const gkeProject = gke && gkeId && gkeId !== project.id ? await getProject(api, gkeId).then((p) => ({ id: p.projectId, number: p.projectNumber })) : undefined;
    const bindings = exportBindings(s, { project, gkeProject });
    const targets = [...new Set(bindings.map((b) => (b.target.kind === 'project' ? `projects/${b.target.projectId}` : `serviceAccounts/${b.target.email}`)))];
    const email = s.serviceAccount?.email;
    const [services, pool, provider, sa, policies] = await Promise.all([
      checkServices(api, project.id),
      gke ? undefined : getWip<Pool>(api, poolPath(project.id, s.pool.id!), project.id),
      gke ? undefined : getWip<Provider>(api, providerPath(project.id, s.pool.id!, s.provider.id!), project.id),
      email ? getServiceAccount(api, email) : undefined,
      Promise.all(targets.map(async (t) => [t, await getPolicy(api, parseResource(t, project.id)!).catch(noPolicyOn404)] as const)),
    ]);
    h.done();
    for (const [what, r] of [['pool', pool], ['provider', provider]] as const) {
      if (r?.state === 'DELETED') ctx.log.warn(`the ${what} is soft-deleted: no import block for it; undelete it (wif ${what} ensure) before terraform apply, or the create fails with 409`);
    }
    const byTarget = new Map(policies);
    const exists: Exists = (w) => {
      if (w.kind === 'service') return !services.disabled.includes(w.service);
      if (w.kind === 'pool') return live(pool);
      if (w.kind === 'provider') return live(provider);
      if (w.kind === 'service-account') return !!sa;
      if (w.kind !== 'binding') return false;
      const key = w.binding.target.kind === 'project' ? `projects/${w.binding.target.projectId}` : `serviceAccounts/${w.binding.target.email}`;
      return hasMember(byTarget.get(key) ?? { bindings: [] }, w.binding.role, w.binding.member);
    };
    const uploaded = provider?.oidc?.jwksJson;
    return { project, gkeProject, jwks: jwks ?? (uploaded ? { json: uploaded, from: 'provider' } : undefined), exists };
  } catch (e) {
    h.fail();
    throw e;
  } finally {
    api.close();
  }
}
