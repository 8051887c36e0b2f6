import { observeCluster, type ClusterObservation } from '../cloud/kube/observe.js';
import type { Ctx } from '../core/context.js';
import { OperationError } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import type { RawFlags } from '../model/flags.js';
import { resolveSettings } from '../model/settings.js';
import type { Platform } from '../plan/detect.js';

/**
 * `wif detect [--context X] [--kubeconfig F] [--platform P]`: which platform the context is, its identity, the
 * issuer, whether Google can reach it and so whether the JWKS must be uploaded (SPEC §1). Read-only. Exit 1
 * when a cross-check fails or a needed read is refused (the result is still printed); exit 2 for an unknown
 * context or bad flags.
 */
export async function run(ctx: Ctx, flags: RawFlags, _args: string[]): Promise<CommandResult> {
  const s = await resolveSettings(ctx, flags);
  const step = ctx.log.step('Reading the cluster and its cloud API');
  let o: ClusterObservation;
  try {
    o = await observeCluster({
      context: s.cluster.context, kubeconfig: s.cluster.kubeconfig, platform: flags.platform as Platform | undefined,
      env: ctx.io.env, cwd: ctx.io.cwd, accessTokenFile: s.accessTokenFile, signal: ctx.signal, log: ctx.log,
    });
  } catch (e) {
    step.fail();
    throw e;
  }
  const errors = o.findings.filter((f) => f.severity === 'error');
  if (errors.length) step.fail(`${o.context}: ${errors.length} problem(s)`);
  else step.done(`${o.context}: ${o.platform}`);
  const error = errors.length
    ? new OperationError(errors[0].code, errors.length > 1 ? `${errors[0].message} (and ${errors.length - 1} more problem(s), listed above)` : errors[0].message, { hint: errors[0].hint })
    : undefined;
  return { result: detectResult(o), text: detectText(ctx, o), error };
}

/** The JSON result (SPEC §1 fields: platform, issuer, jwksUploadRequired, cluster, evidence). */
export function detectResult(o: ClusterObservation): Record<string, unknown> {
  const c = o.classification;
  return {
    context: o.context,
    server: o.server,
    platform: o.platform,
    confidence: c.confidence,
    ...(c.distribution ? { distribution: c.distribution } : {}),
    cluster: o.cluster,
    issuer: o.issuer ?? null,
    issuerPublic: o.assessment?.publiclyReachable ?? false,
    jwksUploadRequired: o.jwksUploadRequired,
    issuerReasons: o.assessment?.reasons ?? [],
    issuerSources: o.issuerSources,
    evidence: c.evidence,
    scores: c.scores,
    identitySources: o.identitySources,
    gitVersion: o.gitVersion ?? null,
    jwks: o.jwks ?? null,
    checks: o.checks,
    findings: o.findings,
  };
}

function detectText(ctx: Ctx, o: ClusterObservation): string {
  const c = ctx.colors;
  const row = (k: string, v: string) => `${c.bold(k.padEnd(12))} ${v}`;
  const id = Object.entries(o.cluster).map(([k, v]) => `${k}=${v}`).join('  ');
  const cls = o.classification;
  const lines = [
    row('Context', `${o.context}${o.server ? c.dim(`  ${o.server}`) : ''}`),
    row('Platform', `${o.platform}${cls.distribution ? ` (${cls.distribution})` : ''}  ${c.dim(`${cls.confidence} confidence`)}`),
    row('Cluster', id || c.dim('(no identity)')),
    row('Version', o.gitVersion ?? c.dim('unknown')),
    row('Issuer', o.issuer ?? c.red('unknown')),
    row('Reachable', o.assessment?.publiclyReachable ? 'yes: Google fetches the discovery document and JWKS itself' : `no: ${(o.assessment?.reasons ?? ['issuer unknown']).join('; ')}`),
    row('JWKS upload', o.jwksUploadRequired ? c.yellow('required (the provider gets the cluster\'s JWKS)') : 'not required'),
    '',
    c.bold('Evidence'),
    ...cls.evidence.map((e) => `  ${e.platform.padEnd(11)} ${e.weight.toFixed(2)}  ${e.signal}: ${e.detail}  ${c.dim(e.value)}`),
  ];
  if (o.checks.length) lines.push('', c.bold('Checks'), ...o.checks.map((k) => `  ${k.ok ? c.green('✔') : c.red('✖')} ${k.name}: ${k.detail}`));
  const warnings = o.findings.filter((f) => f.severity === 'warning');
  if (warnings.length) lines.push('', ...warnings.map((w) => `${c.yellow('warning')}: ${w.message}${w.hint ? `\n  ${c.cyan('hint')}: ${w.hint}` : ''}`));
  const errors = o.findings.filter((f) => f.severity === 'error').slice(1);
  if (errors.length) lines.push('', ...errors.map((w) => `${c.red('error')} [${w.code}]: ${w.message}${w.hint ? `\n  ${c.cyan('hint')}: ${w.hint}` : ''}`));
  return lines.join('\n');
}
