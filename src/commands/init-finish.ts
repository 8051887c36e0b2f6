/**
 * After init's plan is applied: record wif.yaml, render the workload files (render/ kinds, atomically written),
 * and optionally `kubectl apply` the manifests (Namespace if missing, KSAs, ConfigMap, test pod).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { mergeGrantRecords, updateWifYaml } from '../apply/record.js';
import { googleEndpoint } from '../cloud/google/auth.js';
import type { Kubectl } from '../cloud/kube/kubectl.js';
import type { Ctx } from '../core/context.js';
import { assertNoProblems } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import type { Grant, WifYaml, WifYamlInput } from '../model/config.js';
import type { KsaRef, Settings } from '../model/settings.js';
import { resolveWorkload } from '../render/inputs.js';
import { renderAllKind, FILE_NAMES, type Workload } from '../render/kinds.js';
import { DEFAULT_POD_NAME, renderConfigMap, renderPod, renderServiceAccount } from '../render/manifests.js';
import { toYaml, toYamlStream } from '../render/yaml.js';

type Obj = Record<string, unknown>;
export const ksasOf = (s: Settings): KsaRef[] => s.access.ksas.filter((k): k is KsaRef => typeof k !== 'string');

/** wif.yaml after init: everything decided, grants merged into what was recorded before. */
export function initRecord(cfg: WifYaml | undefined, s: Settings, project: { id: string; number: string }, jwksUploaded: boolean): WifYamlInput {
  const ksas = ksasOf(s);
  const base = { roles: s.access.roles, ...(s.access.resource ? { resource: s.access.resource } : {}), ...(s.serviceAccount ? { serviceAccount: s.serviceAccount.email } : {}) };
  const grants: Grant[] = ksas.map((k) => ({ ksa: `${k.namespace}/${k.name}`, ...base }));
  const lifetime = typeof s.serviceAccount?.tokenLifetime === 'number' ? s.serviceAccount.tokenLifetime : undefined;
  return {
    version: 1,
    project,
    cluster: { context: s.cluster.context, ...(s.cluster.kubeconfig ? { kubeconfig: s.cluster.kubeconfig } : {}), platform: s.cluster.platform as never, issuer: s.provider.issuerUri, jwksUploaded, ...(s.cluster.identity ? { identity: s.cluster.identity } : {}) },
    pool: { ...(cfg && cfg.pool.id === s.pool.id ? cfg.pool : {}), id: s.pool.id! },
    provider: {
      id: s.provider.id!, issuerUri: s.provider.issuerUri, attributeMapping: s.provider.attributeMapping, allowedAudiences: s.provider.allowedAudiences,
      ...(s.provider.attributeCondition ? { attributeCondition: s.provider.attributeCondition } : {}),
    },
    ...(s.serviceAccount ? { serviceAccount: { email: s.serviceAccount.email, ...(s.serviceAccount.create ? { create: true } : {}), ...(lifetime ? { tokenLifetime: lifetime } : {}) } } : {}),
    grants: mergeGrantRecords(cfg?.grants ?? [], grants, 'grant'),
    workload: {
      namespace: ksas[0]?.namespace, ksa: ksas[0]?.name, tokenPath: s.workload.tokenPath,
      tokenExpiration: typeof s.workload.tokenExpiration === 'number' ? s.workload.tokenExpiration : 3600,
      configMapName: s.workload.configMapName, ...(s.workload.out ? { outDir: s.workload.out } : {}),
    },
  };
}

/** Write wif.yaml atomically (only when it changed). */
export async function recordInit(s: Settings, project: { id: string; number: string }, jwksUploaded: boolean): Promise<boolean> {
  return updateWifYaml(s.configPath, (cfg) => initRecord(cfg, s, project, jwksUploaded));
}

/** The workload input for one KSA (render/inputs.ts), with the sandbox endpoint override when set. */
export function workloadFor(ctx: Ctx, s: Settings, project: { number: string }, k: KsaRef): Workload {
  const one: Settings = { ...s, project: { ...s.project, number: project.number }, access: { ...s.access, ksas: [k] } };
  const r = resolveWorkload(one, { provider: true, ksa: true }, '`wif init`', { endpoint: googleEndpoint(ctx.io.env) });
  assertNoProblems(r.problems);
  return r.input as Workload;
}

