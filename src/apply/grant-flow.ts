/**
 * `wif grant` and `wif revoke`: validate the request offline, open Google, observe (provider mapping, service
 * account, every affected policy — read in parallel), plan one edit per policy, confirm, apply with
 * read-modify-write, and record the grants in wif.yaml.
 */
import { getPolicy } from '../cloud/google/iam-policy.js';
import { getProject } from '../cloud/google/projects.js';
import { getServiceAccount } from '../cloud/google/service-accounts.js';
import type { Provider } from '../cloud/google/types.js';
import { getWip } from '../cloud/google/wip.js';
import type { Ctx } from '../core/context.js';
import { assertNoProblems, UsageError, type Problem } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import type { Grant } from '../model/config.js';
import type { RawFlags } from '../model/flags.js';
import { parseKsa, resolveSettings, type KsaRef, type Settings } from '../model/settings.js';
import { designGrant, targetKey, usesGkeForms, type GrantDesign, type GrantRequest, type PolicyWork } from '../plan/grants.js';
import type { Plan, Step } from '../plan/plan.js';
import { applyPolicyEdits, type Policy } from '../plan/policy.js';
import { providerPath } from '../plan/provider.js';
import { flowReport, planAndApply } from './flow.js';
import { openGoogle, requireProject, type GoogleSession } from './preflight.js';
import { mergeGrantRecords, updateWifYaml } from './record.js';

const ACCOUNT_ID = /^[a-z]([-a-z0-9]*[a-z0-9])$/;

/** The request from settings; KSAs default to wif.yaml's workload when neither --ksa nor --namespace is given. */
function requestOf(s: Settings, mode: 'grant' | 'revoke', project: { id: string; number: string }): GrantRequest {
  const given = s.access.ksas.filter((k): k is KsaRef => typeof k !== 'string');
  const fallback = !given.length && !s.access.namespace && s.workload.namespace && s.workload.ksa ? parseKsa(`${s.workload.namespace}/${s.workload.ksa}`) : undefined;
  const gkeId = s.cluster.identity?.projectId ?? s.cluster.identity?.workloadPool?.replace(/\.svc\.id\.goog$/, '');
  return {
    mode, project, platform: s.cluster.platform, poolId: s.pool.id,
    gkeProject: gkeId && gkeId !== project.id ? { id: gkeId, number: '0' } : undefined,
    mapping: s.config ? s.provider.attributeMapping : undefined,
    issuer: s.provider.issuerUri ?? s.cluster.issuer,
    ksas: fallback && typeof fallback !== 'string' ? [fallback] : given,
    namespace: s.access.namespace, roles: s.access.roles, resource: s.access.resource,
    serviceAccount: s.serviceAccount?.email, force: s.access.force,
  };
}

function createProblems(s: Settings, mode: string, projectId: string): Problem[] {
  const email = s.serviceAccount?.email;
  if (!s.serviceAccount?.create || mode !== 'grant') return [];
  const m = email ? /^([^@]+)@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email) : null;
  // A numeric --project is resolved later; the domain check then waits for Google's answer (createServiceAccount).
  if (!m || (m[2] !== projectId && !/^\d+$/.test(projectId))) return [{ input: '--service-account', rule: 'service-account.create-project', message: `--create-service-account creates NAME@${projectId}.iam.gserviceaccount.com; ${email ?? '(none)'} is not in project ${projectId}`, hint: `Pass --service-account NAME@${projectId}.iam.gserviceaccount.com.` }];
  if (!ACCOUNT_ID.test(m[1]) || m[1].length < 6 || m[1].length > 30) return [{ input: '--service-account', rule: 'service-account.account-id', message: `${m[1]} must be 6–30 characters of a-z, 0-9 and -, start with a letter and not end with -`, hint: 'Choose another service account name.' }];
  return [];
}

/** Observe what the design needs from Google: the provider's real mapping and the GKE project number. */
async function observeRequest(g: GoogleSession, s: Settings, r: GrantRequest): Promise<GrantRequest> {
  const gke = usesGkeForms(r.platform, r.poolId);
  const iamOn = !g.disabled.includes('iam.googleapis.com');
  const [provider, gkeProject] = await Promise.all([
    !gke && iamOn && r.poolId && s.provider.id ? getWip<Provider>(g.api, providerPath(g.project.id, r.poolId, s.provider.id), g.project.id) : undefined,
    r.gkeProject ? getProject(g.api, r.gkeProject.id) : undefined,
  ]);
  return {
    ...r, project: g.project,
    mapping: provider?.attributeMapping ?? r.mapping,
    gkeProject: gkeProject ? { id: gkeProject.projectId, number: gkeProject.projectNumber } : undefined,
  };
}

