/**
 * Multi-cluster safety, pure (research/anchors.md §5.12, gcp-api.md §4.2). Principals are pool-scoped:
 * `principal://…/workloadIdentityPools/POOL/subject/SUBJECT` names no provider, so when two clusters' providers
 * share a pool and both map `google.subject = assertion.sub`, `system:serviceaccount:NS:KSA` in one cluster IS
 * the same principal as NS/KSA in the other, and every grant to it spans both clusters (principal sets on a
 * shared attribute such as `attribute.namespace` likewise).
 *
 * Collisions are found by evaluating each provider's mapping on the same KSA's claims as each cluster issues
 * them (its own issuer), not by matching mapping text, so `'prod::' + assertion.sub` or
 * `assertion.iss + '::' + assertion.sub` are recognised as cluster-qualified. Conditions are not taken into
 * account (a condition that refuses a KSA today may admit it tomorrow); `--force` accepts the risk.
 */
import type { Provider } from '../cloud/google/types.js';
import type { Problem } from '../core/errors.js';
import { evaluateMapping } from './cel-mapping.js';
import { synthesizeClaims } from './claims.js';
import { clusterLabel, slugify } from './ids.js';
import { uploadedKeysOf } from './jwks-sync.js';
import type { Step } from './plan.js';

/** A provider as far as collisions go. */
export interface ProviderView {
  id: string;
  issuer?: string;
  mapping: Record<string, string>;
  /** kids of the uploaded JWKS (private issuers); undefined when Google fetches the keys itself. */
  kids?: string[];
}

/** Another cluster's provider whose principals coincide with this one's. */
export interface Collision {
  provider: string;
  issuer?: string;
  /** The other provider has the same issuer URL (e.g. two kubeadm clusters with the default issuer). */
  sameIssuer: boolean;
  /** A KSA that is the same principal through both providers, and that principal's subject. */
  subject?: { ksa: string; value: string };
  /** Custom attributes equal for the same KSA in both clusters: `principalSet://…/attribute.NAME/VALUE` spans both. */
  attributes: string[];
}

export interface Ksa {
  namespace: string;
  name: string;
}

/** The mapping a provider without one gets (Google's OIDC default maps nothing else). */
const DEFAULT_MAPPING = { 'google.subject': 'assertion.sub' };
/** Probe KSAs evaluated through both mappings, besides the ones the command is about. */
const PROBES: Ksa[] = [{ namespace: 'default', name: 'default' }, { namespace: 'kube-system', name: 'wif-probe' }];
/** Claims are synthesized at a fixed time: only their shape matters here. */
const AT = 1_700_000_000;

/** The view of a provider as Google returns it. */
export function viewOfProvider(p: Provider): ProviderView {
  let kids: string[] | undefined;
  try {
    kids = uploadedKeysOf(p.oidc?.jwksJson)?.map((k) => String(k.kid ?? ''));
  } catch {
    kids = [];
  }
  return { id: p.name.split('/').pop() ?? p.name, issuer: p.oidc?.issuerUri, mapping: p.attributeMapping ?? DEFAULT_MAPPING, kids };
}

/**
 * Two providers of the same cluster (e.g. one per audience): same issuer, and — when both carry uploaded
 * keys — at least one kid in common. The same issuer with disjoint keys is two clusters that share a
 * default issuer URL.
 */
export function sameCluster(a: ProviderView, b: ProviderView): boolean {
  if (!a.issuer || a.issuer !== b.issuer) return false;
  return !a.kids || !b.kids || a.kids.some((k) => b.kids!.includes(k));
}

function mapped(p: ProviderView, k: Ksa) {
  return evaluateMapping(p.mapping, synthesizeClaims(k.namespace, k.name, { issuer: p.issuer, now: AT }));
}

function compare(target: ProviderView, other: ProviderView, samples: Ksa[]): Collision | undefined {
  let subject: Collision['subject'];
  const attributes = new Set<string>();
  for (const k of samples) {
    const a = mapped(target, k);
    const b = mapped(other, k);
    if (!subject && a.subject !== undefined && a.subject === b.subject) subject = { ksa: `${k.namespace}/${k.name}`, value: a.subject };
    for (const [name, v] of Object.entries(a.attributes)) {
      if (name in b.attributes && JSON.stringify(b.attributes[name]) === JSON.stringify(v)) attributes.add(name);
    }
  }
  if (!subject && !attributes.size) return undefined;
  return { provider: other.id, issuer: other.issuer, sameIssuer: !!target.issuer && target.issuer === other.issuer, subject, attributes: [...attributes] };
}

/**
 * The other clusters' providers in the pool whose subjects (or attributes) coincide with `target`'s for the
 * same KSA. `ksas`: the KSAs the command is about (checked besides fixed probes). Same-cluster siblings and
 * `target` itself are skipped.
 */
export function findCollisions(target: ProviderView, siblings: ProviderView[], ksas: Ksa[] = []): Collision[] {
  const samples = [...ksas, ...PROBES];
  return siblings
    .filter((s) => s.id !== target.id && !sameCluster(target, s))
    .map((s) => compare(target, s, samples))
    .filter((c): c is Collision => !!c);
}

