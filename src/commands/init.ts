import { isAbsolute, resolve } from 'node:path';
import { flowReport, planAndApply } from '../apply/flow.js';
import { openGoogle } from '../apply/preflight.js';
import { resolveProviderSource } from '../apply/provider-source.js';
import type { Kubectl } from '../cloud/kube/kubectl.js';
import type { ClusterObservation } from '../cloud/kube/observe.js';
import type { Ctx } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import { readWifYaml } from '../model/config.js';
import type { RawFlags } from '../model/flags.js';
import { resolveSettings, type Settings } from '../model/settings.js';
import { equivalentCommand } from '../plan/init.js';
import type { ProviderWant } from '../plan/provider.js';
import { makeAsker } from '../wizard/ask.js';
import { askInit, type Answers } from '../wizard/init.js';
import { initData } from './init-data.js';
import { applyManifests, ksasOf, recordInit, renderInit, waitForPod, type Rendered } from './init-finish.js';
import { isGkePool, planInit } from './init-plan.js';
import { verifyWith, waitOf } from './verify.js';

/**
 * `wif init`: the wizard over the same input as the flags (SPEC §1). Asks only what flags did not answer
 * (never with --yes or without a terminal: a missing answer is a usage error naming its flag), shows ONE plan
 * (pool, provider, service account, bindings), applies it with progress, records wif.yaml, renders the files,
 * optionally applies the manifests, runs verify, and prints the equivalent non-interactive command.
 * Ctrl-C exits 130: files and wif.yaml are only ever written atomically, after the apply.
 */
type InitFlags = RawFlags & { verify?: boolean; applyManifests?: boolean };

const GLOBAL = new Set(['output', 'json', 'config', 'verbose', 'color', 'verify', 'yes', 'dryRun', 'accessTokenFile', 'kubeconfig']);

async function settingsOf(ctx: Ctx, answers: Answers, data: ReturnType<typeof initData>): Promise<Settings> {
  const s = await resolveSettings(ctx, answers as RawFlags, ['project', 'pool', 'provider', 'ksa']);
  const o = data.observation();
  if (o) {
    s.cluster.context = o.context;
    s.cluster.identity = Object.keys(o.cluster).length ? o.cluster : undefined;
    s.provider.issuerUri ??= o.issuer;
    s.cluster.issuer = s.provider.issuerUri;
  }
  if (!s.provider.issuerUri) throw new UsageError('input.missing', "--issuer-uri is required: the cluster's issuer could not be detected", { hint: 'Pass --issuer-uri (see wif detect).' });
  return s;
}

async function providerWant(ctx: Ctx, s: Settings, o: ClusterObservation | undefined): Promise<ProviderWant | undefined> {
  if (isGkePool(s)) return undefined;
  // Detection already read this context's JWKS: one kubectl call fewer (bench/RESULTS.md).
  const src = await resolveProviderSource(ctx, s, o?.jwks && o.context === s.cluster.context ? JSON.stringify(o.jwks) : undefined);
  return {
    poolId: s.pool.id!, providerId: s.provider.id!, issuerUri: src.issuerUri, attributeMapping: s.provider.attributeMapping,
    allowedAudiences: s.provider.allowedAudiences, attributeCondition: s.provider.attributeCondition, jwksJson: src.jwksJson,
  };
}