/** GKE pods get their token from the metadata server: the KSA (annotated for impersonation) and a plain pod. */
function gkeManifests(w: Workload, serviceAccount: string | undefined): Obj[] {
  const sa = renderServiceAccount(w) as { metadata: Obj };
  if (serviceAccount) sa.metadata.annotations = { 'iam.gke.io/gcp-service-account': serviceAccount };
  const pod = renderPod(w) as { spec: { containers: Obj[]; volumes?: unknown } };
  delete pod.spec.volumes;
  for (const c of pod.spec.containers) { delete c.env; delete c.volumeMounts; }
  return [sa, pod];
}

export interface Rendered {
  dir: string;
  files: string[];
  /** What --apply-manifests applies: KSAs, ConfigMaps (one per namespace), the test pod of the first KSA. */
  manifests: Obj[];
  podName: string;
}

/** Render every file for the first KSA into the output directory; manifests for all KSAs. */
export function renderInit(ctx: Ctx, s: Settings, project: { number: string }, gke: boolean): Rendered {
  const ksas = ksasOf(s);
  const dir = isAbsolute(s.workload.out ?? 'wif-out') ? s.workload.out! : resolve(ctx.io.cwd, s.workload.out ?? 'wif-out');
  const ws = ksas.map((k) => workloadFor(ctx, s, project, k));
  const written: string[] = [];
  const write = (name: string, content: string) => { writeFileAtomic(join(dir, name), content); written.push(join(dir, name)); };
  if (gke) {
    const [sa, pod] = gkeManifests(ws[0], s.serviceAccount?.email);
    write(FILE_NAMES.serviceaccount, toYaml(sa));
    write(FILE_NAMES.pod, toYaml(pod));
    return { dir, files: written, manifests: [...ws.map((w) => gkeManifests(w, s.serviceAccount?.email)[0]), pod], podName: DEFAULT_POD_NAME };
  }
  for (const f of renderAllKind(ws[0]).files) write(f.name, f.content);
  const perNs = [...new Map(ws.map((w) => [w.namespace, w])).values()];
  return { dir, files: written, manifests: [...ws.map((w) => renderServiceAccount(w)), ...perNs.map((w) => renderConfigMap(w)), renderPod(ws[0])], podName: DEFAULT_POD_NAME };
}

/** `kubectl apply` the manifests, creating missing namespaces first; waits (bounded) for the pod to run. */
export async function applyManifests(ctx: Ctx, k: Kubectl, r: Rendered): Promise<string[]> {
  const namespaces = [...new Set(r.manifests.map((m) => (m.metadata as { namespace?: string }).namespace).filter((n): n is string => !!n))];
  const missing: Obj[] = [];
  for (const ns of namespaces) if (!(await k.get('namespace', ns))) missing.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const h = ctx.log.step(`kubectl apply: ${[...missing, ...r.manifests].map((m) => `${String(m.kind).toLowerCase()}/${(m.metadata as { name: string }).name}`).join(', ')}`);
  try {
    // A YAML stream rather than a v1 List: every server validates its items, not all know the List kind.
    const applied = await k.apply(toYamlStream([...missing, ...r.manifests].map((doc) => ({ doc }))));
    h.done();
    return applied.map((m) => `${String(m.kind).toLowerCase()}/${(m.metadata as { name?: string })?.name ?? ''}`);
  } catch (e) {
    h.fail();
    throw e;
  }
}

/** Poll the pod until it runs (or `timeoutMs` passes): verify's in-pod stage needs a running container. */
export async function waitForPod(ctx: Ctx, k: Kubectl, name: string, namespace: string, timeoutMs = 90_000): Promise<boolean> {
  const { sleep } = await import('../core/retry.js');
  const until = ctx.now().getTime() + timeoutMs;
  for (;;) {
    const pod = await k.get<{ status?: { phase?: string } }>('pod', name, namespace);
    if (pod?.status?.phase === 'Running') return true;
    if (ctx.now().getTime() >= until) return false;
    await sleep(1000, ctx.signal);
  }
}
