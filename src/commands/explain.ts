import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Ctx } from '../core/context.js';
import { UsageError, type Problem } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import type { RawFlags } from '../model/flags.js';
import { resolveSettings, type KsaRef, type Settings } from '../model/settings.js';
import { decodeToken, synthesizeClaims } from '../plan/claims.js';
import { explain, type Explanation } from '../plan/explain.js';
import { tokenAudience } from '../plan/names.js';
import { renderExplanation } from '../render/explain-text.js';

type Flags = RawFlags & { token?: string };

/** Where the claims came from. */
export interface ClaimsSource {
  kind: 'token' | 'ksa';
  /** `--token` file, or `NS/NAME`. */
  from: string;
  /** Always false: explain never verifies a signature. */
  signatureChecked: false;
  /** The issuer was a placeholder (synthesized claims without --issuer-uri or wif.yaml). */
  placeholderIssuer?: boolean;
  header?: Record<string, unknown>;
  claims: Record<string, unknown>;
}

function inputProblems(flags: Flags): Problem[] {
  const ksas = flags.ksa ?? [];
  if (flags.token !== undefined && ksas.length) {
    return [{ input: '--token', rule: 'explain.one-source', message: 'pass either --token FILE or --ksa NS/NAME, not both' }];
  }
  if (flags.token === undefined && !ksas.length) {
    return [{ input: '--ksa', rule: 'required.ksa', message: 'explain needs a token or a Kubernetes service account', hint: 'Pass --token FILE (a service-account JWT) or --ksa NAMESPACE/NAME.' }];
  }
  return [];
}

function readToken(ctx: Ctx, file: string): ClaimsSource {
  const path = isAbsolute(file) ? file : resolve(ctx.io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError('token.unreadable', `--token: cannot read ${JSON.stringify(file)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      hint: 'Pass the path of a file holding the JWT, e.g. kubectl create token KSA -n NS > token.jwt.',
    });
  }
  const d = decodeToken(text, `--token ${file}`);
  return { kind: 'token', from: file, signatureChecked: false, header: d.header as Record<string, unknown>, claims: d.claims as Record<string, unknown> };
}

function synthesize(ctx: Ctx, s: Settings, k: KsaRef): ClaimsSource {
  const number = s.project.number;
  const ref = number && s.pool.id && s.provider.id ? { projectNumber: number, poolId: s.pool.id, providerId: s.provider.id } : undefined;
  const audience = ref ? tokenAudience(ref, s.provider.allowedAudiences) : s.provider.allowedAudiences[0] ?? 'https://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL_ID/providers/PROVIDER_ID';
  const exp = typeof s.workload.tokenExpiration === 'number' ? s.workload.tokenExpiration : undefined;
  const claims = synthesizeClaims(k.namespace, k.name, {
    issuer: s.provider.issuerUri, audience, now: Math.floor(ctx.now().getTime() / 1000), expirationSeconds: exp,
  });
  return { kind: 'ksa', from: `${k.namespace}/${k.name}`, signatureChecked: false, placeholderIssuer: !s.provider.issuerUri || undefined, claims: claims as unknown as Record<string, unknown> };
}

export type ExplainResult = Explanation & { source: Omit<ClaimsSource, 'claims'>; claims: Record<string, unknown> };

function explainOne(ctx: Ctx, s: Settings, src: ClaimsSource): ExplainResult {
  const { claims, ...source } = src;
  const e = explain({
    claims, mapping: s.provider.attributeMapping, condition: s.provider.attributeCondition,
    projectNumber: s.project.number, projectId: s.project.id, poolId: s.pool.id, providerId: s.provider.id,
    platform: s.cluster.platform, issuer: src.kind === 'token' ? s.provider.issuerUri : undefined,
    allowedAudiences: s.provider.allowedAudiences, now: Math.floor(ctx.now().getTime() / 1000),
  });
  return { source, claims, ...e };
}

/**
 * `wif explain`: offline. Evaluate the provider's mapping and condition (flags over wif.yaml) against a
 * token (`--token FILE`, decoded only: the signature is NOT checked) or synthesized claims for each
 * `--ksa NS/NAME`; report google.subject, every attribute, the condition's result and why it is false, and
 * the principal identifiers that would match. Exit 0 even when the condition is false; 2 for bad input.
 * JSON: one `--token`/`--ksa` → the explanation; several `--ksa` → `{explanations: […]}`.
 */
export async function run(ctx: Ctx, flags: Flags, _args: string[]): Promise<CommandResult> {
  const s = await resolveSettings(ctx, flags, [], inputProblems(flags));
  const sources = flags.token !== undefined
    ? [readToken(ctx, flags.token)]
    : s.access.ksas.map((k) => synthesize(ctx, s, k as KsaRef));
  const results = sources.map((src) => explainOne(ctx, s, src));
  const text = results.map((r) => renderExplanation(r, ctx.colors)).join('\n');
  return { result: results.length === 1 ? results[0] : { explanations: results }, text };
}
