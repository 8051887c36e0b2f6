import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Problem } from '../core/errors.js';
import { PLATFORMS } from '../model/config-base.js';
import type { KsaRef, Settings } from '../model/settings.js';
import { parseJwks } from './jwks.js';
import * as R from './rules.js';
import { validateCondition, validateMapping } from './validate-identity.js';

export type RequiredField = 'project' | 'projectNumber' | 'pool' | 'provider' | 'issuer' | 'ksa' | 'role' | 'platform';

export interface ValidateDeps {
  /** Directory relative `--jwks-file` paths resolve against (default: process.cwd()). */
  cwd?: string;
  readFile?: (path: string) => string;
}

/** A Problem from a rule violation, named after the input that carried the value. */
export function problem(input: string, v: R.Violation): Problem {
  return { input, rule: v.rule, message: v.message, ...(v.hint ? { hint: v.hint } : {}) };
}

/** Collects problems, labelling each with where the value came from (flag, wif.yaml field or env var). */
export class Problems {
  readonly list: Problem[] = [];
  constructor(private readonly origins: Record<string, string> = {}) {}
  label(key: string, flag: string): string {
    return this.origins[key] ?? flag;
  }
  /** Check `value` (if present) with `rule`; `key` is the Settings path used to find its origin. */
  check<T>(key: string, flag: string, value: T | undefined, rule: (v: T) => R.Violation | undefined): void {
    if (value === undefined || value === null) return;
    const v = rule(value);
    if (v) this.list.push(problem(this.label(key, flag), v));
  }
  add(input: string, rule: string, message: string, hint?: string): void {
    this.list.push({ input, rule, message, ...(hint ? { hint } : {}) });
  }
}

const REQUIRED: Record<RequiredField, [missing: (s: Settings) => boolean, flag: string, what: string, hint: string]> = {
  project: [(s) => !s.project.id, '--project', 'a Google Cloud project ID is required', 'Pass --project ID, set project.id in wif.yaml, or export GOOGLE_CLOUD_PROJECT.'],
  projectNumber: [(s) => !s.project.number, '--project-number', 'the project number is required', 'Pass --project-number N (gcloud projects describe PROJECT_ID --format="value(projectNumber)").'],
  pool: [(s) => !s.pool.id, '--pool', 'a workload identity pool ID is required', 'Pass --pool ID (or run wif init to write wif.yaml).'],
  provider: [(s) => !s.provider.id, '--provider', 'a provider ID is required', 'Pass --provider ID (or run wif init to write wif.yaml).'],
  issuer: [(s) => !s.provider.issuerUri, '--issuer-uri', "the cluster's OIDC issuer is required", 'Pass --issuer-uri URL (wif detect prints it).'],
  ksa: [(s) => !s.access.ksas.length, '--ksa', 'at least one Kubernetes service account is required', 'Pass --ksa NAMESPACE/NAME (repeatable).'],
  role: [(s) => !s.access.roles.length, '--role', 'at least one IAM role is required', 'Pass --role ROLE, e.g. --role roles/storage.objectViewer (repeatable).'],
  platform: [(s) => !s.cluster.platform, '--platform', 'the platform is required', 'Pass --platform aks|eks|gke|self-hosted.'],
};

const ksaCheck = (k: KsaRef | string) => (typeof k === 'string' ? R.ksaRef(k) : R.namespace(k.namespace) ?? R.ksaName(k.name));

function checkIdentity(s: Settings, p: Problems, deps: ValidateDeps): void {
  // GKE: the project's built-in workload pool `PROJECT_ID.svc.id.goog` (grants.ts usesGkeForms) is not a pool ID wif creates.
  const gkePool = s.cluster.platform === 'gke' && /^[a-z][a-z0-9-]{4,28}[a-z0-9]\.svc\.id\.goog$/.test(s.pool.id ?? '');
  if (!gkePool) p.check('pool.id', '--pool', s.pool.id, R.poolId);
  p.check('pool.displayName', '--display-name', s.pool.displayName, R.displayName);
  p.check('pool.description', '--description', s.pool.description, R.description);
  p.check('provider.id', '--provider', s.provider.id, R.providerId);
  p.check('provider.displayName', '--display-name', s.provider.displayName, R.displayName);
  p.check('provider.description', '--description', s.provider.description, R.description);
  p.check('provider.issuerUri', '--issuer-uri', s.provider.issuerUri, R.issuer);
  if (s.cluster.issuer && s.cluster.issuer !== s.provider.issuerUri) p.check('cluster.issuer', 'wif.yaml: cluster.issuer', s.cluster.issuer, R.issuer);
  const auds = s.provider.allowedAudiences;
  const audLabel = p.label('provider.allowedAudiences', '--allowed-audience');
  if (auds.length > 10) p.add(audLabel, 'audiences.count', `${auds.length} allowed audiences given; Google allows at most 10`);
  for (const a of auds) p.check('provider.allowedAudiences', '--allowed-audience', a, R.audience);
  if (s.provider.jwksFile !== undefined) checkJwksFile(s.provider.jwksFile, p, deps);
  validateMapping(s, p);
  validateCondition(s, p);
}

