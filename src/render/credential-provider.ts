import type { Problem } from '../core/errors.js';
import { providerAudience, tokenAudience, type ProviderRef } from '../plan/names.js';
import providerTpl from '../../templates/credential-provider.json' with { type: 'json' };
import rbacTpl from '../../templates/credential-provider-rbac.json' with { type: 'json' };
import type { Manifest } from './manifests.js';
import { fill } from './template.js';

/**
 * Kubelet image pulls from Artifact Registry with the pod's service-account token (KEP-4412; seeds/003,
 * research/k8s-clouds.md §8): the kubelet's CredentialProviderConfig (a node file, not an API object) and the
 * ClusterRole/ClusterRoleBinding that lets nodes request tokens for the provider audience
 * (`request-serviceaccounts-token-audience`, enforced from 1.33 by ServiceAccountNodeAudienceRestriction). Pure.
 */
export interface CredentialProviderInput {
  provider: ProviderRef;
  allowedAudiences: readonly string[];
  /** Parsed Kubernetes minor version (≥ 33). */
  minor: number;
  /** Registry hosts for matchImages, e.g. `us-docker.pkg.dev`. */
  registries: string[];
  /** Optional: limit the RBAC grant to these service-account names. */
  serviceAccountNames?: string[];
}

/** The executable name the kubelet runs from --image-credential-provider-bin-dir (seeds/003). */
export const PROVIDER_BINARY = 'gcp-sa-credential-provider';
export const RBAC_ROLE = 'wif-registry-audience-access';
export const RBAC_BINDING = 'wif-kubelet-registry-audience';
export const FEATURE_GATE = 'KubeletServiceAccountTokenForCredentialProviders';

/** `1.33`, `v1.34.2`, `1.33.1-eks-abc`, `v1.34.0+k3s1` → 33 / 34; undefined when not `1.MINOR…`. */
export function parseKubernetesMinor(v: string | undefined): number | undefined {
  const m = /^v?1\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(v?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

export function validateCredentialProvider(version: string | undefined, registries: string[]): Problem[] {
  const problems: Problem[] = [];
  const minor = parseKubernetesMinor(version);
  if (!version) {
    problems.push({ input: '--kubernetes-version', rule: 'kubernetes-version.required', message: 'required for `wif render credential-provider`', hint: 'Pass the cluster version, e.g. --kubernetes-version 1.34 (kubectl version).' });
  } else if (minor === undefined) {
    problems.push({ input: '--kubernetes-version', rule: 'kubernetes-version.format', message: `"${version}" is not a Kubernetes version like 1.34 or v1.33.2` });
  } else if (minor < 33) {
    problems.push({ input: '--kubernetes-version', rule: 'kubernetes-version.min', message: `Kubernetes 1.${minor} cannot give credential providers service-account tokens: that needs 1.33 or later (KEP-4412)`, hint: 'Upgrade the cluster to 1.33+ (1.34+ enables it by default), or keep using node credentials for image pulls.' });
  }
  if (!registries.length) problems.push({ input: '--registry', rule: 'registry.required', message: 'at least one registry host is required', hint: 'Pass e.g. --registry us-docker.pkg.dev (repeatable).' });
  for (const r of registries) {
    if (!/^[a-z0-9*]([a-z0-9*.-]*[a-z0-9])?(:\d+)?(\/\S*)?$/i.test(r)) problems.push({ input: '--registry', rule: 'registry.format', message: `"${r}" is not a registry host pattern such as us-docker.pkg.dev or *.pkg.dev` });
  }
  return problems;
}

/**
 * The kubelet config. `GCP_AUDIENCE` is the STS audience (always the `//iam` resource form); the token
 * audience is what the projected pod tokens carry (first allowed audience, else the https form), since the
 * provider only accepts tokens whose `aud` it allows. `cacheType` exists (and is required) from 1.34.
 */
export function renderCredentialProviderConfig(i: CredentialProviderInput): Manifest {
  return fill(providerTpl, {
    providerName: PROVIDER_BINARY,
    matchImages: i.registries,
    stsAudience: providerAudience(i.provider),
    tokenAudience: tokenAudience(i.provider, i.allowedAudiences),
    // Token: the kubelet caches per token, so a credential never outlives the token it came from.
    cacheType: i.minor >= 34 ? 'Token' : undefined,
  });
}

export function renderCredentialProviderRbac(i: CredentialProviderInput): Manifest[] {
  return fill(rbacTpl, {
    roleName: RBAC_ROLE,
    bindingName: RBAC_BINDING,
    tokenAudience: tokenAudience(i.provider, i.allowedAudiences),
    serviceAccountNames: i.serviceAccountNames?.length ? i.serviceAccountNames : undefined,
  });
}

/** What the operator must do by hand on each node (comment lines and JSON `notes`). */
export function credentialProviderNotes(i: CredentialProviderInput): string[] {
  const notes = [
    `On every node: save the CredentialProviderConfig as a file and start the kubelet with --image-credential-provider-config=FILE --image-credential-provider-bin-dir=DIR, DIR holding the ${PROVIDER_BINARY} executable.`,
  ];
  if (i.minor === 33) notes.push(`Kubernetes 1.33: also start the kubelet with --feature-gates=${FEATURE_GATE}=true (alpha, off by default; beta and on from 1.34).`);
  return notes;
}
