/**
 * Server-side validation of workload identity pools and OIDC providers (research/gcp-api.md §2). gcloud
 * validates nothing, so every rule lives here, with Google's message where research found it; the rest
 * are marked [UNVERIFIED] and phrased in Google's style (all are 400 INVALID_ARGUMENT).
 */
import { importJWK } from 'jose';
import { checkExpression, mappingTypeProblem } from '../../plan/cel.js';
import { badRequest } from './http.js';
import type { OidcConfig } from './state.js';

/** 4–32 of [a-z0-9-]; research §2.1 suggests also: start with a letter, no trailing hyphen. */
export function validateId(id: string | null, kind: 'pool' | 'provider'): string {
  const field = kind === 'pool' ? 'workload_identity_pool_id' : 'workload_identity_pool_provider_id';
  const what = kind === 'pool' ? 'workload identity pool' : 'workload identity pool provider';
  if (!id) throw badRequest(`The ${what} ID must be specified.`, field); // [UNVERIFIED]
  if (id.startsWith('gcp-')) throw badRequest(`The prefix "gcp-" is reserved for use by Google, and may not be specified in the ${what} ID "${id}".`, field); // [UNVERIFIED]
  if (!/^[a-z][a-z0-9-]{2,30}[a-z0-9]$/.test(id)) {
    // [UNVERIFIED] wording; the rule is the documented one plus the start/end rules of research §2.1.
    throw badRequest(`Invalid ${what} ID "${id}". The ID must be 4-32 characters long, start with a lowercase letter, end with a lowercase letter or a digit, and may contain only the characters [a-z0-9-].`, field);
  }
  return id;
}

const chars = (s: string) => [...s].length;

export function validateDisplay(r: { displayName?: string; description?: string }): void {
  if (r.displayName !== undefined && chars(r.displayName) > 32) throw badRequest('Display name must be less than or equal to 32 characters.', 'display_name');
  if (r.description !== undefined && chars(r.description) > 256) throw badRequest('Description must be less than or equal to 256 characters.', 'description'); // [UNVERIFIED]
}

/** sessionDuration: between 2 minutes and 12 hours (IAM v1 docs). [UNVERIFIED message] */
export function validateSessionDuration(seconds: number | undefined): void {
  if (seconds !== undefined && (seconds < 120 || seconds > 43200)) throw badRequest('Session duration must be between 2 minutes and 12 hours.', 'session_duration');
}

const KEY_MESSAGE = (k: string) =>
  `Invalid mapped attribute key: ${k}. The maximum length of a mapped attribute key is 100 characters and may only contain the characters [a-z0-9_]. Custom mapped attributes must be in the format 'attribute.{custom_attribute}'.`;

/** Mapping keys (observed message), google.subject required, limits, CEL syntax and types. */
export function validateMapping(mapping: Record<string, string>): void {
  let custom = 0;
  for (const [key, expr] of Object.entries(mapping)) {
    const attr = /^attribute\.(.+)$/.exec(key);
    if (attr) {
      if (key.length > 100 || !/^[a-z0-9_]+$/.test(attr[1])) throw badRequest(KEY_MESSAGE(key), 'attribute_mapping');
      custom++;
    } else if (key !== 'google.subject' && key !== 'google.groups') throw badRequest(KEY_MESSAGE(key), 'attribute_mapping');
    if (expr.length > 2048) throw badRequest(`The maximum length of an attribute mapping expression is 2048 characters, but the expression for ${key} is ${expr.length} characters.`, 'attribute_mapping'); // [UNVERIFIED]
    const c = checkExpression(expr, 'mapping');
    const problem = c.ok ? mappingTypeProblem(key, c.type) : c.message;
    if (problem) throw badRequest(`Invalid attribute mapping expression for ${key}: ${problem}`, 'attribute_mapping'); // [UNVERIFIED]
  }
  if (custom > 50) throw badRequest(`A maximum of 50 custom attributes can be defined, but the mapping defines ${custom}.`, 'attribute_mapping'); // [UNVERIFIED]
  if (!('google.subject' in mapping)) throw badRequest('The attribute mapping must include a mapping for google.subject.', 'attribute_mapping'); // [UNVERIFIED]
}

/** Issuers shared by many tenants: Google requires a condition that references the token's claims. */
const MULTI_TENANT_ISSUERS = ['https://token.actions.githubusercontent.com', 'https://app.terraform.io', 'https://gitlab.com'];
const MUST_REFERENCE =
  "The attribute condition must reference one of the provider's claims. For more information, see https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines#conditions";

