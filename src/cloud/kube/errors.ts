import { OperationError } from '../../core/errors.js';
import { redact } from '../../core/log.js';

/**
 * kubectl failures, translated at the edge. kubectl reports API errors as `Error from server (REASON)`, where
 * REASON is the metav1.Status reason of the HTTP status (NotFound 404, Forbidden 403, Unauthorized 401…);
 * the classification keys on that reason, on the spawn error code and on client-go's fixed exec-plugin and
 * dial error forms (research/k8s-clouds.md §3.3, §3.5).
 */
export type KubeReason =
  | 'NotFound' | 'Forbidden' | 'Unauthorized' | 'AlreadyExists' | 'Conflict' | 'Invalid'
  | 'Unreachable' | 'TLS' | 'PluginMissing' | 'PluginFailed' | 'KubectlMissing' | 'Timeout' | 'Other';

const STATUS_OF: Partial<Record<KubeReason, number>> = { NotFound: 404, Forbidden: 403, Unauthorized: 401, AlreadyExists: 409, Conflict: 409, Invalid: 422 };

export class KubeError extends OperationError {
  readonly reason: KubeReason;
  readonly status?: number;
  /** The exec plugin involved, for PluginMissing/PluginFailed. */
  readonly plugin?: string;
  constructor(reason: KubeReason, code: string, message: string, opts: { hint?: string; plugin?: string } = {}) {
    super(code, message, { hint: opts.hint });
    this.reason = reason;
    this.status = STATUS_OF[reason];
    this.plugin = opts.plugin;
  }
}

/** How to install or log in to each exec credential plugin (research §3.5, §4.3, §5.4, §6.1). */
export function pluginHelp(plugin: string): { install: string; login: string } {
  const p = plugin.split(/[\\/]/).pop() ?? plugin;
  if (p === 'aws') return { install: 'Install the AWS CLI (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html).', login: 'Give it credentials: `aws configure` / `aws sso login`, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.' };
  if (p === 'aws-iam-authenticator') return { install: 'Install aws-iam-authenticator (https://github.com/kubernetes-sigs/aws-iam-authenticator/releases), or rewrite the kubeconfig with `aws eks update-kubeconfig`.', login: 'Give it AWS credentials: AWS_PROFILE, or `aws configure`.' };
  if (p === 'gke-gcloud-auth-plugin') return { install: 'Install it with `gcloud components install gke-gcloud-auth-plugin` (or your OS package `google-cloud-cli-gke-gcloud-auth-plugin`).', login: 'Log in with `gcloud auth login` (or set CLOUDSDK_AUTH_ACCESS_TOKEN_FILE).' };
  if (p === 'kubelogin') return { install: 'Install kubelogin with `az aks install-cli` (or https://azure.github.io/kubelogin/install.html).', login: 'Log in with `az login`, then `kubelogin convert-kubeconfig -l azurecli`.' };
  if (p === 'gcloud') return { install: 'Install the Google Cloud CLI.', login: 'Log in with `gcloud auth login`.' };
  return { install: `Install ${p}, the credential plugin the kubeconfig's user runs.`, login: `Make ${p} able to produce credentials (run it by hand to see why it fails).` };
}

function firstLines(s: string, n = 3): string {
  return redact(s.trim().split('\n').filter((l) => l.trim()).slice(0, n).join(' | '));
}

/**
 * Translate a finished kubectl run into a KubeError. `spawnCode` is the spawn error (ENOENT when kubectl
 * itself is missing); `what` names the operation for the message.
 */
export function kubectlError(what: string, stderr: string, opts: { spawnCode?: string; context?: string; timedOut?: boolean } = {}): KubeError {
  const where = opts.context ? ` (context ${opts.context})` : '';
  if (opts.spawnCode === 'ENOENT') {
    return new KubeError('KubectlMissing', 'kube.kubectl.missing', 'kubectl is not installed or not on PATH.', {
      hint: 'Install kubectl (https://kubernetes.io/docs/tasks/tools/) or `gcloud components install kubectl`.',
    });
  }
  if (opts.timedOut) return new KubeError('Timeout', 'kube.timeout', `${what}${where}: kubectl did not answer in time.`, { hint: 'Check that the API server is reachable (VPN, private endpoint, authorized networks).' });
  const missing = /exec: executable (\S+) not found/.exec(stderr) ?? /exec: exec: "([^"]+)": executable file not found/.exec(stderr)
    ?? /getting credentials: exec: fork\/exec (\S+): no such file or directory/.exec(stderr);
  if (missing) {
    const h = pluginHelp(missing[1]);
    return new KubeError('PluginMissing', 'kube.auth-plugin.missing', `The kubeconfig's credential plugin \`${missing[1]}\` is not installed${where}.`, { hint: h.install, plugin: missing[1] });
  }
  const failed = /exec: executable (\S+) failed with exit code (\d+)/.exec(stderr);
  if (failed) {
    const h = pluginHelp(failed[1]);
    return new KubeError('PluginFailed', 'kube.auth-plugin.failed', `The credential plugin \`${failed[1]}\` failed (exit ${failed[2]})${where}: ${firstLines(stderr, 2)}`, { hint: h.login, plugin: failed[1] });
  }
  const server = /Error from server \((\w+)\)/.exec(stderr)?.[1];
  if (server === 'NotFound' || server === 'Forbidden' || server === 'Unauthorized' || server === 'AlreadyExists' || server === 'Conflict' || server === 'Invalid') {
    return new KubeError(server, `kube.${server.replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`, `${what}${where}: ${firstLines(stderr)}`,
      { hint: server === 'Unauthorized' ? 'The cluster rejected the credentials: refresh them (re-run get-credentials / update-kubeconfig, or log in again).' : undefined });
  }
  if (/You must be logged in to the server|\(Unauthorized\)/.test(stderr)) {
    return new KubeError('Unauthorized', 'kube.unauthorized', `${what}${where}: the cluster rejected the credentials.`, { hint: 'Refresh the kubeconfig credentials (log in again).' });
  }
  if (/x509:|certificate signed by unknown authority|tls: failed to verify/.test(stderr)) {
    return new KubeError('TLS', 'kube.tls', `${what}${where}: the API server's certificate is not trusted: ${firstLines(stderr, 1)}`, { hint: "Fix the cluster's certificate-authority-data in the kubeconfig (fetch credentials again)." });
  }
  if (/Unable to connect to the server|The connection to the server .* was refused|dial tcp|connection refused|no such host|i\/o timeout|context deadline exceeded|TLS handshake timeout|connection reset/.test(stderr)) {
    return new KubeError('Unreachable', 'kube.unreachable', `Cannot reach the cluster's API server${where}: ${firstLines(stderr, 1)}`, {
      hint: 'Check the network path to the API server (VPN, private endpoint, authorized IP ranges) and that the cluster is running; `kubectl cluster-info` shows the same error.',
    });
  }
  return new KubeError('Other', 'kube.kubectl.failed', `${what}${where} failed: ${firstLines(stderr) || 'kubectl exited with an error'}`);
}
