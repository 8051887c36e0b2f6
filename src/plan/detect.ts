/**
 * PURE platform classification (research/k8s-clouds.md §4.3, §5.4, §6.1, §7). Every signal the kubeconfig and
 * the server give is recorded as weighted evidence; signals of one kind (host, auth, naming, version, api
 * groups, issuer) count once per platform (their strongest weight), so three names spelling the same ARN do
 * not outvote the server's /version. No evidence for a cloud means self-hosted.
 */
export type Platform = 'aks' | 'eks' | 'gke' | 'self-hosted';
export const PLATFORM_NAMES: readonly Platform[] = ['aks', 'eks', 'gke', 'self-hosted'];

export type Signal =
  | 'server-host' | 'tls-server-name' | 'exec-command' | 'auth-provider' | 'context-name' | 'cluster-name' | 'user-name'
  | 'server-version' | 'api-groups' | 'issuer' | 'override';

export interface Evidence {
  signal: Signal;
  /** The observed value (a host, a command line, a name; never a credential). */
  value: string;
  platform: Platform;
  /** 0–1: how strongly this signal alone points at `platform`. */
  weight: number;
  detail: string;
  /** Self-hosted flavour (k3s, rke2, openshift, kind, kubeadm, rancher, minikube…). */
  distribution?: string;
}

/** What classification looks at: the resolved kubeconfig context plus what the server answered. */
export interface DetectInput {
  contextName: string;
  clusterName: string;
  userName: string;
  server?: string;
  tlsServerName?: string;
  exec?: { command: string; args: string[]; env: { name: string; value: string }[] };
  authProvider?: string;
  gitVersion?: string;
  apiGroups?: string[];
  issuer?: string;
}

export type Confidence = 'high' | 'medium' | 'low';

export interface Classification {
  platform: Platform;
  confidence: Confidence;
  /** Per platform: the sum over signal kinds of the strongest weight. */
  scores: Record<Platform, number>;
  evidence: Evidence[];
  distribution?: string;
}

const GROUP: Record<Signal, string> = {
  'server-host': 'host', 'tls-server-name': 'host', 'exec-command': 'auth', 'auth-provider': 'auth', 'context-name': 'naming',
  'cluster-name': 'naming', 'user-name': 'naming', 'server-version': 'version', 'api-groups': 'api-groups', issuer: 'issuer', override: 'override',
};

export const EKS_ARN = /^arn:aws[a-z-]*:eks:([a-z0-9-]+):(\d{12}):cluster\/(.+)$/;
export const GKE_NAME = /^gke_((?:[a-z0-9.-]+:)?[a-z][a-z0-9-]*)_([a-z]+-[a-z]+\d+(?:-[a-z])?)_(.+)$/;
export const AKS_USER = /^cluster(User|Admin)_(.+)$/;
export const EKSCTL_NAME = /^(?:[^@]+@)?([^.@]+)\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.eksctl\.io$/;

interface HostRule { re: RegExp; platform: Platform; weight: number; detail: string; distribution?: string }
const HOST_RULES: HostRule[] = [
  { re: /\.eks\.amazonaws\.com(\.cn)?$/i, platform: 'eks', weight: 0.9, detail: 'EKS API endpoint (*.eks.amazonaws.com)' },
  { re: /\.privatelink\.[a-z0-9]+\.azmk8s\.io$/i, platform: 'aks', weight: 0.9, detail: 'AKS private cluster endpoint (*.privatelink.REGION.azmk8s.io)' },
  { re: /\.azmk8s\.io$|\.azk8s\.cn$|\.containerservice\.azure\.us$/i, platform: 'aks', weight: 0.9, detail: 'AKS API endpoint (*.azmk8s.io)' },
  { re: /\.gke\.goog$/i, platform: 'gke', weight: 0.9, detail: 'GKE DNS endpoint (*.gke.goog)' },
  { re: /^connectgateway\.googleapis\.com$/i, platform: 'gke', weight: 0.6, detail: 'GKE fleet Connect gateway' },
  { re: /\.openshiftapps\.com$|\.aroapp\.io$/i, platform: 'self-hosted', weight: 0.7, detail: 'managed OpenShift API endpoint (ROSA/ARO)', distribution: 'openshift' },
];

