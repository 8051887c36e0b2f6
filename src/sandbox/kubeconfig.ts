import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeStateFile } from './state.js';
import { shellQuote } from './env.js';
import type { ClusterSpec } from './types.js';

/**
 * The sandbox kubeconfig: contexts `self-hosted`, `eks`, `aks`, `gke` (current: self-hosted), each cluster at its
 * `https://127.0.0.1:PORT` listener with the sandbox CA, and cluster/user entries named as each platform's own tool
 * writes them (research/k8s-clouds.md §4.3, §5.4, §6.1, §7): kubeadm `kubernetes`/`kubernetes-admin` with a token,
 * EKS the cluster ARN with `aws --region R eks get-token --cluster-name N --output json`, AKS `clusterUser_RG_NAME`
 * with `kubelogin get-token --login azurecli …`, GKE `gke_PROJECT_LOCATION_NAME` with `gke-gcloud-auth-plugin`.
 * Exec commands are ABSOLUTE paths to shims in `STATE_DIR/bin/` (basenames `aws`, `kubelogin`,
 * `gke-gcloud-auth-plugin`, so detection by basename still works) that print an ExecCredential with the cluster's
 * admin token; the user's PATH and real tools are left alone.
 */
export interface KubeconfigCluster {
  spec: ClusterSpec;
  url: string;
}

export interface KubeconfigInput {
  clusters: KubeconfigCluster[];
  caPem: string;
  binDir: string;
  /** Admin token per cluster key; self-hosted's goes into the kubeconfig, the others into the shims. */
  adminTokens: Record<string, string>;
  /** The GKE shim prints this file's contents, as gke-gcloud-auth-plugin prints gcloud's access token. */
  accessTokenFile: string;
}

const EXEC_API = 'client.authentication.k8s.io/v1beta1';
/** The "Azure Kubernetes Service AAD Server" application ID (fixed across tenants). */
export const AKS_AAD_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';

interface Entry { cluster: string; user: string; userEntry: object }

/** The kubeconfig's cluster and user names for a cluster, as the platform's own tooling writes them. */
export function kubeNames(spec: ClusterSpec): { cluster: string; user: string } {
  const id = spec.identity;
  switch (spec.platform) {
    case 'eks': {
      const arn = `arn:aws:eks:${id.region}:${id.accountId}:cluster/${id.name}`;
      return { cluster: arn, user: arn };
    }
    case 'aks':
      return { cluster: id.name, user: `clusterUser_${id.resourceGroup}_${id.name}` };
    case 'gke': {
      const n = `gke_${id.projectId}_${id.location}_${id.name}`;
      return { cluster: n, user: n };
    }
    default:
      return { cluster: 'kubernetes', user: 'kubernetes-admin' };
  }
}

function userEntry(spec: ClusterSpec, input: KubeconfigInput): object {
  const id = spec.identity;
  const bin = (name: string) => join(input.binDir, name);
  switch (spec.platform) {
    case 'eks':
      return { exec: { apiVersion: EXEC_API, args: ['--region', id.region, 'eks', 'get-token', '--cluster-name', id.name, '--output', 'json'], command: bin('aws') } };
    case 'aks':
      return { exec: {
        apiVersion: EXEC_API, args: ['get-token', '--login', 'azurecli', '--server-id', AKS_AAD_SERVER_ID], command: bin('kubelogin'), env: null,
        installHint: '\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n',
        provideClusterInfo: false,
      } };
    case 'gke':
      return { exec: {
        apiVersion: EXEC_API, command: bin('gke-gcloud-auth-plugin'),
        installHint: 'Install gke-gcloud-auth-plugin for use with kubectl by following https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin',
        provideClusterInfo: true,
      } };
    default:
      return { token: input.adminTokens[spec.key] };
  }
}

/** The kubeconfig YAML. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const caData = Buffer.from(input.caPem).toString('base64');
  const entries: (Entry & { context: string; server: string })[] = input.clusters.map((c) => ({
    ...kubeNames(c.spec), userEntry: userEntry(c.spec, input), context: c.spec.context, server: c.url,
  }));
  return stringify({
    apiVersion: 'v1',
    clusters: entries.map((e) => ({ cluster: { 'certificate-authority-data': caData, server: e.server }, name: e.cluster })),
    contexts: entries.map((e) => ({ context: { cluster: e.cluster, user: e.user }, name: e.context })),
    'current-context': entries.find((e) => e.context === 'self-hosted')?.context ?? entries[0]?.context ?? '',
    kind: 'Config',
    preferences: {},
    users: entries.map((e) => ({ name: e.user, user: e.userEntry })),
  }, { lineWidth: 0 });
}

function execCredential(tokenExpr: string): string {
  return `printf '{"kind":"ExecCredential","apiVersion":"${EXEC_API}","spec":{},"status":{"token":"%s"}}\\n' ${tokenExpr}`;
}

/** The exec shims' scripts by file name (POSIX sh; each only answers its kubeconfig's exact invocation). */
export function renderShims(input: KubeconfigInput): Record<string, string> {
  const eks = shellQuote(input.adminTokens.eks ?? '');
  const aks = shellQuote(input.adminTokens.aks ?? '');
  const head = (name: string) => `#!/bin/sh\n# wif sandbox stand-in for \`${name}\`: prints the sandbox cluster's ExecCredential.\n`;
  return {
    aws: `${head('aws eks get-token')}case " $* " in\n  *" eks get-token "*) ${execCredential(eks)} ;;\n  *) echo "wif sandbox: this aws shim only answers 'eks get-token' (got: $*)" >&2; exit 255 ;;\nesac\n`,
    kubelogin: `${head('kubelogin get-token')}if [ "$1" = get-token ]; then ${execCredential(aks)}; else echo "wif sandbox: this kubelogin shim only answers 'get-token'" >&2; exit 1; fi\n`,
    'gke-gcloud-auth-plugin': `${head('gke-gcloud-auth-plugin')}if [ "$1" = --version ]; then echo 'Kubernetes v1.30.0+wif-sandbox'; exit 0; fi\n${execCredential(`"$(cat ${shellQuote(input.accessTokenFile)})"`)}\n`,
  };
}

/** Write the kubeconfig (0600) and the exec shims (0700) into place. */
export function writeKubeconfig(path: string, input: KubeconfigInput): void {
  mkdirSync(input.binDir, { recursive: true, mode: 0o700 });
  for (const [name, script] of Object.entries(renderShims(input))) {
    writeStateFile(join(input.binDir, name), script, 0o700);
    chmodSync(join(input.binDir, name), 0o700);
  }
  writeStateFile(path, renderKubeconfig(input), 0o600);
}
