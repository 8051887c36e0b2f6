/**
 * The I/O half of `wif verify`: each stage observes (kubectl, Google) and hands the pure checks of
 * plan/verify.ts what it saw. A stage returns `{ok: detail}` or a Diagnosis (cause + fix); the runner in
 * verify.ts orders them, retries propagation errors under --wait, and skips what follows a failure.
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import type { Ctx } from '../core/context.js';
import { sleep } from '../core/retry.js';
import type { KsaRef } from '../model/settings.js';
import type { GoogleApi } from '../cloud/google/http.js';
import type { Pool, Provider } from '../cloud/google/types.js';
import type { Kubectl } from '../cloud/kube/kubectl.js';
import { KubeError } from '../cloud/kube/errors.js';
import { decodeToken } from '../plan/claims.js';
import { checkClaims, checkCondition, type JwtParts, type ProviderFacts } from '../plan/verify.js';
import { diagnoseImpersonation, diagnoseSts, fixFor, toGoogleFailure, type Cause, type Diagnosis, type FixContext } from '../plan/verify-errors.js';
import type { ProviderRef } from '../plan/names.js';
import { exchange, stsOnly, tokenPreview, type ExchangeResult } from './verify-exchange.js';

export type Outcome = { ok: string } | Diagnosis;

/** Everything the stages share; later stages read what earlier ones stored. */
export interface VerifyRun {
  ctx: Ctx;
  ksa: KsaRef;
  kubectl: Kubectl;
  /** Operator credentials for read-only Google calls; undefined when unavailable (`apiNote` says why). */
  api?: GoogleApi;
  apiNote?: string;
  ref: ProviderRef;
  providerPath: string;
  tokenAudience: string;
  tokenExpiration: number;
  /** What wif.yaml says, used when the provider cannot be read. */
  recorded: { issuerUri?: string; allowedAudiences: string[]; mapping: Record<string, string>; condition?: string };
  credConfig: Record<string, unknown>;
  /** GKE's built-in workload pool: no provider; the cluster is the identity provider. */
  gke?: boolean;
  serviceAccount?: string;
  fix: FixContext;
  token?: string;
  jwt?: JwtParts;
  provider?: Provider | null;
  pool?: Pool | null;
  mapped?: { subject?: string; attributes: Record<string, string | string[]> };
  federated?: ExchangeResult;
  final?: ExchangeResult;
}

const diag = (r: VerifyRun, cause: Cause, detail: string): Diagnosis => ({ cause, detail, fix: fixFor(cause, r.fix) });

function kubeDiagnosis(r: VerifyRun, e: unknown, what: string): Diagnosis {
  if (!(e instanceof KubeError)) throw e;
  if (e.reason === 'NotFound') return diag(r, 'ksa-missing', `${what}: ${e.message}`);
  if (e.reason === 'Forbidden') return diag(r, 'token-request-denied', `${what}: ${e.message}`);
  return { cause: 'cluster-unreachable', detail: `${what}: ${e.message}`, fix: e.hint ?? fixFor('cluster-unreachable', r.fix) };
}

/** Stage 1: the KSA exists, and a TokenRequest with the provider audience succeeds. */
export async function stageToken(r: VerifyRun): Promise<Outcome> {
  const { namespace, name } = r.ksa;
  try {
    const sa = await r.kubectl.get('serviceaccount', name, namespace);
    if (!sa) return diag(r, 'ksa-missing', `ServiceAccount ${namespace}/${name} does not exist in context ${r.kubectl.opts.context ?? '(current)'}`);
    const t = await r.kubectl.createToken(namespace, name, { audiences: [r.tokenAudience], durationSeconds: r.tokenExpiration });
    r.token = t.token;
  } catch (e) {
    return kubeDiagnosis(r, e, `TokenRequest for ${namespace}/${name}`);
  }
  const d = decodeToken(r.token, 'the minted token');
  r.jwt = { header: d.header as JwtParts['header'], claims: d.claims as JwtParts['claims'] };
  r.fix.tokenIssuer = typeof d.claims.iss === 'string' ? d.claims.iss : undefined;
  const life = typeof d.claims.exp === 'number' && typeof d.claims.iat === 'number' ? ` for ${d.claims.exp - d.claims.iat} s` : '';
  return { ok: `minted a token for ${namespace}/${name}${life}, audience ${r.tokenAudience}` };
}

