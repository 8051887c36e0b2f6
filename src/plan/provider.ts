/**
 * Pure planning of an OIDC workload identity pool provider: get-or-create, undelete when soft-deleted, and a
 * PATCH whose updateMask names exactly the fields that differ (research/gcp-api.md §1.2, §1.4).
 */
import { UsageError } from '../core/errors.js';
import type { Provider } from '../cloud/google/types.js';
import { providerName } from './names.js';
import type { Step } from './plan.js';
import { change, poolPath, type ProjectIds } from './pool.js';

/** What the user wants. Undefined optional fields mean "leave as it is"; mapping, issuer and audiences are always declared. */
export interface ProviderWant {
  poolId: string;
  providerId: string;
  issuerUri: string;
  attributeMapping: Record<string, string>;
  allowedAudiences: string[];
  attributeCondition?: string;
  /** The JWKS to upload (private issuers), verbatim as read. */
  jwksJson?: string;
  displayName?: string;
  description?: string;
}

/** The order fields appear in an updateMask. */
export const PROVIDER_FIELDS = ['displayName', 'description', 'disabled', 'attributeMapping', 'attributeCondition',
  'oidc.issuerUri', 'oidc.allowedAudiences', 'oidc.jwksJson'] as const;
export type ProviderField = (typeof PROVIDER_FIELDS)[number];

export function providerPath(projectId: string, poolId: string, providerId: string): string {
  return `${poolPath(projectId, poolId)}/providers/${providerId}`;
}

