/**
 * Member (principal) syntax of allow policies (research/gcp-api.md §4.2, k8s-clouds.md §6.3), validated
 * as setIamPolicy does: an unknown form is `The member M is of an unknown type. Please set a valid type
 * prefix for the member.`; a service account of the sandbox project must exist; the legacy GKE member
 * needs the project's `PROJECT_ID.svc.id.goog` pool (i.e. a GKE cluster with Workload Identity).
 */
import { badRequest } from './http.js';
import type { GoogleState } from './state.js';

const EMAIL = /^[^@\s:]+@[^@\s:]+\.[^@\s:]+$/;
const WIP = String.raw`iam\.googleapis\.com/projects/[^/]+/locations/global/workloadIdentityPools/[^/]+`;
const WFP = String.raw`iam\.googleapis\.com/locations/global/workforcePools/[^/]+`;
const PRINCIPAL = new RegExp(String.raw`^principal://(?:${WIP}/(?:subject/.+|kubernetes\.serviceaccount\.uid/[^/]+)|${WFP}/subject/.+)$`);
const PRINCIPAL_SET = new RegExp(
  String.raw`^principalSet://(?:${WIP}/(?:group/.+|attribute\.[a-z0-9_]+/.+|\*|namespace/[^/]+|kubernetes\.cluster/https://.+)|${WFP}/(?:group/.+|attribute\.[a-z0-9_]+/.+|\*))$`,
);
const GKE_LEGACY = /^serviceAccount:([a-z][a-z0-9-]{4,28}[a-z0-9])\.svc\.id\.goog\[([^/\]]+)\/([^/\]]+)\]$/;

function unknownType(m: string): never {
  throw badRequest(`The member ${m} is of an unknown type. Please set a valid type prefix for the member.`);
}

/** Throws Google's 400 for a member setIamPolicy would reject. */
export function validateMember(state: GoogleState, m: string): void {
  if (m === 'allUsers' || m === 'allAuthenticatedUsers') return;
  if (m.startsWith('principal://')) return void (PRINCIPAL.test(m) || unknownType(m));
  if (m.startsWith('principalSet://')) return void (PRINCIPAL_SET.test(m) || unknownType(m));
  const gke = GKE_LEGACY.exec(m);
  if (gke) return checkGkePool(state, gke[1]);
  const colon = m.indexOf(':');
  const type = colon > 0 ? m.slice(0, colon) : '';
  const value = m.slice(colon + 1);
  if (type === 'domain') return void (/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(value) || unknownType(m));
  if (type === 'deleted') return void (/^(user|group|serviceAccount):[^?]+\?uid=\d+$/.test(value) || unknownType(m));
  if (!['user', 'group', 'serviceAccount'].includes(type) || !EMAIL.test(value)) unknownType(m);
  if (type === 'serviceAccount') checkServiceAccount(state, value);
}

function checkServiceAccount(state: GoogleState, email: string): void {
  const suffix = `@${state.deps.project.id}.iam.gserviceaccount.com`;
  if (email.toLowerCase().endsWith(suffix) && !state.serviceAccounts.has(email.toLowerCase())) {
    throw badRequest(`Service account ${email} does not exist.`);
  }
}

function checkGkePool(state: GoogleState, projectId: string): void {
  const hasPool = projectId === state.deps.project.id && state.deps.clusters.some((c) => c.platform === 'gke');
  if (!hasPool) {
    throw badRequest(
      `Identity Pool does not exist (${projectId}.svc.id.goog). Please check that you specified a valid resource name as returned in the \`name\` attribute in the configuration API.`,
    );
  }
}
