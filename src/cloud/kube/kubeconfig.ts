import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../core/errors.js';

/**
 * Kubeconfig reading with kubectl's rules: `--kubeconfig FILE` alone (it must exist), else every file of
 * `KUBECONFIG` (missing ones skipped; the first file that defines a cluster/context/user name or the
 * current-context wins), else `~/.kube/config`. Only what wif needs is kept: names, server, TLS server name
 * and the auth shape (exec plugin / auth-provider / token / client cert). Credentials are never copied.
 */
export interface KubeExec {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  installHint?: string;
}

export interface KubeContext {
  contextName: string;
  clusterName: string;
  userName: string;
  namespace?: string;
  server?: string;
  tlsServerName?: string;
  proxyUrl?: string;
  insecureSkipTlsVerify?: boolean;
  exec?: KubeExec;
  /** Legacy `auth-provider.name` (`gcp`, `azure`, `oidc`). */
  authProvider?: string;
  /** Static credentials present (token, token file, client certificate, basic auth). */
  staticAuth: boolean;
}

export interface Kubeconfig {
  /** Files actually read, in merge order. */
  files: string[];
  currentContext?: string;
  contexts: Map<string, { cluster: string; user: string; namespace?: string }>;
  clusters: Map<string, Record<string, unknown>>;
  users: Map<string, Record<string, unknown>>;
}