/** The provider as Google has it: null = absent, undefined = could not read (falls back to wif.yaml). */
async function readProvider(r: VerifyRun): Promise<void> {
  if (!r.api || r.gke || r.provider !== undefined) return;
  const { getWip } = await import('../cloud/google/wip.js');
  try {
    const [pool, provider] = await Promise.all([getWip<Pool>(r.api, r.providerPath.replace(/\/providers\/[^/]+$/, '')), getWip<Provider>(r.api, r.providerPath)]);
    r.pool = pool ?? null;
    r.provider = provider ?? null;
  } catch (e) {
    r.apiNote = `could not read the provider from Google (${(e as Error).message.split('\n')[0]}); checked against wif.yaml`;
  }
}

/** Kids STS will use: the uploaded JWKS, else the issuer's (which the cluster serves itself). */
async function keysOf(r: VerifyRun, p: Provider | undefined): Promise<{ facts?: ProviderFacts['keys']; jwks?: { keys: JWK[] } }> {
  if (p?.oidc?.jwksJson) {
    const jwks = JSON.parse(p.oidc.jwksJson) as { keys: JWK[] };
    return { facts: { source: 'uploaded', kids: jwks.keys.map((k) => String(k.kid ?? '')) }, jwks };
  }
  try {
    const jwks = await r.kubectl.getRaw<{ keys: JWK[] }>('/openid/v1/jwks');
    return { facts: { source: 'issuer', kids: jwks.keys.map((k) => String(k.kid ?? '')) }, jwks };
  } catch {
    return {};
  }
}

