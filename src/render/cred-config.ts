import type { Problem } from '../core/errors.js';
import { providerAudience, providerName, type ProviderRef } from '../plan/names.js';
import { pyJsonDumps, type PyJson } from './py-json.js';

/**
 * The credential configuration file a workload reads (GOOGLE_APPLICATION_CREDENTIALS), byte-identical to
 * `gcloud iam workload-identity-pools create-cred-config` with a file source (research/gcp-api.md §6,
 * gcloud's `byoid_utilities/cred_config.py`): key order, 2-space indent, ASCII-only escapes, no trailing newline.
 */
export interface CredConfigInput {
  provider: ProviderRef;
  /** `--credential-source-file`: where the projected token is mounted in the pod. */
  tokenPath: string;
  /**
   * `--credential-source-type`: `text` (what wif writes and the guide uses), `json` with the field holding
   * the token, or `none` (gcloud without the flag: no `format` key; the libraries then read text).
   */
  format?: { type: 'text' } | { type: 'json'; subjectTokenFieldName: string } | { type: 'none' };
  /** `--service-account`: impersonate this Google service account. */
  serviceAccount?: string;
  /** `--service-account-token-lifetime-seconds` (600–43200; only with serviceAccount). */
  tokenLifetimeSeconds?: number;
  /** `--universe-domain` (default googleapis.com). */
  universeDomain?: string;
  /** `--subject-token-type` (default `urn:ietf:params:oauth:token-type:jwt`). */
  subjectTokenType?: string;
  /**
   * One base URL for STS and IAM Credentials (the sandbox's `WIF_GOOGLE_API_ENDPOINT`): replaces the
   * `https://sts.…` and `https://iamcredentials.…` hosts, everything else unchanged.
   */
  endpoint?: string;
}

export const DEFAULT_UNIVERSE = 'googleapis.com';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const MIN_LIFETIME = 600;
export const MAX_LIFETIME = 43200;

/** The positional AUDIENCE gcloud takes (`projects/N/locations/global/workloadIdentityPools/P/providers/X`). */
export function credConfigAudienceArg(p: ProviderRef): string {
  return providerName(p);
}

/** The cred-config as an object, keys in gcloud's order. Pure. */
export function credConfigObject(input: CredConfigInput): Record<string, PyJson> {
  const universe = input.universeDomain || DEFAULT_UNIVERSE;
  const base = input.endpoint?.replace(/\/+$/, '');
  const sts = base ?? `https://sts.${universe}`;
  const iamcredentials = base ?? `https://iamcredentials.${universe}`;
  const source: Record<string, PyJson> = { file: input.tokenPath };
  const fmt = input.format ?? { type: 'text' };
  if (fmt.type === 'text') source.format = { type: 'text' };
  if (fmt.type === 'json') source.format = { type: 'json', subject_token_field_name: fmt.subjectTokenFieldName };
  const out: Record<string, PyJson> = {
    universe_domain: universe,
    type: 'external_account',
    // gcloud prefixes the positional argument; STS needs this `//iam` form whatever the allowed audiences.
    audience: providerAudience(input.provider),
    subject_token_type: input.subjectTokenType || JWT_TOKEN_TYPE,
    token_url: `${sts}/v1/token`,
    credential_source: source,
  };
  if (input.serviceAccount) {
    out.service_account_impersonation_url = `${iamcredentials}/v1/projects/-/serviceAccounts/${input.serviceAccount}:generateAccessToken`;
    if (input.tokenLifetimeSeconds) out.service_account_impersonation = { token_lifetime_seconds: input.tokenLifetimeSeconds };
  } else {
    out.token_info_url = `${sts}/v1/introspect`;
  }
  return out;
}

/** The file's exact bytes (no trailing newline, as gcloud writes it). Pure; call validateCredConfig first. */
export function renderCredConfig(input: CredConfigInput): string {
  return pyJsonDumps(credConfigObject(input), 2);
}

/**
 * gcloud's own flag rules for these inputs, as problems naming wif's flags: lifetime 600–43200 and only
 * with a service account; a JSON source needs its field name.
 */
export function validateCredConfig(input: CredConfigInput): Problem[] {
  const problems: Problem[] = [];
  const lt = input.tokenLifetimeSeconds;
  if (lt !== undefined) {
    if (!input.serviceAccount) {
      problems.push({ input: '--token-lifetime', rule: 'token-lifetime.needs-service-account', message: 'the impersonated token lifetime only applies with --service-account', hint: 'Pass --service-account EMAIL, or drop --token-lifetime.' });
    }
    if (!Number.isInteger(lt) || lt < MIN_LIFETIME || lt > MAX_LIFETIME) {
      problems.push({ input: '--token-lifetime', rule: 'token-lifetime.range', message: `must be a whole number of seconds from ${MIN_LIFETIME} to ${MAX_LIFETIME}; got ${lt}`, hint: 'Use e.g. --token-lifetime 3600.' });
    }
  }
  if (input.format?.type === 'json' && !input.format.subjectTokenFieldName) {
    problems.push({ input: 'credential source', rule: 'credential-source.json-field', message: 'a JSON token source needs the field name holding the token' });
  }
  if (!input.tokenPath.startsWith('/')) {
    problems.push({ input: '--token-path', rule: 'token-path.absolute', message: `must be an absolute path in the container; got "${input.tokenPath}"`, hint: 'Use e.g. --token-path /var/run/service-account/token.' });
  }
  return problems;
}
