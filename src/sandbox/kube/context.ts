/** The state one simulated cluster's handlers share. */
import type { ClusterSpec, KubeDeps } from '../types.js';
import type { KeyRing } from './keys.js';
import type { ResourceDef } from './resources.js';
import type { Store } from './store.js';

export interface KubeContext {
  spec: ClusterSpec;
  deps: KubeDeps;
  issuer: string;
  /** --api-audiences (default: the issuer; k3s/RKE2 add their program name). */
  audiences: string[];
  adminToken: string;
  keys: KeyRing;
  store: Store;
  /** Server-side apply: the last configuration each field manager applied, by object uid. */
  applied: Map<string, Record<string, unknown>>;
  /** The one node pods are scheduled to. */
  nodeName: string;
  now(): Date;
}

/** A parsed resource request (apiserver RequestInfo). */
export interface ResourceRequest {
  def: ResourceDef;
  verb: string;
  namespace: string;
  name?: string;
  subresource?: string;
}
