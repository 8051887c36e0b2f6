import { flowReport, planAndApply } from '../apply/flow.js';
import { openGoogle, type GoogleSession } from '../apply/preflight.js';
import { googleAccess } from '../cloud/google/auth.js';
import { createGoogleApi, type GoogleApi } from '../cloud/google/http.js';
import type { Provider } from '../cloud/google/types.js';
import { getWip } from '../cloud/google/wip.js';
import { Kubectl } from '../cloud/kube/kubectl.js';
import type { Ctx } from '../core/context.js';
import { OperationError, UsageError } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import type { RawFlags } from '../model/flags.js';
import { resolveSettings, type Settings } from '../model/settings.js';
import { usesGkeForms } from '../plan/grants.js';
import type { Jwk, Jwks } from '../plan/jwks.js';
import { diffJwks, jwksSyncStep, planJwksSync, uploadedKeysOf, type JwksDiff, type JwksSyncPlan } from '../plan/jwks-sync.js';
import type { Step } from '../plan/plan.js';
import { providerPath } from '../plan/provider.js';

/**
 * `wif jwks diff` and `wif jwks sync [--prune]` (SPEC §1): the cluster's JWKS (kubectl, honouring --context,
 * --kubeconfig and wif.yaml) against the provider's uploaded `oidc.jwksJson`. diff is read-only and exits 1 on
 * drift (a CI cron); sync PATCHes `updateMask=oidc.jwksJson` only, with the union of the served keys and the
 * previously uploaded ones (plan/jwks-sync.ts). Only kids are printed; nothing is recorded.
 */
type Flags = RawFlags & { prune?: boolean };

interface Observed {
  /** The provider's resource name (`projects/NUMBER/…/providers/ID`). */
  resource: string;
  path: string;
  issuer?: string;
  context: string;
  cluster: Jwks;
  /** undefined: nothing uploaded (Google fetches the issuer's JWKS itself). */
  uploaded?: Jwk[];
}

async function settingsOf(ctx: Ctx, flags: Flags): Promise<Settings> {
  const s = await resolveSettings(ctx, flags, ['project', 'pool', 'provider']);
  for (const [v, flag] of [[s.pool.id, '--pool'], [s.provider.id, '--provider']] as const) {
    if (!v) throw new UsageError('input.missing', `${flag} is required: the provider whose uploaded JWKS to compare`, { hint: `Pass ${flag} (or run wif init, which records it in wif.yaml).` });
  }
  if (usesGkeForms(s.cluster.platform, s.pool.id)) {
    throw new UsageError('jwks.gke', "GKE clusters use the project's built-in workload pool: there is no provider and no uploaded JWKS to sync", { hint: 'Nothing to do: Google reads GKE keys itself.' });
  }
  return s;
}

async function readCluster(ctx: Ctx, s: Settings): Promise<{ context: string; issuer?: string; jwks: Jwks }> {
  const { readClusterOidc } = await import('../cloud/kube/discovery.js');
  const k = new Kubectl({ context: s.cluster.context, kubeconfig: s.cluster.kubeconfig, env: ctx.io.env, cwd: ctx.io.cwd, signal: ctx.signal, log: ctx.log });
  const r = await readClusterOidc(k, { mintToken: false, apiGroups: false });
  const context = s.cluster.context ?? 'the current context';
  if (!r.jwks) {
    const e = r.errors.jwks;
    throw new OperationError('jwks.cluster-unreadable', `cannot read the JWKS of ${context}${e ? `: ${e.message}` : ''}`, { hint: e?.hint ?? 'Check --context and that the cluster serves /openid/v1/jwks.', cause: e });
  }
  return { context, issuer: r.discovery?.issuer, jwks: { keys: (r.jwks.keys ?? []) as Jwk[] } };
}

