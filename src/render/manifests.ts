import { posix } from 'node:path';
import type { Problem } from '../core/errors.js';
import { tokenAudience, type ProviderRef } from '../plan/names.js';
import configMapTpl from '../../templates/configmap.json' with { type: 'json' };
import podTpl from '../../templates/pod.json' with { type: 'json' };
import serviceAccountTpl from '../../templates/serviceaccount.json' with { type: 'json' };
import workloadTpl from '../../templates/workload-identity.json' with { type: 'json' };
import { renderCredConfig, validateCredConfig, type CredConfigInput } from './cred-config.js';
import { fill } from './template.js';

/**
 * The Kubernetes side of the guide (seeds/000, research/k8s-clouds.md §2.4): the ConfigMap holding the
 * cred-config, the KSA, and a pod that mounts a projected token with the provider's audience. Every file
 * is derived from one WorkloadInput, so audience and token path agree by construction. Pure.
 */
export interface WorkloadInput {
  provider: ProviderRef;
  /** Provider allowed audiences: the first one is the projected token's audience (names.ts tokenAudience). */
  allowedAudiences: readonly string[];
  /** Absolute path of the projected token in the container. */
  tokenPath: string;
  /** Projected token expirationSeconds (≥600). */
  tokenExpiration: number;
  configMapName: string;
  /** Where the cred-config is mounted (the ConfigMap key is its base name). */
  credConfigPath: string;
  namespace?: string;
  ksa?: string;
  serviceAccount?: string;
  tokenLifetime?: number;
  /** STS/IAM Credentials base URL override (sandbox). */
  endpoint?: string;
}

export type Manifest = Record<string, unknown>;

export const TOKEN_VOLUME = 'gcp-ksa-token';
export const CONFIG_VOLUME = 'gcp-credential-configuration';
export const DEFAULT_POD_NAME = 'wif-verify';
/** An image with gcloud, so `wif verify --pod` can run `gcloud auth print-access-token` inside it. */
export const DEFAULT_IMAGE = 'google/cloud-sdk:slim';

/** The cred-config input implied by a workload (text source at the projected token path). */
export function credConfigInputOf(w: WorkloadInput): CredConfigInput {
  return { provider: w.provider, tokenPath: w.tokenPath, format: { type: 'text' }, serviceAccount: w.serviceAccount, tokenLifetimeSeconds: w.tokenLifetime, endpoint: w.endpoint };
}

/** The shared pod-spec pieces (env, volumeMounts, volumes) that pod.yaml and patch.yaml both carry. */
export function workloadIdentityParts(w: WorkloadInput): { env: Manifest[]; volumeMounts: Manifest[]; volumes: Manifest[] } {
  return fill(workloadTpl, {
    credConfigPath: w.credConfigPath,
    tokenVolume: TOKEN_VOLUME,
    configVolume: CONFIG_VOLUME,
    tokenDir: posix.dirname(w.tokenPath),
    tokenFile: posix.basename(w.tokenPath),
    configDir: posix.dirname(w.credConfigPath),
    audience: tokenAudience(w.provider, w.allowedAudiences),
    tokenExpiration: w.tokenExpiration,
    configMapName: w.configMapName,
  });
}

/** ConfigMap with the cred-config under its file name (as `kubectl create configmap --from-file` would). */
export function renderConfigMap(w: WorkloadInput): Manifest {
  const data = { [posix.basename(w.credConfigPath)]: renderCredConfig(credConfigInputOf(w)) };
  return fill(configMapTpl, { configMapName: w.configMapName, namespace: w.namespace, data });
}

export function renderServiceAccount(w: WorkloadInput & { ksa: string }): Manifest {
  return fill(serviceAccountTpl, { ksa: w.ksa, namespace: w.namespace });
}

/** A pod running as the KSA, with gcloud, sleeping so `wif verify --pod` can exec into it. */
export function renderPod(w: WorkloadInput & { ksa: string }, opts: { name?: string; image?: string } = {}): Manifest {
  return fill(podTpl, {
    ...workloadIdentityParts(w),
    podName: opts.name ?? DEFAULT_POD_NAME,
    namespace: w.namespace,
    ksa: w.ksa,
    image: opts.image ?? DEFAULT_IMAGE,
  });
}

/**
 * Problems with the workload input that Kubernetes or gcloud would reject later: the token path must be an
 * absolute file path whose directory differs from the cred-config mount (mount paths must be unique).
 */
export function validateWorkload(w: WorkloadInput): Problem[] {
  const problems = validateCredConfig(credConfigInputOf(w));
  const dir = posix.dirname(w.tokenPath);
  const file = posix.basename(w.tokenPath);
  if (w.tokenPath.startsWith('/') && (dir === '/' || !file || w.tokenPath.endsWith('/') || w.tokenPath.split('/').includes('..'))) {
    problems.push({ input: '--token-path', rule: 'token-path.shape', message: `must be a file inside a directory, such as /var/run/service-account/token; got "${w.tokenPath}"`, hint: 'The directory becomes the projected volume mount and the file name its path.' });
  }
  if (dir === posix.dirname(w.credConfigPath)) {
    problems.push({ input: '--token-path', rule: 'token-path.mount-collision', message: `the token directory ${dir} is where the cred-config ConfigMap is mounted`, hint: 'Put the token in its own directory, e.g. /var/run/service-account/token.' });
  }
  if (!Number.isInteger(w.tokenExpiration) || w.tokenExpiration < 600) {
    problems.push({ input: '--token-expiration', rule: 'token-expiration.min', message: `must be a whole number of seconds, at least 600; got ${w.tokenExpiration}`, hint: 'Kubernetes rejects projected tokens shorter than 10 minutes; the default is 3600.' });
  }
  return problems;
}