function urlParts(s: string | undefined): { host: string; port: string; path: string } | undefined {
  if (!s) return undefined;
  try {
    const u = new URL(/^[a-z]+:\/\//i.test(s) ? s : `https://${s}`);
    return { host: u.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port: u.port, path: u.pathname };
  } catch {
    return undefined;
  }
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}
/** Loopback, RFC 1918, CGNAT, link-local (v4) and loopback/ULA/link-local (v6). */
export function isPrivateIp(host: string): boolean {
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    return a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  const h = host.toLowerCase();
  return h === '::1' || h === '::' || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h) || h.startsWith('::ffff:127.') || h.startsWith('::ffff:10.');
}

function hostEvidence(value: string | undefined, signal: 'server-host' | 'tls-server-name'): Evidence[] {
  const p = urlParts(value);
  if (!p) return [];
  const out: Evidence[] = [];
  const w = signal === 'tls-server-name' ? 0.9 : 1;
  for (const r of HOST_RULES) {
    if (r.re.test(p.host)) { out.push({ signal, value: p.host, platform: r.platform, weight: r.weight * w, detail: r.detail, distribution: r.distribution }); break; }
  }
  if (signal === 'server-host') out.push(...serverShapeEvidence(p));
  return out;
}

function serverShapeEvidence(p: { host: string; port: string; path: string }): Evidence[] {
  const out: Evidence[] = [];
  const rancher = /^\/k8s\/clusters\/(c-[a-z0-9-]+|local)/.exec(p.path);
  if (rancher) out.push({ signal: 'server-host', value: `${p.host}${rancher[0]}`, platform: 'self-hosted', weight: 0.3, detail: `Rancher proxy URL (downstream cluster ${rancher[1]}; /version tells the real platform)`, distribution: 'rancher' });
  if (/^api\.[^.]+\..+/.test(p.host) && p.port === '6443') out.push({ signal: 'server-host', value: `${p.host}:6443`, platform: 'self-hosted', weight: 0.4, detail: 'OpenShift-style API endpoint (api.CLUSTER.DOMAIN:6443)', distribution: 'openshift' });
  if (isIp(p.host) && isPrivateIp(p.host)) out.push({ signal: 'server-host', value: p.host, platform: 'self-hosted', weight: 0.2, detail: 'private or loopback API address (local cluster, tunnel or private endpoint)' });
  return out;
}

const base = (cmd: string) => cmd.split(/[\\/]/).pop()!.replace(/\.(exe|cmd|bat)$/i, '');

function execEvidence(i: DetectInput): Evidence[] {
  const out: Evidence[] = [];
  if (i.exec) {
    const cmd = base(i.exec.command);
    const line = [cmd, ...i.exec.args].join(' ');
    const args = i.exec.args;
    if (cmd === 'aws' && args.includes('eks') && args.includes('get-token')) out.push({ signal: 'exec-command', value: line, platform: 'eks', weight: 0.8, detail: 'exec plugin `aws eks get-token`' });
    else if (cmd === 'aws-iam-authenticator') out.push({ signal: 'exec-command', value: line, platform: 'eks', weight: 0.8, detail: 'exec plugin aws-iam-authenticator' });
    else if (cmd === 'kubelogin') out.push({ signal: 'exec-command', value: line, platform: 'aks', weight: args.includes('6dae42f8-4368-4678-94ff-3960e28e3630') ? 0.8 : 0.6, detail: 'exec plugin kubelogin (Entra ID)' });
    else if (cmd === 'gke-gcloud-auth-plugin') out.push({ signal: 'exec-command', value: line, platform: 'gke', weight: 0.8, detail: 'exec plugin gke-gcloud-auth-plugin' });
    else if (cmd === 'aws') out.push({ signal: 'exec-command', value: line, platform: 'eks', weight: 0.3, detail: 'exec plugin aws (not `eks get-token`)' });
  }
  if (i.authProvider === 'gcp') out.push({ signal: 'auth-provider', value: 'gcp', platform: 'gke', weight: 0.7, detail: 'legacy auth-provider gcp' });
  if (i.authProvider === 'azure') out.push({ signal: 'auth-provider', value: 'azure', platform: 'aks', weight: 0.7, detail: 'legacy auth-provider azure' });
  return out;
}

