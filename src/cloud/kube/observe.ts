import { isAbsolute, resolve } from 'node:path';
import type { Logger } from '../../core/log.js';
import { classify, type Classification, type DetectInput, type Evidence, type Platform } from '../../plan/detect.js';
import { extractIdentity, type IdentityGuess } from '../../plan/detect-identity.js';
import { assessIssuer, reconcileIssuers, type Check, type Finding, type IssuerAssessment } from '../../plan/issuer.js';
import { jwksProblems } from '../../plan/jwks.js';
import { lookupCloud, type CloudFacts } from './cloud-lookup.js';
import { DISCOVERY_PATH, DISCOVERY_RBAC_HINT, JWKS_PATH, readClusterOidc, type ClusterReads } from './discovery.js';
import type { KubeError } from './errors.js';
import { Kubectl } from './kubectl.js';
import { loadKubeconfig, resolveContext, type KubeContext } from './kubeconfig.js';

/**
 * The cluster-facing library every command uses (detect, init, verify, doctor, jwks): resolve the kubeconfig
 * context, read the cluster's own discovery/JWKS/version/token concurrently, classify the platform from every
 * signal, ask the platform's API, and reconcile the issuer. Read-only. Returns findings instead of throwing
 * for anything short of "no such context" / "cannot talk to the cluster at all".
 */
export interface ObserveOptions {
  context?: string;
  kubeconfig?: string;
  platform?: Platform;
  env: Record<string, string | undefined>;
  cwd: string;
  accessTokenFile?: string;
  /** Ask the cloud API (default true). */
  cloud?: boolean;
  signal?: AbortSignal;
  log?: Pick<Logger, 'debug'>;
}

export interface ClusterObservation {
  context: string;
  server?: string;
  kubeconfigFiles: string[];
  platform: Platform;
  classification: Classification;
  /** Identity fields (EKS name/region/accountId, AKS subscriptionId/resourceGroup/name, GKE projectId/location/name/workloadPool). */
  cluster: Record<string, string>;
  identitySources: Record<string, string>;
  gitVersion?: string;
  issuer?: string;
  issuerSources: { token?: string; discovery?: string; cloud?: string; cloudLabel?: string };
  assessment?: IssuerAssessment;
  jwksUploadRequired: boolean;
  jwks?: { keys: Record<string, unknown>[] };
  checks: Check[];
  findings: Finding[];
  /** For later commands: kubectl bound to the same context/kubeconfig. */
  kubectl: Kubectl;
}

/** The classification input a kubeconfig context gives (before the server is asked). */
export function detectInputOf(k: KubeContext): DetectInput {
  return { contextName: k.contextName, clusterName: k.clusterName, userName: k.userName, server: k.server, tlsServerName: k.tlsServerName, exec: k.exec, authProvider: k.authProvider };
}

const noCloud = async (): Promise<CloudFacts> => ({ identity: {}, findings: [] });

/** Observe the cluster of `o.context` (see module doc). */
export async function observeCluster(o: ObserveOptions): Promise<ClusterObservation> {
  const kubeconfig = o.kubeconfig && !isAbsolute(o.kubeconfig) ? resolve(o.cwd, o.kubeconfig) : o.kubeconfig;
  const kc = await loadKubeconfig(kubeconfig, o.env, o.cwd);
  const kctx = resolveContext(kc, o.context);
  const kubectl = new Kubectl({ context: kctx.contextName, kubeconfig, env: o.env, cwd: o.cwd, signal: o.signal, log: o.log });
  const cloudOpts = { env: o.env, accessTokenFile: o.accessTokenFile, signal: o.signal };
  const cloudFor = (c: Classification, g: IdentityGuess) => (o.cloud === false ? noCloud() : lookupCloud(c.platform, g, cloudOpts));

  // Start the cloud lookup from the kubeconfig alone while kubectl reads the cluster; redo it only if the
  // server's answers change the platform or the identity.
  const staticIn = detectInputOf(kctx);
  const first = classify(staticIn, o.platform);
  const firstGuess = extractIdentity(first.platform, staticIn);
  const early = first.confidence !== 'low' ? cloudFor(first, firstGuess) : undefined;
  early?.catch(() => undefined);

  // API groups only tell self-hosted distributions apart: skip that read when the kubeconfig is clearly a cloud.
  const reads = await readClusterOidc(kubectl, { apiGroups: !(first.confidence === 'high' && first.platform !== 'self-hosted') });
  const input: DetectInput = { ...staticIn, gitVersion: reads.gitVersion, apiGroups: reads.apiGroups, issuer: reads.tokenIssuer ?? reads.discovery?.issuer };
  const cls = classify(input, o.platform);
  const guess = extractIdentity(cls.platform, input);
  const same = early && cls.platform === first.platform && JSON.stringify(guess.identity) === JSON.stringify(firstGuess.identity);
  const facts = same ? await early : await cloudFor(cls, guess);
  return assemble(kctx, kc.files, kubectl, cls, guess, reads, facts);
}

