import { createHash } from 'node:crypto';
import type { ClusterSpec } from '../types.js';

/**
 * The sandbox's world, derived deterministically from a seed (stored in the state dir, so the same state dir
 * gives the same project number, account, tenant, subscription and issuers across restarts): the Google project
 * and one cluster per platform with real-looking identities and issuers (research/k8s-clouds.md §4–§7).
 */
export interface SandboxWorld {
  project: { id: string; number: string };
  awsAccountId: string;
  azure: { subscriptionId: string; tenantId: string };
  clusters: ClusterSpec[];
}

export const SANDBOX_PROJECT_ID = 'wif-sandbox';
export const EKS_REGION = 'us-east-1';
export const AKS_LOCATION = 'eastus';
export const GKE_LOCATION = 'us-central1';

function hash(seed: string, label: string): string {
  return createHash('sha256').update(`${seed}:${label}`).digest('hex');
}
/** `n` decimal digits, first one not zero. */
function digits(seed: string, label: string, n: number): string {
  const v = BigInt('0x' + hash(seed, label)) % (9n * 10n ** BigInt(n - 1));
  return String(v + 10n ** BigInt(n - 1));
}
/** A version-4-shaped GUID. */
function guid(seed: string, label: string): string {
  const h = hash(seed, label);
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function sandboxWorld(seed: string): SandboxWorld {
  const project = { id: SANDBOX_PROJECT_ID, number: digits(seed, 'project-number', 12) };
  const awsAccountId = digits(seed, 'aws-account', 12);
  const azure = { subscriptionId: guid(seed, 'azure-subscription'), tenantId: guid(seed, 'azure-tenant') };
  const eksId = hash(seed, 'eks-oidc').slice(0, 32).toUpperCase();
  const clusters: ClusterSpec[] = [
    {
      context: 'self-hosted', key: 'self-hosted', platform: 'self-hosted',
      issuer: 'https://kubernetes.default.svc.cluster.local', gitVersion: 'v1.32.5',
      identity: { name: 'kubernetes' },
    },
    {
      context: 'eks', key: 'eks', platform: 'eks',
      issuer: `https://oidc.eks.${EKS_REGION}.amazonaws.com/id/${eksId}`,
      gitVersion: `v1.32.5-eks-${hash(seed, 'eks-build').slice(0, 7)}`,
      identity: { name: 'sandbox-eks', region: EKS_REGION, accountId: awsAccountId },
    },
    {
      context: 'aks', key: 'aks', platform: 'aks',
      issuer: `https://${AKS_LOCATION}.oic.prod-aks.azure.com/${azure.tenantId}/${guid(seed, 'aks-issuer')}/`,
      gitVersion: 'v1.32.5',
      identity: {
        subscriptionId: azure.subscriptionId, resourceGroup: 'sandbox-rg', name: 'sandbox-aks', location: AKS_LOCATION,
        tenantId: azure.tenantId, principalId: guid(seed, 'aks-principal'),
      },
    },
    {
      context: 'gke', key: 'gke', platform: 'gke',
      issuer: `https://container.googleapis.com/v1/projects/${project.id}/locations/${GKE_LOCATION}/clusters/sandbox-gke`,
      gitVersion: 'v1.32.4-gke.1106006',
      identity: { projectId: project.id, location: GKE_LOCATION, name: 'sandbox-gke' },
    },
  ];
  return { project, awsAccountId, azure, clusters };
}

/** A small seeded PRNG (mulberry32) for reproducible fault injection. */
export function seededRandom(seed: string): () => number {
  let a = parseInt(hash(seed, 'faults').slice(0, 8), 16) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
