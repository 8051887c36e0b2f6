/**
 * A simulated kube-apiserver for one sandbox cluster, faithful enough that the real kubectl 1.27–1.33 works
 * against it (research/k8s-clouds.md §0–§3): OIDC discovery + JWKS, aggregated and legacy discovery, OpenAPI v3,
 * protobuf request bodies, CRUD with strategic-merge/merge/JSON patches, TokenRequest with real claims, RBAC,
 * and `kubectl exec` over WebSocket. Everything is in memory. Pods, Deployments and the rest are STORED, NOT RUN:
 * no controller acts on them and no container exists; exec runs against an emulated container built from the
 * pod's volumes and env (see shell.ts for what it answers).
 *
 * The framework serves `cluster.service` on this cluster's own HTTPS listener (TLS with the sandbox CA), passes
 * `upgrade` events to `cluster.service.upgrade`, and resolves issuers for STS through `issuerDocuments()`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClusterSpec, KubeCluster, KubeDeps, SbRequest } from '../types.js';
import type { KubeContext } from './context.js';
import { upgradeExec } from './exec.js';
import { KeyRing } from './keys.js';
import { issuerDocuments, route } from './router.js';
import { nodeNameFor, seed } from './seed.js';
import { Store } from './store.js';

/** --api-audiences: the issuer, plus the program name on k3s and RKE2 (research §7). */
export function apiAudiences(spec: ClusterSpec): string[] {
  const program = /\+(k3s|rke2)/.exec(spec.gitVersion)?.[1];
  return program ? [spec.issuer, program] : [spec.issuer];
}

/**
 * Create one cluster. Cheap: the signing key is generated in the background (handlers wait for it; a sync
 * caller of issuerDocuments() before it is ready generates it on the spot) and the store is seeded on first use.
 */
export function createKubeCluster(spec: ClusterSpec, deps: KubeDeps): KubeCluster {
  if (!spec.issuer.startsWith('https://')) throw new Error(`cluster ${spec.context}: issuer ${spec.issuer} must use https (kube-apiserver installs the OIDC endpoints only for https issuers)`);
  const store = new Store(() => deps.now());
  const ctx: KubeContext = {
    spec, deps, issuer: spec.issuer, audiences: apiAudiences(spec), adminToken: deps.adminToken,
    keys: new KeyRing(), store, applied: new Map(), nodeName: nodeNameFor(spec), now: () => deps.now(),
  };
  let seeded = false;
  const ensureSeeded = () => {
    if (!seeded) {
      seeded = true;
      seed(ctx);
    }
  };
  const ready = async () => {
    await ctx.keys.ready();
    ensureSeeded();
  };
  const reset = () => {
    store.clear();
    ctx.applied.clear();
    ctx.keys.reset();
    seeded = false;
  };
  return {
    spec,
    service: {
      name: `kube:${spec.key}`,
      async handle(req: SbRequest) {
        ensureSeeded();
        return route(ctx, req);
      },
      upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
        return upgradeExec(ctx, ready, req, socket, head);
      },
      reset,
    },
    issuerDocuments: () => issuerDocuments(ctx),
    rotateKeys: (keepOld: boolean) => ctx.keys.rotate(keepOld),
    reset,
  };
}
