import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { googleAccess } from '../cloud/google/auth.js';
import { createGoogleApi } from '../cloud/google/http.js';
import { Kubectl } from '../cloud/kube/kubectl.js';
import type { Ctx } from '../core/context.js';
import { OperationError, UsageError } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import type { RawFlags } from '../model/flags.js';
import { resolveSettings } from '../model/settings.js';
import { planDoctor, type Finding } from '../plan/doctor.js';
import { observeForDoctor } from './doctor-observe.js';

/**
 * `wif doctor`: read-only diff of wif.yaml against the cluster and Google (SPEC §1), each finding with a
 * severity and the command that fixes it. Exit 1 when any finding is an error; checks that could not run
 * (no credentials, cluster unreachable) are reported as warnings, never silently passed.
 */
function text(ctx: Ctx, findings: Finding[], where: string): string {
  const c = ctx.colors;
  const mark = { error: c.red('✖ error  '), warning: c.yellow('! warning'), info: c.dim('i info   ') };
  if (!findings.length) return `${c.green('✔')} ${where}: no findings. wif.yaml matches the cluster and Google.`;
  const lines = findings.flatMap((f) => [`${mark[f.severity]} ${c.bold(f.check)}: ${f.message}`, ...(f.fix ? [`           ${c.cyan('fix:')} ${f.fix}`] : [])]);
  const n = (sev: string) => findings.filter((f) => f.severity === sev).length;
  return [...lines, '', `${n('error')} error(s), ${n('warning')} warning(s), ${n('info')} note(s) for ${where}.`].join('\n');
}

export async function run(ctx: Ctx, flags: RawFlags, _args: string[]): Promise<CommandResult> {
  const configPath = isAbsolute(ctx.global.config) ? ctx.global.config : resolve(ctx.io.cwd, ctx.global.config);
  if (!existsSync(configPath)) {
    throw new UsageError('config.missing', `${configPath} does not exist: doctor compares wif.yaml with reality`, { hint: 'Run wif init first, or pass --config FILE.' });
  }
  const s = await resolveSettings(ctx, flags, ['project', 'pool', 'provider']);
  if (!s.config) throw new UsageError('config.missing', `${configPath} could not be read`, { hint: 'Run wif init first, or pass --config FILE.' });
  const env = ctx.io.env;
  const api = createGoogleApi({ access: googleAccess({ accessTokenFile: s.accessTokenFile, env }), env, log: ctx.log, signal: ctx.signal });
  const kubectl = new Kubectl({ context: s.cluster.context, kubeconfig: s.cluster.kubeconfig, env, cwd: ctx.io.cwd, signal: ctx.signal, log: ctx.log });
  const h = ctx.log.step('Reading the cluster, the pool, the provider, IAM policies and APIs');
  try {
    const project = { id: s.project.id!, number: s.project.number ?? s.config.project.number ?? '' };
    if (!project.number) {
      const { resolveProject } = await import('../cloud/google/projects.js');
      project.number = (await resolveProject(api, { id: project.id })).number;
    }
    const findings = planDoctor(await observeForDoctor(ctx, s, api, kubectl, project));
    h.done();
    const errors = findings.filter((f) => f.severity === 'error');
    const where = `${s.cluster.context ?? 'the cluster'} / pool ${s.pool.id}`;
    const result = { ok: !errors.length, findings, counts: { error: errors.length, warning: findings.filter((f) => f.severity === 'warning').length, info: findings.filter((f) => f.severity === 'info').length } };
    const error = errors.length ? new OperationError(`doctor.${errors[0].check}`, `${errors.length} error finding(s); first: ${errors[0].message}`, { hint: errors[0].fix }) : undefined;
    return { result, text: text(ctx, findings, where), error };
  } catch (e) {
    h.fail();
    throw e;
  } finally {
    api.close();
  }
}
