/**
 * Every known STS and IAM Credentials failure (research/gcp-api.md §3.3, §4.1) mapped to a cause and a
 * fix that names a wif command. Keyed on the HTTP status and the OAuth/RPC error code first; the
 * description only tells apart the cases Google reports under one code (e.g. the many `invalid_grant`s).
 * Pure.
 */
export type Cause =
  | 'ksa-missing' | 'token-request-denied' | 'cluster-unreachable'
  | 'audience-mismatch' | 'audience-format' | 'issuer-mismatch' | 'token-expired' | 'token-algorithm'
  | 'jwks-stale' | 'issuer-unreachable' | 'bad-signature'
  | 'condition-refused' | 'mapping-invalid' | 'subject-too-long'
  | 'provider-missing' | 'provider-disabled'
  | 'missing-workload-identity-user' | 'grant-missing' | 'api-disabled' | 'lifetime-too-long' | 'lifetime-invalid'
  | 'rate-limited' | 'network' | 'pod-failed' | 'unknown';

export interface Diagnosis {
  cause: Cause;
  /** What happened, in words (no token, no claim values beyond names the user chose). */
  detail: string;
  fix: string;
  /** An eventual-consistency error that `--wait` may retry (IAM bindings take up to ~5 minutes). */
  propagation?: boolean;
}

/** What the fixes may name: the user's own identifiers, never secrets. */
export interface FixContext {
  ksa: string;
  serviceAccount?: string;
  project?: string;
  pool?: string;
  provider?: string;
  tokenAudience?: string;
  tokenIssuer?: string;
  jwksUploaded?: boolean;
  /** GKE's built-in workload pool (pods use the GKE metadata server). */
  gke?: boolean;
  /** The provider is known to exist and be ACTIVE (so invalid_target can only be propagation). */
  providerActive?: boolean;
}

/** A Google failure reduced to the fields that matter, from whatever the client threw. */
export interface GoogleFailure {
  status?: number;
  /** OAuth `error` (STS) */
  oauthError?: string;
  description?: string;
  /** RPC `status` (PERMISSION_DENIED…) and ErrorInfo `reason` (IAM_PERMISSION_DENIED, SERVICE_DISABLED…). */
  rpcStatus?: string;
  reason?: string;
  message: string;
  /** Node network error code (ECONNREFUSED…). */
  code?: string;
}

const PROPAGATION_NOTE = 'IAM changes can take up to 5 minutes to propagate: if you granted it just now, re-run with --wait 5m.';

