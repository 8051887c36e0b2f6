/**
 * Google service accounts (IAM v1, research/gcp-api.md §5.2): get and create. The project segment of the path is
 * the project the email names (`NAME@PROJECT.iam.gserviceaccount.com`), or `-`.
 */
import { isGoogleError } from './errors.js';
import type { GoogleApi } from './http.js';
import type { ServiceAccount } from './types.js';

/** The project a service account email belongs to, or `-` (the API's wildcard) for other domains. */
export function saProject(email: string): string {
  return /^[^@]+@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? '-';
}

export function saPath(email: string): string {
  return `v1/projects/${saProject(email)}/serviceAccounts/${email}`;
}

/** GET a service account; undefined on 404. */
export async function getServiceAccount(api: GoogleApi, email: string): Promise<ServiceAccount | undefined> {
  try {
    return await api.call<ServiceAccount>({ method: 'GET', service: 'iam', path: saPath(email), retry: true,
      about: { what: 'service-account', resource: `serviceAccounts/${email}`, permission: 'iam.serviceAccounts.get', project: saProject(email) } });
  } catch (e) {
    if (isGoogleError(e, 404)) return undefined;
    throw e;
  }
}

/** Create `accountId` in `project`; a 409 (it exists, e.g. a retried create) returns the existing one. */
export async function createServiceAccount(api: GoogleApi, project: string, accountId: string, body: Record<string, unknown>): Promise<{ account: ServiceAccount; existed: boolean }> {
  const email = `${accountId}@${project}.iam.gserviceaccount.com`;
  try {
    const account = await api.call<ServiceAccount>({ method: 'POST', service: 'iam', path: `v1/projects/${project}/serviceAccounts`, retry: true,
      body: { accountId, serviceAccount: body }, about: { what: 'service-account', resource: `serviceAccounts/${email}`, permission: 'iam.serviceAccounts.create', project } });
    return { account, existed: false };
  } catch (e) {
    if (!isGoogleError(e, 409)) throw e;
    const account = await getServiceAccount(api, email);
    if (!account) throw e;
    return { account, existed: true };
  }
}
