/**
 * The view a container of a (not running) pod would have: its filesystem is made of the pod's volumes, assembled
 * the way the kubelet assembles them (configMap and projected volumes with `items`/`path`, projected
 * serviceAccountToken sources minted on demand for the pod's service account with the volume's audience and
 * expirationSeconds, downwardAPI fields, subPath mounts), and its environment is the container's env with
 * `valueFrom`/`envFrom` resolved. Nothing else of an image exists.
 */
import type { KubeContext } from './context.js';
import { RESOURCES } from './resources.js';
import type { KObj } from './store.js';
import { mintToken } from './token.js';

type O = Record<string, any>;
const res = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;

export interface PodFs {
  files: Map<string, Buffer>;
  dirs: Set<string>;
}

function fieldValue(pod: KObj, fieldPath: string): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (pod.metadata[m[1]] as O | undefined)?.[m[2]];
  const simple: Record<string, unknown> = {
    'metadata.name': pod.metadata.name, 'metadata.namespace': pod.metadata.namespace, 'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec?.nodeName, 'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': pod.status?.podIP, 'status.hostIP': pod.status?.hostIP,
  };
  const v = simple[fieldPath];
  return v === undefined ? undefined : String(v);
}

function configMapFiles(ctx: KubeContext, ns: string, src: O): [string, Buffer][] {
  const cm = ctx.store.get(res('ConfigMap'), ns, String(src.name ?? ''));
  if (!cm) return [];
  const all: [string, Buffer][] = [
    ...Object.entries((cm.data ?? {}) as Record<string, string>).map(([k, v]): [string, Buffer] => [k, Buffer.from(v)]),
    ...Object.entries((cm.binaryData ?? {}) as Record<string, string>).map(([k, v]): [string, Buffer] => [k, Buffer.from(v, 'base64')]),
  ];
  if (!Array.isArray(src.items)) return all;
  return src.items.flatMap((it: O) => all.filter(([k]) => k === it.key).map(([, v]): [string, Buffer] => [String(it.path), v]));
}

function secretFiles(ctx: KubeContext, ns: string, name: string, items: unknown): [string, Buffer][] {
  const secret = ctx.store.get(res('Secret'), ns, name);
  const all = Object.entries((secret?.data ?? {}) as Record<string, string>).map(([k, v]): [string, Buffer] => [k, Buffer.from(v, 'base64')]);
  if (!Array.isArray(items)) return all;
  return items.flatMap((it: O) => all.filter(([k]) => k === it.key).map(([, v]): [string, Buffer] => [String(it.path), v]));
}

function tokenFile(ctx: KubeContext, pod: KObj, src: O): [string, Buffer][] {
  const ns = String(pod.metadata.namespace);
  const sa = ctx.store.get(res('ServiceAccount'), ns, String(pod.spec?.serviceAccountName ?? 'default'));
  if (!sa) return [];
  const node = pod.spec?.nodeName ? ctx.store.get(res('Node'), '', pod.spec.nodeName) : undefined;
  const { token } = mintToken(ctx, {
    namespace: ns, serviceAccount: sa, audiences: src.audience ? [String(src.audience)] : [],
    expirationSeconds: Number(src.expirationSeconds ?? 3600), pod, node,
  });
  return [[String(src.path ?? 'token'), Buffer.from(token)]];
}

function downwardFiles(pod: KObj, src: O): [string, Buffer][] {
  return (src.items ?? []).flatMap((it: O) => {
    const v = it.fieldRef ? fieldValue(pod, String(it.fieldRef.fieldPath)) : undefined;
    return v === undefined ? [] : [[String(it.path), Buffer.from(v)] as [string, Buffer]];
  });
}

/** Files of one volume, relative to its mount point. PVCs, host paths and emptyDirs are empty directories. */
function volumeFiles(ctx: KubeContext, pod: KObj, vol: O): [string, Buffer][] {
  const ns = String(pod.metadata.namespace);
  if (vol.configMap) return configMapFiles(ctx, ns, vol.configMap);
  if (vol.downwardAPI) return downwardFiles(pod, vol.downwardAPI);
  if (vol.secret) return secretFiles(ctx, ns, String(vol.secret.secretName ?? ''), vol.secret.items);
  if (!vol.projected) return [];
  return (vol.projected.sources ?? []).flatMap((s: O) => {
    if (s.serviceAccountToken) return tokenFile(ctx, pod, s.serviceAccountToken);
    if (s.configMap) return configMapFiles(ctx, ns, s.configMap);
    if (s.downwardAPI) return downwardFiles(pod, s.downwardAPI);
    if (s.secret) return secretFiles(ctx, ns, String(s.secret.name ?? ''), s.secret.items);
    return [];
  });
}

