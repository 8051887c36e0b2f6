import { OperationError, type WifError } from '../../core/errors.js';
import { extraCaBundle } from '../tls.js';
import type { MethodOptions } from 'googleapis-common';
import type { GoogleAccess } from './auth.js';

/**
 * GKE `projects.locations.clusters.get` through @googleapis/container (lazy; research/k8s-clouds.md §6.2), with
 * the base URL and credentials of `googleAccess()` (`WIF_GOOGLE_API_ENDPOINT`, `--access-token-file`, ADC).
 * The KSA token issuer of a GKE cluster is `https://container.googleapis.com/v1/projects/P/locations/L/clusters/N`;
 * Workload Identity is on when `workloadIdentityConfig.workloadPool` (`PROJECT_ID.svc.id.goog`) is set.
 */
export interface GkeCluster {
  projectId: string;
  location: string;
  name: string;
  endpoint?: string;
  dnsEndpoint?: string;
  selfLink?: string;
  currentMasterVersion?: string;
  /** Absent when Workload Identity is disabled. */
  workloadPool?: string;
  /** The documented issuer of the cluster's service-account tokens. */
  issuer: string;
}

export interface GkeId {
  projectId: string;
  location: string;
  name: string;
}

/** The GKE KSA issuer for a cluster (research §6.2). */
export function gkeIssuer(id: GkeId): string {
  return `https://container.googleapis.com/v1/projects/${id.projectId}/locations/${id.location}/clusters/${id.name}`;
}

/** The fix when Workload Identity is disabled on a GKE cluster. */
export function enableWorkloadIdentityHint(id: GkeId): string {
  return `Enable it: \`gcloud container clusters update ${id.name} --location=${id.location} --project=${id.projectId} --workload-pool=${id.projectId}.svc.id.goog\` (and \`--workload-metadata=GKE_METADATA\` on node pools).`;
}

/** clusters.get, translated. */
export async function getGkeCluster(id: GkeId, access: GoogleAccess, o: { env: Record<string, string | undefined>; signal?: AbortSignal }): Promise<GkeCluster> {
  const { container } = await import('@googleapis/container');
  const ca = extraCaBundle(o.env);
  const agent = ca ? new (await import('node:https')).Agent({ ca }) : undefined;
  const name = `projects/${id.projectId}/locations/${id.location}/clusters/${id.name}`;
  try {
    const api = container({ version: 'v1', auth: (await access.authClient()) as never, ...(access.rootUrl ? { rootUrl: `${access.rootUrl}/` } : {}) });
    const r = await api.projects.locations.clusters.get({ name }, { ...(agent ? { agent } : {}), signal: o.signal, retry: true, timeout: 30_000 } as MethodOptions);
    const c = r.data;
    return {
      ...id, endpoint: c.endpoint ?? undefined, selfLink: c.selfLink ?? undefined, currentMasterVersion: c.currentMasterVersion ?? undefined,
      dnsEndpoint: c.controlPlaneEndpointsConfig?.dnsEndpointConfig?.endpoint ?? undefined,
      workloadPool: c.workloadIdentityConfig?.workloadPool || undefined, issuer: gkeIssuer(id),
    };
  } catch (e) {
    throw gkeError(e, id);
  }
}

/** Translate a gaxios/auth error by HTTP status and Google's `error.status`/reason. */
export function gkeError(e: unknown, id: GkeId): WifError {
  if (e instanceof OperationError) return e;
  const err = e as { status?: number; code?: string | number; message?: string; response?: { status?: number; data?: { error?: { status?: string; message?: string; details?: { reason?: string }[] } } } };
  const status = err.response?.status ?? err.status ?? (typeof err.code === 'number' ? err.code : undefined);
  const g = err.response?.data?.error;
  const what = `GKE cluster ${id.projectId}/${id.location}/${id.name}`;
  if (!status && /default credentials|Could not load the default credentials/i.test(err.message ?? '')) {
    return new OperationError('gcp.credentials-missing', `No Google credentials to read ${what}.`, {
      hint: 'Run `gcloud auth application-default login`, or pass --access-token-file FILE (e.g. from `gcloud auth print-access-token`).', cause: e,
    });
  }
  if (status === 401) return new OperationError('gcp.credentials-invalid', `Google rejected the credentials reading ${what}.`, { hint: 'Refresh them: `gcloud auth application-default login`, or a new --access-token-file.', cause: e });
  if (status === 403 && g?.details?.some((d) => d.reason === 'SERVICE_DISABLED')) {
    return new OperationError('gcp.api-disabled', `The Kubernetes Engine API is disabled in project ${id.projectId}.`, { hint: `Enable it: \`gcloud services enable container.googleapis.com --project=${id.projectId}\`.`, cause: e });
  }
  if (status === 403) return new OperationError('gcp.container.permission-denied', `Permission denied reading ${what}.`, { hint: `Grant the caller roles/container.clusterViewer on project ${id.projectId}.`, cause: e });
  if (status === 404) {
    return new OperationError('gcp.container.cluster-not-found', `${what} was not found.`, {
      hint: `List clusters with \`gcloud container clusters list --project=${id.projectId}\`; the kubeconfig name gke_PROJECT_LOCATION_NAME must match.`, cause: e,
    });
  }
  if (!status) return new OperationError('gcp.unreachable', `Cannot reach the Kubernetes Engine API for ${what}: ${err.code ?? err.message}`, { hint: 'Check the network or WIF_GOOGLE_API_ENDPOINT.', cause: e });
  return new OperationError('gcp.container.failed', `Reading ${what} failed (${status}${g?.status ? ` ${g.status}` : ''}): ${g?.message ?? err.message}`, { cause: e });
}