export async function run(ctx: Ctx, flags: InitFlags, _args: string[]): Promise<CommandResult> {
  const configPath = isAbsolute(ctx.global.config) ? ctx.global.config : resolve(ctx.io.cwd, ctx.global.config);
  const data = initData(ctx, flags, await readWifYaml(configPath));
  const asker = makeAsker(ctx.prompt, !!flags.yes || !ctx.interactive);
  const { answers } = await askInit(asker, data, { ...flags });
  const waitMs = waitOf(answers as RawFlags);
  const s = await settingsOf(ctx, answers, data);
  const want = await providerWant(ctx, s, data.observation());
  const g = await openGoogle(ctx, s);
  try {
    const what = `wif init of ${s.cluster.context} in pool ${s.pool.id}`;
    const f = await planAndApply(ctx, s, g, { what, makePlan: () => planInit(g, s, want, ctx.log) });
    const command = equivalentCommand(Object.fromEntries(Object.entries(answers).filter(([k]) => !GLOBAL.has(k))), { verify: flags.verify !== false, config: ctx.global.config });
    const report = flowReport(ctx, g, f, { what });
    if (f.decision === 'dry-run') return { ...report, text: `${report.text}\n\nTo apply: ${command}`, result: { ...(report.result as object), command } };
    const written = await recordInit(s, g.project, want?.jwksJson !== undefined);
    const rendered = renderInit(ctx, s, g.project, isGkePool(s));
    const k = data.observation()?.kubectl;
    const applied = answers.applyManifests === true && k ? await applyManifests(ctx, k, rendered) : [];
    const pod = await podToVerify(ctx, s, applied, rendered, k);
    const v = flags.verify === false ? undefined : await verifyAfterInit(ctx, flags, s, { waitMs, pod });
    return finish(ctx, { report, rendered, applied, written, configPath: s.configPath, command, verify: v });
  } finally {
    g.api.close();
  }
}

/**
 * The test pod verify execs into, once it runs. Not on GKE: there the pod's token comes from the GKE metadata
 * server, which only real GKE nodes run (`wif verify --pod wif-verify` checks it on a real cluster).
 */
async function podToVerify(ctx: Ctx, s: Settings, applied: string[], r: Rendered, k: Kubectl | undefined): Promise<string | undefined> {
  if (!applied.length || !k) return undefined;
  if (isGkePool(s)) {
    ctx.log.info(`GKE: the in-pod check is not run here (the pod uses the GKE metadata server); run wif verify --pod ${r.podName} once it is Running.`);
    return undefined;
  }
  return (await waitForPod(ctx, k, r.podName, ksasOf(s)[0].namespace)) ? r.podName : undefined;
}

/** Verify exactly as `wif verify` would after init: settings re-read from the wif.yaml just written. */
async function verifyAfterInit(ctx: Ctx, flags: InitFlags, s: Settings, o: { waitMs: number; pod?: string }): Promise<CommandResult> {
  ctx.log.info('Verifying…');
  const fresh = await resolveSettings(ctx, { accessTokenFile: flags.accessTokenFile, kubeconfig: flags.kubeconfig } as RawFlags, ['project', 'pool', 'provider']);
  return verifyWith(ctx, fresh, ksasOf(s)[0], { waitMs: o.waitMs, pod: o.pod, printToken: false });
}

interface Finish {
  report: CommandResult;
  rendered: Rendered;
  applied: string[];
  written: boolean;
  configPath: string;
  command: string;
  verify?: CommandResult;
}

function finish(ctx: Ctx, f: Finish): CommandResult {
  const c = ctx.colors;
  const lines = [f.report.text ?? '', '', `${c.bold('Files')} in ${f.rendered.dir}:`, ...f.rendered.files.map((x) => `  ${x}`)];
  if (f.applied.length) lines.push('', `${c.bold('Applied')} with kubectl: ${f.applied.join(', ')}`);
  else lines.push('', `Apply them with kubectl (or re-run with --apply-manifests): kubectl apply -f ${f.rendered.dir}/serviceaccount.yaml -f ${f.rendered.dir}/configmap.yaml`);
  lines.push(`${f.written ? 'Wrote' : 'Unchanged:'} ${f.configPath}`);
  if (f.verify) lines.push('', c.bold('Verify'), f.verify.text ?? '');
  lines.push('', `${c.bold('Equivalent command')} (CI, re-runs):`, `  ${f.command}`);
  const result = {
    ...(f.report.result as object), files: f.rendered.files, manifests: f.applied, wifYaml: f.configPath, command: f.command,
    ...(f.verify ? { verify: f.verify.result } : {}),
  };
  return { result, text: lines.join('\n'), error: f.verify?.error };
}
