import { isPrivateIp } from './detect.js';

/**
 * PURE: can Google fetch `ISSUER/.well-known/openid-configuration` and the JWKS it names? If not, the
 * provider needs the JWKS uploaded (`--jwk-json-path`; research/k8s-clouds.md §7, gcp-api.md). Rules:
 * plain http, in-cluster names (kubernetes.default.svc*, *.svc, *.cluster.local), single-label and
 * private-zone names (.local, .internal, .lan, .home.arpa…), private/loopback/link-local/CGNAT IPs and
 * non-standard ports all mean "not publicly reachable". A public-looking name is assumed reachable: this is
 * a static judgement, not a network probe.
 */
export interface IssuerAssessment {
  issuer: string;
  publiclyReachable: boolean;
  /** Why Google cannot reach it (empty when reachable). */
  reasons: string[];
  /** Problems that make the issuer unusable for a provider at all (bad URL, query, fragment). */
  invalid: string[];
}

const PRIVATE_SUFFIXES = ['.svc', '.cluster.local', '.local', '.localdomain', '.internal', '.intranet', '.lan', '.home', '.home.arpa', '.corp', '.private', '.test', '.example', '.invalid', '.localhost'];

function hostReasons(host: string): string[] {
  const h = host.replace(/\.$/, '');
  if (/^kubernetes(\.default)?(\.svc)?(\.|$)/.test(h)) return [`${h} is the in-cluster API server name (kubernetes.default.svc…), only resolvable inside the cluster`];
  if (h === 'localhost') return ['localhost is the machine itself'];
  const suffix = PRIVATE_SUFFIXES.find((s) => h.endsWith(s));
  if (suffix) return [`${h} is in a private DNS zone (*${suffix})`];
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':')) {
    return isPrivateIp(h) ? [`${h} is a private, loopback or link-local address`] : [];
  }
  if (!h.includes('.')) return [`${h} is a single-label host name, not resolvable on the internet`];
  return [];
}

/** Judge whether Google can reach `issuer` (see module doc). */
export function assessIssuer(issuer: string): IssuerAssessment {
  const out: IssuerAssessment = { issuer, publiclyReachable: false, reasons: [], invalid: [] };
  let u: URL;
  try {
    u = new URL(issuer);
  } catch {
    out.invalid.push(`"${issuer}" is not a URL`);
    out.reasons.push('not a URL');
    return out;
  }
  if (u.protocol !== 'https:') {
    out.reasons.push(`${u.protocol.replace(':', '')}:// is not fetched by Google (https only)`);
    if (u.protocol !== 'http:') out.invalid.push(`scheme ${u.protocol} (an issuer must be https)`);
  }
  if (u.search) out.invalid.push('an issuer must not have a query string');
  if (u.hash) out.invalid.push('an issuer must not have a fragment');
  if (u.username || u.password) out.invalid.push('an issuer must not carry credentials');
  if (u.port && u.port !== '443') out.reasons.push(`port ${u.port} is non-standard (Google fetches discovery over port 443)`);
  out.reasons.push(...hostReasons(u.hostname.replace(/^\[|\]$/g, '').toLowerCase()));
  out.publiclyReachable = out.reasons.length === 0 && out.invalid.length === 0;
  return out;
}

/** The JWKS must be uploaded to the provider exactly when Google cannot reach the issuer. */
export function jwksUploadRequired(issuer: string): boolean {
  return !assessIssuer(issuer).publiclyReachable;
}

/** Something detection found: an error fails the command (exit 1), a warning is reported only. */
export interface Finding {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  hint?: string;
}

/** One cross-check and its outcome, for the report. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface IssuerSources {
  /** `iss` of a token the cluster just minted: what Google will see. */
  token?: string;
  /** `issuer` of the cluster's /.well-known/openid-configuration. */
  discovery?: string;
  /** What the cloud API says (EKS identity.oidc.issuer, AKS oidcIssuerProfile.issuerURL, GKE's documented form). */
  cloud?: string;
  /** e.g. `EKS DescribeCluster`. */
  cloudLabel?: string;
}

function differ(a: string, b: string): string {
  return a.replace(/\/$/, '') === b.replace(/\/$/, '') ? ' (they differ only by a trailing slash, and Google compares them byte for byte)' : '';
}

/**
 * PURE: the issuer, and whether its sources agree. The token's `iss` wins (it is what STS checks against the
 * provider's issuer-uri, byte for byte), then discovery, then the cloud API. Disagreements are errors.
 */
export function reconcileIssuers(s: IssuerSources): { issuer?: string; findings: Finding[]; checks: Check[] } {
  const findings: Finding[] = [];
  const checks: Check[] = [];
  const cluster = s.token ?? s.discovery;
  if (s.token && s.discovery) {
    const ok = s.token === s.discovery;
    checks.push({ name: 'discovery issuer = token iss', ok, detail: ok ? s.token : `discovery says ${s.discovery}, a fresh token says ${s.token}` });
    if (!ok) findings.push({ severity: 'error', code: 'cluster.issuer.mismatch', message: `The cluster's discovery issuer ${s.discovery} differs from the iss of the tokens it mints, ${s.token}${differ(s.token, s.discovery)}.`, hint: `Use the token's iss as the provider's issuer (--issuer-uri ${s.token}), and make the API server's first --service-account-issuer match what it publishes.` });
  }
  if (s.cloud && cluster) {
    const ok = s.cloud === cluster;
    checks.push({ name: `${s.cloudLabel ?? 'cloud API'} issuer = cluster issuer`, ok, detail: ok ? s.cloud : `${s.cloudLabel ?? 'the cloud API'} says ${s.cloud}, the cluster says ${cluster}` });
    if (!ok) findings.push({ severity: 'error', code: 'cluster.issuer.cloud-mismatch', message: `${s.cloudLabel ?? 'The cloud API'} reports issuer ${s.cloud} but the cluster issues tokens with ${cluster}${differ(s.cloud, cluster)}.`, hint: 'Check that the kubeconfig context points at the cluster the cloud API describes (same name, region/subscription/project).' });
  }
  const issuer = cluster ?? s.cloud;
  if (!issuer) findings.push({ severity: 'error', code: 'cluster.issuer.unknown', message: 'Could not learn the service-account issuer from the cluster or the cloud API.', hint: 'Fix the errors above, or pass --issuer-uri (and --jwks-file for a private issuer).' });
  return { issuer, findings, checks };
}
