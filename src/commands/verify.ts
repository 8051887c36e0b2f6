import type { Ctx } from '../core/context.js';
import { OperationError, UsageError } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import { sleep } from '../core/retry.js';
import type { StepHandle } from '../core/log.js';
import type { RawFlags } from '../model/flags.js';
import { parseKsa, resolveSettings, type KsaRef, type Settings } from '../model/settings.js';
import {
  failed, formatStages, notApplicable, parseDuration, passed, skippedAfter, STAGE_TITLES, type StageName, type StageResult,
} from '../plan/verify.js';
import { openVerify } from './verify-setup.js';
import { providerName } from '../plan/names.js';
import { stageGrants } from './verify-grants.js';
import { stageClaims, stageCondition, stageImpersonation, stagePod, stageSts, stageToken, type Outcome, type VerifyRun } from './verify-stages.js';
import { tokenPreview } from './verify-exchange.js';

/**
 * `wif verify`: prove that a KSA gets Google credentials, stage by stage (SPEC §1), reading wif.yaml so no
 * flags are needed after init. The first failing stage is named with its cause and fix and the rest are
 * skipped; `--wait` retries only propagation errors. Exit 1 when a stage fails.
 */
type StageFn = (r: VerifyRun) => Promise<Outcome | { skip: string }>;

/** The KSA to verify: --ksa, else wif.yaml's workload, else its first granted KSA. */
export function pickKsa(flags: RawFlags, s: Settings): KsaRef {
  const given = flags.ksa?.[0] ?? (s.workload.namespace && s.workload.ksa ? `${s.workload.namespace}/${s.workload.ksa}` : undefined) ?? s.config?.grants.find((g) => g.ksa)?.ksa;
  const k = given === undefined ? undefined : parseKsa(given);
  if (!k || typeof k === 'string') {
    throw new UsageError('input.missing', given ? `--ksa: "${given}" is not NAMESPACE/NAME` : '--ksa is required: the Kubernetes service account to verify, as NAMESPACE/NAME', {
      hint: 'Pass --ksa NAMESPACE/NAME (wif init records the granted KSAs in wif.yaml, so verify then needs no flags).',
    });
  }
  return k;
}

function stagePlan(r: VerifyRun, pod: string | undefined, s: Settings): [StageName, StageFn | string][] {
  return [
    ['ksa-token', stageToken],
    ['claims', stageClaims],
    ['condition', stageCondition],
    ['sts', stageSts],
    r.serviceAccount
      ? ['impersonation', stageImpersonation]
      : ['grants', (x) => stageGrants(x, { projectId: String(s.project.id), platform: s.cluster.platform, grants: s.config?.grants ?? [] })],
    ['pod', pod ? (x) => stagePod(x, pod) : 'not requested (pass --pod NAME to run gcloud inside a pod)'],
  ];
}

/** Run one stage; while it fails with a propagation error and --wait allows, try again. */
async function runStage(r: VerifyRun, name: StageName, fn: StageFn, deadline: number, h: StepHandle, label: string): Promise<StageResult> {
  for (let attempt = 1, delay = 5000; ; attempt++, delay = Math.min(delay * 2, 20_000)) {
    h.update(label);
    const out = await fn(r);
    if ('skip' in out) return notApplicable(name, out.skip);
    if ('ok' in out) return passed(name, attempt > 1 ? `${out.ok} (after ${attempt} attempts)` : out.ok);
    const left = deadline - r.ctx.now().getTime();
    if (!out.propagation || left <= 0) {
      return failed(name, attempt > 1 ? { ...out, detail: `${out.detail} (still failing after ${attempt} attempts; --wait ran out)` } : out);
    }
    const note = `${label}: ${out.cause}, waiting for IAM propagation (attempt ${attempt}, ${Math.ceil(left / 1000)} s left)`;
    h.update(note);
    r.ctx.log.debug(note);
    await sleep(Math.min(delay, left), r.ctx.signal);
  }
}

