/**
 * Preflight, before anything changes: connect to Google, resolve the project ID ↔ number (checking a recorded
 * number), and make sure the APIs WIF needs are enabled — offering to enable them (a prompt; `--yes` enables;
 * non-interactive without `--yes` is a usage error naming the flag). `--dry-run` only plans the enable.
 */
import { googleAccess } from '../cloud/google/auth.js';
import { createGoogleApi, type GoogleApi } from '../cloud/google/http.js';
import { resolveProject } from '../cloud/google/projects.js';
import { checkServices, enableServices } from '../cloud/google/services.js';
import type { Ctx } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import type { Settings } from '../model/settings.js';
import type { Step } from '../plan/plan.js';
import type { AppliedStep } from './apply.js';
import { confirmChanges } from './confirm.js';

export interface GoogleSession {
  api: GoogleApi;
  project: { id: string; number: string };
  /** Dry run with disabled APIs: the step that would enable them (first in the plan). */
  enableStep?: Step;
  /** The APIs enabled by this run. */
  applied: AppliedStep[];
  /** Services still disabled (dry run): observations behind them are skipped. */
  disabled: string[];
}

/** The project from settings, or a usage error naming --project. */
export function requireProject(s: Settings): { id: string; number?: string } {
  if (!s.project.id) {
    throw new UsageError('input.missing', '--project is required: the Google Cloud project that holds the pool', {
      hint: 'Pass --project ID (or set GOOGLE_CLOUD_PROJECT, or run wif init, which records it in wif.yaml).',
    });
  }
  return { id: s.project.id, number: s.project.number };
}

/** Open a Google session for a mutating command (see module doc). The caller must `api.close()` when done. */
export async function openGoogle(ctx: Ctx, s: Settings): Promise<GoogleSession> {
  const given = requireProject(s);
  const api = createGoogleApi({ access: googleAccess({ accessTokenFile: s.accessTokenFile, env: ctx.io.env }), env: ctx.io.env, log: ctx.log, signal: ctx.signal });
  try {
    // Independent reads in parallel: Service Usage accepts the project ID (or number) as given.
    const h = ctx.log.step(`Checking project ${given.id} and the APIs workload identity federation needs`);
    const [project, check] = await Promise.all([resolveProject(api, given), checkServices(api, given.id)]).catch((e) => { h.fail(); throw e; });
    h.done(`Project ${project.id} (number ${project.number})${check.disabled.length ? `: ${check.disabled.join(', ')} not enabled` : ''}`);
    if (check.unknown) ctx.log.warn(`could not check which APIs are enabled (${check.unknown.split('\n')[0]}); continuing`);
    const session: GoogleSession = { api, project, applied: [], disabled: check.disabled };
    if (!check.disabled.length) return session;
    const resource = `projects/${project.id}`;
    const reason = `${check.disabled.join(', ')} ${check.disabled.length === 1 ? 'is' : 'are'} not enabled; workload identity federation needs ${check.disabled.length === 1 ? 'it' : 'them'}`;
    const step: Step = { action: 'enable', kind: 'services', resource, reason, op: { type: 'services.enable', project: project.id, services: check.disabled } };
    const d = await confirmChanges(ctx, s, { changes: 1, what: `Enable ${check.disabled.join(', ')} in project ${project.id}`, key: 'enable-apis' });
    if (d === 'dry-run') return { ...session, enableStep: step };
    const e = ctx.log.step(`Enabling ${check.disabled.join(', ')}`);
    await enableServices(api, project.id, check.disabled, { signal: ctx.signal }).catch((err) => { e.fail(); throw err; });
    e.done();
    return { ...session, disabled: [], applied: [{ action: 'enable', kind: 'services', resource, outcome: 'done' }] };
  } catch (e) {
    api.close();
    throw e;
  }
}
