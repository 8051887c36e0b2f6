import { AKS_USER, EKSCTL_NAME, EKS_ARN, GKE_NAME, type DetectInput, type Platform } from './detect.js';

/**
 * PURE: the cluster's cloud identity as far as the kubeconfig tells it (research/k8s-clouds.md §4.3, §5.4,
 * §6.1). EKS `name`/`region`/`accountId`; AKS `resourceGroup`/`name`/`region`/`fqdn` (the subscription is
 * never in a kubeconfig); GKE `projectId`/`location`/`name` (+ `projectNumber` from DNS endpoints).
 * `sources` says where each field came from; `hints` carry what the cloud SDK call should reuse.
 */
export interface IdentityGuess {
  identity: Record<string, string>;
  sources: Record<string, string>;
  hints: { awsProfile?: string; awsRoleArn?: string; azureTenantId?: string; serverHost?: string };
  notes: string[];
}

/** `--name value` or `--name=value` from an argv. */
export function argValue(args: readonly string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n && i + 1 < args.length) return args[i + 1];
      if (args[i].startsWith(`${n}=`)) return args[i].slice(n.length + 1);
    }
  }
  return undefined;
}

function hostOf(server: string | undefined): string | undefined {
  if (!server) return undefined;
  try { return new URL(/^[a-z]+:\/\//i.test(server) ? server : `https://${server}`).hostname.toLowerCase(); } catch { return undefined; }
}

class Guess {
  g: IdentityGuess = { identity: {}, sources: {}, hints: {}, notes: [] };
  /** First source wins: callers go from the most to the least reliable signal. */
  set(field: string, value: string | undefined, source: string): void {
    if (!value || this.g.identity[field] !== undefined) return;
    this.g.identity[field] = value;
    this.g.sources[field] = source;
  }
}

function eks(i: DetectInput, g: Guess): void {
  for (const [n, label] of [[i.contextName, 'context name'], [i.clusterName, 'cluster name'], [i.userName, 'user name']] as const) {
    const m = EKS_ARN.exec(n);
    if (m) { g.set('name', m[3], `${label} ARN`); g.set('region', m[1], `${label} ARN`); g.set('accountId', m[2], `${label} ARN`); }
  }
  const ex = i.exec;
  const env = (k: string) => ex?.env.find((e) => e.name === k)?.value;
  if (ex) {
    g.set('name', argValue(ex.args, '--cluster-name', '-i', '--cluster-id'), 'exec args');
    g.set('region', argValue(ex.args, '--region') ?? env('AWS_REGION') ?? env('AWS_DEFAULT_REGION'), 'exec args');
    g.g.hints.awsProfile = argValue(ex.args, '--profile') ?? env('AWS_PROFILE');
    g.g.hints.awsRoleArn = argValue(ex.args, '--role-arn', '-r', '--role');
  }
  for (const n of [i.clusterName, i.contextName]) {
    const m = EKSCTL_NAME.exec(n);
    if (m) { g.set('name', m[1], 'eksctl naming'); g.set('region', m[2], 'eksctl naming'); }
  }
  const host = hostOf(i.server);
  g.set('region', /\.([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)\.eks\.amazonaws\.com(\.cn)?$/.exec(host ?? '')?.[1], 'server host');
  const iss = /^https:\/\/oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com/.exec(i.issuer ?? '');
  g.set('region', iss?.[1], 'issuer');
}

/** Split `clusterUser_RG_NAME` using the cluster entry / context name to resolve `_` inside names. */
export function parseAksUser(user: string, candidates: readonly string[]): { resourceGroup: string; name: string } | undefined {
  const m = AKS_USER.exec(user);
  if (!m) return undefined;
  const rest = m[2];
  for (const c of candidates) {
    if (c && rest.endsWith(`_${c}`) && rest.length > c.length + 1) return { resourceGroup: rest.slice(0, -c.length - 1), name: c };
  }
  const parts = rest.split('_');
  return parts.length === 2 && parts[0] && parts[1] ? { resourceGroup: parts[0], name: parts[1] } : undefined;
}

function aks(i: DetectInput, g: Guess): void {
  const u = parseAksUser(i.userName, [i.clusterName, i.contextName]);
  if (u) { g.set('resourceGroup', u.resourceGroup, 'user name (clusterUser_RG_NAME)'); g.set('name', u.name, 'user name (clusterUser_RG_NAME)'); }
  else if (AKS_USER.test(i.userName)) g.g.notes.push(`user name ${i.userName} is ambiguous (underscores); the cluster is found by its API server FQDN instead`);
  for (const [h, label] of [[hostOf(i.server), 'server host'], [hostOf(i.tlsServerName), 'tls-server-name']] as const) {
    if (!h || !/\.azmk8s\.io$|\.azk8s\.cn$|\.azure\.us$/.test(h)) continue;
    g.set('fqdn', h, label);
    g.set('region', /\.(?:hcp|privatelink|private)\.([a-z0-9]+)\.azmk8s\.io$/.exec(h)?.[1], label);
  }
  if (i.exec) g.g.hints.azureTenantId = argValue(i.exec.args, '--tenant-id', '-t');
}

function gke(i: DetectInput, g: Guess): void {
  for (const [n, label] of [[i.contextName, 'context name'], [i.clusterName, 'cluster name'], [i.userName, 'user name']] as const) {
    const m = GKE_NAME.exec(n);
    if (m) { g.set('projectId', m[1], `${label} (gke_PROJECT_LOCATION_NAME)`); g.set('location', m[2], `${label} (gke_PROJECT_LOCATION_NAME)`); g.set('name', m[3], `${label} (gke_PROJECT_LOCATION_NAME)`); }
  }
  const iss = /^https:\/\/container\.googleapis\.com\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/clusters\/([^/]+)$/.exec(i.issuer ?? '');
  if (iss) { g.set('projectId', iss[1], 'issuer'); g.set('location', iss[2], 'issuer'); g.set('name', iss[3], 'issuer'); }
  const dns = /^gke-[0-9a-f]+-(\d+)\.([a-z0-9-]+)\.gke\.goog$/.exec(hostOf(i.server) ?? '');
  if (dns) { g.set('projectNumber', dns[1], 'server host (DNS endpoint)'); g.set('location', dns[2], 'server host (DNS endpoint)'); }
  let path = '';
  try { path = i.server ? new URL(i.server).pathname : ''; } catch { /* not a URL */ }
  const gw = /^\/v1(?:beta1)?\/projects\/(\d+)\/locations\/[^/]+\/gkeMemberships\/([^/]+)/.exec(path);
  if (gw) { g.set('projectNumber', gw[1], 'Connect gateway URL'); g.set('membership', gw[2], 'Connect gateway URL'); }
}

/** The identity fields the kubeconfig (and the issuer, when known) reveal for `platform`. */
export function extractIdentity(platform: Platform, i: DetectInput): IdentityGuess {
  const g = new Guess();
  g.g.hints.serverHost = hostOf(i.server);
  if (platform === 'eks') eks(i, g);
  else if (platform === 'aks') aks(i, g);
  else if (platform === 'gke') gke(i, g);
  return g.g;
}
