/**
 * Single-value rules (SPEC §3; research/gcp-api.md §2): each returns undefined when the value is fine, or
 * `{rule, message}` saying the rule in plain words with the offending value. validate.ts names the input.
 */
export interface Violation {
  rule: string;
  message: string;
  hint?: string;
}
type Rule = (v: string) => Violation | undefined;

const q = (v: unknown) => JSON.stringify(v);

/** Pool or provider ID: 4–32 of [a-z0-9-], starts with a letter, no trailing hyphen, no `gcp-` prefix. */
function resourceId(what: 'pool' | 'provider'): Rule {
  return (v) => {
    const broken: string[] = [];
    let rule = '';
    const add = (r: string, m: string) => { rule ||= `${what}-id.${r}`; broken.push(m); };
    if (v.length < 4 || v.length > 32) add('length', `be 4–32 characters (it has ${v.length})`);
    if (!/^[a-z0-9-]*$/.test(v)) add('charset', 'contain only lowercase letters, digits and hyphens');
    if (!/^[a-z]/.test(v)) add('start', 'start with a letter');
    if (v.endsWith('-')) add('end', 'not end with a hyphen');
    if (v.startsWith('gcp-')) add('reserved', "not start with 'gcp-' (reserved by Google)");
    if (!rule) return undefined;
    const hint = v.includes('/') ? `Pass the ${what} ID only, not its resource name.` : `Example: ${what === 'pool' ? 'k8s-pool' : 'my-cluster'}.`;
    return { rule, message: `${what} ID ${q(v)} must ${broken.join(', ')}`, hint };
  };
}
export const poolId = resourceId('pool');
export const providerId = resourceId('provider');

/** Pool/provider display name: at most 32 characters. */
export const displayName: Rule = (v) =>
  [...v].length > 32 ? { rule: 'display-name.length', message: `display name ${q(v)} is ${[...v].length} characters; Google allows at most 32` } : undefined;
/** Pool/provider description: at most 256 characters. */
export const description: Rule = (v) =>
  [...v].length > 256 ? { rule: 'description.length', message: `description is ${[...v].length} characters; Google allows at most 256` } : undefined;

/** Project ID: 6–30 of [a-z0-9-], starts with a letter, does not end with a hyphen (optional `domain:` prefix). */
export const projectId: Rule = (v) =>
  /^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(v)
    ? undefined
    : { rule: 'project-id.pattern', message: `project ID ${q(v)} must be 6–30 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen`, hint: 'Pass the project ID (e.g. my-project-123), not its name or number.' };

/** Project number: digits only, no leading zero. */
export const projectNumber: Rule = (v) =>
  /^[1-9][0-9]{0,18}$/.test(v) ? undefined : { rule: 'project-number.digits', message: `project number ${q(v)} must be digits only (e.g. 123456789012)`, hint: 'gcloud projects describe PROJECT_ID --format="value(projectNumber)"' };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes namespace: a DNS-1123 label (≤63, lowercase alphanumerics and '-', alphanumeric at both ends). */
export const namespace: Rule = (v) =>
  v.length <= 63 && DNS_LABEL.test(v) ? undefined : { rule: 'namespace.dns1123-label', message: `namespace ${q(v)} is not a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit)` };

/** Kubernetes ServiceAccount name: a DNS-1123 subdomain (≤253, dot-separated labels). */
export const ksaName: Rule = (v) =>
  v.length <= 253 && v.split('.').every((l) => l.length <= 63 && DNS_LABEL.test(l)) ? undefined
    : { rule: 'ksa.dns1123-subdomain', message: `service account name ${q(v)} is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253)` };

/** `NS/NAME`: both parts valid. */
export function ksaRef(v: string): Violation | undefined {
  const m = /^([^/]*)\/([^/]*)$/.exec(v);
  if (!m) return { rule: 'ksa.format', message: `${q(v)} is not NAMESPACE/NAME (e.g. backend/api)` };
  return namespace(m[1]) ?? ksaName(m[2]);
}

/** A Google service-account email; user-managed ones are ACCOUNT@PROJECT.iam.gserviceaccount.com (ACCOUNT 6–30). */
export const serviceAccountEmail: Rule = (v) => {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) return { rule: 'email.format', message: `${q(v)} is not an email address`, hint: 'e.g. app@my-project.iam.gserviceaccount.com' };
  const m = /^([^@]+)@([^@.]+)\.iam\.gserviceaccount\.com$/.exec(v);
  if (m && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(m[1])) {
    return { rule: 'email.service-account-id', message: `service account ID ${q(m[1])} in ${q(v)} must be 6–30 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen` };
  }
  return undefined;
};