type Env = Record<string, string | undefined>;
type Named = { name?: unknown; [k: string]: unknown };

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function asList(v: unknown): Named[] {
  return Array.isArray(v) ? v.filter((x): x is Named => !!x && typeof x === 'object') : [];
}
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Parse one kubeconfig document and merge it into `into` (first definition of each name wins). */
export function mergeKubeconfigText(into: Kubeconfig, text: string, file: string): void {
  // YAML allows no control characters; the yaml package tolerates some, kubectl (Go) refuses the whole file.
  const ctl = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (ctl) {
    const line = text.slice(0, ctl.index).split('\n').length;
    throw new UsageError('kube.kubeconfig.invalid', `kubeconfig ${file} is not valid YAML: control character U+${ctl[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} at line ${line}`, {
      hint: 'Fix the file, or point --kubeconfig / KUBECONFIG at a valid kubeconfig.',
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (e) {
    throw new UsageError('kube.kubeconfig.invalid', `kubeconfig ${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, {
      hint: 'Fix the file, or point --kubeconfig / KUBECONFIG at a valid kubeconfig.',
    });
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UsageError('kube.kubeconfig.invalid', `kubeconfig ${file} is not a kubeconfig: it holds a YAML ${Array.isArray(doc) ? 'list' : typeof doc}, not a mapping with clusters, contexts and users`, {
      hint: 'Fix the file, or point --kubeconfig / KUBECONFIG at a valid kubeconfig.',
    });
  }
  const bad = shapeProblem(doc as Record<string, unknown>);
  if (bad) {
    throw new UsageError('kube.kubeconfig.invalid', `kubeconfig ${file} is not a valid kubeconfig: ${bad}`, { hint: 'Fix the file (kubectl refuses it too), or point --kubeconfig / KUBECONFIG at a valid kubeconfig.' });
  }
  const d = asRecord(doc);
  into.files.push(file);
  into.currentContext ??= str(d['current-context']);
  for (const c of asList(d.contexts)) {
    const name = str(c.name);
    const ctx = asRecord(c.context);
    if (name && !into.contexts.has(name)) {
      into.contexts.set(name, { cluster: str(ctx.cluster) ?? '', user: str(ctx.user) ?? '', namespace: str(ctx.namespace) });
    }
  }
  for (const c of asList(d.clusters)) {
    const name = str(c.name);
    if (name && !into.clusters.has(name)) into.clusters.set(name, asRecord(c.cluster));
  }
  for (const u of asList(d.users)) {
    const name = str(u.name);
    if (name && !into.users.has(name)) into.users.set(name, asRecord(u.user));
  }
}

const isMap = (v: unknown) => v === null || v === undefined || (typeof v === 'object' && !Array.isArray(v));
const isStr = (v: unknown) => v === null || v === undefined || typeof v === 'string';

/** The first field whose type kubectl's loader would refuse (lists of named mappings, string names and server). */
function shapeProblem(d: Record<string, unknown>): string | undefined {
  if (!isStr(d['current-context'])) return 'current-context must be a string';
  for (const [list, inner] of [['clusters', 'cluster'], ['contexts', 'context'], ['users', 'user']] as const) {
    const v = d[list];
    if (v === null || v === undefined) continue;
    if (!Array.isArray(v)) return `${list} must be a list`;
    for (const [i, item] of v.entries()) {
      if (!item || typeof item !== 'object' || Array.isArray(item)) return `${list}[${i}] must be a mapping with name and ${inner}`;
      const it = item as Record<string, unknown>;
      if (!isStr(it.name)) return `${list}[${i}].name must be a string`;
      if (!isMap(it[inner])) return `${list}[${i}].${inner} must be a mapping`;
      const fields = asRecord(it[inner]);
      for (const f of ['server', 'cluster', 'user', 'namespace', 'token']) if (f in fields && !isStr(fields[f])) return `${list}[${i}].${inner}.${f} must be a string`;
    }
  }
  return undefined;
}

export function emptyKubeconfig(): Kubeconfig {
  return { files: [], contexts: new Map(), clusters: new Map(), users: new Map() };
}

/** The files kubectl would read, in order, and whether a missing one is an error (only --kubeconfig). */
export function kubeconfigFiles(flag: string | undefined, env: Env, cwd: string): { files: string[]; explicit: boolean } {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  if (flag) return { files: [abs(flag)], explicit: true };
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.trim() !== '');
  if (list.length) return { files: [...new Set(list.map(abs))], explicit: false };
  return { files: [join(env.HOME || homedir(), '.kube', 'config')], explicit: false };
}

/** Read and merge the kubeconfig files (see module doc). */
export async function loadKubeconfig(flag: string | undefined, env: Env, cwd: string): Promise<Kubeconfig> {
  const { files, explicit } = kubeconfigFiles(flag, env, cwd);
  const kc = emptyKubeconfig();
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
      // kubectl refuses invalid UTF-8; reading it as text would silently turn it into U+FFFD.
      if (text.includes('\ufffd')) new TextDecoder('utf-8', { fatal: true }).decode(await readFile(f));
    } catch (e) {
      if (e instanceof TypeError) throw new UsageError('kube.kubeconfig.invalid', `kubeconfig ${f} is not a kubeconfig: it is not valid UTF-8 text`, { hint: 'Fix the file, or point --kubeconfig / KUBECONFIG at a valid kubeconfig.' });
      const code = (e as NodeJS.ErrnoException).code;
      if (!explicit && code === 'ENOENT') continue;
      throw new UsageError('kube.kubeconfig.unreadable', `--kubeconfig: cannot read ${f}: ${code ?? (e as Error).message}`, {
        hint: 'Pass an existing kubeconfig file (e.g. the one `aws eks update-kubeconfig`, `az aks get-credentials` or `gcloud container clusters get-credentials` wrote).',
      });
    }
    mergeKubeconfigText(kc, text, f);
  }
  return kc;
}

function execOf(user: Record<string, unknown>): KubeExec | undefined {
  const e = asRecord(user.exec);
  const command = str(e.command);
  if (!command) return undefined;
  const args = Array.isArray(e.args) ? e.args.map(String) : [];
  const env = asList(e.env).map((x) => ({ name: String(x.name ?? ''), value: String(x.value ?? '') }));
  return { command, args, env, installHint: str(e.installHint) };
}

/**
 * Resolve `--context` (else current-context) to its cluster and user. Unknown or absent context: exit 2,
 * listing the available contexts.
 */
export function resolveContext(kc: Kubeconfig, name: string | undefined): KubeContext {
  const available = [...kc.contexts.keys()];
  const wanted = name ?? kc.currentContext;
  const where = kc.files.length ? kc.files.join(', ') : 'no kubeconfig file found';
  const list = available.length ? `Available contexts: ${available.join(', ')}.` : 'The kubeconfig has no contexts.';
  if (!wanted) {
    throw new UsageError('kube.context.none', `No --context given and no current-context set (${where}).`, {
      hint: `${list} Pass --context NAME or run \`kubectl config use-context NAME\`.`, details: { available },
    });
  }
  const ctx = kc.contexts.get(wanted);
  if (!ctx) {
    throw new UsageError('kube.context.unknown', `Context "${wanted}" is not in the kubeconfig (${where}).`, {
      hint: `${list} Pass one of them with --context, or fetch credentials for the cluster first.`, details: { available },
    });
  }
  const cluster = kc.clusters.get(ctx.cluster);
  // kubectl would silently talk to localhost:8080 instead: a broken kubeconfig, not an unreachable cluster.
  if (!cluster || !str(cluster.server)) {
    throw new UsageError('kube.kubeconfig.invalid', cluster
      ? `Context "${wanted}" uses cluster "${ctx.cluster}", which has no server URL (${where}).`
      : `Context "${wanted}" uses cluster "${ctx.cluster || '(none)'}", which the kubeconfig does not define (${where}).`, {
      hint: 'Fix the kubeconfig (kubectl config view), or fetch the cluster\'s credentials again.', details: { available },
    });
  }
  const user = kc.users.get(ctx.user) ?? {};
  const authProvider = str(asRecord(user['auth-provider']).name);
  return {
    contextName: wanted,
    clusterName: ctx.cluster,
    userName: ctx.user,
    namespace: ctx.namespace,
    server: str(cluster.server),
    tlsServerName: str(cluster['tls-server-name']),
    proxyUrl: str(cluster['proxy-url']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    exec: execOf(user),
    authProvider,
    staticAuth: ['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'username'].some((k) => user[k] !== undefined),
  };
}
