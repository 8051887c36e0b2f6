/**
 * Server-side validation of the kinds this sandbox stores, with the field paths and wording of
 * k8s.io/apimachinery/pkg/util/validation and pkg/apis/core|apps|batch/validation (the subset that manifests
 * wif renders can trip over: names, ConfigMap keys, containers, volume mounts, projected token lifetimes,
 * Deployment selectors).
 */
import type { FieldError } from './status.js';
import type { ResourceDef } from './resources.js';
import type { KObj } from './store.js';

const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

/** Problems with a DNS-1123 label (namespaces, container names, volume names). */
export function labelProblems(v: string): string[] {
  const out: string[] = [];
  if (v.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_RE.test(v)) out.push(LABEL_MSG);
  return out;
}

function subdomainProblems(v: string): string[] {
  const out: string[] = [];
  if (v.length > 253) out.push('must be no more than 253 characters');
  if (!SUBDOMAIN_RE.test(v)) out.push(SUBDOMAIN_MSG);
  return out;
}

function pathSegmentProblems(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  return ['/', '%'].filter((c) => v.includes(c)).map((c) => `may not contain '${c}'`);
}

/** metadata.name per the kind's rule (ValidateObjectMeta). */
export function validateName(def: ResourceDef, name: string | undefined, generateName?: string): FieldError[] {
  if (!name) return generateName ? [] : [{ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' }];
  const rule = def.nameRule ?? 'subdomain';
  const problems = rule === 'label' ? labelProblems(name) : rule === 'path-segment' ? pathSegmentProblems(name) : subdomainProblems(name);
  return problems.map((detail) => ({ type: 'Invalid', field: 'metadata.name', value: name, detail }));
}

type O = Record<string, any>;

function validateContainers(list: unknown, path: string, volumeNames: Set<string>, required: boolean): FieldError[] {
  if (!Array.isArray(list) || !list.length) return required ? [{ type: 'Required', field: path }] : [];
  const errs: FieldError[] = [];
  list.forEach((c: O, i) => {
    const at = `${path}[${i}]`;
    if (!c?.name) errs.push({ type: 'Required', field: `${at}.name` });
    else for (const d of labelProblems(c.name)) errs.push({ type: 'Invalid', field: `${at}.name`, value: c.name, detail: d });
    if (!c?.image) errs.push({ type: 'Required', field: `${at}.image` });
    (Array.isArray(c?.volumeMounts) ? c.volumeMounts : []).forEach((m: O, j: number) => {
      if (!m?.name) errs.push({ type: 'Required', field: `${at}.volumeMounts[${j}].name` });
      else if (!volumeNames.has(m.name)) errs.push({ type: 'NotFound', field: `${at}.volumeMounts[${j}].name`, value: m.name });
      if (!m?.mountPath) errs.push({ type: 'Required', field: `${at}.volumeMounts[${j}].mountPath` });
    });
    (Array.isArray(c?.env) ? c.env : []).forEach((e: O, j: number) => {
      if (!e?.name) errs.push({ type: 'Required', field: `${at}.env[${j}].name` });
    });
  });
  return errs;
}

function validateTokenProjection(src: O, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const exp = src.expirationSeconds;
  if (exp !== undefined && exp < 600) errs.push({ type: 'Invalid', field: `${at}.expirationSeconds`, value: exp, detail: 'may not specify a duration less than 10 minutes' });
  if (exp !== undefined && exp > 2 ** 32) errs.push({ type: 'Invalid', field: `${at}.expirationSeconds`, value: exp, detail: 'may not specify a duration larger than 2^32 seconds' });
  if (!src.path) errs.push({ type: 'Required', field: `${at}.path` });
  return errs;
}

function validateVolumes(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (Array.isArray(list) ? list : []).forEach((v: O, i) => {
    const at = `${path}[${i}]`;
    if (!v?.name) errs.push({ type: 'Required', field: `${at}.name` });
    else if (seen.has(v.name)) errs.push({ type: 'Duplicate', field: `${at}.name`, value: v.name });
    seen.add(v?.name);
    (Array.isArray(v?.projected?.sources) ? v.projected.sources : []).forEach((s: O, j: number) => {
      if (s?.serviceAccountToken) errs.push(...validateTokenProjection(s.serviceAccountToken, `${at}.projected.sources[${j}].serviceAccountToken`));
    });
  });
  return errs;
}

/** PodSpec rules at `path` (`spec` for a Pod, `spec.template.spec` for workloads). */
export function validatePodSpec(spec: O | undefined, path: string): FieldError[] {
  const volumes = new Set<string>((Array.isArray(spec?.volumes) ? spec.volumes : []).map((v: O) => v?.name));
  return [
    ...validateVolumes(spec?.volumes, `${path}.volumes`),
    ...validateContainers(spec?.containers, `${path}.containers`, volumes, true),
    ...validateContainers(spec?.initContainers, `${path}.initContainers`, volumes, false),
  ];
}

function selectorMatches(selector: O | undefined, labels: O): boolean {
  const ml = selector?.matchLabels ?? {};
  return Object.entries(ml).every(([k, v]) => labels[k] === v);
}

function validateWorkload(obj: KObj, kind: string): FieldError[] {
  const spec: O = obj.spec ?? {};
  const tmpl = kind === 'CronJob' ? spec.jobTemplate?.spec?.template : spec.template;
  const base = kind === 'CronJob' ? 'spec.jobTemplate.spec.template' : 'spec.template';
  const errs: FieldError[] = [];
  if (kind === 'CronJob' && !spec.schedule) errs.push({ type: 'Required', field: 'spec.schedule' });
  if (['Deployment', 'StatefulSet', 'DaemonSet'].includes(kind)) {
    const labels: O = tmpl?.metadata?.labels ?? {};
    if (!spec.selector) errs.push({ type: 'Required', field: 'spec.selector' });
    else if (!selectorMatches(spec.selector, labels)) errs.push({ type: 'Invalid', field: 'spec.template.metadata.labels', value: labels, detail: '`selector` does not match template `labels`' });
  }
  return [...errs, ...validatePodSpec(tmpl?.spec, `${base}.spec`)];
}

/** Kind-specific rules beyond the name. */
export function validateObject(def: ResourceDef, obj: KObj): FieldError[] {
  if (def.kind === 'ConfigMap' || def.kind === 'Secret') {
    return [...Object.keys(obj.data ?? {}), ...Object.keys(obj.binaryData ?? {})].filter((k) => !CONFIG_KEY_RE.test(k) || k.length > 253)
      .map((k) => ({ type: 'Invalid', field: `data[${k}]`, value: k, detail: CONFIG_KEY_MSG }));
  }
  if (def.kind === 'Pod') return validatePodSpec(obj.spec, 'spec');
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'].includes(def.kind)) return validateWorkload(obj, def.kind);
  if (def.kind === 'ClusterRoleBinding' || def.kind === 'RoleBinding') {
    return obj.roleRef?.name ? [] : [{ type: 'Required', field: 'roleRef.name' }];
  }
  return [];
}
