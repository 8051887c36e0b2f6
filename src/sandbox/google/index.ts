/**
 * The Google half of the sandbox: IAM (pools, providers, service accounts), STS, IAM Credentials,
 * Resource Manager, Service Usage and GKE container, all in memory and served under one base URL (their
 * paths do not collide; each service's `handle` returns undefined for paths that are not its own).
 * Fidelity notes and the rules each API enforces are in the module headers; messages research could
 * not confirm are marked [UNVERIFIED] where they are defined.
 */
import type { GoogleDeps, SbService } from '../types.js';
import { containerRoutes } from './container.js';
import { crmRoutes } from './crm.js';
import { iamCredentialsRoutes } from './iamcredentials.js';
import { makeService } from './router.js';
import { serviceAccountRoutes } from './service-accounts.js';
import { serviceUsageRoutes } from './serviceusage.js';
import { GoogleState } from './state.js';
import { stsRoutes } from './sts.js';
import { poolRoutes } from './wip-pools.js';
import { providerRoutes } from './wip-providers.js';

export { SANDBOX_OWNER, INITIAL_SERVICES } from './state.js';

export interface GoogleServices {
  /** `iam`, `sts`, `iamcredentials`, `cloudresourcemanager`, `serviceusage`, `container`. */
  services: SbService[];
  /** Back to the initial state: no pools or service accounts, the owner-only project policy, initial APIs. */
  reset(): void;
  /** Control hook (tests, demos): enable or disable an API of the sandbox project without going through Service Usage. */
  setServiceEnabled(service: string, enabled: boolean): void;
  /** Whether an API is enabled in the sandbox project. */
  serviceEnabled(service: string): boolean;
}

/** Create the Google services over one shared in-memory state. */
export function createGoogleServices(deps: GoogleDeps): GoogleServices {
  const state = new GoogleState(deps);
  const services = [
    makeService('iam', 'iam.googleapis.com', state, [...poolRoutes, ...providerRoutes, ...serviceAccountRoutes]),
    makeService('sts', 'sts.googleapis.com', state, stsRoutes),
    makeService('iamcredentials', 'iamcredentials.googleapis.com', state, iamCredentialsRoutes),
    makeService('cloudresourcemanager', 'cloudresourcemanager.googleapis.com', state, crmRoutes),
    makeService('serviceusage', 'serviceusage.googleapis.com', state, serviceUsageRoutes),
    makeService('container', 'container.googleapis.com', state, containerRoutes),
  ];
  return {
    services,
    reset: () => state.reset(),
    setServiceEnabled: (service, enabled) => void state.services.set(service, enabled),
    serviceEnabled: (service) => state.serviceEnabled(service),
  };
}
