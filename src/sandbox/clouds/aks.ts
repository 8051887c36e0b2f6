import type { SbRequest, SbResponse, SbService } from '../types.js';
import type { CloudCluster } from './eks.js';

/**
 * A faithful local Azure Resource Manager for AKS (research/k8s-clouds.md §5.1–5.2), HTTPS only as the SDK demands:
 * managedClusters get and list (subscription and resource-group scoped) in the wire shape
 * `@azure/arm-containerservice` 25.x deserializes (`properties.oidcIssuerProfile.issuerURL`, `fqdn` = the kube
 * listener's host). `api-version` is required, a bearer token is required (any value: ARM tokens are not
 * verified here), and errors use ARM's `{"error":{"code","message"}}` with `x-ms-error-code`.
 */
export interface AksDeps {
  clusters: CloudCluster[];
  /** The one subscription that exists. */
  subscriptionId: string;
}

const RP = 'providers/microsoft.containerservice/managedclusters';
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

export function createAksService(deps: AksDeps): SbService {
  return {
    name: 'azure:aks',
    handle(req) {
      const m = /^\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?\/(providers\/microsoft\.containerservice\/managedclusters)(?:\/([^/]+))?\/?$/i.exec(req.path);
      if (!m || m[3].toLowerCase() !== RP) return undefined;
      const pre = preflight(req, deps, m[1], m[2]);
      if (pre) return pre;
      const [, , rg, , name] = m;
      if (req.method !== 'GET') {
        return armError(405, 'UnsupportedOperation', `The sandbox serves only GET on managedClusters; ${req.method} is not supported.`);
      }
      const inScope = deps.clusters.filter((c) => !rg || same(c.spec.identity.resourceGroup, rg));
      if (name === undefined) return { status: 200, body: { value: inScope.map((c) => managedCluster(c)) } };
      const c = inScope.find((x) => same(x.spec.identity.name, name));
      if (!c) {
        return armError(404, 'ResourceNotFound', `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
      }
      return { status: 200, body: managedCluster(c) };
    },
  };
}

/** Auth, api-version, subscription and resource group, in the order ARM checks them. */
function preflight(req: SbRequest, deps: AksDeps, sub: string, rg: string | undefined): SbResponse | undefined {
  const auth = req.headers.authorization;
  if (!auth || !/^Bearer \S+$/i.test(auth)) {
    const r = armError(401, 'AuthenticationFailed', auth ? 'Authentication failed. Invalid JWT token.' : "Authentication failed. The 'Authorization' header is missing.");
    r.headers!['www-authenticate'] = 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."';
    return r;
  }
  const version = req.url.searchParams.get('api-version');
  if (!version) return armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  if (!API_VERSION.test(version)) {
    return armError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '2026-04-01' and earlier dated versions.`);
  }
  if (!same(sub, deps.subscriptionId)) return armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  if (rg && !deps.clusters.some((c) => same(c.spec.identity.resourceGroup, rg))) {
    return armError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  }
  return undefined;
}

function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

function armError(status: number, code: string, message: string): SbResponse {
  return { status, headers: { 'x-ms-error-code': code }, body: { error: { code, message } } };
}

/** The managedClusters resource as ARM sends it (resource-id path segment `resourcegroups` is lower case). */
function managedCluster(c: CloudCluster): object {
  const { subscriptionId, resourceGroup, name, location, tenantId, principalId } = c.spec.identity;
  const version = /^v(\d+\.\d+\.\d+)/.exec(c.spec.gitVersion)?.[1] ?? '1.32.5';
  const host = new URL(c.url()).hostname;
  return {
    id: `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    location, name, type: 'Microsoft.ContainerService/ManagedClusters', tags: {},
    sku: { name: 'Base', tier: 'Free' },
    identity: { type: 'SystemAssigned', principalId, tenantId },
    properties: {
      provisioningState: 'Succeeded', powerState: { code: 'Running' },
      kubernetesVersion: version.split('.').slice(0, 2).join('.'), currentKubernetesVersion: version,
      dnsPrefix: `${name}-dns`, fqdn: host, azurePortalFqdn: host,
      agentPoolProfiles: [{ name: 'nodepool1', count: 2, vmSize: 'Standard_D4ds_v5', osType: 'Linux', mode: 'System', type: 'VirtualMachineScaleSets', provisioningState: 'Succeeded', orchestratorVersion: version, currentOrchestratorVersion: version }],
      nodeResourceGroup: `MC_${resourceGroup}_${name}_${location}`,
      enableRBAC: true, supportPlan: 'KubernetesOfficial', disableLocalAccounts: false,
      networkProfile: { networkPlugin: 'azure', networkPluginMode: 'overlay', podCidr: '10.244.0.0/16', serviceCidr: '10.0.0.0/16', dnsServiceIP: '10.0.0.10', loadBalancerSku: 'standard', outboundType: 'loadBalancer' },
      aadProfile: { managed: true, enableAzureRBAC: false, tenantID: tenantId },
      oidcIssuerProfile: { enabled: true, issuerURL: c.spec.issuer },
      securityProfile: { workloadIdentity: { enabled: true } },
    },
  };
}
