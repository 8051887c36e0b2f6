/**
 * IAM allow policies as Resource Manager and IAM serve them (research/gcp-api.md §5): canonical base64
 * etags that change on every write, 409 ABORTED on a stale etag (and, with `--conflict-rate`, as if a
 * concurrent writer won), policy version rules (conditions need version 3; a version-1 read of a
 * conditional policy gets `_withcond_` roles), member and role validation with Google's messages.
 */
import { createHash } from 'node:crypto';
import { badRequest, GoogleHttpError } from './http.js';
import { SERVICE_ACCOUNT_ROLES } from './roles.js';
import { validateMember } from './members.js';
import type { Schema } from './schema.js';
import type { Binding, GoogleState, PolicyRec } from './state.js';

const CONDITION: Schema = { expression: 'string', title: 'string', description: 'string', location: 'string' };
const BINDING: Schema = { role: 'string', members: 'stringList', condition: { message: CONDITION } };
const AUDIT: Schema = { service: 'string', auditLogConfigs: { list: { logType: 'string', exemptedMembers: 'stringList' } } };
export const POLICY_SCHEMA: Schema = { version: 'int', bindings: { list: BINDING }, auditConfigs: { list: AUDIT }, etag: 'bytes' };
export const SET_IAM_POLICY_SCHEMA: Schema = { policy: { message: POLICY_SCHEMA }, updateMask: 'string' };
export const GET_IAM_POLICY_SCHEMA: Schema = { options: { message: { requestedPolicyVersion: 'int' } } };

/** The empty policy's etag (`{"version":1,"etag":"ACAB"}`, research §5.1). */
export const EMPTY_ETAG = 'ACAB';
const MAX_MEMBERS = 1500;
const VERSIONS_URL = 'https://cloud.google.com/iam/docs/policies#versions';
const ABORTED_MESSAGE = 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.';

export function aborted(): GoogleHttpError {
  return new GoogleHttpError(409, ABORTED_MESSAGE, 'ABORTED', undefined, { errors: [{ domain: 'global', message: ABORTED_MESSAGE, reason: 'aborted' }] });
}

/** 0, 1 and 3 are the valid policy versions. [UNVERIFIED message] */
export function checkVersion(v: number, what: 'Requested' | 'Specified'): void {
  if (![0, 1, 3].includes(v)) throw badRequest(`${what} policy version (${v}) is invalid. Valid versions are 0, 1 and 3. For more information, please refer to ${VERSIONS_URL}.`);
}

const hasConditions = (p: { bindings: Binding[] }) => p.bindings.some((b) => b.condition);

/**
 * The policy as getIamPolicy returns it for `requestedVersion`: version 1 when there are no conditions;
 * a conditional policy read below version 3 gets each conditional role renamed `ROLE_withcond_HASH`
 * and its condition dropped (today's behaviour, research §5.1).
 */
export function renderPolicy(p: PolicyRec, requestedVersion: number): Record<string, unknown> {
  const conditional = hasConditions(p);
  const asV3 = conditional && requestedVersion === 3;
  const bindings = p.bindings.map((b) => {
    if (!b.condition || asV3) return { role: b.role, members: [...b.members], ...(b.condition ? { condition: { ...b.condition } } : {}) };
    const hash = createHash('sha256').update(JSON.stringify(b.condition)).digest('hex').slice(0, 20);
    return { role: `${b.role}_withcond_${hash}`, members: [...b.members] };
  });
  const out: Record<string, unknown> = { version: asV3 ? 3 : 1 };
  if (bindings.length) out.bindings = bindings;
  if (p.auditConfigs?.length) out.auditConfigs = p.auditConfigs;
  out.etag = p.etag;
  return out;
}

const sameBytes = (a: string, b: string) => Buffer.from(a, 'base64').equals(Buffer.from(b.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));

export interface SetPolicyTarget {
  kind: 'project' | 'serviceAccount';
  current: PolicyRec;
}

