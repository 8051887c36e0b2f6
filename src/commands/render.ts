import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { googleEndpoint } from '../cloud/google/auth.js';
import type { Ctx } from '../core/context.js';
import { assertNoProblems, OperationError, UsageError, type Problem } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import type { CommandResult } from '../core/output.js';
import type { RawFlags } from '../model/flags.js';
import { resolveSettings, type Settings } from '../model/settings.js';
import { parseKubernetesMinor, validateCredentialProvider, type CredentialProviderInput } from '../render/credential-provider.js';
import { resolveWorkload, type RenderNeeds } from '../render/inputs.js';
import {
  RENDER_KINDS, renderAllKind, renderConfigMapKind, renderCredConfigKind, renderCredentialProviderKind, renderPatchKind,
  renderPodKind, renderServiceAccountKind, type RenderKind, type Rendering, type Workload,
} from '../render/kinds.js';
import { parseWorkloadKind, podSpecPath, validatePatchTarget, type PatchTarget } from '../render/patch.js';
import { workloadFromManifest } from '../render/patch-source.js';

/**
 * `wif render KIND`: write the workload files offline (no API is called). Inputs come from flags over
 * wif.yaml; `WIF_GOOGLE_API_ENDPOINT` (the sandbox) redirects the cred-config's STS/IAM Credentials URLs.
 * With `--out DIR` each file is written atomically under a stable name; otherwise stdout gets the content.
 */
type Flags = RawFlags & { kind?: string; name?: string; container?: string[]; from?: string; kubernetesVersion?: string; registry?: string[]; image?: string };

const NEEDS: Record<RenderKind, RenderNeeds> = {
  'cred-config': { provider: true, ksa: false },
  configmap: { provider: true, ksa: false },
  serviceaccount: { provider: false, ksa: true },
  pod: { provider: true, ksa: true },
  patch: { provider: true, ksa: true },
  'credential-provider': { provider: true, ksa: false },
  all: { provider: true, ksa: true },
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function parseKind(args: string[]): RenderKind {
  const k = args[0];
  if (k && (RENDER_KINDS as readonly string[]).includes(k)) return k as RenderKind;
  throw new UsageError('render.kind', k ? `unknown kind "${k}" for wif render` : 'wif render needs a KIND', {
    hint: `Use one of: ${RENDER_KINDS.join(', ')} (e.g. wif render all --out k8s/).`,
  });
}

export async function run(ctx: Ctx, flags: Flags, args: string[]): Promise<CommandResult> {
  const kind = parseKind(args);
  // Generic validation first (every shared input at once); then what only rendering checks (render/inputs.ts).
  const s = await resolveSettings(ctx, flags, NEEDS[kind].provider ? ['projectNumber', 'pool', 'provider'] : []);
  const rendering = build(ctx, kind, s, flags);
  const out = typeof flags.out === 'string' ? flags.out : undefined;
  if (out) return writeFiles(ctx, kind, rendering, out);
  return {
    result: { kind, files: rendering.files.map((f) => ({ name: f.name, kind: f.kind, content: f.content })), notes: rendering.notes },
    text: rendering.stdout,
    verbatim: kind === 'cred-config' && !ctx.io.stdout.isTTY,
  };
}

function build(ctx: Ctx, kind: RenderKind, s: Settings, flags: Flags): Rendering {
  const what = `\`wif render ${kind}\``;
  const r = resolveWorkload(s, NEEDS[kind], what, { endpoint: googleEndpoint(ctx.io.env), tokenLifetimeFlag: str(flags.tokenLifetime) });
  const problems: Problem[] = [...r.problems];
  const w = r.input as Workload;
  const pod = { name: flags.name, image: flags.image };
  if (kind === 'patch') {
    const target = patchTarget(ctx, flags, w, problems);
    assertNoProblems(problems);
    return renderPatchKind(w, target!);
  }
  if (kind === 'credential-provider') {
    problems.push(...validateCredentialProvider(flags.kubernetesVersion, flags.registry ?? []));
    assertNoProblems(problems);
    const i: CredentialProviderInput = {
      provider: w.provider, allowedAudiences: w.allowedAudiences, minor: parseKubernetesMinor(flags.kubernetesVersion)!,
      registries: flags.registry ?? [], serviceAccountNames: [...new Set(r.ksas.map((k) => k.name))],
    };
    return renderCredentialProviderKind(i);
  }
  assertNoProblems(problems);
  switch (kind) {
    case 'cred-config': return renderCredConfigKind(w);
    case 'configmap': return renderConfigMapKind(w);
    case 'serviceaccount': return renderServiceAccountKind(w);
    case 'pod': return renderPodKind(w, pod);
    default: return renderAllKind(w, pod);
  }
}

/** The workload to patch and its container names: `--container` or read from `--from FILE`. */
function patchTarget(ctx: Ctx, flags: Flags, w: Workload, problems: Problem[]): PatchTarget | undefined {
  const kind = parseWorkloadKind(flags.kind);
  const containers = flags.container ?? [];
  const namespace = w.namespace;
  problems.push(...validatePatchTarget(flags.kind, flags.name, containers, !!flags.from));
  if (!kind || problems.length) return undefined;
  if (flags.from) {
    const file = isAbsolute(flags.from) ? flags.from : resolve(ctx.io.cwd, flags.from);
    const text = readText(file, flags.from);
    const found = workloadFromManifest(text, flags.from, kind, flags.name, namespace);
    return { kind, name: found.name, namespace: found.namespace ?? namespace, containers: containers.length ? containers : found.containers, initContainers: containers.length ? [] : found.initContainers };
  }
  if (!containers.length) {
    problems.push({
      input: '--container', rule: 'patch.containers',
      message: 'a strategic-merge patch merges containers by name, so it needs the name of each container to change',
      hint: `Pass --container NAME for each (kubectl get ${kind.toLowerCase()} ${flags.name} -o jsonpath='{.${podSpecPath(kind).join('.')}.containers[*].name}'), or --from FILE with the workload's manifest.`,
    });
    return undefined;
  }
  return { kind, name: flags.name!, namespace, containers };
}

function readText(file: string, shown: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError('render.from.unreadable', `--from ${shown}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'Pass the workload manifest, e.g. `kubectl get deploy NAME -o yaml > deploy.yaml`.' });
  }
}

function writeFiles(ctx: Ctx, kind: RenderKind, r: Rendering, out: string): CommandResult {
  const dir = isAbsolute(out) ? out : resolve(ctx.io.cwd, out);
  const files = r.files.map((f) => {
    const path = join(dir, f.name);
    try {
      writeFileAtomic(path, f.content);
    } catch (e) {
      throw new OperationError('render.write', `--out ${out}: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'Pass a directory you can write to (it is created if missing).' });
    }
    return { path, kind: f.kind };
  });
  const lines = files.map((f) => `wrote ${f.path} (${f.kind})`);
  const notes = [...r.notes];
  const manifests = files.filter((f) => f.path.endsWith('.yaml') && kind !== 'credential-provider');
  // Not `kubectl apply -f DIR`: kubectl would also read credential-configuration.json as a manifest.
  if (kind === 'all') notes.push(`apply with: kubectl apply ${manifests.map((f) => `-f ${f.path}`).join(' ')}`);
  return { result: { kind, files, notes }, text: [...lines, ...notes.map((n) => `note: ${n}`)].join('\n') };
}
