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
  /** kubeconfig context name (real platform convention, e.g. `arn:aws:eks:us-east-1:111122223333:cluster/demo`). */
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
