/**
 * What `wif grant` / `wif revoke` mean, as IAM policy edits (pure). Direct access puts the workload's principal
 * (or its namespace's principalSet) on the resource's policy; impersonation puts it on the service account's
 * policy as roles/iam.workloadIdentityUser and the roles on the resource for the service account
 * (research/gcp-api.md §4.2, §5). Every KSA and role of one call lands in ONE edit list per policy.
 */
import { evaluateMapping } from './cel.js';
import { synthesizeClaims } from './claims.js';
import { assertNoProblems, type Problem } from '../core/errors.js';
import type { KsaRef } from '../model/settings.js';
import {
  gkeNamespacePrincipalSet, gkePrincipal, gkeWorkloadPool, ksaSubject, principalForSubject, principalSetAll,
  principalSetForAttribute, serviceAccountMember,
} from './names.js';
import type { PolicyTarget } from './plan.js';
import { BASIC_ROLES, type PolicyEdit } from './policy.js';

export const WORKLOAD_IDENTITY_USER = 'roles/iam.workloadIdentityUser';

export interface GrantRequest {
  mode: 'grant' | 'revoke';
  project: { id: string; number: string };
  platform?: string;
  poolId?: string;
  /** GKE: the project whose workload pool (`ID.svc.id.goog`) the cluster uses; default `project`. */
  gkeProject?: { id: string; number: string };
  /** The provider's attribute mapping: decides the subject of each KSA's principal and whether namespace sets match. */
  mapping?: Record<string, string>;
  /** The provider's issuer, for mappings that read `assertion.iss`. */
  issuer?: string;
  ksas: KsaRef[];
  /** A namespace (principalSet via attribute.namespace); `*` = every identity in the pool (needs force). */
  namespace?: string;
  roles: string[];
  /** `projects/ID` or `serviceAccounts/EMAIL`; default the project. */
  resource?: string;
  /** Impersonation: the service account the workload acts as. */
  serviceAccount?: string;
  force: boolean;
}

export interface PolicyWork {
  target: PolicyTarget;
  edits: PolicyEdit[];
}

export interface GrantDesign {
  /** The principal identifiers the call is about. */
  members: string[];
  /** One entry per policy, in apply order (service account first). */
  policies: PolicyWork[];
  warnings: string[];
}

const SUBJECT_FORMS = new Set(['assertion.sub', "assertion['sub']", 'assertion["sub"]']);

/** True when the GKE principal forms apply: platform gke and no pool other than the workload pool. */
export function usesGkeForms(platform: string | undefined, poolId: string | undefined): boolean {
  return platform === 'gke' && (!poolId || poolId.endsWith('.svc.id.goog'));
}

/** `projects/ID` | `serviceAccounts/EMAIL` → a policy target. */
export function parseResource(resource: string | undefined, projectId: string): PolicyTarget | undefined {
  if (!resource) return { kind: 'project', projectId };
  const m = /^projects\/([^/]+)$/.exec(resource) ?? undefined;
  if (m) return { kind: 'project', projectId: m[1] };
  const s = /^(?:projects\/[^/]+\/)?serviceAccounts\/([^/]+@[^/]+)$/.exec(resource);
  return s ? { kind: 'serviceAccount', email: s[1] } : undefined;
}

/** The principal identifiers for the KSAs and namespace of a request, with the problems found. */
export function grantMembers(r: GrantRequest): { members: string[]; problems: Problem[]; warnings: string[] } {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const gke = usesGkeForms(r.platform, r.poolId);
  const gp = r.gkeProject ?? r.project;
  const pool = { projectNumber: gke ? gp.number : r.project.number, poolId: gke ? gkeWorkloadPool(gp.id) : r.poolId ?? '' };
  if (!gke && !r.poolId) {
    problems.push({ input: '--pool', rule: 'required', message: 'the workload identity pool is required to name the principals', hint: 'Pass --pool (or run wif provider ensure, which records it in wif.yaml).' });
  }
  const members = r.ksas.map((k) => gke ? gkePrincipal(gp.number, gp.id, k.namespace, k.name) : principalForSubject(pool, mappedSubject(r, k, warnings)));
  if (r.namespace === '*') {
    if (r.mode === 'grant' && !r.force) {
      problems.push({ input: '--namespace', rule: 'principal-set.pool-wide', message: `'*' means every identity of every provider in the pool (${principalSetAll(pool)})`, hint: 'Grant per --ksa or per --namespace, or pass --force if the whole pool really needs this access.' });
    }
    members.push(principalSetAll(pool));
  } else if (r.namespace !== undefined) {
    if (gke) members.push(gkeNamespacePrincipalSet(gp.number, gp.id, r.namespace));
    else {
      if (r.mapping && !('attribute.namespace' in r.mapping)) {
        problems.push({ input: '--namespace', rule: 'mapping.namespace-attribute', message: `the provider's attribute mapping has no attribute.namespace, so principalSet://…/attribute.namespace/${r.namespace} would match no token`, hint: "Add attribute.namespace to the mapping (--mapping-preset kubernetes, then wif provider ensure), or grant per --ksa." });
      }
      members.push(principalSetForAttribute(pool, 'namespace', mappedNamespace(r, r.namespace)));
    }
  }
  if (!members.length) {
    problems.push({ input: '--ksa', rule: 'required', message: `nothing to ${r.mode}: name at least one Kubernetes service account (--ksa NS/NAME) or a --namespace`, hint: 'Pass --ksa NS/NAME (repeatable) or --namespace NS.' });
  }
  return { members, problems, warnings };
}

