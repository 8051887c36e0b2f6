import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readJwksFile } from '../apply/provider-source.js';
import type { Ctx } from '../core/context.js';
import { OperationError, UsageError, type Problem } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import type { CommandResult } from '../core/output.js';
import type { RawFlags } from '../model/flags.js';
import { resolveSettings, type Settings } from '../model/settings.js';
import { usesGkeForms } from '../plan/grants.js';
import type { RequiredField } from '../plan/validate.js';
import { renderGcloudScript } from '../render/export-gcloud.js';
import { planExport, type ExportInputs, type ExportModel } from '../render/export-model.js';
import { renderTerraform, type Exists } from '../render/export-terraform.js';

/**
 * `wif export --format gcloud|terraform`: the setup recorded in wif.yaml as a runnable gcloud script (the guide's
 * steps) or as Terraform with import blocks. Offline by default: only wif.yaml (and `--jwks-file`) are read, and
 * everything wif.yaml records is taken to exist. `--live` also reads Google: the provider's uploaded JWKS (embedded
 * verbatim) and which resources and bindings really exist (import blocks only for those).
 * Writes to stdout, or atomically to `--out FILE|DIR`.
 */
type Format = 'gcloud' | 'terraform';
const FILE: Record<Format, string> = { gcloud: 'wif-setup.sh', terraform: 'wif.tf' };

function gkeProjectProblem(s: Settings, projectId: string): Problem[] {
  const id = s.cluster.identity?.projectId;
  if (!usesGkeForms(s.cluster.platform, s.pool.id) || !id || id === projectId) return [];
  return [{ input: 'wif.yaml: cluster.identity.projectId', rule: 'export.gke-project', message: `the GKE cluster's project ${id} differs from project ${projectId}: its workload pool's principals need that project's number`, hint: 'Re-run with --live (Google credentials) so export can look the number up.' }];
}

async function settingsFor(ctx: Ctx, flags: RawFlags, live: boolean): Promise<Settings> {
  const configPath = isAbsolute(ctx.global.config) ? ctx.global.config : resolve(ctx.io.cwd, ctx.global.config);
  if (!existsSync(configPath)) {
    throw new UsageError('config.missing', `${configPath} does not exist: export writes out the setup recorded in wif.yaml`, { hint: 'Run wif init first, or pass --config FILE.' });
  }
  const peek = await resolveSettings(ctx, flags, ['project', 'pool']);
  const gke = usesGkeForms(peek.cluster.platform, peek.pool.id);
  const required: RequiredField[] = ['project', 'pool', ...(gke ? [] : ['provider', 'issuer'] as const), ...(live ? [] : ['projectNumber'] as const)];
  return resolveSettings(ctx, flags, required, live ? [] : gkeProjectProblem(peek, String(peek.project.id)));
}

/** Where `--out` writes: into DIR (an existing directory, or a path ending in `/`) under the format's file name. */
function outPath(ctx: Ctx, out: string, format: Format): string {
  const p = isAbsolute(out) ? out : resolve(ctx.io.cwd, out);
  const dir = /[/\\]$/.test(out) || (existsSync(p) && statSync(p).isDirectory());
  return dir ? join(p, FILE[format]) : p;
}

function write(ctx: Ctx, out: string, format: Format, content: string): string {
  const path = outPath(ctx, out, format);
  try {
    writeFileAtomic(path, content, format === 'gcloud' ? 0o755 : 0o644);
  } catch (e) {
    throw new OperationError('export.write', `--out ${out}: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'Pass a file or directory you can write to.' });
  }
  return path;
}

function summary(m: ExportModel): Record<string, unknown> {
  return {
    project: m.project, platform: m.platform, pool: m.pool?.id, provider: m.provider?.id,
    jwks: m.provider?.jwks ? (m.provider.jwks.kind === 'embedded' ? `embedded (${m.provider.jwks.from})` : 'read from the cluster when run') : 'not uploaded',
    serviceAccount: m.serviceAccount ? { email: m.serviceAccount.email, created: m.serviceAccount.create } : undefined,
    bindings: m.bindings.map((b) => ({ resource: b.target.kind === 'project' ? `projects/${b.target.projectId}` : `serviceAccounts/${b.target.email}`, role: b.role, member: b.member })),
  };
}

export async function run(ctx: Ctx, flags: RawFlags, _args: string[]): Promise<CommandResult> {
  const format = flags.format as Format;
  const live = !!flags.live;
  const s = await settingsFor(ctx, flags, live);
  const jwks = s.provider.jwksFile ? { json: readJwksFile(ctx, s.provider.jwksFile), from: 'file' as const } : undefined;
  let inputs: ExportInputs & { exists?: Exists } = { project: { id: s.project.id!, number: s.project.number! }, jwks };
  if (live) {
    const { observeExport } = await import('./export-live.js');
    inputs = await observeExport(ctx, s, jwks);
  }
  const model = planExport(s, inputs);
  if (model.provider?.jwks?.kind === 'cluster') {
    ctx.log.info(format === 'gcloud'
      ? "the issuer is private: the script reads the cluster's JWKS with kubectl when it runs (WIF_JWKS_FILE overrides); --live or --jwks-file embeds it"
      : 'the issuer is private: jwks_json reads cluster-jwks.json beside the .tf (kubectl get --raw /openid/v1/jwks); --live or --jwks-file embeds it');
  }
  let imports = 0;
  const exists: Exists = (what) => { const y = inputs.exists ? inputs.exists(what) : true; if (y) imports++; return y; };
  const content = format === 'gcloud' ? renderGcloudScript(model) : renderTerraform(model, exists);
  const out = typeof flags.out === 'string' ? flags.out : undefined;
  const result = { format, ...summary(model), ...(format === 'terraform' ? { imports } : {}) };
  if (!out) return { result: { ...result, content }, text: content, verbatim: true };
  const path = write(ctx, out, format, content);
  const next = format === 'gcloud' ? `Run it with: bash ${path}` : `Then: terraform init && terraform plan (in ${resolve(path, '..')})`;
  return { result: { ...result, path }, text: `Wrote ${path} (${format === 'gcloud' ? 'gcloud script' : `Terraform, ${imports} import block${imports === 1 ? '' : 's'}`}).\n${next}` };
}