function addDirs(fs: PodFs, path: string): void {
  const parts = path.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) fs.dirs.add('/' + parts.slice(0, i).join('/'));
}

export function normalize(path: string, cwd = '/'): string {
  const abs = path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
  const out: string[] = [];
  for (const p of abs.split('/')) {
    if (!p || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return '/' + out.join('/');
}

/** Assemble the container's filesystem (tokens are minted now, as the kubelet would have). */
export function buildPodFs(ctx: KubeContext, pod: KObj, container: O): PodFs {
  const fs: PodFs = { files: new Map(), dirs: new Set() };
  for (const d of ['/bin', '/dev', '/etc', '/home', '/proc', '/root', '/sys', '/tmp', '/usr/bin', '/var/run']) addDirs(fs, d);
  fs.files.set('/etc/hostname', Buffer.from(`${pod.metadata.name}\n`));
  for (const m of container.volumeMounts ?? []) {
    const vol = (pod.spec?.volumes ?? []).find((v: O) => v.name === m.name);
    if (!vol) continue;
    const mount = normalize(String(m.mountPath));
    addDirs(fs, mount);
    const sub = m.subPath ? normalize(String(m.subPath)).slice(1) : '';
    for (const [rel, data] of volumeFiles(ctx, pod, vol)) {
      const relPath = normalize(rel).slice(1);
      if (sub && relPath !== sub && !relPath.startsWith(`${sub}/`)) continue;
      const target = sub ? (relPath === sub ? mount : normalize(relPath.slice(sub.length + 1), mount)) : normalize(relPath, mount);
      addDirs(fs, target.slice(0, target.lastIndexOf('/')) || '/');
      fs.files.set(target, data);
    }
  }
  return fs;
}

/** The container's environment: base variables, `env` (value, $(VAR) references, valueFrom) and `envFrom`. */
export function containerEnv(ctx: KubeContext, pod: KObj, container: O): Map<string, string> {
  const ns = String(pod.metadata.namespace);
  const env = new Map<string, string>([['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ['HOSTNAME', pod.metadata.name]]);
  for (const from of container.envFrom ?? []) {
    const cm = from.configMapRef ? ctx.store.get(res('ConfigMap'), ns, String(from.configMapRef.name)) : undefined;
    for (const [k, v] of Object.entries((cm?.data ?? {}) as Record<string, string>)) env.set(`${from.prefix ?? ''}${k}`, v);
  }
  for (const e of container.env ?? []) {
    let v: string | undefined;
    if (e.value !== undefined) v = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n) => env.get(n) ?? m);
    else if (e.valueFrom?.fieldRef) v = fieldValue(pod, String(e.valueFrom.fieldRef.fieldPath));
    else if (e.valueFrom?.configMapKeyRef) v = ctx.store.get(res('ConfigMap'), ns, String(e.valueFrom.configMapKeyRef.name))?.data?.[e.valueFrom.configMapKeyRef.key];
    else if (e.valueFrom?.secretKeyRef) {
      const enc = ctx.store.get(res('Secret'), ns, String(e.valueFrom.secretKeyRef.name))?.data?.[e.valueFrom.secretKeyRef.key];
      v = enc === undefined ? undefined : Buffer.from(String(enc), 'base64').toString('utf8');
    }
    if (v !== undefined) env.set(String(e.name), v);
  }
  // The kubelet always injects the master service's variables (enableServiceLinks only gates other services').
  for (const [k, v] of [['KUBERNETES_SERVICE_HOST', '10.96.0.1'], ['KUBERNETES_SERVICE_PORT', '443'], ['KUBERNETES_SERVICE_PORT_HTTPS', '443'], ['KUBERNETES_PORT', 'tcp://10.96.0.1:443']]) env.set(k, v);
  env.set('HOME', '/root');
  return env;
}