/**
 * The principal's subject is whatever the provider's mapping makes of the KSA's token (a cluster-qualified
 * mapping such as `'prod::' + assertion.sub` gives `prod::system:serviceaccount:NS:KSA`), so it is computed by
 * evaluating the mapping on the KSA's claims rather than assumed.
 */
function mappedSubject(r: GrantRequest, k: KsaRef, warnings: string[]): string {
  const plain = ksaSubject(k.namespace, k.name);
  const expr = r.mapping?.['google.subject'];
  if (expr === undefined || SUBJECT_FORMS.has(expr.replace(/\s+/g, ''))) return plain;
  const out = evaluateMapping({ 'google.subject': expr }, synthesizeClaims(k.namespace, k.name, { issuer: r.issuer }));
  if (typeof out.subject === 'string' && out.subject) return out.subject;
  warnings.push(`the provider maps google.subject to \`${expr}\`, which gives no subject for ${k.namespace}/${k.name}'s token: principal://…/subject/${plain} may not match its tokens`);
  return plain;
}

/** The value `attribute.namespace` takes for tokens of `namespace` under the provider's mapping. */
function mappedNamespace(r: GrantRequest, namespace: string): string {
  const expr = r.mapping?.['attribute.namespace'];
  if (expr === undefined) return namespace;
  const out = evaluateMapping({ 'google.subject': 'assertion.sub', 'attribute.namespace': expr }, synthesizeClaims(namespace, 'default', { issuer: r.issuer }));
  const v = out.attributes.namespace;
  return typeof v === 'string' && v ? v : namespace;
}

function roleProblems(r: GrantRequest): Problem[] {
  if (r.mode !== 'grant' || r.force) return [];
  return r.roles.filter((role) => BASIC_ROLES.has(role)).map((role) => ({
    input: '--role', rule: 'role.basic', message: `${role} is a basic role: it grants broad access to almost everything in the project`,
    hint: 'Grant a predefined role that covers only what the workload needs (e.g. roles/storage.objectViewer), or pass --force.',
  }));
}

/**
 * Design the policy edits of a grant or revoke. Throws a ValidationError (exit 2) naming every refused input:
 * basic roles and pool-wide principal sets without --force, namespace sets the mapping cannot match, a bad
 * --resource, nothing to grant.
 */
export function designGrant(r: GrantRequest): GrantDesign {
  const { members, problems, warnings } = grantMembers(r);
  problems.push(...roleProblems(r));
  const target = parseResource(r.resource, r.project.id);
  if (!target) problems.push({ input: '--resource', rule: 'resource.format', message: `${r.resource} is not projects/ID or serviceAccounts/EMAIL`, hint: 'Pass --resource projects/ID or --resource serviceAccounts/EMAIL.' });
  const op = r.mode === 'grant' ? 'add' : 'remove';
  const policies: PolicyWork[] = [];
  if (r.serviceAccount) {
    policies.push({ target: { kind: 'serviceAccount', email: r.serviceAccount }, edits: members.map((member) => ({ op, role: WORKLOAD_IDENTITY_USER, member })) });
    const sa = serviceAccountMember(r.serviceAccount);
    if (r.roles.length && target) policies.push({ target, edits: r.roles.map((role) => ({ op, role, member: sa })) });
  } else {
    if (!r.roles.length && r.mode === 'grant') problems.push({ input: '--role', rule: 'required', message: 'direct access needs at least one --role to grant on the resource', hint: 'Pass --role ROLE (repeatable), or --service-account EMAIL to grant impersonation.' });
    const roles = r.roles.length ? r.roles : ['*'];
    if (target) policies.push({ target, edits: roles.flatMap((role) => members.map((member) => ({ op, role, member }))) });
  }
  assertNoProblems(problems);
  return { members, policies: mergeTargets(policies), warnings };
}

/** Two edits lists on the same policy (e.g. --resource serviceAccounts/X with --service-account X) become one. */
function mergeTargets(ps: PolicyWork[]): PolicyWork[] {
  const out: PolicyWork[] = [];
  for (const p of ps) {
    const same = out.find((o) => targetKey(o.target) === targetKey(p.target));
    if (same) same.edits.push(...p.edits);
    else out.push({ target: p.target, edits: [...p.edits] });
  }
  return out;
}

/** A stable key for a policy target (`projects/ID`, `serviceAccounts/EMAIL`). */
export function targetKey(t: PolicyTarget): string {
  return t.kind === 'project' ? `projects/${t.projectId}` : `serviceAccounts/${t.email}`;
}