function nameEvidence(value: string, signal: 'context-name' | 'cluster-name' | 'user-name'): Evidence[] {
  if (!value) return [];
  const e = (platform: Platform, weight: number, detail: string, distribution?: string): Evidence[] => [{ signal, value, platform, weight, detail, distribution }];
  if (EKS_ARN.test(value)) return e('eks', 0.9, 'EKS cluster ARN (arn:aws:eks:REGION:ACCOUNT:cluster/NAME)');
  if (EKSCTL_NAME.test(value)) return e('eks', 0.8, 'eksctl naming (NAME.REGION.eksctl.io)');
  if (GKE_NAME.test(value)) return e('gke', 0.9, 'gcloud naming (gke_PROJECT_LOCATION_NAME)');
  if (AKS_USER.test(value)) return e('aks', signal === 'user-name' ? 0.8 : 0.5, 'az aks get-credentials user naming (clusterUser_RG_NAME / clusterAdmin_RG_NAME)');
  if (/^kind-/.test(value)) return e('self-hosted', 0.6, 'kind naming (kind-NAME)', 'kind');
  if (/^(minikube|docker-desktop|docker-for-desktop|rancher-desktop|colima|orbstack|microk8s)$/.test(value)) return e('self-hosted', 0.6, `local distribution naming (${value})`, value);
  if (/^(kubernetes-admin@kubernetes|kubernetes-admin|kubernetes)$/.test(value)) return e('self-hosted', 0.4, 'kubeadm naming (kubernetes-admin@kubernetes)', 'kubeadm');
  if (/^admin@[a-z0-9-]+$/.test(value) && signal === 'context-name') return e('self-hosted', 0.2, 'admin@NAME naming (talosctl, k0s)');
  if (/^[^/]+\/api-[a-z0-9-]+:\d+\/.+$/.test(value)) return e('self-hosted', 0.6, 'oc login naming (NAMESPACE/api-CLUSTER-DOMAIN:PORT/USER)', 'openshift');
  if (/^api-[a-z0-9-]+:\d+$/.test(value)) return e('self-hosted', 0.5, 'oc login cluster naming (api-CLUSTER-DOMAIN:PORT)', 'openshift');
  return [];
}

function versionEvidence(v: string | undefined): Evidence[] {
  if (!v) return [];
  const e = (platform: Platform, detail: string, distribution?: string): Evidence[] => [{ signal: 'server-version', value: v, platform, weight: 0.9, detail, distribution }];
  if (/-eks-/.test(v)) return e('eks', 'server version carries -eks-');
  if (/-gke\./.test(v)) return e('gke', 'server version carries -gke.');
  if (/\+k3s/.test(v)) return e('self-hosted', 'server version carries +k3s', 'k3s');
  if (/\+rke2/.test(v)) return e('self-hosted', 'server version carries +rke2', 'rke2');
  if (/-mirantis|\+vmware|-tke\.|-aliyun|-linode/.test(v)) return [{ signal: 'server-version', value: v, platform: 'self-hosted', weight: 0.5, detail: 'server version of another Kubernetes distribution' }];
  return [];
}

function groupEvidence(groups: string[] | undefined): Evidence[] {
  if (!groups?.length) return [];
  const has = (g: string) => groups.includes(g);
  if (has('config.openshift.io') || has('route.openshift.io')) return [{ signal: 'api-groups', value: 'config.openshift.io', platform: 'self-hosted', weight: 0.9, detail: 'OpenShift API groups served', distribution: 'openshift' }];
  if (has('networking.gke.io') || has('hub.gke.io') || has('nodemanagement.gke.io')) return [{ signal: 'api-groups', value: 'networking.gke.io', platform: 'gke', weight: 0.5, detail: 'GKE API groups served' }];
  if (has('vpcresources.k8s.aws') || has('crd.k8s.amazonaws.com')) return [{ signal: 'api-groups', value: 'vpcresources.k8s.aws', platform: 'eks', weight: 0.5, detail: 'EKS API groups served' }];
  if (has('k3s.cattle.io')) return [{ signal: 'api-groups', value: 'k3s.cattle.io', platform: 'self-hosted', weight: 0.7, detail: 'k3s API group served', distribution: 'k3s' }];
  return [];
}

