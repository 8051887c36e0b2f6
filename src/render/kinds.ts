import { renderCredConfig } from './cred-config.js';
import {
  credentialProviderNotes, renderCredentialProviderConfig, renderCredentialProviderRbac, type CredentialProviderInput,
} from './credential-provider.js';
import { credConfigInputOf, renderConfigMap, renderPod, renderServiceAccount, type WorkloadInput } from './manifests.js';
import { patchComments, renderKustomizationPatch, renderPatch, type PatchTarget } from './patch.js';
import { toYaml, toYamlStream } from './yaml.js';

/**
 * What `wif render KIND` produces, as data: the files (stable names for `--out DIR`), what goes to stdout
 * without `--out`, and notes for the operator. Pure; the command does the writing.
 */
export const RENDER_KINDS = ['cred-config', 'configmap', 'serviceaccount', 'pod', 'patch', 'credential-provider', 'all'] as const;
export type RenderKind = (typeof RENDER_KINDS)[number];

export type FileKind = 'cred-config' | 'configmap' | 'serviceaccount' | 'pod' | 'patch' | 'kustomization' | 'credential-provider' | 'rbac';

export interface RenderedFile {
  /** Stable file name inside `--out DIR`. */
  name: string;
  kind: FileKind;
  content: string;
}

export interface Rendering {
  files: RenderedFile[];
  /** Without --out: exactly what stdout gets (the cred-config's bytes; one YAML stream otherwise). */
  stdout: string;
  notes: string[];
}

export const FILE_NAMES: Record<FileKind, string> = {
  'cred-config': 'credential-configuration.json',
  configmap: 'configmap.yaml',
  serviceaccount: 'serviceaccount.yaml',
  pod: 'pod.yaml',
  patch: 'patch.yaml',
  kustomization: 'kustomization-patch.yaml',
  'credential-provider': 'credential-provider.yaml',
  rbac: 'credential-provider-rbac.yaml',
};

const file = (kind: FileKind, content: string): RenderedFile => ({ name: FILE_NAMES[kind], kind, content });
const only = (f: RenderedFile, notes: string[] = []): Rendering => ({ files: [f], stdout: f.content, notes });

export type Workload = WorkloadInput & { ksa: string };

export function renderCredConfigKind(w: WorkloadInput): Rendering {
  return only(file('cred-config', renderCredConfig(credConfigInputOf(w))));
}
export function renderConfigMapKind(w: WorkloadInput): Rendering {
  return only(file('configmap', toYaml(renderConfigMap(w))));
}
export function renderServiceAccountKind(w: Workload): Rendering {
  return only(file('serviceaccount', toYaml(renderServiceAccount(w))));
}
export function renderPodKind(w: Workload, pod: { name?: string; image?: string } = {}): Rendering {
  return only(file('pod', toYaml(renderPod(w, pod))));
}

/** cred-config + ConfigMap + KSA + pod; stdout is one YAML stream with the cred-config inside the ConfigMap. */
export function renderAllKind(w: Workload, pod: { name?: string; image?: string } = {}): Rendering {
  const docs = [renderConfigMap(w), renderServiceAccount(w), renderPod(w, pod)];
  const files = [renderCredConfigKind(w).files[0], file('configmap', toYaml(docs[0])), file('serviceaccount', toYaml(docs[1])), file('pod', toYaml(docs[2]))];
  return { files, stdout: toYamlStream(docs.map((doc) => ({ doc }))), notes: [] };
}

/** patch.yaml + kustomization-patch.yaml; stdout is the patch alone, with the kustomize entry as comments. */
export function renderPatchKind(w: Workload, t: PatchTarget): Rendering {
  const patch = renderPatch(w, t);
  const kustomization = renderKustomizationPatch(t, FILE_NAMES.patch);
  const kustomizeLines = toYaml({ patches: kustomization.patches }).trimEnd().split('\n').map((l) => `  ${l}`);
  const notes = patchComments(t, FILE_NAMES.patch);
  return {
    files: [file('patch', toYaml(patch, notes)), file('kustomization', toYaml(kustomization, ['kustomize: merge this `patches:` entry into your kustomization.yaml']))],
    stdout: toYaml(patch, [...notes, 'kustomize: add to kustomization.yaml (with this patch saved as patch.yaml):', ...kustomizeLines]),
    notes: t.kind === 'Job' ? notes.slice(2) : [],
  };
}

/** The kubelet config (a node file) and its RBAC (kubectl apply), in separate files. */
export function renderCredentialProviderKind(i: CredentialProviderInput): Rendering {
  const notes = credentialProviderNotes(i);
  const config = toYaml(renderCredentialProviderConfig(i), notes);
  const rbacComments = ['Lets kubelets request service-account tokens for the provider audience (ServiceAccountNodeAudienceRestriction).', 'Apply: kubectl apply -f credential-provider-rbac.yaml'];
  const rbacDocs = renderCredentialProviderRbac(i).map((doc, n) => ({ doc, comments: n === 0 ? rbacComments : [] }));
  const rbac = toYamlStream(rbacDocs);
  return { files: [file('credential-provider', config), file('rbac', rbac)], stdout: `${config}---\n${rbac}`, notes };
}