function assemble(kctx: KubeContext, files: string[], kubectl: Kubectl, cls: Classification, guess: IdentityGuess, reads: ClusterReads, facts: CloudFacts): ClusterObservation {
  const rec = reconcileIssuers({ token: reads.tokenIssuer, discovery: reads.discovery?.issuer, cloud: facts.issuer, cloudLabel: facts.source });
  const assessment = rec.issuer ? assessIssuer(rec.issuer) : undefined;
  const jwksUploadRequired = assessment ? !assessment.publiclyReachable : true;
  const checks = [...rec.checks];
  const findings = [...facts.findings, ...rec.findings, ...readFindings(reads, jwksUploadRequired), ...jwksFindings(reads, jwksUploadRequired, checks)];
  if (assessment?.invalid.length) findings.push({ severity: 'error', code: 'cluster.issuer.invalid', message: `The issuer ${rec.issuer} cannot be used by a provider: ${assessment.invalid.join('; ')}.`, hint: "Set the API server's --service-account-issuer to an https URL." });
  return {
    context: kctx.contextName, server: kctx.server, kubeconfigFiles: files, platform: cls.platform, classification: cls,
    cluster: { ...guess.identity, ...facts.identity }, identitySources: { ...guess.sources, ...Object.fromEntries(Object.keys(facts.identity).map((k) => [k, facts.source ?? 'cloud API'])) },
    gitVersion: reads.gitVersion, issuer: rec.issuer,
    issuerSources: { token: reads.tokenIssuer, discovery: reads.discovery?.issuer, cloud: facts.issuer, cloudLabel: facts.source },
    assessment, jwksUploadRequired, jwks: reads.jwks, checks, findings, kubectl,
  };
}

function readFinding(e: KubeError, paths: string, needed: boolean): Finding {
  const severity = needed ? 'error' : 'warning';
  if (e.reason === 'Forbidden') return { severity, code: 'kube.discovery.forbidden', message: `The cluster refused GET ${paths} (403 Forbidden) for your user.`, hint: DISCOVERY_RBAC_HINT };
  if (e.reason === 'NotFound') return { severity, code: 'kube.discovery.not-served', message: `The cluster does not serve ${paths} (404): service-account issuer discovery is off.`, hint: 'Set the API server\'s --service-account-issuer to an https URL (Kubernetes ≥1.21 then serves discovery), or pass --issuer-uri and --jwks-file.' };
  return { severity, code: e.code, message: e.message, hint: e.hint };
}

/** Discovery is needed when no token gave the issuer; the JWKS when it must be uploaded. Same failure twice = one finding. */
function readFindings(r: ClusterReads, uploadRequired: boolean): Finding[] {
  const out: Finding[] = [];
  const d = r.errors.discovery;
  const j = r.errors.jwks;
  if (d && j && d.reason === j.reason) out.push(readFinding(d, `${DISCOVERY_PATH} and ${JWKS_PATH}`, !r.tokenIssuer || uploadRequired));
  else {
    if (d) out.push(readFinding(d, DISCOVERY_PATH, !r.tokenIssuer));
    if (j) out.push(readFinding(j, JWKS_PATH, uploadRequired));
  }
  const t = r.errors.token;
  if (t) {
    const forbidden = t.reason === 'Forbidden';
    out.push({ severity: 'warning', code: forbidden ? 'kube.token.forbidden' : t.code, message: `Could not mint a test token for default/default to cross-check the issuer: ${t.message}`,
      hint: forbidden ? 'Allow `create` on serviceaccounts/token in namespace default for your user (the discovery issuer is used meanwhile).' : t.hint });
  }
  return out;
}

function jwksFindings(r: ClusterReads, uploadRequired: boolean, checks: Check[]): Finding[] {
  if (!r.jwks) return [];
  const problems = jwksProblems(r.jwks);
  const kids = r.jwks.keys?.map((k) => String(k.kid ?? '?')) ?? [];
  checks.push({ name: 'JWKS keys accepted by Google', ok: !problems.length, detail: problems.length ? problems.join('; ') : `${kids.length} key(s): ${kids.join(', ')}` });
  if (!problems.length) return [];
  return [{ severity: uploadRequired ? 'error' : 'warning', code: 'cluster.jwks.unsupported', message: `The cluster's JWKS cannot be uploaded to Google as is: ${problems.join('; ')}.`, hint: 'Sign service-account tokens with an RSA or EC P-256 key (--service-account-signing-key-file).' }];
}

export type { Evidence };