async function readProvider(api: GoogleApi, s: Settings, projectId: string): Promise<{ p: Provider; path: string }> {
  const path = providerPath(projectId, s.pool.id!, s.provider.id!);
  const p = await getWip<Provider>(api, path, projectId);
  const id = `provider ${s.provider.id} (pool ${s.pool.id}, project ${projectId})`;
  if (!p) throw new OperationError('gcp.provider.not-found', `${id} does not exist`, { hint: 'Create it first: wif provider ensure (or wif init).' });
  if (p.state === 'DELETED') throw new OperationError('gcp.provider.deleted', `${id} is soft-deleted`, { hint: 'Restore it first: wif provider ensure --yes (undeletes it).' });
  return { p, path };
}

/** Both sides, read concurrently; refuses a cluster whose issuer is not the provider's (its keys do not belong there). */
async function observe(ctx: Ctx, s: Settings, api: GoogleApi, projectId: string): Promise<Observed> {
  const [c, { p, path }] = await Promise.all([readCluster(ctx, s), readProvider(api, s, projectId)]);
  const issuer = p.oidc?.issuerUri;
  if (c.issuer && issuer && c.issuer !== issuer) {
    throw new OperationError('jwks.wrong-cluster', `${c.context} issues tokens as ${c.issuer}, but provider ${s.provider.id} trusts ${issuer}: its keys do not belong to this provider`, {
      hint: 'Pass --context for the cluster of this provider (or --pool/--provider for this cluster\'s provider).',
    });
  }
  return { resource: p.name, path, issuer, context: c.context, cluster: c.jwks, uploaded: uploadedKeysOf(p.oidc?.jwksJson) };
}

const PUBLIC_NOTE = (o: Observed) => `Provider ${o.resource} has no uploaded JWKS: its issuer ${o.issuer ?? ''} is public, so Google fetches the keys from the issuer's discovery document itself and follows rotations on its own. Nothing to compare or sync.`;

function diffText(ctx: Ctx, o: Observed, d: JwksDiff): string {
  const c = ctx.colors;
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : '(none)');
  const lines = [c.bold(`JWKS of ${o.context} (issuer ${o.issuer}) vs provider ${o.resource}:`),
    `  cluster serves: ${list(d.clusterKeys)}`, `  uploaded:       ${list(d.uploadedKeys)}`];
  if (d.missing.length) lines.push(`  ${c.red('✖ missing')} (served, not uploaded; STS refuses tokens signed by them): ${d.missing.join(', ')}`);
  if (d.changed.length) lines.push(`  ${c.red('✖ changed')} (same kid, other key material): ${d.changed.join(', ')}`);
  if (d.stale.length) lines.push(`  ${c.yellow('~ stale')} (uploaded, no longer served; still trusted): ${d.stale.join(', ')}`);
  for (const r of d.rejected) lines.push(`  ${c.red('✖ unsupported')} ${r.kid}: ${r.reason}`);
  lines.push('', d.inSync && !d.rejected.length ? `${c.green('✔')} In sync.${d.stale.length ? ' Once tokens signed by the stale keys have expired: wif jwks sync --prune' : ''}` : 'Drift.');
  return lines.join('\n');
}

function driftError(d: JwksDiff): OperationError | undefined {
  if (!d.inSync) {
    const what = [d.missing.length ? `lacks key(s) ${d.missing.join(', ')} the cluster now serves` : '', d.changed.length ? `holds other key material under kid(s) ${d.changed.join(', ')}` : ''].filter(Boolean).join(' and ');
    if (what) return new OperationError('jwks.drift', `the provider's uploaded JWKS ${what}: STS refuses the tokens signed by them`, { hint: 'wif jwks sync (keeps the old keys; --prune drops them)' });
    return new OperationError('jwks.drift', `the provider's uploaded JWKS still trusts key(s) ${d.stale.join(', ')} the cluster no longer serves`, { hint: 'Once the tokens they signed have expired: wif jwks sync --prune' });
  }
  if (d.rejected.length) return new OperationError('jwks.unsupported', `the cluster serves key(s) Google does not accept: ${d.rejected.map((r) => `${r.kid} (${r.reason})`).join('; ')}`, { hint: 'Sign service-account tokens with an RSA or EC P-256 key (--service-account-signing-key-file).' });
  return undefined;
}