/** Stage 2: the provider exists and is active; the token's iss, aud, alg, times and kid match it; the signature verifies. */
export async function stageClaims(r: VerifyRun): Promise<Outcome> {
  await readProvider(r);
  const p = r.provider;
  const poolName = r.providerPath.replace(/^v1\//, '').replace(/\/providers\/[^/]+$/, '');
  if (r.pool === null) return diag(r, 'provider-missing', `the pool ${poolName} does not exist`);
  if (r.pool && (r.pool.state === 'DELETED' || r.pool.disabled)) return diag(r, 'provider-disabled', `the pool ${poolName} is ${r.pool.state === 'DELETED' ? 'soft-deleted' : 'disabled'}: STS refuses every token of its providers`);
  if (p === null) return diag(r, 'provider-missing', `the provider ${r.providerPath.replace(/^v1\//, '')} does not exist`);
  if (p && (p.state === 'DELETED' || p.disabled)) return diag(r, 'provider-disabled', `the provider ${r.providerPath.replace(/^v1\//, '')} is ${p.state === 'DELETED' ? 'soft-deleted' : 'disabled'}`);
  r.fix.providerActive = !!p;
  const keys = await keysOf(r, p ?? undefined);
  r.fix.jwksUploaded = keys.facts?.source === 'uploaded';
  const facts: ProviderFacts = {
    ref: r.ref,
    issuerUri: p ? p.oidc?.issuerUri : r.recorded.issuerUri,
    allowedAudiences: r.gke ? [r.ref.poolId] : p ? p.oidc?.allowedAudiences ?? [] : r.recorded.allowedAudiences,
    keys: keys.facts,
  };
  const out = checkClaims(r.jwt!, facts, r.fix, Math.floor(r.ctx.now().getTime() / 1000));
  if (!('ok' in out)) return out;
  const key = keys.jwks?.keys.find((k) => k.kid === r.jwt!.header.kid);
  if (key && facts.keys?.source === 'uploaded') {
    try {
      await compactVerify(r.token!, await importJWK(key, r.jwt!.header.alg));
    } catch {
      return diag(r, 'bad-signature', `the token does not verify against the uploaded key ${key.kid}: the uploaded JWKS holds a different key under that kid`);
    }
  }
  return { ok: out.ok + (r.apiNote ? ` (${r.apiNote})` : '') };
}

/** Stage 3: mapping and condition, evaluated locally on the real claims. */
export async function stageCondition(r: VerifyRun): Promise<Outcome> {
  if (r.gke) {
    const k8s = (r.jwt!.claims['kubernetes.io'] ?? {}) as { namespace?: string; serviceaccount?: { name?: string } };
    if (!k8s.namespace || !k8s.serviceaccount?.name) return diag(r, 'mapping-invalid', 'the token has no kubernetes.io namespace/serviceaccount claims');
    return { ok: `GKE workload pool ${r.ref.poolId}: google.subject = ns/${k8s.namespace}/sa/${k8s.serviceaccount.name} (GKE fixes the mapping; no condition)` };
  }
  const p = r.provider ?? undefined;
  const mapping = p?.attributeMapping ?? r.recorded.mapping;
  const condition = p ? p.attributeCondition : r.recorded.condition;
  const out = checkCondition(r.jwt!.claims, mapping, condition, r.fix);
  if ('ok' in out) {
    const { evaluateMapping } = await import('../plan/cel.js');
    const m = evaluateMapping(mapping, r.jwt!.claims);
    r.mapped = { subject: m.subject, attributes: m.attributes };
  }
  return out;
}

const when = (x: ExchangeResult) => (x.expiry ? `, expires ${new Date(x.expiry).toISOString()}` : '');

/** Stage 4: STS exchange with google-auth-library and the rendered cred-config (no impersonation yet). */
export async function stageSts(r: VerifyRun): Promise<Outcome> {
  try {
    r.federated = await exchange(stsOnly(r.credConfig), r.token!, r.ctx.io.env);
  } catch (e) {
    return diagnoseSts(toGoogleFailure(e), r.fix);
  }
  if (!r.serviceAccount) r.final = r.federated;
  return { ok: `STS issued a federated access token ${tokenPreview(r.federated.token)}${when(r.federated)}` };
}

/** Stage 5 (impersonation): the full cred-config, STS then generateAccessToken. */
export async function stageImpersonation(r: VerifyRun): Promise<Outcome> {
  try {
    r.final = await exchange(r.credConfig, r.token!, r.ctx.io.env);
  } catch (e) {
    const f = toGoogleFailure(e);
    return f.oauthError ? diagnoseSts(f, r.fix) : diagnoseImpersonation(f, r.fix);
  }
  return { ok: `${r.serviceAccount} issued an access token ${tokenPreview(r.final.token)}${when(r.final)}` };
}

/** Stage 6: `gcloud auth print-access-token` inside the pod, through kubectl exec. */
/** A Google error the pod's gcloud met that is worth another try (it does not retry STS/IAM Credentials itself). */
const TRANSIENT = /\b(?:code['"]?:\s*(?:429|500|502|503|504)\b|UNAVAILABLE|RESOURCE_EXHAUSTED|DEADLINE_EXCEEDED)|Connection reset/;

export async function stagePod(r: VerifyRun, pod: string): Promise<Outcome> {
  const { redact } = await import('../core/log.js');
  try {
    const run = () => r.kubectl.exec(pod, r.ksa.namespace, ['gcloud', 'auth', 'print-access-token']);
    let res = await run();
    // Transient faults are retried, bounded (SPEC §3): up to 7 more tries, 0.5, 1, then 2 s apart (~12 s).
    for (let attempt = 1; res.exitCode !== 0 && attempt <= 7 && TRANSIENT.test(res.stderr); attempt++) {
      await sleep(Math.min(2000, 250 * 2 ** attempt), r.ctx.signal);
      res = await run();
    }
    const token = res.stdout.trim();
    if (res.exitCode === 0 && token) return { ok: `gcloud in pod ${r.ksa.namespace}/${pod} printed an access token ${tokenPreview(token)}` };
    const lines = res.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^command terminated with exit code/.test(l));
    const err = redact(lines.slice(0, 2).join(' | ')) || `exit code ${res.exitCode}`;
    return diag(r, 'pod-failed', `gcloud auth print-access-token failed in pod ${r.ksa.namespace}/${pod}: ${err}`);
  } catch (e) {
    if (e instanceof KubeError && e.reason === 'NotFound') return diag(r, 'pod-failed', `pod ${r.ksa.namespace}/${pod} not found: ${e.message}`);
    return kubeDiagnosis(r, e, `exec in pod ${r.ksa.namespace}/${pod}`);
  }
}