/** The stages in order under one progress line; after a failure the rest are skipped. */
async function runStages(r: VerifyRun, plan: [StageName, StageFn | string][], waitMs: number): Promise<StageResult[]> {
  const deadline = r.ctx.now().getTime() + waitMs;
  const who = `${r.ksa.namespace}/${r.ksa.name}`;
  const h = r.ctx.log.step(`Verifying ${who}`);
  const out: StageResult[] = [];
  let failedAt: StageName | undefined;
  for (const [i, [name, fn]] of plan.entries()) {
    if (typeof fn === 'string') out.push(notApplicable(name, fn));
    else if (failedAt) out.push(skippedAfter(name, failedAt));
    else {
      const t0 = performance.now();
      const res = await runStage(r, name, fn, deadline, h, `Verifying ${who}: ${i + 1}/${plan.length} ${STAGE_TITLES[name]}`);
      out.push({ ...res, durationMs: Math.round(performance.now() - t0) });
      if (!res.ok) failedAt = name;
    }
  }
  if (failedAt) h.fail(`Verifying ${who}: stage ${out.findIndex((x) => x.name === failedAt) + 1} (${failedAt}) failed`);
  else h.done(`Verifying ${who}: every stage passed`);
  return out;
}

function summary(r: VerifyRun, printToken: boolean): Record<string, unknown> | undefined {
  const t = r.final;
  if (!t) return undefined;
  return { preview: tokenPreview(t.token), ...(t.expiry ? { expiresAt: new Date(t.expiry).toISOString() } : {}), ...(printToken ? { token: t.token } : {}) };
}

export interface VerifyOptions {
  waitMs: number;
  pod?: string;
  printToken: boolean;
}

/** Verify `ksa` with resolved settings (also what `wif init` runs at its end). */
export async function verifyWith(ctx: Ctx, s: Settings, ksa: KsaRef, o: VerifyOptions): Promise<CommandResult> {
  const r = await openVerify(ctx, s, ksa);
  try {
    const stages = await runStages(r, stagePlan(r, o.pod, s), o.waitMs);
    const token = summary(r, o.printToken);
    const result = { ksa: `${ksa.namespace}/${ksa.name}`, provider: r.gke ? r.ref.poolId : providerName(r.ref), ok: stages.every((x) => x.ok), stages, ...(token ? { accessToken: token } : {}) };
    const c = ctx.colors;
    let text = formatStages(stages, { ok: c.green, bad: c.red, dim: c.dim });
    const bad = stages.find((x) => x.status === 'failed');
    if (!bad) text += `\n\n${c.green('✔')} ${result.ksa} gets Google access tokens: ${o.printToken ? r.final?.token : token?.preview}${token?.expiresAt ? ` (expires ${token.expiresAt})` : ''}`;
    if (!bad) return { result, text };
    const n = stages.indexOf(bad) + 1;
    const error = new OperationError(`verify.${bad.cause ?? 'failed'}`, `verify failed at stage ${n} (${bad.name}): ${bad.detail}`, { hint: bad.fix ?? undefined });
    return { result, text, error };
  } finally {
    r.api?.close();
  }
}

/** Parse `--wait` (default 0). */
export function waitOf(flags: RawFlags): number {
  const ms = parseDuration(typeof flags.wait === 'string' ? flags.wait : '0');
  if (ms === undefined) throw new UsageError('input.invalid', `--wait: "${flags.wait}" is not a duration`, { hint: 'Use e.g. --wait 90s, --wait 5m, or --wait 0.' });
  return ms;
}

export async function run(ctx: Ctx, flags: RawFlags, _args: string[]): Promise<CommandResult> {
  const s = await resolveSettings(ctx, flags, ['project', 'pool', 'provider']);
  const ksa = pickKsa(flags, s);
  return verifyWith(ctx, s, ksa, { waitMs: waitOf(flags), pod: typeof flags.pod === 'string' ? flags.pod : undefined, printToken: !!flags.printToken });
}