/**
 * Apply a SetIamPolicyRequest body (already schema-checked) to `target.current` and return the new
 * record. Throws 409 ABORTED on a stale etag or an injected conflict, 400 on invalid content.
 */
export function setPolicy(state: GoogleState, target: SetPolicyTarget, body: Record<string, unknown>): PolicyRec {
  const policy = (body.policy ?? {}) as { version?: number; bindings?: Binding[]; auditConfigs?: object[]; etag?: string };
  const mask = parseMask(body.updateMask as string | undefined);
  const { faults } = state.deps;
  if (faults.conflictRate > 0 && faults.random() < faults.conflictRate) {
    // As if another writer got in first: the stored etag moves on, so a blind retry fails too.
    target.current.etag = state.newEtag();
    throw aborted();
  }
  if (policy.etag !== undefined && !sameBytes(target.current.etag, policy.etag)) throw aborted();
  const version = policy.version ?? 0;
  checkVersion(version, 'Specified');
  const bindings = mask.has('bindings') ? normalizeBindings(state, target.kind, policy.bindings ?? []) : target.current.bindings;
  if (version < 3 && hasConditions(target.current) && mask.has('bindings')) {
    throw badRequest(`Specified policy version (${version}) cannot be less than the existing policy version (3). For more information, please refer to ${VERSIONS_URL}`);
  }
  if (version < 3 && hasConditions({ bindings })) {
    // [UNVERIFIED message] Google rejects conditional bindings in a policy that is not version 3.
    throw badRequest(`Conditional role bindings require policy version 3, but the policy specifies version ${version}. For more information, please refer to ${VERSIONS_URL}`);
  }
  const auditConfigs = mask.has('auditConfigs') ? policy.auditConfigs : target.current.auditConfigs;
  return { bindings, auditConfigs, etag: state.newEtag() };
}

function parseMask(mask: string | undefined): Set<string> {
  if (mask === undefined || mask === '') return new Set(['bindings', 'etag']);
  const paths = mask.split(',').map((s) => s.trim().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
  for (const p of paths) if (!['bindings', 'etag', 'auditConfigs'].includes(p)) throw badRequest(`Invalid update_mask path: "${p}". Only "bindings", "etag" and "audit_configs" may be updated.`, 'update_mask');
  return new Set(paths);
}

/** Validate roles, members and conditions; merge duplicate (role, condition) bindings; drop empty ones. */
function normalizeBindings(state: GoogleState, kind: SetPolicyTarget['kind'], input: Binding[]): Binding[] {
  const out: Binding[] = [];
  let total = 0;
  for (const b of input) {
    checkRole(b.role, kind);
    if (b.condition && !b.condition.expression?.trim()) throw badRequest('Condition expression must be specified.', 'policy.bindings.condition.expression');
    const members = [...new Set(b.members ?? [])];
    for (const m of members) validateMember(state, m);
    if (!members.length) continue;
    const key = JSON.stringify(b.condition ?? null);
    const same = out.find((x) => x.role === b.role && JSON.stringify(x.condition ?? null) === key);
    if (same) same.members = [...new Set([...same.members, ...members])];
    else out.push({ role: b.role, members, ...(b.condition ? { condition: { ...b.condition } } : {}) });
    total += members.length;
  }
  if (total > MAX_MEMBERS) throw badRequest(`The number of members in the policy (${total.toLocaleString('en-US')}) is larger than the maximum allowed size ${MAX_MEMBERS.toLocaleString('en-US')}.`);
  return out;
}

const ROLE = /^(roles\/[a-zA-Z0-9]+(\.[a-zA-Z0-9]+)*|(projects|organizations)\/[a-z0-9-]+\/roles\/[a-zA-Z0-9_.]+)$/;

function checkRole(role: string | undefined, kind: SetPolicyTarget['kind']): void {
  if (!role) throw badRequest('A role must be specified for each binding.', 'policy.bindings.role');
  if (!ROLE.test(role) || (kind === 'serviceAccount' && !SERVICE_ACCOUNT_ROLES.has(role))) {
    throw badRequest(`Role ${role} is not supported for this resource.`);
  }
}
