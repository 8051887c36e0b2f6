/**
 * JWKS rotation, pure (research/k8s-clouds.md §1.2, gcp-api.md §1.4, §2.4, §3.3): the cluster's JWKS compared
 * with a provider's uploaded `oidc.jwksJson` by kid AND key material, and the set `wif jwks sync` uploads.
 *
 * Kubernetes rotates by publishing the new key next to the old one, switching the signer, and dropping the old
 * key once every token it signed has expired. A copy uploaded to Google must follow every change, and STS picks
 * the key by the token's kid ("Error connecting to the given credential's issuer." for an unknown kid). So sync
 * uploads the union of what the cluster serves and what was uploaded before (tokens signed by a key the cluster
 * stopped serving may still be valid: projected tokens live up to --token-expiration, default tokens up to a
 * year); `--prune` drops the keys the cluster no longer serves. Keys Google rejects are never uploaded, and the
 * set is never empty.
 */
import { OperationError } from '../core/errors.js';
import { jwkProblems, type Jwk, type Jwks } from './jwks.js';
import type { Step } from './plan.js';

/** What `wif jwks diff` reports: kids only, never key material. */
export interface JwksDiff {
  /** Nothing for `wif jwks sync` (with `--prune` when asked) to change. */
  inSync: boolean;
  clusterKeys: string[];
  uploadedKeys: string[];
  /** Served by the cluster, absent from the upload: STS refuses tokens signed by them. */
  missing: string[];
  /** Uploaded but no longer served: still trusted; `--prune` drops them. */
  stale: string[];
  /** Same kid, different key material: the cluster's key replaces the uploaded one. */
  changed: string[];
  /** Served by the cluster but not accepted by Google: never uploaded. */
  rejected: { kid: string; reason: string }[];
}

/** What `wif jwks sync` uploads, and why. */
export interface JwksSyncPlan {
  diff: JwksDiff;
  /** The JWKS text for the PATCH; undefined when nothing changes. */
  jwksJson?: string;
  /** kids of the set after the sync (the current set when nothing changes). */
  keys: string[];
  /** Added (missing or changed), kept though no longer served, and dropped (--prune). */
  added: string[];
  kept: string[];
  dropped: string[];
  /** Things the user must hear (pruned keys, keys Google rejects). */
  warnings: string[];
}

const NO_KID = '(no kid)';
const kidOf = (k: Jwk): string => (typeof k.kid === 'string' && k.kid ? k.kid : NO_KID);

/** The public key itself, whatever the metadata (use, alg, x5c): RSA n+e, EC crv+x+y. */
export function keyMaterial(k: Jwk): string {
  return k.kty === 'EC' ? `EC:${String(k.crv)}:${String(k.x)}:${String(k.y)}` : `${String(k.kty)}:${String(k.n)}:${String(k.e)}`;
}

/**
 * The keys of an uploaded `oidc.jwksJson` (Google validated it, so no rule is re-checked here); undefined when
 * nothing is uploaded. Throws when the text is not a JWKS (someone stored something odd by hand).
 */
export function uploadedKeysOf(jwksJson: string | undefined): Jwk[] | undefined {
  if (!jwksJson) return undefined;
  try {
    const keys = (JSON.parse(jwksJson) as { keys?: unknown }).keys;
    if (Array.isArray(keys)) return keys.filter((k): k is Jwk => !!k && typeof k === 'object' && !Array.isArray(k));
  } catch {
    // reported below
  }
  throw new OperationError('jwks.uploaded-unreadable', "the provider's oidc.jwksJson is not a JWKS ({\"keys\": [ … ]})", {
    hint: 'Replace it with the cluster JWKS: wif provider ensure (or wif jwks sync --prune).',
  });
}

/** First key per kid (a JWKS with duplicate kids is ambiguous for STS; the first one wins, as in most verifiers). */
function byKid(keys: Jwk[]): Map<string, Jwk> {
  const m = new Map<string, Jwk>();
  for (const k of keys) if (!m.has(kidOf(k))) m.set(kidOf(k), k);
  return m;
}

/** Cluster keys split into those Google accepts and those it rejects (jwks.ts rules). */
function splitAccepted(cluster: Jwk[]): { ok: Jwk[]; rejected: JwksDiff['rejected'] } {
  const ok: Jwk[] = [];
  const rejected: JwksDiff['rejected'] = [];
  for (const k of byKid(cluster).values()) {
    const p = jwkProblems(k, 0).map((s) => s.replace(/^key 1( \(kid [^)]*\))? ?/, ''));
    if (p.length) rejected.push({ kid: kidOf(k), reason: p.join('; ') });
    else ok.push(k);
  }
  return { ok, rejected };
}

