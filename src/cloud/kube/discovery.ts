import { KubeError } from './errors.js';
import type { Kubectl } from './kubectl.js';

/**
 * What the cluster itself says about its service-account issuer (research/k8s-clouds.md §1, §2): `/version`,
 * the API groups, `/.well-known/openid-configuration`, `/openid/v1/jwks`, and the `iss` of a freshly minted
 * token — read concurrently, each failure kept beside the others. The token is decoded (not verified) and
 * dropped; it is never returned, logged or printed.
 */
export interface OidcDiscovery {
  issuer?: string;
  jwks_uri?: string;
  id_token_signing_alg_values_supported?: string[];
  [k: string]: unknown;
}

export interface ClusterReads {
  gitVersion?: string;
  apiGroups?: string[];
  discovery?: OidcDiscovery;
  jwks?: { keys: Record<string, unknown>[] };
  /** `iss` of a token minted for default/default (10 minutes). */
  tokenIssuer?: string;
  errors: { version?: KubeError; apiGroups?: KubeError; discovery?: KubeError; jwks?: KubeError; token?: KubeError };
}

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

/** The claims of a JWT, without verifying it (the token itself is not kept). */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: KubeError }> {
  try {
    return { value: await p };
  } catch (e) {
    if (e instanceof KubeError) return { error: e };
    throw e;
  }
}

/** Errors that mean "the cluster cannot be talked to at all" (as opposed to one read being refused). */
const FATAL = new Set(['Unreachable', 'TLS', 'PluginMissing', 'PluginFailed', 'KubectlMissing', 'Unauthorized', 'Timeout']);

/**
 * Read everything concurrently (`apiGroups: false` skips `/apis`, only needed to recognise distributions such
 * as OpenShift; `mintToken: false` skips the token). Throws the connection-level error when nothing could be read (cluster
 * unreachable, auth plugin missing…); otherwise returns what was read plus the per-read errors.
 */
export async function readClusterOidc(k: Kubectl, o: { mintToken?: boolean; apiGroups?: boolean } = {}): Promise<ClusterReads> {
  const skip = Promise.resolve({} as { value?: undefined; error?: KubeError });
  const [version, groups, discovery, jwks, token] = await Promise.all([
    settle(k.version()),
    o.apiGroups === false ? skip : settle(k.getRaw<{ groups?: { name: string }[] }>('/apis')),
    settle(k.getRaw<OidcDiscovery>(DISCOVERY_PATH)),
    settle(k.getRaw<{ keys: Record<string, unknown>[] }>(JWKS_PATH)),
    o.mintToken === false ? skip : settle(k.createToken('default', 'default', { durationSeconds: 600 })),
  ]);
  const all = [version, groups, discovery, jwks, token];
  const fatal = all.map((r) => r.error).find((e) => e && FATAL.has(e.reason));
  if (fatal && all.every((r) => r.value === undefined)) throw fatal;
  const iss = token.value ? jwtClaims(token.value.token)?.iss : undefined;
  return {
    gitVersion: version.value?.gitVersion,
    apiGroups: groups.value?.groups?.map((g) => g.name),
    discovery: discovery.value,
    jwks: jwks.value,
    tokenIssuer: typeof iss === 'string' ? iss : undefined,
    errors: { version: version.error, apiGroups: groups.error, discovery: discovery.error, jwks: jwks.error, token: token.error },
  };
}

/** The fix for a 403 on the discovery endpoints (research §1.3): bind the built-in issuer-discovery role. */
export const DISCOVERY_RBAC_HINT =
  'Bind the built-in ClusterRole to your user: `kubectl create clusterrolebinding wif-issuer-discovery ' +
  '--clusterrole=system:service-account-issuer-discovery --user="$(kubectl auth whoami -o jsonpath={.status.userInfo.username})"` ' +
  '(it allows GET on /.well-known/openid-configuration and /openid/v1/jwks), or pass --issuer-uri and --jwks-file.';