/** Fix text per cause; `c` fills in the names. */
export function fixFor(cause: Cause, c: FixContext): string {
  const ksa = c.ksa;
  switch (cause) {
    case 'ksa-missing': return `Create the Kubernetes service account (kubectl create serviceaccount ${ksa.split('/')[1]} -n ${ksa.split('/')[0]}), or re-run wif init --apply-manifests.`;
    case 'token-request-denied': return 'Your kube credentials need `create` on `serviceaccounts/token` in that namespace (kubectl auth can-i create serviceaccounts/token).';
    case 'cluster-unreachable': return 'Check the kube context (--context, --kubeconfig) and that the cluster is reachable: kubectl get --raw /version.';
    case 'audience-mismatch': return `Make the projected token's audience one the provider accepts: re-render and re-apply the manifests (wif render all --out DIR), or add it to the provider with wif provider ensure --allowed-audience ${c.tokenAudience ?? 'AUD'}.`;
    case 'audience-format': return 'The cred-config audience must be the full provider name //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER (project number, provider not pool): re-render it with wif render cred-config.';
    case 'issuer-mismatch': return `The provider's issuer must equal the token's iss byte for byte (a trailing / matters): wif provider ensure --issuer-uri ${c.tokenIssuer ?? 'ISSUER'}.`;
    case 'token-expired': return 'The token is outside its validity window: check the clocks of this machine and of the cluster (Google allows about 60 s of skew).';
    case 'token-algorithm': return 'Google accepts RS256 or ES256 tokens only: configure the cluster to sign service-account tokens with an RSA or P-256 key.';
    case 'jwks-stale': return c.jwksUploaded
      ? 'The cluster signs with a key the provider does not have (its keys were rotated): upload the current keys with wif jwks sync (keeps still-valid old keys), then re-run wif verify.'
      : "Google could not find the token's signing key at the issuer: check the issuer's /.well-known/openid-configuration and jwks_uri are public, or upload the JWKS (wif provider ensure --jwks-file FILE).";
    case 'issuer-unreachable': return 'Google must be able to fetch the issuer discovery document and JWKS from the internet; for a private issuer, upload the JWKS instead: wif provider ensure --jwks-file FILE (wif init does this for self-hosted clusters).';
    case 'bad-signature': return 'The token does not verify against the provider\'s key with that kid: the uploaded JWKS is stale or wrong; re-upload it with wif jwks sync.';
    case 'condition-refused': return `Admit this KSA in the provider's condition (wif provider ensure --allow-ksa ${ksa}, or edit --attribute-condition), or run the workload as a KSA the condition admits (wif explain --ksa ${ksa} shows why).`;
    case 'mapping-invalid': return 'Fix the attribute mapping so that google.subject is a string from the token (the default is google.subject=assertion.sub): wif provider ensure --attribute-mapping …';
    case 'subject-too-long': return 'google.subject must be at most 127 bytes: map a shorter claim, e.g. google.subject=assertion.sub.';
    case 'provider-missing': return c.providerActive
      ? `The provider was created or changed moments ago and STS does not see it yet: re-run with --wait 2m. ${PROPAGATION_NOTE}`
      : `Create or undelete the provider (wif provider ensure${c.provider ? ` --provider ${c.provider}` : ''}), and check the audience names the project NUMBER and the provider, not the pool.`;
    case 'provider-disabled': return 'The pool or provider is disabled or deleted: re-enable or undelete it with wif pool ensure / wif provider ensure.';
    case 'missing-workload-identity-user': return `Let the KSA impersonate the service account: wif grant --ksa ${ksa} --service-account ${c.serviceAccount ?? 'EMAIL'} (roles/iam.workloadIdentityUser). ${PROPAGATION_NOTE}`;
    case 'grant-missing': return `Grant the KSA access: wif grant --ksa ${ksa} --role ROLE. ${PROPAGATION_NOTE}`;
    case 'api-disabled': return `Enable the APIs in the pool's project: gcloud services enable sts.googleapis.com iamcredentials.googleapis.com${c.project ? ` --project ${c.project}` : ''} (wif init enables them).`;
    case 'lifetime-too-long': return 'Tokens longer than 1 hour need the org policy constraints/iam.allowServiceAccountCredentialLifetimeExtension for this service account; or lower --token-lifetime to 3600.';
    case 'lifetime-invalid': return 'Use a --token-lifetime from 600 to 43200 seconds.';
    case 'rate-limited': return 'Google throttled the request: wait a few seconds and re-run.';
    case 'network': return 'Check network access to the Google endpoint (proxy, firewall, WIF_GOOGLE_API_ENDPOINT), then re-run.';
    case 'pod-failed': return c.gke
      ? 'On GKE the pod gets its token from the GKE metadata server: check the node pool runs it (--workload-metadata=GKE_METADATA), and for impersonation that the KSA carries the iam.gke.io/gcp-service-account annotation (wif render serviceaccount).'
      : 'Check the pod mounts the projected token and the cred-config (wif render patch), that GOOGLE_APPLICATION_CREDENTIALS points at it, and that the image has gcloud.';
    default: return 'Re-run with --verbose for the full response, and see README "Troubleshooting".';
  }
}

