/**
 * How STS checks an OIDC subject token (research/gcp-api.md §3.1, §3.3, §3.4): `iss` equals the provider's
 * issuerUri exactly; the key comes from the uploaded `oidc.jwksJson` or, when none, from the issuer's
 * discovery document + JWKS (issuers the sandbox serves, never the network); an unknown `kid` (or a key of
 * the wrong type) is "Error connecting to the given credential's issuer."; ~60 s of clock skew; `aud`
 * (string or array) must be an allowed audience or, when none are configured, a default one.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK, type JWTPayload } from 'jose';
import { oauthError } from './http.js';
import type { GoogleState } from './state.js';

export const CONNECT_ERROR = "Error connecting to the given credential's issuer.";
const BAD_SIGNATURE = 'Unable to verify the ID Token signature.';
/** Google accepts `iat` up to ~60 s in the future and `exp` up to ~60 s in the past (OBS-M). */
export const SKEW_SECONDS = 60;

export interface KeySource {
  issuerUri: string;
  jwksJson?: string;
}

/** Decode without verifying; a token that is not a JWT is rejected as unparsable. [UNVERIFIED message] */
export function decodeToken(token: string): { header: { alg?: string; kid?: string }; payload: JWTPayload } {
  try {
    return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
  } catch {
    throw oauthError('invalid_grant', 'Unable to parse the ID Token.');
  }
}

export function checkIssuer(payload: JWTPayload, issuerUri: string): void {
  if (payload.iss !== issuerUri) {
    throw oauthError('invalid_grant', `The issuer in ID Token ${payload.iss ?? 'null'} does not match the expected one in config: ${issuerUri}`);
  }
}

/** The JWKS STS would use: the uploaded one, else discovery + JWKS of an issuer the sandbox serves. */
function keysFor(state: GoogleState, src: KeySource): JWK[] {
  if (src.jwksJson) return (JSON.parse(src.jwksJson) as { keys: JWK[] }).keys;
  const docs = state.deps.issuers.lookup(src.issuerUri);
  const conf = docs?.configuration as { issuer?: string; jwks_uri?: string } | undefined;
  if (!docs || !conf?.jwks_uri || conf.issuer !== src.issuerUri) throw oauthError('invalid_grant', CONNECT_ERROR);
  return docs.jwks.keys as JWK[];
}

/** Verify the signature with the key named by `kid` whose type fits `alg` (RS256 → RSA, ES256 → EC P-256). */
export async function verifySignature(state: GoogleState, token: string, header: { alg?: string; kid?: string }, src: KeySource): Promise<void> {
  const alg = header.alg;
  // Google verifies RS256 and ES256 only (STS docs). [UNVERIFIED] which error another alg gets.
  if (alg !== 'RS256' && alg !== 'ES256') throw oauthError('invalid_grant', BAD_SIGNATURE);
  const kty = alg === 'RS256' ? 'RSA' : 'EC';
  const candidates = keysFor(state, src).filter((k) => k.kid === header.kid && k.kty === kty && (kty === 'RSA' || k.crv === 'P-256'));
  if (!candidates.length) throw oauthError('invalid_grant', CONNECT_ERROR);
  for (const jwk of candidates) {
    try {
      const key = await importJWK({ kty: jwk.kty, n: jwk.n, e: jwk.e, crv: jwk.crv, x: jwk.x, y: jwk.y }, alg);
      await compactVerify(token, key, { algorithms: [alg] });
      return;
    } catch {
      // try the next key with the same kid
    }
  }
  throw oauthError('invalid_grant', BAD_SIGNATURE);
}

/** `iat` and `exp` must be present and within the skew; `nbf`, when present, too. */
export function checkTimes(payload: JWTPayload, now: Date): void {
  const t = now.getTime() / 1000;
  const stale = () => oauthError('invalid_grant', `ID Token issued at ${typeof payload.iat === 'number' ? payload.iat : 'null'} is stale to sign-in.`);
  if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') throw stale();
  if (t - payload.exp > SKEW_SECONDS) throw stale();
  // [UNVERIFIED] message for a token from the future: Google rejects iat > now + ~60 s (OBS-M) with an unrecorded text.
  if (payload.iat - t > SKEW_SECONDS) throw stale();
  if (typeof payload.nbf === 'number' && payload.nbf - t > SKEW_SECONDS) throw stale();
}

/** The token's audiences as a list (`aud` may be a string or an array). */
export function audiencesOf(payload: JWTPayload): string[] {
  if (typeof payload.aud === 'string') return [payload.aud];
  return Array.isArray(payload.aud) ? payload.aud.filter((a): a is string => typeof a === 'string') : [];
}

export function checkAudience(payload: JWTPayload, accepted: readonly string[]): void {
  const auds = audiencesOf(payload);
  if (!auds.some((a) => accepted.includes(a))) {
    throw oauthError('invalid_grant', `The audience in ID Token [${auds.join(', ')}] does not match the expected audience.`);
  }
}
