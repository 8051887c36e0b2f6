/**
 * Where a provider's issuer and JWKS come from: `--issuer-uri` / wif.yaml, `--jwks-file`, or the cluster itself
 * (read-only kubectl, src/cloud/kube). The JWKS is uploaded only for issuers Google cannot reach (private
 * issuers, plan/issuer.ts), or when wif.yaml says it was uploaded before — then it is kept in sync.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Ctx } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import type { Settings } from '../model/settings.js';
import { jwksUploadRequired } from '../plan/issuer.js';

export interface ProviderSource {
  issuerUri: string;
  /** The JWKS to upload, verbatim (a file keeps its bytes, trailing newline included, as gcloud sends it). */
  jwksJson?: string;
  jwksFrom?: 'file' | 'cluster';
  /** Learnt from the cluster when it had to be observed. */
  platform?: string;
}

/** Read `--jwks-file`; a usage error (exit 2) when unreadable or not a JWKS. */
export function readJwksFile(ctx: Ctx, file: string): string {
  const path = isAbsolute(file) ? file : resolve(ctx.io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError('input.jwks-file', `--jwks-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'Save the cluster JWKS: kubectl get --raw /openid/v1/jwks > jwks.json' });
  }
  let keys: unknown;
  try {
    keys = (JSON.parse(text) as { keys?: unknown }).keys;
  } catch {
    keys = undefined;
  }
  if (!Array.isArray(keys) || !keys.length) {
    throw new UsageError('input.jwks-file', `--jwks-file: ${file} is not a JWKS (a JSON object with a non-empty "keys" array)`, { hint: 'Save the cluster JWKS: kubectl get --raw /openid/v1/jwks > jwks.json' });
  }
  return text;
}

function jwksNeeded(s: Settings, issuer: string): boolean {
  return s.cluster.jwksUploaded === true || jwksUploadRequired(issuer);
}

async function clusterJwks(ctx: Ctx, s: Settings, issuer: string): Promise<string> {
  const [{ Kubectl }, { JWKS_PATH }] = await Promise.all([import('../cloud/kube/kubectl.js'), import('../cloud/kube/discovery.js')]);
  const k = new Kubectl({ context: s.cluster.context, kubeconfig: s.cluster.kubeconfig, env: ctx.io.env, cwd: ctx.io.cwd, signal: ctx.signal, log: ctx.log });
  try {
    return JSON.stringify(await k.getRaw<{ keys: unknown[] }>(JWKS_PATH));
  } catch (e) {
    throw new UsageError('input.jwks-required', `the issuer ${issuer} is not reachable by Google, so its JWKS must be uploaded, and reading it from the cluster failed: ${(e as Error).message}`, {
      hint: 'Pass --jwks-file (kubectl get --raw /openid/v1/jwks > jwks.json), or --context for the right cluster.', cause: e,
    });
  }
}

/**
 * Issuer and JWKS for `wif provider ensure` (see module doc). Cluster reads only when flags and wif.yaml do not say;
 * `clusterJwksJson` is the JWKS the caller already read from this context (init's detection), not read again.
 */
export async function resolveProviderSource(ctx: Ctx, s: Settings, clusterJwksJson?: string): Promise<ProviderSource> {
  const file = s.provider.jwksFile ? readJwksFile(ctx, s.provider.jwksFile) : undefined;
  const issuer = s.provider.issuerUri;
  if (issuer) {
    if (file) return { issuerUri: issuer, jwksJson: file, jwksFrom: 'file' };
    return jwksNeeded(s, issuer) ? { issuerUri: issuer, jwksJson: clusterJwksJson ?? await clusterJwks(ctx, s, issuer), jwksFrom: 'cluster' } : { issuerUri: issuer };
  }
  const { observeCluster } = await import('../cloud/kube/observe.js');
  const h = ctx.log.step('Reading the issuer from the cluster');
  const o = await observeCluster({ context: s.cluster.context, kubeconfig: s.cluster.kubeconfig, platform: s.cluster.platform as never, env: ctx.io.env, cwd: ctx.io.cwd, accessTokenFile: s.accessTokenFile, signal: ctx.signal, log: ctx.log }).catch((e) => { h.fail(); throw e; });
  if (!o.issuer) {
    h.fail();
    throw new UsageError('input.missing', `--issuer-uri is required: the issuer of context ${o.context} could not be found`, { hint: 'Pass --issuer-uri (see `wif detect`).' });
  }
  h.done(`Issuer of ${o.context} (${o.platform}): ${o.issuer}`);
  if (file) return { issuerUri: o.issuer, jwksJson: file, jwksFrom: 'file', platform: o.platform };
  if (!o.jwksUploadRequired && !s.cluster.jwksUploaded) return { issuerUri: o.issuer, platform: o.platform };
  if (!o.jwks) throw new UsageError('input.jwks-required', `the issuer ${o.issuer} is not reachable by Google and the cluster did not serve its JWKS`, { hint: 'Pass --jwks-file (kubectl get --raw /openid/v1/jwks > jwks.json).' });
  return { issuerUri: o.issuer, jwksJson: JSON.stringify(o.jwks), jwksFrom: 'cluster', platform: o.platform };
}