function sameMapping(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

/** The keys of a JWKS, canonically ordered; undefined when it is not a JWKS. */
function jwksKeys(s: string | undefined): string[] | undefined {
  if (!s) return undefined;
  try {
    const keys = (JSON.parse(s) as { keys?: Record<string, unknown>[] }).keys;
    if (!Array.isArray(keys)) return undefined;
    return keys.map((k) => JSON.stringify(Object.keys(k).sort().map((f) => [f, k[f]]))).sort();
  } catch {
    return undefined;
  }
}

/** Same keys, whatever the whitespace and key order (so re-reading a file with a trailing newline is no drift). */
export function sameJwks(a: string | undefined, b: string | undefined): boolean {
  const ka = jwksKeys(a);
  const kb = jwksKeys(b);
  if (!ka || !kb) return (a ?? '') === (b ?? '');
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

function kids(s: string | undefined): string {
  try {
    const keys = (JSON.parse(s ?? '') as { keys?: { kid?: string }[] }).keys ?? [];
    return `[${keys.map((k) => k.kid ?? '?').join(', ')}]`;
  } catch {
    return s ? '(not JSON)' : '(none)';
  }
}

type Diff = { field: ProviderField; note: string };

function diffProvider(want: ProviderWant, have: Provider): Diff[] {
  const out: Diff[] = [];
  const oidc = have.oidc ?? {};
  for (const k of ['displayName', 'description'] as const) {
    if (want[k] !== undefined && want[k] !== (have[k] ?? '')) out.push({ field: k, note: change(k, have[k], want[k]) });
  }
  if (have.disabled) out.push({ field: 'disabled', note: 'disabled: true → false (a disabled provider refuses new token exchanges)' });
  if (!sameMapping(want.attributeMapping, have.attributeMapping ?? {})) {
    out.push({ field: 'attributeMapping', note: change('attributeMapping', have.attributeMapping, want.attributeMapping) });
  }
  if (want.attributeCondition !== undefined && want.attributeCondition !== (have.attributeCondition ?? '')) {
    out.push({ field: 'attributeCondition', note: change('attributeCondition', have.attributeCondition, want.attributeCondition) });
  }
  if (want.issuerUri !== (oidc.issuerUri ?? '')) out.push({ field: 'oidc.issuerUri', note: change('issuer', oidc.issuerUri, want.issuerUri) });
  if (!sameSet(want.allowedAudiences, oidc.allowedAudiences ?? [])) {
    out.push({ field: 'oidc.allowedAudiences', note: change('allowedAudiences', oidc.allowedAudiences ?? [], want.allowedAudiences) });
  }
  if (want.jwksJson !== undefined && !sameJwks(want.jwksJson, oidc.jwksJson)) {
    out.push({ field: 'oidc.jwksJson', note: `jwks: keys ${kids(oidc.jwksJson)} → ${kids(want.jwksJson)}` });
  }
  return out;
}

/** The PATCH body holding exactly the masked fields. */
function patchBody(want: ProviderWant, fields: ProviderField[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const oidc: Record<string, unknown> = {};
  for (const f of fields) {
    if (f === 'disabled') body.disabled = false;
    else if (f === 'oidc.issuerUri') oidc.issuerUri = want.issuerUri;
    else if (f === 'oidc.allowedAudiences') oidc.allowedAudiences = want.allowedAudiences;
    else if (f === 'oidc.jwksJson') oidc.jwksJson = want.jwksJson;
    else body[f] = want[f];
  }
  if (Object.keys(oidc).length) body.oidc = oidc;
  return body;
}

/** The create body, shaped like gcloud's `providers create-oidc`. */
export function providerCreateBody(want: ProviderWant): Record<string, unknown> {
  const oidc: Record<string, unknown> = { issuerUri: want.issuerUri };
  if (want.allowedAudiences.length) oidc.allowedAudiences = want.allowedAudiences;
  if (want.jwksJson !== undefined) oidc.jwksJson = want.jwksJson;
  return {
    ...(want.attributeCondition ? { attributeCondition: want.attributeCondition } : {}),
    attributeMapping: want.attributeMapping,
    ...(want.description !== undefined ? { description: want.description } : {}),
    disabled: false,
    ...(want.displayName !== undefined ? { displayName: want.displayName } : {}),
    oidc,
  };
}

/** Steps for one provider: create | [undelete] + update | noop. Throws when the existing provider is not OIDC. */
export function planProvider(want: ProviderWant, have: Provider | undefined, ids: ProjectIds): Step[] {
  const resource = providerName({ projectNumber: ids.projectNumber, poolId: want.poolId, providerId: want.providerId });
  const path = providerPath(ids.projectId, want.poolId, want.providerId);
  if (!have) {
    return [{ action: 'create', kind: 'provider', resource, reason: `provider ${want.providerId} does not exist in pool ${want.poolId}`,
      op: { type: 'provider.create', project: ids.projectId, poolId: want.poolId, providerId: want.providerId, body: providerCreateBody(want) } }];
  }
  if (!have.oidc && (have.aws || have.saml || have.x509)) {
    throw new UsageError('gcp.provider.wrong-type', `--provider ${want.providerId}: ${resource} exists but is not an OIDC provider, and a provider's type cannot be changed.`, {
      hint: 'Choose another --provider ID, or delete that provider first (gcloud iam workload-identity-pools providers delete).',
    });
  }
  const steps: Step[] = [];
  if (have.state === 'DELETED') {
    const until = have.expireTime ? `, purged after ${have.expireTime}` : '';
    steps.push({ action: 'undelete', kind: 'provider', resource,
      reason: `provider ${want.providerId} is soft-deleted (its ID cannot be reused${until}); undelete restores it`, op: { type: 'wip.undelete', path } });
  }
  const diffs = diffProvider(want, have);
  const fields = PROVIDER_FIELDS.filter((f) => diffs.some((d) => d.field === f));
  if (fields.length) {
    steps.push({ action: 'update', kind: 'provider', resource, reason: diffs.map((d) => d.note).join('; '), fields,
      op: { type: 'wip.patch', path, body: patchBody(want, fields), updateMask: fields } });
  } else if (!steps.length) {
    steps.push({ action: 'noop', kind: 'provider', resource, reason: 'exists and matches' });
  }
  return steps;
}