async function policyStep(g: GoogleSession, w: PolicyWork, mode: string, saAbsent: boolean): Promise<Step> {
  const resource = targetKey(w.target);
  if (saAbsent && mode === 'revoke') return { action: 'noop', kind: 'iam-policy', resource, reason: 'the service account does not exist: nothing to revoke' };
  const observed: Policy = saAbsent ? { bindings: [] } : await getPolicy(g.api, w.target);
  const { changes } = applyPolicyEdits(observed, w.edits);
  if (!changes.length) {
    return { action: 'noop', kind: 'iam-policy', resource, reason: mode === 'grant' ? (w.edits.length === 1 ? 'the binding is already present' : `all ${w.edits.length} bindings are already present`) : 'none of the bindings to remove is present' };
  }
  const n = `${changes.length} binding${changes.length === 1 ? '' : 's'}`;
  return { action: 'update', kind: 'iam-policy', resource, reason: `${mode === 'grant' ? 'add' : 'remove'} ${n} (read-modify-write with the etag; existing and conditional bindings kept)`, bindings: changes,
    op: { type: 'policy.edit', target: w.target, edits: w.edits, observed: saAbsent ? undefined : { etag: observed.etag, policy: observed } } };
}

async function makeGrantPlan(g: GoogleSession, s: Settings, d: GrantDesign, mode: 'grant' | 'revoke'): Promise<Plan> {
  const email = s.serviceAccount?.email;
  const sa = email && !g.disabled.includes('iam.googleapis.com') ? await getServiceAccount(g.api, email) : undefined;
  const saAbsent = !!email && !sa;
  const steps: Step[] = [];
  if (saAbsent && mode === 'grant') {
    if (!s.serviceAccount?.create) throw new UsageError('gcp.service-account.not-found', `--service-account ${email}: no such service account in project ${g.project.id}`, { hint: 'Pass --create-service-account to create it, or check the email.' });
    assertNoProblems(createProblems(s, mode, g.project.id));
    steps.push({ action: 'create', kind: 'service-account', resource: `serviceAccounts/${email}`, reason: 'it does not exist (--create-service-account)',
      op: { type: 'sa.create', project: g.project.id, accountId: email!.split('@')[0], body: { displayName: 'wif workload identity', description: 'Impersonated by Kubernetes workloads (created by wif)' } } });
  }
  const isSa = (w: PolicyWork) => w.target.kind === 'serviceAccount' && w.target.email === email;
  steps.push(...(await Promise.all(d.policies.map((w) => policyStep(g, w, mode, saAbsent && isSa(w))))));
  return { steps };
}

function records(r: GrantRequest): Grant[] {
  const base = { roles: r.roles, ...(r.resource ? { resource: r.resource } : {}), ...(r.serviceAccount ? { serviceAccount: r.serviceAccount } : {}) };
  return [...r.ksas.map((k) => ({ ksa: `${k.namespace}/${k.name}`, ...base })), ...(r.namespace ? [{ namespace: r.namespace, ...base }] : [])];
}

/** Run `wif grant` (mode grant) or `wif revoke` (mode revoke). */
export async function runGrant(ctx: Ctx, flags: RawFlags, mode: 'grant' | 'revoke'): Promise<CommandResult> {
  const s = await resolveSettings(ctx, flags, ['project']);
  const given = requireProject(s);
  assertNoProblems(createProblems(s, mode, given.id));
  designGrant({ ...requestOf(s, mode, { id: given.id, number: given.number ?? '0' }), mapping: undefined }); // refusals before any API call
  const g = await openGoogle(ctx, s);
  try {
    const req = await observeRequest(g, s, requestOf(s, mode, g.project));
    const design = designGrant(req);
    for (const w of design.warnings) ctx.log.warn(w);
    const what = `${mode} for ${design.members.length} principal${design.members.length === 1 ? '' : 's'}`;
    const f = await planAndApply(ctx, s, g, { what, makePlan: () => makeGrantPlan(g, s, design, mode) });
    const written = f.decision === 'dry-run' ? false : await updateWifYaml(s.configPath, (cfg) => cfg && { ...cfg, grants: mergeGrantRecords(cfg.grants, records(req), mode) });
    return flowReport(ctx, g, f, { what, extra: { members: design.members, warnings: design.warnings, wifYaml: written ? s.configPath : undefined }, notes: written ? [`Updated ${s.configPath}.`] : [] });
  } finally {
    g.api.close();
  }
}
