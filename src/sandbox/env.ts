import { rmSync } from 'node:fs';
import { writeStateFile } from './state.js';

/**
 * The sandbox's env file (SPEC §4): `export NAME=value` lines, values single-quoted for POSIX shells, written
 * atomically (a half-written file is never sourced) only once every listener is ready; removed on stop.
 */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

export function renderEnv(env: Record<string, string>): string {
  const lines = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return `# wif sandbox environment: source this file (. ./env) in a shell to point wif, gcloud, kubectl, aws and az SDKs at the sandbox.\n${lines.join('\n')}\n`;
}

export function writeEnvFile(path: string, env: Record<string, string>): void {
  writeStateFile(path, renderEnv(env), 0o600);
}

export function removeEnvFile(path: string): void {
  rmSync(path, { force: true });
}

export interface SandboxEnvInput {
  stateDir: string;
  googleUrl: string;
  awsUrl: string;
  azureUrl: string;
  project: { id: string; number: string };
  awsRegion: string;
  azureSubscriptionId: string;
  msi: { endpoint: string; header: string };
  files: { ca: string; caBundle: string; accessToken: string; kubeconfig: string; kubeCache: string };
  pid: number;
}

/**
 * The variables of SPEC §4, plus conveniences so gcloud (api_endpoint_overrides, custom CA, access token file),
 * kubectl (its own discovery cache dir) and DefaultAzureCredential (App Service managed identity) work unchanged.
 * Only sandbox values: nothing secret from outside; the AWS keys are dummies (the EKS fake checks SigV4 shape only).
 */
export function sandboxEnv(i: SandboxEnvInput): Record<string, string> {
  const g = `${i.googleUrl}/`;
  return {
    WIF_GOOGLE_API_ENDPOINT: i.googleUrl,
    WIF_SANDBOX_PROJECT: i.project.id,
    WIF_SANDBOX_PROJECT_NUMBER: i.project.number,
    WIF_ACCESS_TOKEN_FILE: i.files.accessToken,
    WIF_SANDBOX_STATE_DIR: i.stateDir,
    WIF_SANDBOX_PID: String(i.pid),
    KUBECONFIG: i.files.kubeconfig,
    KUBECACHEDIR: i.files.kubeCache,
    AWS_ENDPOINT_URL_EKS: i.awsUrl,
    AWS_REGION: i.awsRegion,
    AWS_ACCESS_KEY_ID: 'AKIAWIFSANDBOXEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wif-sandbox-dummy-secret-access-key-0000',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    WIF_AZURE_ENDPOINT: i.azureUrl,
    AZURE_SUBSCRIPTION_ID: i.azureSubscriptionId,
    IDENTITY_ENDPOINT: i.msi.endpoint,
    IDENTITY_HEADER: i.msi.header,
    NODE_EXTRA_CA_CERTS: i.files.ca,
    GOOGLE_CLOUD_PROJECT: i.project.id,
    CLOUDSDK_CORE_PROJECT: i.project.id,
    CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: i.files.accessToken,
    CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE: i.files.ca,
    // These override gcloud's and aws-cli's own CA settings when set (as on many machines): the bundle is the
    // sandbox CA plus the machine's trust store.
    REQUESTS_CA_BUNDLE: i.files.caBundle,
    CURL_CA_BUNDLE: i.files.caBundle,
    AWS_CA_BUNDLE: i.files.caBundle,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM: g,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER: g,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS: g,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: g,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE: g,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: g,
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
  };
}
