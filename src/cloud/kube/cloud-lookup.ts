import { WifError } from '../../core/errors.js';
import type { Platform } from '../../plan/detect.js';
import type { IdentityGuess } from '../../plan/detect-identity.js';
import type { Finding } from '../../plan/issuer.js';

/**
 * Ask the platform's own API about the cluster the kubeconfig names: EKS DescribeCluster, AKS managedClusters,
 * GKE clusters.get (each SDK imported lazily, only for its platform). Failures become findings with their fix
 * rather than exceptions, so detection still reports what the cluster itself said.
 */
export interface CloudFacts {
  /** e.g. `EKS DescribeCluster`. */
  source?: string;
  issuer?: string;
  identity: Record<string, string>;
  findings: Finding[];
}

export interface CloudOptions {
  env: Record<string, string | undefined>;
  accessTokenFile?: string;
  signal?: AbortSignal;
}

const fail = (e: unknown): Finding[] => {
  if (e instanceof WifError) return [{ severity: 'error', code: e.code, message: e.message, hint: e.hint }];
  throw e;
};

async function eks(g: IdentityGuess, o: CloudOptions): Promise<CloudFacts> {
  const { describeEksCluster, findEksClusterByEndpoint } = await import('../aws/eks.js');
  const { name, region } = g.identity;
  const ao = { env: o.env, profile: g.hints.awsProfile, roleArn: g.hints.awsRoleArn, signal: o.signal };
  const facts: CloudFacts = { source: 'EKS DescribeCluster', identity: {}, findings: [] };
  if (!region) {
    facts.findings.push({ severity: 'error', code: 'eks.identity-unknown', message: 'The kubeconfig does not say which AWS region the EKS cluster is in.', hint: 'Use a kubeconfig written by `aws eks update-kubeconfig --name NAME --region REGION`.' });
    return facts;
  }
  try {
    const c = name ? await describeEksCluster(name, region, ao) : g.hints.serverHost ? await findEksClusterByEndpoint(g.hints.serverHost, region, ao) : undefined;
    if (!c) {
      facts.findings.push({ severity: 'error', code: 'aws.eks.cluster-not-found', message: `No EKS cluster in ${region} has the endpoint ${g.hints.serverHost}.`, hint: 'Check AWS_PROFILE/account and region.' });
      return facts;
    }
    facts.identity = { name: c.name, region: c.region, ...(c.accountId ? { accountId: c.accountId } : {}) };
    facts.issuer = c.issuer;
    if (!c.issuer) facts.findings.push({ severity: 'error', code: 'aws.eks.no-oidc-issuer', message: `EKS cluster ${c.name} reports no OIDC issuer (identity.oidc.issuer).`, hint: 'Upgrade the cluster to a supported EKS version (every current version has an OIDC issuer).' });
  } catch (e) {
    facts.findings.push(...fail(e));
  }
  return facts;
}

async function aks(g: IdentityGuess, o: CloudOptions): Promise<CloudFacts> {
  const { findAksCluster, enableOidcHint } = await import('../azure/aks.js');
  const facts: CloudFacts = { source: 'AKS managedClusters', identity: {}, findings: [] };
  try {
    const c = await findAksCluster({ fqdn: g.identity.fqdn ?? g.hints.serverHost, resourceGroup: g.identity.resourceGroup, name: g.identity.name }, { env: o.env, signal: o.signal });
    facts.identity = { subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup, name: c.name, ...(c.location ? { location: c.location } : {}) };
    facts.issuer = c.issuer;
    if (!c.oidcIssuerEnabled || !c.issuer) {
      facts.findings.push({ severity: 'error', code: 'azure.aks.oidc-issuer-disabled', message: `The OIDC issuer of AKS cluster ${c.resourceGroup}/${c.name} is disabled, so Google has no public issuer to trust.`, hint: enableOidcHint(c) });
    }
  } catch (e) {
    facts.findings.push(...fail(e));
  }
  return facts;
}

async function gke(g: IdentityGuess, o: CloudOptions): Promise<CloudFacts> {
  const facts: CloudFacts = { source: 'GKE clusters.get', identity: {}, findings: [] };
  const { projectId, location, name } = g.identity;
  if (!projectId || !location || !name) {
    facts.findings.push({ severity: 'error', code: 'gke.identity-unknown', message: 'The kubeconfig does not name the GKE project, location and cluster (gke_PROJECT_LOCATION_NAME).', hint: 'Fetch credentials with `gcloud container clusters get-credentials NAME --location LOCATION --project PROJECT`.' });
    return facts;
  }
  const [{ getGkeCluster, enableWorkloadIdentityHint }, { googleAccess }] = await Promise.all([import('../google/container.js'), import('../google/auth.js')]);
  try {
    const c = await getGkeCluster({ projectId, location, name }, googleAccess({ accessTokenFile: o.accessTokenFile, env: o.env }), { env: o.env, signal: o.signal });
    facts.identity = { projectId, location, name, ...(c.workloadPool ? { workloadPool: c.workloadPool } : {}) };
    facts.issuer = c.issuer;
    if (!c.workloadPool) facts.findings.push({ severity: 'error', code: 'gcp.gke.workload-identity-disabled', message: `Workload Identity Federation for GKE is disabled on cluster ${name} (no workloadIdentityConfig.workloadPool).`, hint: enableWorkloadIdentityHint(c) });
  } catch (e) {
    facts.findings.push(...fail(e));
  }
  return facts;
}

/** The cloud API's view of the cluster (nothing for self-hosted). */
export async function lookupCloud(platform: Platform, g: IdentityGuess, o: CloudOptions): Promise<CloudFacts> {
  if (platform === 'eks') return eks(g, o);
  if (platform === 'aks') return aks(g, o);
  if (platform === 'gke') return gke(g, o);
  return { identity: {}, findings: [] };
}
