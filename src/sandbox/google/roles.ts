/**
 * The sandbox's small permission table: which predefined roles carry which of the permissions the
 * sandboxed APIs check. A simplification of Google's catalogue (https://cloud.google.com/iam/docs/roles-permissions),
 * faithful on the points wif depends on:
 * - `roles/owner` administers everything but cannot mint tokens for a service account: impersonation needs
 *   `roles/iam.serviceAccountTokenCreator` or `roles/iam.workloadIdentityUser` even for owners;
 * - `roles/editor` cannot change IAM policies; `roles/viewer`/`roles/browser` only read;
 * - unknown and custom roles grant nothing.
 */
const ALL_PERMISSIONS = [
  'iam.workloadIdentityPools.create', 'iam.workloadIdentityPools.get', 'iam.workloadIdentityPools.list',
  'iam.workloadIdentityPools.update', 'iam.workloadIdentityPools.delete', 'iam.workloadIdentityPools.undelete',
  'iam.workloadIdentityPoolProviders.create', 'iam.workloadIdentityPoolProviders.get', 'iam.workloadIdentityPoolProviders.list',
  'iam.workloadIdentityPoolProviders.update', 'iam.workloadIdentityPoolProviders.delete', 'iam.workloadIdentityPoolProviders.undelete',
  'iam.serviceAccounts.create', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list',
  'iam.serviceAccounts.getIamPolicy', 'iam.serviceAccounts.setIamPolicy',
  'iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.implicitDelegation',
  'resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy', 'resourcemanager.projects.setIamPolicy',
  'serviceusage.services.get', 'serviceusage.services.list', 'serviceusage.services.enable', 'serviceusage.services.disable',
  'serviceusage.operations.get',
  'container.clusters.get',
] as const;
export type Permission = (typeof ALL_PERMISSIONS)[number];

const TOKEN_MINTING: readonly string[] = ['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.implicitDelegation'];
const isRead = (p: string) => /\.(get|list|getIamPolicy)$/.test(p);
const pick = (f: (p: string) => boolean): Permission[] => ALL_PERMISSIONS.filter(f);

const ROLES: Record<string, readonly Permission[]> = {
  'roles/owner': pick((p) => !TOKEN_MINTING.includes(p)),
  'roles/editor': pick((p) => !TOKEN_MINTING.includes(p) && !p.endsWith('.setIamPolicy')),
  'roles/viewer': pick(isRead),
  'roles/browser': ['resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy'],
  'roles/resourcemanager.projectIamAdmin': ['resourcemanager.projects.get', 'resourcemanager.projects.getIamPolicy', 'resourcemanager.projects.setIamPolicy'],
  'roles/iam.securityReviewer': pick((p) => p.endsWith('.getIamPolicy') || /\.(get|list)$/.test(p)),
  'roles/iam.securityAdmin': pick((p) => p.endsWith('IamPolicy') || /\.(get|list)$/.test(p)),
  'roles/iam.workloadIdentityPoolAdmin': pick((p) => p.startsWith('iam.workloadIdentityPool') || p === 'resourcemanager.projects.get'),
  'roles/iam.workloadIdentityPoolViewer': pick((p) => p.startsWith('iam.workloadIdentityPool') && isRead(p)),
  'roles/iam.serviceAccountAdmin': pick((p) => (p.startsWith('iam.serviceAccounts.') && !TOKEN_MINTING.includes(p)) || p === 'resourcemanager.projects.get'),
  'roles/iam.serviceAccountCreator': ['iam.serviceAccounts.create'],
  'roles/iam.serviceAccountViewer': ['iam.serviceAccounts.get', 'iam.serviceAccounts.list'],
  'roles/iam.serviceAccountUser': ['iam.serviceAccounts.get', 'iam.serviceAccounts.list'],
  'roles/iam.serviceAccountTokenCreator': ['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.implicitDelegation', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list'],
  'roles/iam.workloadIdentityUser': ['iam.serviceAccounts.getAccessToken'],
  'roles/serviceusage.serviceUsageAdmin': pick((p) => p.startsWith('serviceusage.')),
  'roles/serviceusage.serviceUsageConsumer': ['serviceusage.services.get', 'serviceusage.services.list'],
  'roles/serviceusage.serviceUsageViewer': ['serviceusage.services.get', 'serviceusage.services.list', 'serviceusage.operations.get'],
  'roles/container.admin': ['container.clusters.get'],
  'roles/container.developer': ['container.clusters.get'],
  'roles/container.viewer': ['container.clusters.get'],
  'roles/container.clusterViewer': ['container.clusters.get'],
};

/** The permissions a role grants in the sandbox (empty for unknown and custom roles). */
export function permissionsOf(role: string): readonly Permission[] {
  return ROLES[role] ?? [];
}

/** Roles that may be granted on a service account's own policy (others: "not supported for this resource"). */
export const SERVICE_ACCOUNT_ROLES: ReadonlySet<string> = new Set([
  'roles/owner', 'roles/editor', 'roles/viewer',
  'roles/iam.workloadIdentityUser', 'roles/iam.serviceAccountTokenCreator', 'roles/iam.serviceAccountUser',
  'roles/iam.serviceAccountAdmin', 'roles/iam.serviceAccountKeyAdmin', 'roles/iam.serviceAccountOpenIdTokenCreator',
  'roles/iam.serviceAccountViewer', 'roles/iam.securityAdmin', 'roles/iam.securityReviewer',
]);
