/**
 * GKE container v1 for the sandbox's `gke` clusters (research/k8s-clouds.md §6.2): clusters.get and list,
 * plus the cluster's public OIDC discovery and JWKS. `workloadIdentityConfig.workloadPool` is
 * `PROJECT_ID.svc.id.goog` unless the cluster's identity says `workloadIdentity: disabled`.
 */
import { createHash } from 'node:crypto';
import { hasPermission } from './auth.js';
import { GoogleHttpError, json, notFound } from './http.js';
import type { Call, Route } from './router.js';
import type { ClusterSpec } from '../types.js';

const RPC = 'google.container.v1.ClusterManager.';

function gkeClusters(c: Call): ClusterSpec[] {
  return c.state.deps.clusters.filter((x) => x.platform === 'gke');
}

/** The cluster's project ID, defaulting to the sandbox project. */
const projectOf = (c: Call, x: ClusterSpec) => x.identity.projectId ?? c.state.deps.project.id;

function matchesProject(c: Call, x: ClusterSpec, seg: string): boolean {
  return seg === projectOf(c, x) || (projectOf(c, x) === c.state.deps.project.id && seg === c.state.deps.project.number);
}

export function clusterJson(c: Call, x: ClusterSpec): Record<string, unknown> {
  const projectId = projectOf(c, x);
  const { location, name } = x.identity;
  const version = x.gitVersion.replace(/^v/, '');
  const ep = c.state.deps.clusterEndpoint?.(x.key);
  const hash = createHash('sha256').update(`${projectId}/${location}/${name}`).digest('hex').slice(0, 32);
  const out: Record<string, unknown> = {
    name, location, locations: [location], status: 'RUNNING',
    selfLink: `https://container.googleapis.com/v1/projects/${projectId}/locations/${location}/clusters/${name}`,
    endpoint: ep?.endpoint ?? '34.118.10.20',
    currentMasterVersion: version, currentNodeVersion: version, initialClusterVersion: version,
    masterAuth: { clusterCaCertificate: Buffer.from(ep?.caPem ?? '').toString('base64') },
    controlPlaneEndpointsConfig: { dnsEndpointConfig: { endpoint: `gke-${hash}-${c.state.deps.project.number}.${location}.gke.goog` } },
    createTime: '2024-05-07T19:52:53+00:00',
  };
  if (x.identity.workloadIdentity !== 'disabled') out.workloadIdentityConfig = { workloadPool: `${projectId}.svc.id.goog` };
  return out;
}

function find(c: Call): ClusterSpec {
  const [seg, location, name] = c.params;
  const resource = `projects/${seg}/locations/${location}/clusters/${name}`;
  const known = c.state.projectNumber(seg) || gkeClusters(c).some((x) => projectOf(c, x) === seg);
  if (!known || !hasPermission(c.state, c.caller, 'container.clusters.get')) {
    throw new GoogleHttpError(403, `Required "container.clusters.get" permission(s) for "${resource}".`, 'PERMISSION_DENIED');
  }
  const x = gkeClusters(c).find((k) => matchesProject(c, k, seg) && k.identity.location === location && k.identity.name === name);
  if (!x) throw notFound(`Not found: ${resource}.`);
  return x;
}

function list(c: Call) {
  const [seg, location] = c.params;
  if (!c.state.projectNumber(seg) || !hasPermission(c.state, c.caller, 'container.clusters.get')) {
    throw new GoogleHttpError(403, `Required "container.clusters.list" permission(s) for "projects/${seg}".`, 'PERMISSION_DENIED');
  }
  const clusters = gkeClusters(c).filter((x) => matchesProject(c, x, seg) && (location === '-' || x.identity.location === location));
  return json(200, clusters.length ? { clusters: clusters.map((x) => clusterJson(c, x)) } : {});
}

/** The public discovery document / JWKS of a cluster (no auth, as GKE serves them). */
function wellKnown(c: Call, part: 'configuration' | 'jwks') {
  const [seg, location, name] = c.params;
  const x = gkeClusters(c).find((k) => matchesProject(c, k, seg) && k.identity.location === location && k.identity.name === name);
  const docs = x ? c.state.deps.issuers.lookup(x.issuer) : undefined;
  if (!docs) throw notFound(`Not found: projects/${seg}/locations/${location}/clusters/${name}.`);
  return json(200, part === 'configuration' ? docs.configuration : docs.jwks);
}

const C = String.raw`^/v1/projects/([^/:]+)/locations/([^/:]+)/clusters`;
export const containerRoutes: Route[] = [
  { method: 'GET', path: new RegExp(`${C}$`), rpc: `${RPC}ListClusters`, handle: list },
  { method: 'GET', path: new RegExp(`${C}/([^/:]+)$`), rpc: `${RPC}GetCluster`, handle: (c) => json(200, clusterJson(c, find(c))) },
  { method: 'GET', path: new RegExp(`${C}/([^/:]+)/\\.well-known/openid-configuration$`), rpc: `${RPC}GetOpenIDConfig`, auth: false, handle: (c) => wellKnown(c, 'configuration') },
  { method: 'GET', path: new RegExp(`${C}/([^/:]+)/jwks$`), rpc: `${RPC}GetJSONWebKeys`, auth: false, handle: (c) => wellKnown(c, 'jwks') },
];
