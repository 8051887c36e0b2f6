/**
 * Service Usage: are the APIs WIF needs enabled, and enabling them (research/gcp-api.md §8). STS and IAM
 * Credentials must be enabled in the POOL's project, or every token exchange fails.
 */
import { isGoogleError } from './errors.js';
import type { GoogleApi } from './http.js';
import { waitOperation, type WaitOptions } from './operations.js';
import type { Operation, ServiceState } from './types.js';

export const REQUIRED_SERVICES = ['iam.googleapis.com', 'iamcredentials.googleapis.com', 'sts.googleapis.com', 'cloudresourcemanager.googleapis.com'] as const;

export interface ServicesCheck {
  /** Services known to be disabled. */
  disabled: string[];
  /** Set when the check itself could not be made (e.g. no serviceusage.services.get): a warning, not a failure. */
  unknown?: string;
}

/** GET each service's state, in parallel. A permission error on the check makes it unknown rather than failing the command. */
export async function checkServices(api: GoogleApi, project: string, services: readonly string[] = REQUIRED_SERVICES): Promise<ServicesCheck> {
  try {
    const states = await Promise.all(services.map((s) => api.call<ServiceState>({
      method: 'GET', service: 'serviceusage', path: `v1/projects/${project}/services/${s}`, retry: true,
      about: { what: 'services', resource: `projects/${project}/services/${s}`, permission: 'serviceusage.services.get', project },
    })));
    return { disabled: services.filter((_, i) => states[i].state !== 'ENABLED') };
  } catch (e) {
    if (isGoogleError(e, 403)) return { disabled: [], unknown: e.message };
    throw e;
  }
}

/** Enable services (one `enable`, or `batchEnable` for several — at most 20) and wait until done. */
export async function enableServices(api: GoogleApi, project: string, services: readonly string[], o: WaitOptions = {}): Promise<void> {
  const about = { what: 'services', resource: `projects/${project}`, permission: 'serviceusage.services.enable', project };
  const op = services.length === 1
    ? await api.call<Operation>({ method: 'POST', service: 'serviceusage', path: `v1/projects/${project}/services/${services[0]}:enable`, body: {}, about, retry: true })
    : await api.call<Operation>({ method: 'POST', service: 'serviceusage', path: `v1/projects/${project}/services:batchEnable`, body: { serviceIds: services }, about, retry: true });
  await waitOperation(api, 'serviceusage', op, about, o);
}
