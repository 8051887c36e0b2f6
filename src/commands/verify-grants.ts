/**
 * Stage 5 for direct access (no service account to impersonate): the federated principal — or a principal
 * set its mapped attributes belong to — holds the roles wif.yaml grants it, read from the IAM policies with
 * the operator's credentials. Without this, a revoked grant would only show up when the workload calls an API.
 */
import type { Grant } from '../model/config.js';
import { getPolicy } from '../cloud/google/iam-policy.js';
import { parseResource, usesGkeForms } from '../plan/grants.js';
import { gkePrincipalsFor, principalsFor } from '../plan/names.js';
import type { PolicyTarget } from '../plan/plan.js';
import { fixFor } from '../plan/verify-errors.js';
import type { Outcome, VerifyRun } from './verify-stages.js';

export interface GrantScope {
  projectId: string;
  platform?: string;
  grants: Grant[];
}

/** The grants of wif.yaml that cover this KSA (by name, or by its namespace). */
export function grantsFor(r: Pick<VerifyRun, 'ksa'>, grants: Grant[]): Grant[] {
  const name = `${r.ksa.namespace}/${r.ksa.name}`;
  return grants.filter((g) => !g.serviceAccount && (g.ksa === name || g.namespace === r.ksa.namespace));
}

function members(r: VerifyRun, s: GrantScope): Set<string> {
  if (usesGkeForms(s.platform, r.ref.poolId)) {
    return new Set(gkePrincipalsFor(r.ref.projectNumber, s.projectId, r.ksa.namespace, r.ksa.name).map((m) => m.member));
  }
  const pool = { projectNumber: r.ref.projectNumber, poolId: r.ref.poolId };
  return new Set(principalsFor(pool, { subject: r.mapped?.subject, attributes: r.mapped?.attributes }).map((m) => m.member));
}

const key = (t: PolicyTarget) => (t.kind === 'project' ? `projects/${t.projectId}` : `serviceAccounts/${t.email}`);

/** Roles held by any of `ms` on each target. */
async function rolesOn(r: VerifyRun, targets: PolicyTarget[], ms: Set<string>): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const t of targets) {
    const policy = await getPolicy(r.api!, t);
    const roles = new Set((policy.bindings ?? []).filter((b) => b.members.some((m) => ms.has(m))).map((b) => b.role));
    out.set(key(t), roles);
  }
  return out;
}

/** Stage 5 (direct access). `{skip}` when it cannot run (no operator credentials). */
export async function stageGrants(r: VerifyRun, s: GrantScope): Promise<Outcome | { skip: string }> {
  if (!r.api) return { skip: `not checked: ${r.apiNote ?? 'no Google credentials to read IAM policies'}` };
  const mine = grantsFor(r, s.grants);
  const targets = new Map<string, PolicyTarget>();
  for (const g of mine.length ? mine : [{ roles: [] } as Grant]) {
    const t = parseResource(g.resource, s.projectId);
    if (t) targets.set(key(t), t);
  }
  const held = await rolesOn(r, [...targets.values()], members(r, s));
  const missing = mine.flatMap((g) => {
    const t = parseResource(g.resource, s.projectId);
    return t ? g.roles.filter((role) => !held.get(key(t))?.has(role)).map((role) => `${role} on ${key(t)}`) : [];
  });
  const who = `${r.ksa.namespace}/${r.ksa.name}`;
  if (missing.length) {
    return { cause: 'grant-missing', detail: `the principal of ${who} no longer holds ${missing.join(', ')} (recorded in wif.yaml)`, fix: fixFor('grant-missing', r.fix).replace('--role ROLE', missing.map((m) => `--role ${m.split(' ')[0]}`).join(' ')) };
  }
  const found = [...held].flatMap(([t, roles]) => [...roles].map((role) => `${role} on ${t}`));
  if (!found.length) return { cause: 'grant-missing', detail: `no role is granted to the principal of ${who} (or a principal set it belongs to) on ${[...targets.keys()].join(', ')}`, fix: fixFor('grant-missing', r.fix) };
  return { ok: `the principal of ${who} holds ${found.join(', ')}` };
}