/**
 * By kid alone (all doctor observes): the kids served but not uploaded (`missing`) and uploaded but no longer
 * served (`stale`), each in its list's order.
 */
export function diffKids(served: readonly string[], uploaded: readonly string[]): { missing: string[]; stale: string[] } {
  return { missing: served.filter((k) => !uploaded.includes(k)), stale: uploaded.filter((k) => !served.includes(k)) };
}

/** Compare the cluster's JWKS with the uploaded keys (see module doc). `prune`: stale keys count as drift. */
export function diffJwks(cluster: Jwks, uploaded: Jwk[], o: { prune?: boolean } = {}): JwksDiff {
  const { ok, rejected } = splitAccepted(cluster.keys);
  const up = byKid(uploaded);
  const served = new Set(byKid(cluster.keys).keys());
  const { missing } = diffKids(ok.map(kidOf), [...up.keys()]);
  const { stale } = diffKids([...served], [...up.keys()]);
  const changed = ok.filter((k) => up.has(kidOf(k)) && keyMaterial(up.get(kidOf(k))!) !== keyMaterial(k)).map(kidOf);
  return {
    inSync: !missing.length && !changed.length && !(o.prune && stale.length),
    clusterKeys: [...served], uploadedKeys: [...up.keys()], missing, stale, changed, rejected,
  };
}

/**
 * The set to upload: every accepted cluster key (cluster order), then the uploaded keys the cluster no longer
 * serves unless `prune`. Throws rather than plan an empty JWKS (Google would refuse it, and no token could be
 * verified).
 */
export function planJwksSync(cluster: Jwks, uploaded: Jwk[], o: { prune: boolean }): JwksSyncPlan {
  const diff = diffJwks(cluster, uploaded, o);
  const { ok } = splitAccepted(cluster.keys);
  const up = byKid(uploaded);
  const kept = o.prune ? [] : diff.stale;
  const dropped = o.prune ? diff.stale : [];
  const warnings = diff.rejected.map((r) => `the cluster serves key ${r.kid}, which Google does not accept (${r.reason}); it is not uploaded, and tokens it signs will fail`);
  if (dropped.length) warnings.push(`dropping key(s) ${dropped.join(', ')}: pods still holding tokens signed by them fail at STS ("Error connecting to the given credential's issuer.") until the kubelet refreshes their token`);
  const next = [...ok, ...kept.map((kid) => up.get(kid)!)];
  if (!next.length) {
    throw new OperationError('jwks.empty', `refusing to upload an empty JWKS: the cluster serves no key Google accepts${diff.rejected.length ? ` (${diff.rejected.map((r) => `${r.kid}: ${r.reason}`).join('; ')})` : ''}`, {
      hint: 'Check the cluster (kubectl get --raw /openid/v1/jwks) and sign service-account tokens with an RSA or EC P-256 key; the provider keeps its current keys meanwhile.',
    });
  }
  const keys = next.map(kidOf);
  if (diff.inSync) return { diff, keys: [...up.keys()], added: [], kept, dropped, warnings };
  return { diff, jwksJson: JSON.stringify({ keys: next }), keys, added: [...diff.missing, ...diff.changed], kept, dropped, warnings };
}

/** Why the sync step changes the provider, in words (kids only). */
export function syncReason(p: JwksSyncPlan): string {
  const parts: string[] = [];
  const d = p.diff;
  if (d.missing.length) parts.push(`upload key(s) ${d.missing.join(', ')} the cluster now serves (STS refuses tokens signed by them until then)`);
  if (d.changed.length) parts.push(`replace key(s) ${d.changed.join(', ')} (same kid, new key material)`);
  if (p.kept.length) parts.push(`keep ${p.kept.join(', ')} no longer served (tokens signed by them may still be valid; --prune drops them once they expired)`);
  if (p.dropped.length) parts.push(`drop ${p.dropped.join(', ')} no longer served (--prune)`);
  return parts.join('; ');
}

/**
 * The one plan step of `wif jwks sync`: a PATCH of the provider with `updateMask=oidc.jwksJson` only, or a noop
 * saying what was compared.
 */
export function jwksSyncStep(p: JwksSyncPlan, resource: string, path: string): Step {
  if (p.jwksJson === undefined) {
    const stale = p.diff.stale.length ? `; ${p.diff.stale.length} key(s) no longer served are still trusted (--prune drops them)` : '';
    return { action: 'noop', kind: 'provider', resource, reason: `the uploaded JWKS holds every key the cluster serves (${p.diff.clusterKeys.join(', ')})${stale}` };
  }
  return {
    action: 'update', kind: 'provider', resource, reason: syncReason(p), fields: ['oidc.jwksJson'],
    op: { type: 'wip.patch', path, body: { oidc: { jwksJson: p.jwksJson } }, updateMask: ['oidc.jwksJson'] },
  };
}
