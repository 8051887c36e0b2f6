import { readFileSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';

/**
 * How wif reaches Google: the base URL (production default, or `WIF_GOOGLE_API_ENDPOINT` — the same kind of
 * override the SDKs' own `rootUrl`/api_endpoint_overrides give) and the caller's credentials.
 */
export interface GoogleAccess {
  /** Base URL for every Google API (`undefined` = each API's own production host). */
  rootUrl?: string;
  /** Returns `Authorization` header value; never logged. */
  authorization(): Promise<string>;
  /** An auth object accepted by @googleapis/* clients (`auth:` option). */
  authClient(): Promise<unknown>;
}

/** `WIF_GOOGLE_API_ENDPOINT` without a trailing slash, or undefined. */
export function googleEndpoint(env: Record<string, string | undefined>): string | undefined {
  const v = env.WIF_GOOGLE_API_ENDPOINT?.trim();
  return v ? v.replace(/\/+$/, '') : undefined;
}

/** The token file from `--access-token-file`, else gcloud's own `CLOUDSDK_AUTH_ACCESS_TOKEN_FILE`. */
export function accessTokenFile(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  return flag ?? (env.CLOUDSDK_AUTH_ACCESS_TOKEN_FILE || undefined);
}

function readToken(file: string): string {
  let t: string;
  try {
    t = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new UsageError('input.access-token-file', `--access-token-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: 'Pass a file holding an OAuth access token (e.g. `gcloud auth print-access-token > token`).',
    });
  }
  if (!t) throw new UsageError('input.access-token-file', `--access-token-file: ${file} is empty`, { hint: 'Write an access token into the file.' });
  // It goes into an Authorization header: anything but visible ASCII would make Node refuse to send it.
  if (!/^[\x21-\x7e]+$/.test(t)) {
    throw new UsageError('input.access-token-file', `--access-token-file: ${file} does not hold an access token (it has spaces, line breaks or other non-printable characters)`, {
      hint: 'Write only the token into the file, e.g. `gcloud auth print-access-token > token`.',
    });
  }
  return t;
}

/**
 * Credentials: the access token file when given (gcloud's `--access-token-file` semantics), otherwise
 * Application Default Credentials through google-auth-library (imported lazily).
 */
export function googleAccess(opts: { accessTokenFile?: string; env: Record<string, string | undefined> }): GoogleAccess {
  const rootUrl = googleEndpoint(opts.env);
  const file = accessTokenFile(opts.accessTokenFile, opts.env);
  let client: Promise<any> | undefined;
  const getClient = () => {
    client ??= (async () => {
      const { GoogleAuth, OAuth2Client } = await import('google-auth-library');
      if (file) {
        const c = new OAuth2Client();
        c.setCredentials({ access_token: readToken(file) });
        return c;
      }
      return new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }).getClient().catch((e: Error) => {
        // No ADC, or GOOGLE_APPLICATION_CREDENTIALS names a missing or broken file: a setup problem, not a bug.
        throw new UsageError('gcp.credentials', `Application Default Credentials: ${e.message.split('\n')[0]}`, {
          hint: 'Run `gcloud auth application-default login`, fix GOOGLE_APPLICATION_CREDENTIALS, or pass --access-token-file FILE.', cause: e,
        });
      });
    })();
    return client;
  };
  return {
    rootUrl,
    authClient: getClient,
    async authorization() {
      if (file) return `Bearer ${readToken(file)}`;
      const c = await getClient();
      const h = await c.getRequestHeaders();
      const v = typeof h.get === 'function' ? h.get('authorization') : h.Authorization ?? h.authorization;
      return String(v);
    },
  };
}