const ROLE_ID = '[a-zA-Z0-9_.]{3,64}';
/** `roles/NAME` (predefined or basic), `projects/P/roles/X` or `organizations/O/roles/X` (custom). */
export const role: Rule = (v) =>
  new RegExp(`^(roles/[a-zA-Z0-9_.]+|projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/roles/${ROLE_ID}|organizations/[0-9]+/roles/${ROLE_ID})$`).test(v) ? undefined
    : { rule: 'role.format', message: `role ${q(v)} must be roles/NAME (e.g. roles/storage.objectViewer), projects/PROJECT/roles/ID or organizations/ORG/roles/ID` };

/** `projects/ID` or `serviceAccounts/EMAIL`. */
export const resource: Rule = (v) => {
  const p = /^projects\/(.*)$/.exec(v);
  if (p) return projectId(p[1]) && { rule: 'resource.project', message: `resource ${q(v)}: ${projectId(p[1])!.message}` };
  const s = /^serviceAccounts\/(.*)$/.exec(v);
  if (s) return serviceAccountEmail(s[1]) && { rule: 'resource.service-account', message: `resource ${q(v)}: ${serviceAccountEmail(s[1])!.message}` };
  return { rule: 'resource.format', message: `resource ${q(v)} must be projects/PROJECT_ID or serviceAccounts/EMAIL` };
};

/** OIDC issuer: an absolute https URL with a host and no query or fragment (Google: "The scheme must be https."). */
export const issuer: Rule = (v) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return { rule: 'issuer.url', message: `issuer ${q(v)} is not an absolute URL (Google: "Invalid OIDC issuer URI.")`, hint: 'Pass the cluster\'s issuer exactly as in its tokens\' iss claim, e.g. https://oidc.example.com/cluster.' };
  }
  if (u.protocol !== 'https:') return { rule: 'issuer.https', message: `issuer ${q(v)} must use https (Google: "The scheme must be https.")` };
  if (!u.hostname) return { rule: 'issuer.host', message: `issuer ${q(v)} has no host` };
  if (u.search || u.hash || /[?#]/.test(v)) return { rule: 'issuer.query', message: `issuer ${q(v)} must not have a query or fragment` };
  return undefined;
};

/** One allowed audience: non-empty, at most 256 characters. */
export const audience: Rule = (v) =>
  !v ? { rule: 'audience.empty', message: 'an allowed audience must not be empty' }
    : v.length > 256 ? { rule: 'audience.length', message: `allowed audience ${q(v.slice(0, 40) + '…')} is ${v.length} characters; Google allows at most 256` } : undefined;

/** Projected token path: an absolute file path (no trailing slash, no `..`). */
export const tokenPath: Rule = (v) =>
  v.startsWith('/') && !v.endsWith('/') && !v.split('/').includes('..') ? undefined
    : { rule: 'token-path.absolute', message: `token path ${q(v)} must be an absolute file path inside the pod (e.g. /var/run/service-account/token)` };

const MAX_EXPIRATION = 2 ** 32;
/** Projected token `expirationSeconds`: an integer, at least 600 (kube-apiserver's minimum), at most 2^32. */
export function tokenExpiration(v: number | string): Violation | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v)) return { rule: 'token-expiration.integer', message: `token expiration ${q(v)} must be a whole number of seconds` };
  if (v < 600 || v > MAX_EXPIRATION) return { rule: 'token-expiration.range', message: `token expiration ${v} must be between 600 (Kubernetes' minimum) and ${MAX_EXPIRATION} seconds` };
  return undefined;
}

/** Impersonated access-token lifetime: 600–43200 s (over 3600 needs the org policy). */
export function tokenLifetime(v: number | string): Violation | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v)) return { rule: 'token-lifetime.integer', message: `token lifetime ${q(v)} must be a whole number of seconds` };
  if (v < 600 || v > 43200) {
    return { rule: 'token-lifetime.range', message: `token lifetime ${v} must be between 600 and 43200 seconds`, hint: 'Over 3600 s also needs the org policy constraints/iam.allowServiceAccountCredentialLifetimeExtension.' };
  }
  return undefined;
}
