import { OperationError, type WifError } from '../../core/errors.js';
import { extraCaBundle } from '../tls.js';
import { azureCredential, azureSubscription } from './credentials.js';

/**
 * AKS managedClusters get/list through @azure/arm-containerservice 25.x (lazy; research/k8s-clouds.md §5).
 * The SDK flattens `properties`: `mc.fqdn`, `mc.oidcIssuerProfile.issuerURL`. The ARM base URL can be replaced
 * with `WIF_AZURE_ENDPOINT` (HTTPS only: the SDK refuses bearer tokens over http). The cluster is found by
 * matching the kubeconfig's server FQDN across the subscription (reliable), else by resource group + name.
 */
export interface AksCluster {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location?: string;
  fqdn?: string;
  privateFqdn?: string;
  oidcIssuerEnabled: boolean;
  issuer?: string;
  workloadIdentityEnabled: boolean;
  kubernetesVersion?: string;
}

export interface AzureOptions {
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

interface Mc {
  id?: string; name?: string; location?: string; fqdn?: string; privateFqdn?: string; azurePortalFqdn?: string; currentKubernetesVersion?: string;
  oidcIssuerProfile?: { enabled?: boolean; issuerURL?: string };
  securityProfile?: { workloadIdentity?: { enabled?: boolean } };
}

function toCluster(mc: Mc, subscriptionId: string): AksCluster {
  const rg = /\/resourcegroups\/([^/]+)\//i.exec(mc.id ?? '')?.[1] ?? '';
  return {
    id: mc.id ?? '', subscriptionId, resourceGroup: rg, name: mc.name ?? '', location: mc.location, fqdn: mc.fqdn, privateFqdn: mc.privateFqdn,
    oidcIssuerEnabled: !!mc.oidcIssuerProfile?.enabled, issuer: mc.oidcIssuerProfile?.enabled ? mc.oidcIssuerProfile.issuerURL : undefined,
    workloadIdentityEnabled: !!mc.securityProfile?.workloadIdentity?.enabled, kubernetesVersion: mc.currentKubernetesVersion,
  };
}

async function client(subscriptionId: string, o: AzureOptions) {
  const { ContainerServiceClient } = await import('@azure/arm-containerservice');
  const ca = extraCaBundle(o.env);
  const endpoint = o.env.WIF_AZURE_ENDPOINT?.trim().replace(/\/+$/, '') || undefined;
  return new ContainerServiceClient(await azureCredential(o.env), subscriptionId, {
    ...(endpoint ? { endpoint } : {}),
    ...(ca ? { tlsOptions: { ca: ca.join('\n') } } : {}),
    retryOptions: { maxRetries: 2 },
  });
}

const hostEq = (a: string | undefined, b: string) => !!a && a.toLowerCase().replace(/\.$/, '') === b.toLowerCase();

/**
 * Find the managed cluster: by `fqdn` across the subscription, else `resourceGroup`/`name`. The subscription
 * comes from `subscriptionId`, `AZURE_SUBSCRIPTION_ID`, or `az account show`.
 */
export async function findAksCluster(want: { fqdn?: string; resourceGroup?: string; name?: string; subscriptionId?: string }, o: AzureOptions): Promise<AksCluster> {
  const sub = want.subscriptionId ?? (await azureSubscription(o.env, o.signal));
  const c = await client(sub, o);
  const what = want.name ? `AKS cluster ${want.resourceGroup ?? '?'}/${want.name}` : `the AKS cluster serving ${want.fqdn}`;
  try {
    if (want.fqdn) {
      for await (const mc of c.managedClusters.list({ abortSignal: o.signal })) {
        const m = mc as Mc;
        if (hostEq(m.fqdn, want.fqdn) || hostEq(m.privateFqdn, want.fqdn) || hostEq(m.azurePortalFqdn, want.fqdn)) return toCluster(m, sub);
      }
    }
    if (want.resourceGroup && want.name) return toCluster((await c.managedClusters.get(want.resourceGroup, want.name, { abortSignal: o.signal })) as Mc, sub);
  } catch (e) {
    throw azureError(e, what, sub);
  }
  throw new OperationError('azure.aks.cluster-not-found', `No AKS cluster in subscription ${sub} serves ${want.fqdn ?? 'this kubeconfig'}.`, {
    hint: 'Set AZURE_SUBSCRIPTION_ID to the cluster\'s subscription (or `az account set -s SUB`); `az aks list -o table` lists the clusters.',
  });
}

/** Translate SDK/credential errors (by error name, `statusCode` and ARM `code`). */
export function azureError(e: unknown, what: string, sub: string): WifError {
  const err = e as { name?: string; message?: string; code?: string; statusCode?: number };
  if (e instanceof OperationError) return e;
  if (err.name === 'CredentialUnavailableError' || err.name === 'AggregateAuthenticationError' || err.name === 'AuthenticationRequiredError') {
    return new OperationError('azure.credentials-missing', `No Azure credentials to read ${what}.`, {
      hint: 'Run `az login` (and `az account set -s SUB`), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or a managed/workload identity), or WIF_AZURE_ACCESS_TOKEN_FILE.', cause: e,
    });
  }
  if (err.statusCode === 401) return new OperationError('azure.credentials-invalid', `Azure rejected the credentials reading ${what} (${err.code ?? 401}).`, { hint: 'Log in again with `az login`.', cause: e });
  if (err.statusCode === 403) {
    return new OperationError('azure.aks.access-denied', `Not allowed to read ${what} in subscription ${sub} (${err.code ?? 403}).`, {
      hint: 'Grant the caller Reader (Microsoft.ContainerService/managedClusters/read) on the cluster or its resource group.', cause: e,
    });
  }
  if (err.statusCode === 404) {
    const subMissing = err.code === 'SubscriptionNotFound';
    return new OperationError(subMissing ? 'azure.subscription-not-found' : 'azure.aks.cluster-not-found', `${subMissing ? `Subscription ${sub}` : what} was not found (${err.code ?? 404}).`, {
      hint: 'Check AZURE_SUBSCRIPTION_ID (or `az account show`) and the resource group and name (`az aks list -o table`).', cause: e,
    });
  }
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT' || err.code === 'REQUEST_SEND_ERROR') {
    return new OperationError('azure.unreachable', `Cannot reach Azure Resource Manager to read ${what}: ${err.message}`, { hint: 'Check the network or WIF_AZURE_ENDPOINT.', cause: e });
  }
  return new OperationError('azure.aks.failed', `Reading ${what} failed: ${err.message ?? String(e)}`, { cause: e });
}

/** The fix when the OIDC issuer is off (Microsoft Learn, "Create an OIDC provider on AKS"). */
export function enableOidcHint(c: Pick<AksCluster, 'resourceGroup' | 'name'>): string {
  return `Enable it: \`az aks update -g ${c.resourceGroup} -n ${c.name} --enable-oidc-issuer\` (then re-run wif detect).`;
}
