import { UsageError } from '../core/errors.js';
import { podSpecPath, WORKLOAD_KINDS, type WorkloadKind } from './patch.js';
import { yamlLib } from './yaml.js';

/**
 * Read the container names a patch needs from the workload's own manifest (`--from FILE`, YAML, possibly
 * multi-document or a `kind: List`). Pure: takes the file's text. Throws a UsageError naming `--from`
 * when the workload is not there or is ambiguous.
 */
export interface WorkloadFromManifest {
  name: string;
  namespace?: string;
  containers: string[];
  initContainers: string[];
}

type Obj = Record<string, any>;

function objects(text: string, file: string): Obj[] {
  const docs = yamlLib().parseAllDocuments(text);
  const out: Obj[] = [];
  for (const d of docs) {
    if (d.errors.length) {
      const msg = d.errors[0].message.split('\n')[0];
      throw new UsageError('render.from.yaml', `--from ${file}: not valid YAML: ${msg}`, { hint: 'Pass the workload manifest, e.g. `kubectl get deploy NAME -o yaml > deploy.yaml`.' });
    }
    const v = d.toJS() as unknown;
    if (!v || typeof v !== 'object') continue;
    const o = v as Obj;
    if (o.kind === 'List' && Array.isArray(o.items)) out.push(...o.items.filter((i: unknown) => i && typeof i === 'object'));
    else out.push(o);
  }
  return out;
}

function dig(o: Obj, path: string[]): Obj | undefined {
  let cur: any = o;
  for (const k of path) cur = cur && typeof cur === 'object' ? cur[k] : undefined;
  return cur && typeof cur === 'object' ? cur : undefined;
}

const names = (list: unknown): string[] =>
  Array.isArray(list) ? list.map((c) => (c && typeof c === 'object' ? String((c as Obj).name ?? '') : '')).filter(Boolean) : [];

/** Find `kind` (and `name`/`namespace` when given) in the manifest text and list its containers. */
export function workloadFromManifest(text: string, file: string, kind: WorkloadKind, name?: string, namespace?: string): WorkloadFromManifest {
  const all = objects(text, file);
  const matches = all.filter((o) => o.kind === kind && (!name || o.metadata?.name === name) && (!namespace || !o.metadata?.namespace || o.metadata.namespace === namespace));
  const what = `${kind}${name ? ` ${name}` : ''}${namespace ? ` (namespace ${namespace})` : ''}`;
  if (!matches.length) {
    const seen = all.filter((o) => WORKLOAD_KINDS.includes(o.kind)).map((o) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? '?'}`);
    throw new UsageError('render.from.not-found', `--from ${file}: no ${what} in the file${seen.length ? ` (it has: ${seen.join(', ')})` : ''}`, { hint: 'Check --kind and --name against the manifest.' });
  }
  if (matches.length > 1) {
    throw new UsageError('render.from.ambiguous', `--from ${file}: ${matches.length} objects match ${what}`, { hint: 'Pass --name (and --namespace) to pick one.' });
  }
  const o = matches[0];
  const spec = dig(o, podSpecPath(kind)) ?? {};
  const containers = names(spec.containers);
  if (!containers.length) {
    throw new UsageError('render.from.no-containers', `--from ${file}: ${kind} ${o.metadata?.name ?? ''} has no containers at ${podSpecPath(kind).join('.')}.containers`);
  }
  return { name: String(o.metadata?.name ?? name ?? ''), namespace: o.metadata?.namespace ?? namespace, containers, initContainers: names(spec.initContainers) };
}