function checkJwksFile(path: string, p: Problems, deps: ValidateDeps): void {
  const full = isAbsolute(path) ? path : resolve(deps.cwd ?? process.cwd(), path);
  let text: string;
  try {
    text = (deps.readFile ?? ((f) => readFileSync(f, 'utf8')))(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    p.add('--jwks-file', 'jwks-file.readable', `cannot read ${JSON.stringify(path)} (${code})`, "Pass the path of the cluster's JWKS, e.g. kubectl get --raw /openid/v1/jwks > jwks.json.");
    return;
  }
  const r = parseJwks(text);
  if (!r.ok) for (const m of r.problems) p.add('--jwks-file', 'jwks.shape', `${JSON.stringify(path)}: ${m}`, 'Upload the JWKS exactly as the cluster serves it at /openid/v1/jwks.');
}

function checkAccess(s: Settings, p: Problems): void {
  for (const k of s.access.ksas) p.check('access.ksas', '--ksa', k, ksaCheck);
  // `--namespace '*'` = every identity in the pool (principalSet://…/*): plan/grants.ts refuses it without --force.
  p.check('access.namespace', '--namespace', s.access.namespace === '*' ? undefined : s.access.namespace, R.namespace);
  for (const r of s.access.roles) p.check('access.roles', '--role', r, R.role);
  p.check('access.resource', '--resource', s.access.resource, R.resource);
  for (const n of s.access.allowNamespaces) p.check('access.allowNamespaces', '--allow-namespace', n, R.namespace);
  for (const k of s.access.allowKsas) p.check('access.allowKsas', '--allow-ksa', k, ksaCheck);
  const sa = s.serviceAccount;
  if (sa) {
    p.check('serviceAccount.email', '--service-account', sa.email, R.serviceAccountEmail);
    if (sa.create && !/\.iam\.gserviceaccount\.com$/.test(sa.email)) {
      p.add(p.label('serviceAccount.email', '--service-account'), 'service-account.create-domain', `${JSON.stringify(sa.email)} cannot be created: only ACCOUNT@PROJECT.iam.gserviceaccount.com accounts can`);
    }
    p.check('serviceAccount.tokenLifetime', '--token-lifetime', sa.tokenLifetime, R.tokenLifetime);
  }
  if (s.tokenLifetimeWithoutServiceAccount !== undefined) {
    p.add('--token-lifetime', 'token-lifetime.needs-service-account', '--token-lifetime only applies to an impersonated service account', 'Add --service-account EMAIL, or drop --token-lifetime.');
  }
}

function checkProjectAndWorkload(s: Settings, p: Problems): void {
  p.check('project.id', '--project', s.project.id, R.projectId);
  p.check('project.number', '--project-number', s.project.number, R.projectNumber);
  const platform = s.cluster.platform;
  if (platform !== undefined && !(PLATFORMS as readonly string[]).includes(platform)) {
    p.add(p.label('cluster.platform', '--platform'), 'platform.value', `platform ${JSON.stringify(platform)} must be one of ${PLATFORMS.join(', ')}`);
  }
  p.check('workload.tokenPath', '--token-path', s.workload.tokenPath, R.tokenPath);
  p.check('workload.tokenExpiration', '--token-expiration', s.workload.tokenExpiration, R.tokenExpiration);
  p.check('workload.namespace', 'wif.yaml: workload.namespace', s.workload.namespace, R.namespace);
  p.check('workload.ksa', 'wif.yaml: workload.ksa', s.workload.ksa, R.ksaName);
}

function checkConfigGrants(s: Settings, p: Problems): void {
  const file = s.origins?.['config.file'] ?? 'wif.yaml';
  (s.config?.grants ?? []).forEach((g, i) => {
    const at = (f: string) => `${file}: grants.${i}.${f}`;
    if (g.ksa !== undefined) { const v = R.ksaRef(g.ksa); if (v) p.list.push(problem(at('ksa'), v)); }
    // '*' is the pool-wide grant `wif grant --namespace '*' --force` records; grants.ts refuses it without --force.
    if (g.namespace !== undefined && g.namespace !== '*') { const v = R.namespace(g.namespace); if (v) p.list.push(problem(at('namespace'), v)); }
    for (const r of g.roles) { const v = R.role(r); if (v) p.list.push(problem(at('roles'), v)); }
    if (g.resource !== undefined) { const v = R.resource(g.resource); if (v) p.list.push(problem(at('resource'), v)); }
    if (g.serviceAccount !== undefined) { const v = R.serviceAccountEmail(g.serviceAccount); if (v) p.list.push(problem(at('serviceAccount'), v)); }
  });
}

/**
 * Validate resolved settings, collecting every problem (SPEC §3) — nothing stops at the first. `required`
 * names the fields the calling command needs; a missing one is a problem naming the flag to pass. Each
 * problem's `input` is the flag, or `wif.yaml: field` / the env var when the value came from there.
 * Reads `--jwks-file` (the only I/O); everything else is pure.
 */
export function validateSettings(s: Settings, required: readonly RequiredField[], deps: ValidateDeps = {}): Problem[] {
  const p = new Problems(s.origins);
  for (const r of required) {
    const [missing, flag, what, hint] = REQUIRED[r];
    if (missing(s)) p.add(flag, `required.${r}`, what, hint);
  }
  checkProjectAndWorkload(s, p);
  checkIdentity(s, p, deps);
  checkAccess(s, p);
  checkConfigGrants(s, p);
  return p.list;
}
