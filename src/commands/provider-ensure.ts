import { flowReport, planAndApply } from '../apply/flow.js';
import { openGoogle } from '../apply/preflight.js';
import { resolveProviderSource, type ProviderSource } from '../apply/provider-source.js';
import { updateWifYaml } from '../apply/record.js';
import type { Pool, Provider } from '../cloud/google/types.js';
import { getWip, listProviders } from '../cloud/google/wip.js';
import type { Ctx } from '../core/context.js';
import { assertNoProblems, UsageError } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import type { WifYaml, WifYamlInput } from '../model/config.js';
import type { RawFlags } from '../model/flags.js';
import { resolveSettings, type KsaRef, type Settings } from '../model/settings.js';
import { checkPoolCollisions, clusterSlug } from '../plan/collisions.js';
import { providerAudience, tokenAudience } from '../plan/names.js';
import type { Plan } from '../plan/plan.js';
import { planPool, poolPath, type ProjectIds } from '../plan/pool.js';
import { planProvider, providerPath, type ProviderWant } from '../plan/provider.js';

function need(v: string | undefined, flag: string, what: string): string {
  if (!v) throw new UsageError('input.missing', `${flag} is required: ${what}`, { hint: `Pass ${flag} (or run wif init, which records it in wif.yaml).` });
  return v;
}

function wantOf(s: Settings, flags: RawFlags, src: ProviderSource): ProviderWant {
  return {
    poolId: s.pool.id!, providerId: s.provider.id!, issuerUri: src.issuerUri,
    attributeMapping: s.provider.attributeMapping, allowedAudiences: s.provider.allowedAudiences,
    attributeCondition: s.provider.attributeCondition, jwksJson: src.jwksJson,
    displayName: typeof flags.displayName === 'string' ? flags.displayName : s.provider.displayName,
    description: typeof flags.description === 'string' ? flags.description : s.provider.description,
  };
}

async function observeAndPlan(ctx: Ctx, s: Settings, g: Awaited<ReturnType<typeof openGoogle>>, want: ProviderWant, ids: ProjectIds): Promise<Plan> {
  if (g.disabled.includes('iam.googleapis.com')) return { steps: [...planPool({ poolId: want.poolId }, undefined, ids), ...planProvider(want, undefined, ids)] };
  const [pool, provider, siblings] = await Promise.all([
    getWip<Pool>(g.api, poolPath(ids.projectId, want.poolId), ids.projectId),
    getWip<Provider>(g.api, providerPath(ids.projectId, want.poolId, want.providerId), ids.projectId),
    listProviders(g.api, poolPath(ids.projectId, want.poolId), ids.projectId),
  ]);
  if (pool?.mode === 'TRUST_DOMAIN') {
    throw new UsageError('gcp.pool.trust-domain', `--pool ${want.poolId}: ${pool.name} is a TRUST_DOMAIN pool, which cannot hold OIDC providers`, { hint: 'Choose another --pool (GKE clusters use their PROJECT.svc.id.goog pool without a provider: wif grant --platform gke).' });
  }
  const steps = [...planPool({ poolId: want.poolId }, pool, ids), ...planProvider(want, pool ? provider : undefined, ids)];
  // Multi-cluster safety (plan/collisions.ts): refuse, before applying, subjects shared with another cluster.
  const c = checkPoolCollisions({ ...want, siblings, steps, ksas: s.access.ksas.filter((k): k is KsaRef => typeof k !== 'string'), force: s.access.force, cluster: clusterSlug(s.cluster) });
  for (const w of c.warnings) ctx.log.warn(w);
  assertNoProblems(c.problems);
  return { steps };
}

function record(cfg: WifYaml | undefined, s: Settings, want: ProviderWant, src: ProviderSource, project: { id: string; number: string }): WifYamlInput | undefined {
  if (cfg && (cfg.pool.id !== want.poolId || cfg.provider.id !== want.providerId)) return undefined;
  const platform = src.platform ?? s.cluster.platform;
  const cluster = cfg?.cluster ?? (platform ? { platform: platform as never } : undefined);
  return {
    ...(cfg ?? { version: 1 as const }),
    project: { id: project.id, number: project.number },
    ...(cluster ? { cluster: { ...cluster, ...(s.cluster.context ? { context: s.cluster.context } : {}), issuer: want.issuerUri, jwksUploaded: want.jwksJson !== undefined } } : {}),
    pool: { ...(cfg?.pool ?? {}), id: want.poolId },
    provider: {
      ...(cfg?.provider ?? {}), id: want.providerId, issuerUri: want.issuerUri, attributeMapping: want.attributeMapping, allowedAudiences: want.allowedAudiences,
      ...(want.attributeCondition !== undefined ? { attributeCondition: want.attributeCondition } : {}),
      ...(want.displayName !== undefined ? { displayName: want.displayName } : {}),
      ...(want.description !== undefined ? { description: want.description } : {}),
    },
  };
}

/**
 * `wif provider ensure`: get-or-create the pool and the OIDC provider, offer to undelete soft-deleted ones, and repair
 * drift (issuer, JWKS for private issuers, mapping, condition, audiences, names, disabled) with one PATCH whose
 * updateMask names exactly the changed fields. Records the provider in wif.yaml (creating it when absent).
 */
export async function run(ctx: Ctx, flags: RawFlags): Promise<CommandResult> {
  const s = await resolveSettings(ctx, flags, ['project', 'pool', 'provider']);
  need(s.pool.id, '--pool', 'the workload identity pool ID');
  need(s.provider.id, '--provider', 'the provider ID');
  const src = await resolveProviderSource(ctx, s);
  const want = wantOf(s, flags, src);
  if (!want.attributeCondition) ctx.log.warn('no --attribute-condition: every token the issuer signs is admitted (consider --allow-namespace / --allow-ksa)');
  const g = await openGoogle(ctx, s);
  try {
    const ids = { projectId: g.project.id, projectNumber: g.project.number };
    const what = `provider ${want.providerId} (pool ${want.poolId})`;
    const f = await planAndApply(ctx, s, g, { what, makePlan: () => observeAndPlan(ctx, s, g, want, ids) });
    const written = f.decision === 'dry-run' ? false : await updateWifYaml(s.configPath, (cfg) => record(cfg, s, want, src, g.project));
    const ref = { projectNumber: g.project.number, poolId: want.poolId, providerId: want.providerId };
    return flowReport(ctx, g, f, {
      what,
      extra: { pool: { id: want.poolId }, provider: { id: want.providerId, audience: providerAudience(ref), tokenAudience: tokenAudience(ref, want.allowedAudiences), jwksUploaded: want.jwksJson !== undefined, jwksFrom: src.jwksFrom }, wifYaml: written ? s.configPath : undefined },
      notes: written ? [`Updated ${s.configPath}.`] : [],
    });
  } finally {
    g.api.close();
  }
}