function diag(cause: Cause, detail: string, c: FixContext, propagation = false): Diagnosis {
  return { cause, detail, fix: fixFor(cause, c), ...(propagation ? { propagation } : {}) };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']);

/** Errors every Google call can meet: network, throttling, a disabled API. */
function common(f: GoogleFailure, c: FixContext, api: string): Diagnosis | undefined {
  if (f.code && NETWORK_CODES.has(f.code)) return diag('network', `could not reach ${api} (${f.code})`, c);
  if (f.status === 429) return diag('rate-limited', `${api} throttled the request (429)`, c);
  if (f.status === 403 && (f.reason === 'SERVICE_DISABLED' || /has not been used|is disabled/i.test(f.message))) {
    return diag('api-disabled', `${api} is not enabled in the project (403 SERVICE_DISABLED)`, c);
  }
  return undefined;
}

/** STS `v1/token` failures (research §3.3). */
export function diagnoseSts(f: GoogleFailure, c: FixContext): Diagnosis {
  const early = common(f, c, 'sts.googleapis.com');
  if (early) return early;
  const d = f.description ?? f.message;
  const said = `STS said: ${f.oauthError ?? f.status ?? 'error'}: ${d}`;
  switch (f.oauthError) {
    case 'invalid_grant':
      if (/audience in ID Token/i.test(d)) return diag('audience-mismatch', said, c);
      if (/issuer in ID Token|identity issuer .* not found/i.test(d)) return diag('issuer-mismatch', said, c);
      if (/stale to sign-in/i.test(d)) return diag('token-expired', said, c);
      if (/verify the ID Token signature/i.test(d)) return diag('bad-signature', said, c);
      if (/connecting to the given credential's issuer/i.test(d)) return diag(c.jwksUploaded ? 'jwks-stale' : 'issuer-unreachable', said, c);
      break;
    case 'unauthorized_client':
      if (/attribute condition/i.test(d)) return diag('condition-refused', said, c);
      if (/must be of type/i.test(d)) return diag('mapping-invalid', said, c);
      break;
    case 'invalid_request':
      if (/exceeds the 127 bytes/i.test(d)) return diag('subject-too-long', said, c);
      if (/value for "audience"/i.test(d)) return diag('audience-format', said, c);
      if (/attribute mapping/i.test(d)) return diag('mapping-invalid', said, c);
      break;
    case 'invalid_target':
      return diag('provider-missing', said, c, !!c.providerActive);
  }
  return diag('unknown', said, c);
}

/** IAM Credentials `generateAccessToken` failures (research §4.1). */
export function diagnoseImpersonation(f: GoogleFailure, c: FixContext): Diagnosis {
  const early = common(f, c, 'iamcredentials.googleapis.com');
  if (early) return early;
  const said = `IAM Credentials said: ${f.status ?? ''} ${f.rpcStatus ?? ''} ${f.message}`.replace(/\s+/g, ' ').trim();
  if (f.status === 403 || f.status === 404) {
    const sa = c.serviceAccount ?? 'the service account';
    return diag('missing-workload-identity-user', `the federated principal may not impersonate ${sa} (it lacks roles/iam.workloadIdentityUser, or the service account does not exist). ${said}`, c, true);
  }
  if (f.status === 400 && /more than 1 hour|lifetime extension/i.test(f.message)) return diag('lifetime-too-long', said, c);
  if (f.status === 400 && /lifetime/i.test(f.message)) return diag('lifetime-invalid', said, c);
  return diag('unknown', said, c);
}

/**
 * Reduce what google-auth-library/gaxios threw to a GoogleFailure. STS errors arrive as
 * `Error('Error code <oauth>: <desc>')` carrying the GaxiosError's `response`; IAM errors as a GaxiosError
 * whose `response.data.error` is the RPC status.
 */
export function toGoogleFailure(e: unknown): GoogleFailure {
  const err = (e ?? {}) as { message?: string; code?: unknown; status?: number; response?: { status?: number; data?: unknown } };
  const message = String(err.message ?? e);
  const status = err.response?.status ?? (typeof err.status === 'number' ? err.status : undefined);
  const data = err.response?.data as Record<string, unknown> | undefined;
  const out: GoogleFailure = { status, message, code: typeof err.code === 'string' ? err.code : undefined };
  if (data && typeof data.error === 'string') {
    out.oauthError = data.error;
    if (typeof data.error_description === 'string') out.description = data.error_description;
  } else if (data && data.error && typeof data.error === 'object') {
    const rpc = data.error as { message?: string; status?: string; details?: { reason?: string }[] };
    out.rpcStatus = rpc.status;
    out.reason = rpc.details?.find((d) => d.reason)?.reason;
    if (rpc.message) out.message = rpc.message;
  }
  const m = /^Error code ([a-z_]+)(?:: ([\s\S]*))?$/.exec(message);
  if (m && !out.oauthError) {
    out.oauthError = m[1];
    out.description = m[2];
  }
  return out;
}
