import type { Problem } from '../core/errors.js';
import kustomizationTpl from '../../templates/kustomization-patch.json' with { type: 'json' };
import { workloadIdentityParts, type Manifest, type WorkloadInput } from './manifests.js';
import { fill } from './template.js';

/**
 * A strategic-merge patch that gives an existing workload the guide's setup: the projected token volume,
 * the cred-config ConfigMap volume, both mounts and both env vars in each named container, and the KSA.
 * Strategic merge matches list items by key (containers and env by `name`, volumeMounts by `mountPath`,
 * volumes by `name`), so the patch adds to what is there; it cannot say "every container", hence the names.
 */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface PatchTarget {
  kind: WorkloadKind;
  name: string;
  namespace?: string;
  containers: string[];
  initContainers?: string[];
}

const API: Record<WorkloadKind, { group: string; version: string; plural: string }> = {
  Deployment: { group: 'apps', version: 'v1', plural: 'deployment' },
  StatefulSet: { group: 'apps', version: 'v1', plural: 'statefulset' },
  DaemonSet: { group: 'apps', version: 'v1', plural: 'daemonset' },
  Job: { group: 'batch', version: 'v1', plural: 'job' },
  CronJob: { group: 'batch', version: 'v1', plural: 'cronjob' },
};

/** `deployment`, `Deployment`, `DEPLOYMENT` → `Deployment`; undefined when not a supported kind. */
export function parseWorkloadKind(s: string | undefined): WorkloadKind | undefined {
  return WORKLOAD_KINDS.find((k) => k.toLowerCase() === s?.trim().toLowerCase());
}

/** Where the pod template's spec lives: CronJobs nest it under the job template. */
export function podSpecPath(kind: WorkloadKind): string[] {
  return kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template', 'spec'] : ['spec', 'template', 'spec'];
}

function nest(path: string[], leaf: unknown): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), leaf as Record<string, unknown>);
}

/** The patch document (apiVersion/kind/metadata included so kubectl and kustomize both accept it). Pure. */
export function renderPatch(w: WorkloadInput & { ksa: string }, t: PatchTarget): Manifest {
  const parts = workloadIdentityParts(w);
  const container = (name: string) => ({ name, env: parts.env, volumeMounts: parts.volumeMounts });
  const podSpec: Record<string, unknown> = { serviceAccountName: w.ksa };
  if (t.initContainers?.length) podSpec.initContainers = t.initContainers.map(container);
  podSpec.containers = t.containers.map(container);
  podSpec.volumes = parts.volumes;
  const api = API[t.kind];
  const metadata: Record<string, unknown> = { name: t.name };
  if (t.namespace) metadata.namespace = t.namespace;
  return { apiVersion: `${api.group}/${api.version}`, kind: t.kind, metadata, ...nest(podSpecPath(t.kind), podSpec) };
}

/** The kustomization.yaml `patches:` entry applying `patchPath` to exactly this workload. Pure. */
export function renderKustomizationPatch(t: PatchTarget, patchPath = 'patch.yaml'): Manifest {
  const api = API[t.kind];
  return fill(kustomizationTpl, { patchPath, group: api.group, version: api.version, kind: t.kind, name: t.name, namespace: t.namespace });
}

/** Comment lines for the patch file: how to apply it, and the Job caveat. */
export function patchComments(t: PatchTarget, file = 'patch.yaml'): string[] {
  const ns = t.namespace ? ` -n ${t.namespace}` : '';
  const lines = [
    `Strategic-merge patch for ${t.kind} ${t.name}: projected token, cred-config mount and env in ${[...(t.initContainers ?? []), ...t.containers].join(', ')}.`,
    `Apply: kubectl patch ${API[t.kind].plural} ${t.name}${ns} --patch-file ${file}`,
  ];
  if (t.kind === 'Job') lines.push('A Job\'s pod template is immutable once created: use it through kustomize before creating the Job, or recreate the Job.');
  return lines;
}

/** Problems with the patch target (all at once). */
export function validatePatchTarget(kind: string | undefined, name: string | undefined, containers: string[], fromFile = false): Problem[] {
  const problems: Problem[] = [];
  if (!parseWorkloadKind(kind)) {
    problems.push({ input: '--kind', rule: 'patch.kind', message: kind ? `"${kind}" is not a workload kind wif can patch` : 'required for `wif render patch`', hint: `Pass --kind ${WORKLOAD_KINDS.join('|')}.` });
  }
  if (!name && !fromFile) problems.push({ input: '--name', rule: 'patch.name', message: 'required for `wif render patch`: the workload to patch', hint: 'Pass --name NAME (or --from FILE holding exactly one workload of that kind).' });
  for (const c of containers) {
    if (!DNS_LABEL.test(c)) problems.push({ input: '--container', rule: 'dns-1123-label', message: `"${c}" is not a valid container name (lower-case letters, digits and '-', at most 63)` });
  }
  return problems;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