/**
 * The safe patterns, in words: a pool of its own for this cluster, or a cluster attribute in the mapping and the
 * condition. `cluster` is a label for the cluster (e.g. its name); `CLUSTER` when unknown.
 */
export function safePatterns(cluster = 'CLUSTER'): string {
  return `Safe patterns: (1) give this cluster a pool of its own (another --pool; wif init proposes one per cluster, wif-<cluster>-<hash>); `
    + `(2) qualify the subject with the cluster: --attribute-mapping "google.subject='${cluster}::' + assertion.sub,attribute.cluster='${cluster}',attribute.namespace=assertion['kubernetes.io']['namespace']" `
    + `with a condition naming it (--attribute-condition "attribute.cluster == '${cluster}' && …"), then grant principal://…/subject/${cluster}::system:serviceaccount:NS:KSA or principalSet://…/attribute.cluster/${cluster}.`;
}

/** One line per collision (kids and subjects only). */
export function describeCollision(c: Collision): string {
  const who = `provider ${c.provider}${c.issuer ? ` (issuer ${c.issuer}${c.sameIssuer ? ', the same URL but other keys' : ''})` : ''}`;
  const parts: string[] = [];
  if (c.subject) parts.push(`KSA ${c.subject.ksa} maps to the same principal …/subject/${c.subject.value} in both clusters`);
  if (c.attributes.length) parts.push(`attribute${c.attributes.length > 1 ? 's' : ''} ${c.attributes.join(', ')} take the same values (principalSet://…/attribute.${c.attributes[0]}/… spans both clusters)`);
  return `${who}: ${parts.join('; ')}`;
}

/**
 * The refusal for a plan that adds (or re-maps) a provider whose subjects collide with another cluster's:
 * a Problem when a provider step creates, undeletes or changes the mapping or issuer, and subjects collide;
 * otherwise warnings only (attribute-only overlaps, or a setup that already exists as it is).
 */
export function collisionProblems(steps: Step[], poolId: string, collisions: Collision[], cluster?: string): { problems: Problem[]; warnings: string[] } {
  if (!collisions.length) return { problems: [], warnings: [] };
  const introduces = steps.some((s) => s.kind === 'provider' && (s.action === 'create' || s.action === 'undelete'
    || (s.action === 'update' && (s.fields ?? []).some((f) => f === 'attributeMapping' || f === 'oidc.issuerUri'))));
  const subjects = collisions.filter((c) => c.subject);
  const lines = collisions.map(describeCollision);
  if (!introduces || !subjects.length) return { problems: [], warnings: lines.map((l) => `pool ${poolId} is shared with another cluster: ${l}`) };
  return {
    problems: [{
      input: '--pool', rule: 'pool.subject-collision',
      message: `pool ${poolId} already holds another cluster's provider, and the same Kubernetes service account in both clusters would be one principal (a grant to one is a grant to both): ${subjects.map(describeCollision).join('; ')}`,
      hint: `${safePatterns(cluster)} Or pass --force to share the subjects on purpose.`,
    }],
    warnings: [],
  };
}

/** What `provider ensure` and `init` know about the provider they are about to apply. */
export interface CollisionCheck {
  poolId: string;
  providerId: string;
  issuerUri: string;
  attributeMapping: Record<string, string>;
  jwksJson?: string;
  /** The pool's providers as listed (the target itself and soft-deleted ones are skipped). */
  siblings: Provider[];
  /** The plan about to be applied (decides refusal vs warning). */
  steps: Step[];
  ksas?: Ksa[];
  force: boolean;
  /** A label for this cluster, used in the suggested mapping (a slug). */
  cluster?: string;
}

/**
 * The multi-cluster gate before applying: problems to refuse with (none under `--force`, where they become
 * warnings) and warnings to print.
 */
export function checkPoolCollisions(c: CollisionCheck): { problems: Problem[]; warnings: string[] } {
  let kids: string[] | undefined;
  try {
    kids = uploadedKeysOf(c.jwksJson)?.map((k) => String(k.kid ?? ''));
  } catch {
    kids = undefined;
  }
  const target: ProviderView = { id: c.providerId, issuer: c.issuerUri, mapping: c.attributeMapping, kids };
  const siblings = c.siblings.filter((p) => p.state !== 'DELETED').map(viewOfProvider);
  const r = collisionProblems(c.steps, c.poolId, findCollisions(target, siblings, c.ksas), c.cluster);
  if (!c.force) return r;
  return { problems: [], warnings: [...r.warnings, ...r.problems.map((p) => `--force: ${p.message}`)] };
}

/** A CEL-safe label for the cluster (its name, or the context's cluster part), for the suggested mapping. */
export function clusterSlug(c: { platform?: string; identity?: Record<string, string>; context?: string }): string | undefined {
  if (!c.context && !c.identity?.name) return undefined;
  return slugify(clusterLabel({ platform: c.platform ?? 'self-hosted', identity: c.identity, context: c.context })) || undefined;
}
