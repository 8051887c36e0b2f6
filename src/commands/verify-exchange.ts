/**
 * The workload's own code path, run by `wif verify`: google-auth-library's IdentityPoolClient built from the
 * rendered cred-config (research/gcp-api.md §6–§7), with a subject-token supplier holding the token minted
 * in stage 1 instead of the file the pod would read. Nothing here prints or logs a token.
 */
import { extraCa } from '../cloud/google/http.js';

export interface ExchangeResult {
  token: string;
  /** Epoch ms, when the library knows it. */
  expiry?: number;
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/** The cred-config without impersonation: the client then stops after the STS exchange. */
export function stsOnly(credConfig: Record<string, unknown>): Record<string, unknown> {
  const { service_account_impersonation_url: _u, service_account_impersonation: _l, ...rest } = credConfig;
  return rest;
}

/**
 * Exchange `subjectToken` with the cred-config (`credential_source` replaced by a supplier), and impersonate
 * when the config says so. Throws what google-auth-library throws (verify-errors.ts reads it).
 */
export async function exchange(credConfig: Record<string, unknown>, subjectToken: string, env: Record<string, string | undefined>): Promise<ExchangeResult> {
  const [{ IdentityPoolClient }, { Gaxios }] = await Promise.all([import('google-auth-library'), import('gaxios')]);
  const { credential_source: _src, ...cfg } = credConfig;
  const ca = extraCa(env);
  const agent = ca ? new (await import('node:https')).Agent({ ca }) : undefined;
  const client = new IdentityPoolClient({
    ...cfg,
    subject_token_supplier: { getSubjectToken: async () => subjectToken },
    scopes: [CLOUD_PLATFORM],
    ...(agent ? { transporterOptions: { agent } } : {}),
  } as never);
  // Node reads NODE_EXTRA_CA_CERTS only at start: when this command's env names another CA (wif run
  // in-process), the STS handler's own transporter needs it too; the library builds it without options.
  if (agent) (client as unknown as { stsCredential: { transporter: unknown } }).stsCredential.transporter = new Gaxios({ agent });
  const r = await client.getAccessToken();
  if (!r.token) throw new Error('google-auth-library returned no access token');
  return { token: r.token, expiry: client.credentials.expiry_date ?? undefined };
}

/** What verify shows of a token unless --print-token: its first characters. */
export function tokenPreview(token: string): string {
  return `${token.slice(0, 8)}…`;
}
