import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Contracts between the sandbox's parts. The framework (server.ts) owns listeners, TLS, the request
 * log, latency and fault injection; each service (google/, kube/, clouds/) only maps a request to a response.
 */
export interface SbRequest {
  method: string;
  url: URL;
  /** URL path, percent-decoded once (Google resource names contain `:` and `@`). */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SbResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON (content-type application/json unless headers say otherwise). */
  body?: string | Buffer | object;
}

export interface SbService {
  /** For the request log: `iam`, `sts`, `cloudresourcemanager`, `kube:eks`, `aws:eks`, `azure:aks`, … */
  name: string;
  /** Return undefined when the path is not this service's (the framework answers 404 in the right shape). */
  handle(req: SbRequest): Promise<SbResponse | undefined> | SbResponse | undefined;
  /** HTTP upgrade (kube exec over WebSocket). Return true when handled. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  reset?(): void;
}

export type Platform = 'self-hosted' | 'eks' | 'aks' | 'gke';

/** One simulated cluster: what the kube API server, the cloud APIs and STS need to agree on. */
export interface ClusterSpec {
  /**
   * kubeconfig context name: `self-hosted`, `eks`, `aks`, `gke` (as if aliased by the user); the kubeconfig's
   * cluster and user entries follow each platform's real naming (EKS ARN + `aws eks get-token` exec args,
   * AKS `clusterUser_RG_NAME`, GKE `gke_PROJECT_LOCATION_NAME` + gke-gcloud-auth-plugin).
   */
  context: string;
  /** Short key used in control URLs: `self-hosted`, `eks`, `aks`, `gke`. */
  key: Platform;
  platform: Platform;
  issuer: string;
  /** `/version` gitVersion, e.g. `v1.32.5-eks-…`; minor within 1.27–1.33. */
  gitVersion: string;
  /** Platform identity (EKS name/region/accountId, AKS subscriptionId/resourceGroup/name/location, GKE projectId/location/name). */
  identity: Record<string, string>;
}

/** Issuers the sandbox itself serves, so STS can resolve discovery + JWKS without a network fetch. */
export interface IssuerRegistry {
  /** The OIDC discovery document and JWKS for `issuer`, or undefined if the sandbox does not serve it. */
  lookup(issuer: string): { configuration: object; jwks: { keys: object[] } } | undefined;
}

export interface FaultOptions {
  latencyMs: number;
  failRate: number;
  conflictRate: number;
  random: () => number;
}

/** What the Google services need from the rest of the sandbox (src/sandbox/google/index.ts `createGoogleServices`). */
export interface GoogleDeps {
  project: { id: string; number: string };
  /** The bearer token (in the env file's WIF_ACCESS_TOKEN_FILE) that acts as the sandbox project's owner. */
  ownerToken: string;
  /** For the GKE container API (clusters.get) and the workload pool of the gke cluster. */
  clusters: ClusterSpec[];
  /** STS resolves issuers the sandbox serves through this, never over the network. */
  issuers: IssuerRegistry;
  faults: FaultOptions;
  now(): Date;
  /**
   * Optional: where the kube API server of cluster `key` listens (`127.0.0.1:PORT`) and its CA (PEM), for the
   * GKE `clusters.get` fields `endpoint` and `masterAuth.clusterCaCertificate`. Without it those fields
   * carry placeholders.
   */
  clusterEndpoint?(key: Platform): { endpoint: string; caPem: string } | undefined;
}

/** What a simulated kube-apiserver needs (src/sandbox/kube/index.ts `createKubeCluster`). */
export interface KubeDeps {
  /** Bearer token accepted as cluster-admin (what the kubeconfig's token / exec shim presents). */
  adminToken: string;
  /** https://127.0.0.1:PORT of this cluster's own listener (known once listening; used for jwks_uri). */
  baseUrl(): string;
  /** The Google endpoint, for in-pod emulation of `gcloud auth print-access-token` (exec). */
  googleEndpoint(): string;
  /** PEM of the sandbox CA, for in-pod emulation that calls the Google endpoint. */
  caPem(): string;
  now(): Date;
}

export interface KubeCluster {
  spec: ClusterSpec;
  service: SbService;
  /** OIDC discovery document and JWKS exactly as this cluster serves them. */
  issuerDocuments(): { configuration: object; jwks: { keys: object[] } };
  /** New signing key; the JWKS serves only the new key unless keepOld. */
  rotateKeys(keepOld: boolean): void;
  reset(): void;
}