function issuerEvidence(iss: string | undefined): Evidence[] {
  const p = urlParts(iss);
  if (!p || !iss) return [];
  const e = (platform: Platform, weight: number, detail: string): Evidence[] => [{ signal: 'issuer', value: iss, platform, weight, detail }];
  if (/^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(p.host)) return e('eks', 0.9, 'EKS OIDC issuer (oidc.eks.REGION.amazonaws.com)');
  if (/\.oic\.prod-aks\.azure\.com$/.test(p.host)) return e('aks', 0.9, 'AKS OIDC issuer (REGION.oic.prod-aks.azure.com)');
  if (p.host === 'container.googleapis.com' && /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/clusters\/[^/]+/.test(p.path)) return e('gke', 0.9, 'GKE issuer (container.googleapis.com/…/clusters/NAME)');
  if (/^kubernetes\.default\.svc/.test(p.host)) return e('self-hosted', 0.3, 'in-cluster default issuer (kubernetes.default.svc…)');
  return [];
}

/** Every signal in `i`, as evidence. */
export function collectEvidence(i: DetectInput): Evidence[] {
  return [
    ...hostEvidence(i.server, 'server-host'), ...hostEvidence(i.tlsServerName, 'tls-server-name'), ...execEvidence(i),
    ...nameEvidence(i.contextName, 'context-name'), ...nameEvidence(i.clusterName, 'cluster-name'), ...nameEvidence(i.userName, 'user-name'),
    ...versionEvidence(i.gitVersion), ...groupEvidence(i.apiGroups), ...issuerEvidence(i.issuer),
  ];
}

/** Sum, per platform, of the strongest weight of each signal kind. */
export function scoreEvidence(evidence: readonly Evidence[]): Record<Platform, number> {
  const best = new Map<string, number>();
  for (const e of evidence) {
    const k = `${e.platform}|${GROUP[e.signal]}`;
    best.set(k, Math.max(best.get(k) ?? 0, e.weight));
  }
  const scores: Record<Platform, number> = { aks: 0, eks: 0, gke: 0, 'self-hosted': 0 };
  for (const [k, w] of best) scores[k.split('|')[0] as Platform] += w;
  for (const p of PLATFORM_NAMES) scores[p] = Math.round(scores[p] * 100) / 100;
  return scores;
}

/**
 * Classify: the highest score wins (self-hosted when nothing points at a cloud). Confidence is high with
 * two independent strong signals (or one strong and no contradiction), medium with one, low otherwise.
 * `override` (`--platform`) wins over everything and is recorded as evidence.
 */
export function classify(i: DetectInput, override?: Platform): Classification {
  const evidence = collectEvidence(i);
  const scores = scoreEvidence(evidence);
  const ranked = [...PLATFORM_NAMES].sort((a, b) => scores[b] - scores[a] || (a === 'self-hosted' ? 1 : b === 'self-hosted' ? -1 : 0));
  const detected: Platform = scores[ranked[0]] > 0 ? ranked[0] : 'self-hosted';
  const w = scores[detected];
  const rival = Math.max(...PLATFORM_NAMES.filter((p) => p !== detected).map((p) => scores[p]));
  let confidence: Confidence = 'low';
  if ((w >= 1.5 && rival < w / 2) || (w >= 0.8 && rival === 0)) confidence = 'high';
  else if (w >= 0.5 && rival < w) confidence = 'medium';
  const distribution = evidence.filter((e) => e.platform === 'self-hosted' && e.distribution).sort((a, b) => b.weight - a.weight)[0]?.distribution;
  if (override) {
    evidence.push({ signal: 'override', value: override, platform: override, weight: 1, detail: `--platform ${override} (detected: ${detected}, ${confidence} confidence)` });
    return { platform: override, confidence: 'high', scores, evidence, distribution: override === 'self-hosted' ? distribution : undefined };
  }
  return { platform: detected, confidence, scores, evidence, distribution: detected === 'self-hosted' ? distribution : undefined };
}