export function validateCondition(condition: string | undefined, mapping: Record<string, string>, issuerUri: string): void {
  const multiTenant = MULTI_TENANT_ISSUERS.includes(issuerUri.replace(/\/$/, ''));
  if (condition === undefined || condition === '') {
    if (multiTenant) throw badRequest(MUST_REFERENCE, 'attribute_condition');
    return;
  }
  if (condition.length > 4096) throw badRequest(`The maximum length of the attribute condition expression is 4096 characters, but it is ${condition.length} characters.`, 'attribute_condition'); // [UNVERIFIED]
  const mapped = Object.keys(mapping).filter((k) => k.startsWith('attribute.'));
  const c = checkExpression(condition, 'condition', mapped);
  if (!c.ok) throw badRequest(`Invalid attribute condition: ${c.message}`, 'attribute_condition'); // [UNVERIFIED]
  if (multiTenant && !/\b(assertion|attribute|google)\s*(\.|\[)/.test(condition)) throw badRequest(MUST_REFERENCE, 'attribute_condition');
}

/** OIDC block: https issuer (observed messages), ≤10 audiences of ≤256 characters, JWKS key types. */
export async function validateOidc(oidc: OidcConfig | undefined): Promise<void> {
  if (!oidc?.issuerUri) throw badRequest('The OIDC issuer URI must be specified.', 'oidc.issuer_uri'); // [UNVERIFIED]
  let url: URL | undefined;
  try { url = new URL(oidc.issuerUri); } catch { url = undefined; }
  if (!url || !url.host) throw badRequest('Invalid OIDC issuer URI.', 'oidc.issuer_uri');
  if (url.protocol !== 'https:') throw badRequest('Invalid OIDC issuer URI. The scheme must be https.', 'oidc.issuer_uri');
  const auds = oidc.allowedAudiences ?? [];
  if (auds.length > 10) throw badRequest(`A maximum of 10 audiences may be configured, but ${auds.length} were given.`, 'oidc.allowed_audiences'); // [UNVERIFIED]
  const long = auds.find((a) => a.length > 256);
  if (long !== undefined) throw badRequest(`Each audience may be at most 256 characters, but "${long.slice(0, 40)}…" is ${long.length} characters.`, 'oidc.allowed_audiences'); // [UNVERIFIED]
  if (oidc.jwksJson !== undefined && oidc.jwksJson !== '') await validateJwks(oidc.jwksJson);
}

const NOT_JSON = 'Input JWK is not in a valid json format';
const CORRUPTED = 'Input jwks contains corrupted key material.';
const KEY_TYPES = 'Invalid JWKs. Only RSA, EC key types are supported.'; // research: "Invalid JWKs … Only RSA, EC key types are supported." (middle elided)

/** RSA keys and EC P-256 keys that import; P-384/P-521 → key-type error; OKP and broken keys → corrupted. */
export async function validateJwks(text: string): Promise<void> {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch { throw badRequest(NOT_JSON, 'oidc.jwks_json'); }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw badRequest(NOT_JSON, 'oidc.jwks_json');
  for (const k of keys as Record<string, unknown>[]) {
    if (typeof k !== 'object' || k === null) throw badRequest(NOT_JSON, 'oidc.jwks_json');
    if (k.kty === 'OKP') throw badRequest(CORRUPTED, 'oidc.jwks_json');
    if (k.kty !== 'RSA' && k.kty !== 'EC') throw badRequest(KEY_TYPES, 'oidc.jwks_json');
    if (k.kty === 'EC' && k.crv !== 'P-256') throw badRequest(KEY_TYPES, 'oidc.jwks_json');
    const material = k.kty === 'RSA' ? [k.n, k.e] : [k.x, k.y];
    if (!material.every((m) => typeof m === 'string' && /^[A-Za-z0-9_-]+$/.test(m))) throw badRequest(CORRUPTED, 'oidc.jwks_json');
    try {
      await importJWK({ kty: k.kty, n: k.n, e: k.e, crv: k.crv, x: k.x, y: k.y } as never, k.kty === 'RSA' ? 'RS256' : 'ES256');
    } catch {
      throw badRequest(CORRUPTED, 'oidc.jwks_json');
    }
  }
}
