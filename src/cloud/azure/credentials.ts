import { readFile } from 'node:fs/promises';
import { OperationError, UsageError } from '../../core/errors.js';

/**
 * Azure credentials and subscription for ARM calls.
 * - Credential: `WIF_AZURE_ACCESS_TOKEN_FILE` (a file holding an ARM access token, e.g. from
 *   `az account get-access-token --query accessToken -o tsv`; the Azure twin of `--access-token-file`), else
 *   `DefaultAzureCredential` from @azure/identity, imported lazily (~220 ms): environment service principal,
 *   workload identity, managed identity (incl. `IDENTITY_ENDPOINT`/`IDENTITY_HEADER`), Azure CLI, azd…
 *   Offline it fails fast (research/k8s-clouds.md §5.3). It reads the process environment.
 * - Subscription: `AZURE_SUBSCRIPTION_ID`, else `az account show`.
 */
export interface ArmToken {
  token: string;
  expiresOnTimestamp: number;
}
export interface TokenCredentialLike {
  getToken(scopes: string | string[], options?: unknown): Promise<ArmToken | null>;
}

type Env = Record<string, string | undefined>;

/** A TokenCredential reading a static access token from a file (re-read on every call: it may be refreshed). */
export function tokenFileCredential(file: string): TokenCredentialLike {
  return {
    async getToken() {
      let t: string;
      try {
        t = (await readFile(file, 'utf8')).trim();
      } catch (e) {
        throw new UsageError('azure.token-file', `WIF_AZURE_ACCESS_TOKEN_FILE: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
          hint: 'Point it at a file holding an ARM access token, or unset it to use DefaultAzureCredential.',
        });
      }
      if (!t) throw new UsageError('azure.token-file', `WIF_AZURE_ACCESS_TOKEN_FILE: ${file} is empty`, { hint: 'Write an ARM access token into it.' });
      return { token: t, expiresOnTimestamp: Date.now() + 5 * 60_000 };
    },
  };
}

/** The credential for ARM (see module doc). */
export async function azureCredential(env: Env): Promise<TokenCredentialLike> {
  const file = env.WIF_AZURE_ACCESS_TOKEN_FILE?.trim();
  if (file) return tokenFileCredential(file);
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}

/** `AZURE_SUBSCRIPTION_ID`, else the Azure CLI's current subscription. */
export async function azureSubscription(env: Env, signal?: AbortSignal): Promise<string> {
  const fromEnv = env.AZURE_SUBSCRIPTION_ID?.trim();
  if (fromEnv) return fromEnv;
  const { execa } = await import('execa');
  const r = await execa('az', ['account', 'show', '--query', 'id', '-o', 'tsv'], { env, extendEnv: false, reject: false, cancelSignal: signal, timeout: 60_000, stdin: 'ignore' });
  const id = String(r.stdout ?? '').trim();
  if (r.exitCode === 0 && id) return id;
  const missing = (r as { code?: string }).code === 'ENOENT';
  throw new OperationError('azure.subscription-missing', missing
    ? 'No Azure subscription: AZURE_SUBSCRIPTION_ID is not set and the Azure CLI (az) is not installed.'
    : `No Azure subscription: AZURE_SUBSCRIPTION_ID is not set and \`az account show\` failed: ${String(r.stderr ?? '').trim().split('\n')[0] || `exit ${r.exitCode}`}`, {
    hint: 'Set AZURE_SUBSCRIPTION_ID to the cluster\'s subscription, or run `az login` and `az account set -s SUB`.',
  });
}
