/**
 * Pure naming: resource names, audiences and principal identifiers (research/gcp-api.md §4.2,
 * k8s-clouds.md §6.3). Projects are always named by NUMBER in these strings; the GKE pool by project ID.
 */
export const IAM_HOST = 'iam.googleapis.com';

export interface PoolRef {
  projectNumber: string;
  poolId: string;
}
export interface ProviderRef extends PoolRef {
  providerId: string;
}

export function poolName(r: PoolRef): string {
  return `projects/${r.projectNumber}/locations/global/workloadIdentityPools/${r.poolId}`;
}
export function providerName(r: ProviderRef): string {
  return `${poolName(r)}/providers/${r.providerId}`;
}
/** The audience STS expects and the cred-config carries: `//iam.googleapis.com/projects/N/…/providers/ID`. */
export function providerAudience(r: ProviderRef): string {
  return `//${IAM_HOST}/${providerName(r)}`;
}
/** The default allowed audience of a provider in its https form (what the guide puts in the projected token). */
export function providerAudienceHttps(r: ProviderRef): string {
  return `https://${IAM_HOST}/${providerName(r)}`;
}
/**
 * The audience a projected token should carry: the first allowed audience if any are configured,
 * otherwise the provider's https resource-name form (accepted by default by STS, research §3.5).
 */
export function tokenAudience(r: ProviderRef, allowedAudiences: readonly string[] = []): string {
  return allowedAudiences[0] ?? providerAudienceHttps(r);
}

export function ksaSubject(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}
/** `principal://…/subject/SUBJECT`. */
export function principalForSubject(r: PoolRef, subject: string): string {
  return `principal://${IAM_HOST}/${poolName(r)}/subject/${subject}`;
}
/** `principalSet://…/attribute.NAME/VALUE`. */
export function principalSetForAttribute(r: PoolRef, attribute: string, value: string): string {
  return `principalSet://${IAM_HOST}/${poolName(r)}/attribute.${attribute}/${value}`;
}
/** Pool-wide `principalSet://…/*` (every identity of every provider in the pool: lint flags it). */
export function principalSetAll(r: PoolRef): string {
  return `principalSet://${IAM_HOST}/${poolName(r)}/*`;
}

/** GKE: the workload pool is `PROJECT_ID.svc.id.goog`. */
export function gkeWorkloadPool(projectId: string): string {
  return `${projectId}.svc.id.goog`;
}
/** GKE principal for a KSA: `principal://…/PROJECT_ID.svc.id.goog/subject/ns/NS/sa/KSA`. */
export function gkePrincipal(projectNumber: string, projectId: string, namespace: string, ksa: string): string {
  return `principal://${IAM_HOST}/projects/${projectNumber}/locations/global/workloadIdentityPools/${gkeWorkloadPool(projectId)}/subject/ns/${namespace}/sa/${ksa}`;
}
/** GKE principal set for a namespace. */
export function gkeNamespacePrincipalSet(projectNumber: string, projectId: string, namespace: string): string {
  return `principalSet://${IAM_HOST}/projects/${projectNumber}/locations/global/workloadIdentityPools/${gkeWorkloadPool(projectId)}/namespace/${namespace}`;
}
/** Legacy GKE member `serviceAccount:PROJECT_ID.svc.id.goog[NS/KSA]`. */
export function gkeLegacyMember(projectId: string, namespace: string, ksa: string): string {
  return `serviceAccount:${gkeWorkloadPool(projectId)}[${namespace}/${ksa}]`;
}
export function serviceAccountMember(email: string): string {
  return `serviceAccount:${email}`;
}

/** `principalSet://…/group/GROUP` (members of a mapped `google.groups` value). */
export function principalSetForGroup(r: PoolRef, group: string): string {
  return `principalSet://${IAM_HOST}/${poolName(r)}/group/${group}`;
}

export type PrincipalKind = 'subject' | 'group' | 'attribute' | 'pool' | 'gke-subject' | 'gke-namespace' | 'gke-legacy';
export interface PrincipalMatch {
  kind: PrincipalKind;
  /** The IAM member string, as written in an allow policy. */
  member: string;
  /** Why it matches, e.g. `google.subject`, `attribute.namespace`. */
  via: string;
}

/**
 * Every principal identifier an identity with these mapped values would match in `pool` (research
 * gcp-api.md §4.2): its `principal://…/subject/S`, a `principalSet://…/group/G` per group, a
 * `principalSet://…/attribute.K/V` per single-valued attribute (and per element of a list attribute), and
 * the pool-wide `principalSet://…/*`.
 */
export function principalsFor(r: PoolRef, m: { subject?: string; groups?: readonly string[]; attributes?: Record<string, string | readonly string[]> }): PrincipalMatch[] {
  const out: PrincipalMatch[] = [];
  if (m.subject !== undefined) out.push({ kind: 'subject', member: principalForSubject(r, m.subject), via: 'google.subject' });
  for (const g of m.groups ?? []) out.push({ kind: 'group', member: principalSetForGroup(r, g), via: 'google.groups' });
  for (const [k, v] of Object.entries(m.attributes ?? {})) {
    for (const value of typeof v === 'string' ? [v] : v) out.push({ kind: 'attribute', member: principalSetForAttribute(r, k, value), via: `attribute.${k}` });
  }
  out.push({ kind: 'pool', member: principalSetAll(r), via: 'every identity in the pool' });
  return out;
}

/** The GKE (Workload Identity Federation for GKE) members of one KSA: direct principal, namespace set, legacy. */
export function gkePrincipalsFor(projectNumber: string, projectId: string, namespace: string, ksa: string): PrincipalMatch[] {
  return [
    { kind: 'gke-subject', member: gkePrincipal(projectNumber, projectId, namespace, ksa), via: 'GKE: this service account' },
    { kind: 'gke-namespace', member: gkeNamespacePrincipalSet(projectNumber, projectId, namespace), via: 'GKE: every service account in the namespace (all clusters of the project)' },
    { kind: 'gke-legacy', member: gkeLegacyMember(projectId, namespace, ksa), via: 'GKE legacy: impersonation of a Google service account' },
  ];
}