/** `wif jwks diff [--prune]`: exit 1 on drift (with `--prune`, stale keys count too), 0 in sync or public issuer. */
export async function runDiff(ctx: Ctx, flags: Flags): Promise<CommandResult> {
  const s = await settingsOf(ctx, flags);
  const api = createGoogleApi({ access: googleAccess({ accessTokenFile: s.accessTokenFile, env: ctx.io.env }), env: ctx.io.env, log: ctx.log, signal: ctx.signal });
  try {
    const h = ctx.log.step(`Reading the JWKS of ${s.cluster.context ?? 'the current context'} and provider ${s.provider.id}`);
    const o = await observe(ctx, s, api, s.project.id!).catch((e) => { h.fail(); throw e; });
    h.done();
    const base = { provider: o.resource, context: o.context, issuer: o.issuer };
    if (!o.uploaded) return { result: { ...base, uploaded: false, inSync: true, clusterKeys: o.cluster.keys.map((k) => k.kid), uploadedKeys: [], missing: [], stale: [] }, text: PUBLIC_NOTE(o) };
    const d = diffJwks(o.cluster, o.uploaded, { prune: !!flags.prune });
    return { result: { ...base, uploaded: true, ...d }, text: diffText(ctx, o, d), error: driftError(d) };
  } finally {
    api.close();
  }
}

/** The plan of a sync: one PATCH step, a noop, or (public issuer) a noop saying Google fetches the keys. */
async function planSync(ctx: Ctx, s: Settings, g: GoogleSession, prune: boolean): Promise<{ o: Observed; p?: JwksSyncPlan; step: Step }> {
  const o = await observe(ctx, s, g.api, g.project.id);
  if (!o.uploaded) return { o, step: { action: 'noop', kind: 'provider', resource: o.resource, reason: 'no uploaded JWKS: the issuer is public and Google fetches its keys itself' } };
  const p = planJwksSync(o.cluster, o.uploaded, { prune });
  // Before the confirmation: what --prune breaks, and keys that cannot be uploaded.
  for (const w of p.warnings) ctx.log.warn(w);
  return { o, p, step: jwksSyncStep(p, o.resource, o.path) };
}

/** `wif jwks sync [--prune] [--dry-run] [--yes]`: plan → confirm → one PATCH of oidc.jwksJson; a second run changes nothing. */
export async function runSync(ctx: Ctx, flags: Flags): Promise<CommandResult> {
  const s = await settingsOf(ctx, flags);
  const g = await openGoogle(ctx, s);
  try {
    const prune = !!flags.prune;
    const what = `the JWKS of provider ${s.provider.id} (pool ${s.pool.id})`;
    let seen: Awaited<ReturnType<typeof planSync>> | undefined;
    const f = await planAndApply(ctx, s, g, { what, makePlan: async () => ({ steps: [(seen = await planSync(ctx, s, g, prune)).step] }) });
    const { o, p } = seen!;
    if (!p) return { ...flowReport(ctx, g, f, { what, extra: { provider: o.resource, uploaded: false } }), text: PUBLIC_NOTE(o) };
    const { inSync, clusterKeys, uploadedKeys, missing, stale, changed, rejected } = p.diff;
    return flowReport(ctx, g, f, {
      what,
      extra: { provider: o.resource, uploaded: true, prune, keys: p.keys, added: p.added, kept: p.kept, dropped: p.dropped, diff: { inSync, clusterKeys, uploadedKeys, missing, stale, changed, rejected } },
      notes: p.kept.length && f.decision !== 'dry-run' ? [`Still trusted though no longer served: ${p.kept.join(', ')}. Once the tokens they signed have expired (projected tokens: --token-expiration; default tokens up to a year): wif jwks sync --prune`] : [],
    });
  } finally {
    g.api.close();
  }
}

/** The command module's default entry: `wif jwks diff`. */
export const run = runDiff;
