import { createHash } from 'node:crypto';

/**
 * Deterministic, valid pool and provider IDs derived from a cluster's identity, so that re-running
 * `wif init` on the same cluster proposes the same names, and two clusters never collide by accident
 * (each gets its own pool: in a self-managed pool every provider shares the `…/subject/system:serviceaccount:NS:KSA`
 * principals, research/anchors.md §5.12). Rules (research/gcp-api.md §2.1): 4–32 characters of
 * `[a-z0-9-]`, starting with a letter, no trailing hyphen, and the `gcp-` prefix is reserved.
 */
export interface ClusterIdentityInput {
  platform: string;
  /** EKS name/region/accountId, AKS subscriptionId/resourceGroup/name, GKE projectId/location/name. */
  identity?: Record<string, string>;
  issuer?: string;
  /** kubeconfig context; the only distinguishing input for self-hosted clusters (they share a default issuer). */
  context?: string;
}

export const ID_MIN = 4;
export const ID_MAX = 32;
const ID_RE = /^[a-z][a-z0-9-]{2,30}[a-z0-9]$/;

/** Whether `id` is a valid pool/provider ID (the same rule validation enforces). */
export function isValidId(id: string): boolean {
  return ID_RE.test(id) && !id.startsWith('gcp-');
}

/** Lower-case, `[a-z0-9-]` only, single hyphens, none at either end. */
export function slugify(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** The human-facing cluster name each platform gives (EKS/AKS/GKE `name`, else the context). */
export function clusterLabel(c: ClusterIdentityInput): string {
  const name = c.identity?.name;
  if (name) return name;
  // Self-hosted contexts such as `kubernetes-admin@kubernetes` or `kind-dev`: the part after `@` names the cluster.
  const ctx = c.context ?? 'cluster';
  const at = ctx.lastIndexOf('@');
  return at >= 0 && at < ctx.length - 1 ? ctx.slice(at + 1) : ctx;
}

/** 4 hex characters over everything that tells this cluster apart from another one with the same name. */
export function clusterHash(c: ClusterIdentityInput): string {
  const ident = Object.entries(c.identity ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  const parts = [c.platform, ...ident, c.issuer ?? ''];
  if (c.platform === 'self-hosted' || !c.identity?.name) parts.push(c.context ?? '');
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 4);
}

/** `prefix-slug-suffix` fitted into 32 characters (the slug is what gets shortened). */
function fit(prefix: string, slug: string, suffix?: string): string {
  const fixed = prefix.length + 1 + (suffix ? suffix.length + 1 : 0);
  const room = Math.max(0, ID_MAX - fixed);
  const s = slug.slice(0, room).replace(/-+$/, '');
  return [prefix, s, suffix].filter(Boolean).join('-');
}

const PROVIDER_PREFIX: Record<string, string> = { eks: 'eks', aks: 'aks', gke: 'gke', 'self-hosted': 'k8s' };

/**
 * Proposed IDs: pool `wif-<cluster>-<hash>` (one pool per cluster), provider `<platform>-<cluster>`.
 * Pure and stable: the same identity always yields the same IDs, and both are always valid.
 */
export function proposeIds(c: ClusterIdentityInput): { pool: string; provider: string } {
  const slug = slugify(clusterLabel(c)) || 'cluster';
  const prefix = PROVIDER_PREFIX[c.platform] ?? 'k8s';
  return { pool: fit('wif', slug, clusterHash(c)), provider: fit(prefix, slug) };
}
