/**
 * What a freshly created cluster holds: the namespaces default, kube-node-lease, kube-public and kube-system
 * (each with its `default` ServiceAccount and `kube-root-ca.crt` ConfigMap), one Ready node named after the
 * platform's conventions, and the bootstrap RBAC policy. No demo workloads.
 */
import type { ClusterSpec } from '../types.js';
import { bootstrapPolicy } from './auth.js';
import type { KubeContext } from './context.js';
import { namespaceSideEffects } from './crud.js';
import { defaultNamespace } from './defaults.js';
import { RESOURCES } from './resources.js';

const res = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;

/** The node name each platform's nodes carry (EKS EC2 private DNS, GKE/AKS pool VM names, kind-style otherwise). */
export function nodeNameFor(spec: ClusterSpec): string {
  const id = spec.identity;
  if (spec.platform === 'eks') return `ip-192-168-42-17.${id.region ?? 'us-west-2'}.compute.internal`;
  if (spec.platform === 'gke') return `gke-${(id.name ?? 'cluster').slice(0, 20)}-default-pool-4f1c2a9e-x7k2`;
  if (spec.platform === 'aks') return 'aks-nodepool1-31415926-vmss000000';
  return `${spec.context}-worker`.replace(/[^a-z0-9.-]/g, '-');
}

function node(ctx: KubeContext): object {
  const gv = ctx.spec.gitVersion;
  return {
    metadata: { name: ctx.nodeName, labels: { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': ctx.nodeName, 'kubernetes.io/os': 'linux' } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.4' }, { type: 'Hostname', address: ctx.nodeName }],
      nodeInfo: { kubeletVersion: gv, kubeProxyVersion: gv, operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'containerd://1.7.27' },
    },
  };
}

/** Fill an empty store with a fresh cluster's objects. */
export function seed(ctx: KubeContext): void {
  const { roles, bindings } = bootstrapPolicy();
  for (const r of roles) ctx.store.put(res('ClusterRole'), '', r);
  for (const b of bindings) ctx.store.put(res('ClusterRoleBinding'), '', b);
  ctx.store.put(res('Node'), '', node(ctx) as never);
  for (const name of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) {
    const ns = { metadata: { name } };
    defaultNamespace(ns);
    ctx.store.put(res('Namespace'), '', ns);
    namespaceSideEffects(ctx, name);
  }
}
