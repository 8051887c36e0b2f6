/**
 * Everything `wif verify` needs before its first stage: kubectl on the recorded context, a read-only Google
 * client with the operator's credentials (optional: without it verify checks against wif.yaml), the project
 * number, and the cred-config exactly as `wif render` writes it (with the endpoint override).
 */
import type { Ctx } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import type { KsaRef, Settings } from '../model/settings.js';
import { accessTokenFile, googleAccess, googleEndpoint } from '../cloud/google/auth.js';
import { createGoogleApi, type GoogleApi } from '../cloud/google/http.js';
import { Kubectl } from '../cloud/kube/kubectl.js';
import { credConfigObject, type CredConfigInput } from '../render/cred-config.js';
import { usesGkeForms } from '../plan/grants.js';
import { tokenAudience, type ProviderRef } from '../plan/names.js';
import { providerPath } from '../plan/provider.js';
import type { VerifyRun } from './verify-stages.js';

/**
 * GKE's built-in pool has no provider: the cluster's tokens (audience `PROJECT_ID.svc.id.goog`) are exchanged
 * with the audience `identitynamespace:POOL:ISSUER`, as the GKE metadata server does (research k8s-clouds.md §6.3).
 */
export function gkeCredConfig(cc: CredConfigInput, issuer: string): Record<string, unknown> {
  return { ...credConfigObject(cc), audience: `identitynamespace:${cc.provider.poolId}:${issuer}` };
}

async function projectNumber(api: GoogleApi, s: Settings): Promise<{ number?: string; note?: string }> {
  if (s.project.number) return { number: s.project.number };
  try {
    const { resolveProject } = await import('../cloud/google/projects.js');
    return { number: (await resolveProject(api, { id: s.project.id! })).number };
  } catch (e) {
    return { note: (e as Error).message.split('\n')[0] };
  }
}

/** The service account this KSA impersonates: its grant's, else wif.yaml's / --service-account. */
export function serviceAccountFor(s: Settings, ksa: KsaRef): string | undefined {
  const name = `${ksa.namespace}/${ksa.name}`;
  const g = s.config?.grants.find((x) => x.serviceAccount && (x.ksa === name || x.namespace === ksa.namespace));
  return g?.serviceAccount ?? s.serviceAccount?.email;
}

/** Build the shared state of a verify run (see module doc). */
export async function openVerify(ctx: Ctx, s: Settings, ksa: KsaRef): Promise<VerifyRun> {
  const env = ctx.io.env;
  // Bad input is a usage error (exit 2) before any stage, not a failed stage: a broken kubeconfig or context
  // (kubectl would report it as an unreachable cluster) and an unusable access token file.
  const { loadKubeconfig, resolveContext } = await import('../cloud/kube/kubeconfig.js');
  resolveContext(await loadKubeconfig(s.cluster.kubeconfig, env, ctx.io.cwd), s.cluster.context);
  const access = googleAccess({ accessTokenFile: s.accessTokenFile, env });
  if (accessTokenFile(s.accessTokenFile, env)) await access.authorization();
  const api = createGoogleApi({ access, env, log: ctx.log, signal: ctx.signal });
  const pn = await projectNumber(api, s);
  if (!pn.number) {
    api.close();
    throw new UsageError('input.missing', `--project-number is required: the project number of ${s.project.id} could not be read (${pn.note})`, {
      hint: 'Pass --project-number N (gcloud projects describe PROJECT --format="value(projectNumber)"), or give wif Google credentials.',
    });
  }
  const ref: ProviderRef = { projectNumber: pn.number, poolId: s.pool.id!, providerId: s.provider.id! };
  const serviceAccount = serviceAccountFor(s, ksa);
  const lifetime = typeof s.serviceAccount?.tokenLifetime === 'number' ? s.serviceAccount.tokenLifetime : undefined;
  const expiration = typeof s.workload.tokenExpiration === 'number' ? s.workload.tokenExpiration : 3600;
  const gke = usesGkeForms(s.cluster.platform, s.pool.id);
  const audience = gke ? ref.poolId : tokenAudience(ref, s.provider.allowedAudiences);
  const cc = { provider: ref, tokenPath: s.workload.tokenPath, format: { type: 'text' as const }, serviceAccount, tokenLifetimeSeconds: serviceAccount ? lifetime : undefined, endpoint: googleEndpoint(env) };
  const credConfig = (gke ? gkeCredConfig(cc, s.provider.issuerUri ?? s.cluster.issuer ?? '') : credConfigObject(cc)) as Record<string, unknown>;
  return {
    ctx, ksa, api, ref,
    kubectl: new Kubectl({ context: s.cluster.context, kubeconfig: s.cluster.kubeconfig, env, cwd: ctx.io.cwd, signal: ctx.signal, log: ctx.log }),
    providerPath: providerPath(s.project.id!, ref.poolId, ref.providerId),
    tokenAudience: audience,
    tokenExpiration: expiration,
    recorded: { issuerUri: s.provider.issuerUri, allowedAudiences: s.provider.allowedAudiences, mapping: s.provider.attributeMapping, condition: s.provider.attributeCondition },
    credConfig,
    gke,
    serviceAccount,
    fix: { ksa: `${ksa.namespace}/${ksa.name}`, serviceAccount, project: s.project.id, pool: ref.poolId, provider: ref.providerId, tokenAudience: audience, gke },
  };
}
