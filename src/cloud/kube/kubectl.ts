import type { Logger } from '../../core/log.js';
import { KubeError, kubectlError } from './errors.js';
import { runProcess } from './process.js';

/**
 * kubectl as a child process (process.ts), so every auth plugin the user has (aws, gke-gcloud-auth-plugin,
 * kubelogin) just works (SPEC §5). `--context`/`--kubeconfig` are passed through on every call; the env is the
 * command's (so `KUBECONFIG`, `KUBECACHEDIR` and the plugins' own variables apply). Token output is parsed,
 * never logged or put into an error. Independent reads may run concurrently (each call is its own process).
 */
export interface KubectlOptions {
  context?: string;
  kubeconfig?: string;
  env: Record<string, string | undefined>;
  cwd?: string;
  /** The kubectl binary (default `kubectl`, or `WIF_KUBECTL`). */
  bin?: string;
  /** `--request-timeout` for every call (default 30s). */
  requestTimeout?: string;
  signal?: AbortSignal;
  log?: Pick<Logger, 'debug'>;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface TokenOptions {
  audiences?: string[];
  durationSeconds?: number;
  /** Bind the token to a pod (`boundObjectRef`), as the kubelet does for projected tokens. */
  boundPod?: { name: string; uid?: string };
}

export interface MintedToken {
  token: string;
  expirationTimestamp?: string;
}

type Obj = Record<string, unknown>;

export class Kubectl {
  constructor(readonly opts: KubectlOptions) {}

  /** Global flags every call carries. */
  baseArgs(): string[] {
    const a: string[] = [];
    if (this.opts.kubeconfig) a.push(`--kubeconfig=${this.opts.kubeconfig}`);
    if (this.opts.context) a.push(`--context=${this.opts.context}`);
    a.push(`--request-timeout=${this.opts.requestTimeout ?? '30s'}`);
    return a;
  }

  /** Run kubectl; a non-zero exit is returned, not thrown (callers translate with `kubectlError`). */
  async run(args: string[], input?: string): Promise<RunResult> {
    const argv = [...this.baseArgs(), ...args];
    this.opts.log?.debug(`$ kubectl ${argv.join(' ')}`);
    const r = await runProcess(this.opts.bin ?? this.opts.env.WIF_KUBECTL ?? 'kubectl', argv, {
      env: this.opts.env, cwd: this.opts.cwd, input, signal: this.opts.signal, timeoutMs: 180_000,
    });
    if (r.canceled) throw this.opts.signal?.reason ?? new Error('aborted');
    if (r.exitCode === undefined) {
      throw kubectlError(`kubectl ${args[0] ?? ''}`, r.stderr, { spawnCode: r.spawnCode, timedOut: r.timedOut, context: this.opts.context });
    }
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  }

  private async ok(what: string, args: string[], input?: string): Promise<string> {
    const r = await this.run(args, input);
    if (r.exitCode !== 0) throw kubectlError(what, r.stderr, { context: this.opts.context });
    return r.stdout;
  }

  private parse<T>(what: string, text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeError('Other', 'kube.bad-response', `${what}: the API server did not answer with JSON.`, { hint: 'Check that the kubeconfig points at a Kubernetes API server.' });
    }
  }

  /** `kubectl get --raw PATH`, parsed as JSON. */
  async getRaw<T = unknown>(path: string): Promise<T> {
    return this.parse<T>(`GET ${path}`, await this.ok(`GET ${path}`, ['get', '--raw', path]));
  }

  /** The server's `/version` (gitVersion, major, minor…). */
  async version(): Promise<{ gitVersion: string; major?: string; minor?: string; platform?: string }> {
    return this.getRaw('/version');
  }

  /**
   * Mint a ServiceAccount token (TokenRequest through `kubectl create --raw` with a JSON body, which works with
   * every kubectl version). The token is returned to the caller only.
   */
  async createToken(namespace: string, ksa: string, o: TokenOptions = {}): Promise<MintedToken> {
    const spec: Obj = {};
    if (o.audiences?.length) spec.audiences = o.audiences;
    if (o.durationSeconds) spec.expirationSeconds = o.durationSeconds;
    if (o.boundPod) spec.boundObjectRef = { kind: 'Pod', apiVersion: 'v1', name: o.boundPod.name, ...(o.boundPod.uid ? { uid: o.boundPod.uid } : {}) };
    const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(ksa)}/token`;
    const what = `TokenRequest for ${namespace}/${ksa}`;
    const r = this.parse<{ status?: { token?: string; expirationTimestamp?: string } }>(what, await this.ok(what, ['create', '--raw', path, '-f', '-'], body));
    if (!r.status?.token) throw new KubeError('Other', 'kube.token.empty', `${what}: the API server returned no token.`);
    return { token: r.status.token, expirationTimestamp: r.status.expirationTimestamp };
  }

  /** One object, or undefined when it does not exist. */
  async get<T = Obj>(resource: string, name: string, namespace?: string): Promise<T | undefined> {
    const args = ['get', resource, name, '-o', 'json', ...(namespace ? ['-n', namespace] : [])];
    const r = await this.run(args);
    if (r.exitCode === 0) return this.parse<T>(`get ${resource}/${name}`, r.stdout);
    const e = kubectlError(`get ${resource} ${name}${namespace ? ` -n ${namespace}` : ''}`, r.stderr, { context: this.opts.context });
    if (e.reason === 'NotFound') return undefined;
    throw e;
  }

  /** Objects of a kind (one namespace, or all when namespace is '*'). */
  async list<T = Obj>(resource: string, namespace?: string, selector?: string): Promise<T[]> {
    const ns = namespace === '*' ? ['--all-namespaces'] : namespace ? ['-n', namespace] : [];
    const args = ['get', resource, '-o', 'json', ...ns, ...(selector ? ['-l', selector] : [])];
    const out = this.parse<{ items?: T[] }>(`list ${resource}`, await this.ok(`list ${resource}`, args));
    return out.items ?? [];
  }

  /**
   * `kubectl apply -f -` with the manifests (objects, or YAML/JSON text); returns the applied objects.
   * `dryRun: 'server'` validates on the server and changes nothing.
   */
  async apply(manifests: Obj[] | string, o: { dryRun?: 'server' | 'client'; serverSide?: boolean; namespace?: string } = {}): Promise<Obj[]> {
    const input = typeof manifests === 'string' ? manifests : JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests });
    const args = ['apply', '-f', '-', '-o', 'json'];
    if (o.dryRun) args.push(`--dry-run=${o.dryRun}`);
    if (o.serverSide) args.push('--server-side', '--field-manager=wif');
    if (o.namespace) args.push('-n', o.namespace);
    const out = this.parse<Obj>('kubectl apply', await this.ok('kubectl apply', args, input));
    return Array.isArray(out.items) ? (out.items as Obj[]) : [out];
  }

  /**
   * Run `argv` in a pod. The command's own exit code is returned (not thrown); kubectl-level failures (pod not
   * found, cluster unreachable) throw.
   */
  async exec(pod: string, namespace: string, argv: string[], o: { container?: string; input?: string } = {}): Promise<RunResult> {
    const args = ['exec', pod, '-n', namespace, ...(o.container ? ['-c', o.container] : []), ...(o.input !== undefined ? ['-i'] : []), '--', ...argv];
    const r = await this.run(args, o.input);
    const code = /command terminated with exit code (\d+)/.exec(r.stderr);
    if (r.exitCode === 0 || code) return { ...r, exitCode: code ? Number(code[1]) : 0 };
    throw kubectlError(`exec in pod ${namespace}/${pod}`, r.stderr, { context: this.opts.context });
  }
}
