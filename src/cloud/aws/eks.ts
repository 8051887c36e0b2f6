import { OperationError, UsageError, type WifError } from '../../core/errors.js';
import { extraCaBundle } from '../tls.js';

/**
 * EKS DescribeCluster / ListClusters through @aws-sdk/client-eks (imported lazily; research/k8s-clouds.md §4,
 * deps.md §4). Endpoint, region and credentials come from the command's env the way the SDK reads them
 * (`AWS_ENDPOINT_URL_EKS`, `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`…, `AWS_PROFILE`) and are
 * passed explicitly so an in-process run with another env behaves like a fresh process. Errors are translated
 * here, keyed on the SDK's error name and HTTP status.
 */
export interface EksCluster {
  name: string;
  arn?: string;
  accountId?: string;
  region: string;
  endpoint?: string;
  issuer?: string;
  version?: string;
  status?: string;
}

export interface AwsOptions {
  env: Record<string, string | undefined>;
  /** The profile the kubeconfig's exec plugin uses (`AWS_PROFILE` in its env or `--profile`). */
  profile?: string;
  roleArn?: string;
  signal?: AbortSignal;
}

type Env = Record<string, string | undefined>;

/** The EKS endpoint override the SDK would honour, if any. */
export function eksEndpoint(env: Env): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return undefined;
  return env.AWS_ENDPOINT_URL_EKS || env.AWS_ENDPOINT_URL || undefined;
}

async function client(region: string, o: AwsOptions) {
  // The SDK warns once per process on Node 20 (deps.md §0); the warning is noise for wif's users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { EKSClient } = await import('@aws-sdk/client-eks');
  const env = o.env;
  const keys = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
    : undefined;
  const ca = extraCaBundle(env);
  const { Agent } = await import('node:https');
  return new EKSClient({
    region,
    endpoint: eksEndpoint(env),
    ...(keys ? { credentials: keys } : { profile: o.profile ?? env.AWS_PROFILE }),
    maxAttempts: 3,
    // Bounded waits: an unroutable endpoint must not hang detection.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000, ...(ca ? { httpsAgent: new Agent({ ca }) } : {}) },
  });
}

function accountOf(arn: string | undefined): string | undefined {
  return /^arn:aws[a-z-]*:eks:[^:]+:(\d{12}):/.exec(arn ?? '')?.[1];
}

/** DescribeCluster `name` in `region`. */
export async function describeEksCluster(name: string, region: string, o: AwsOptions): Promise<EksCluster> {
  const { DescribeClusterCommand } = await import('@aws-sdk/client-eks');
  const c = await client(region, o);
  try {
    const r = await c.send(new DescribeClusterCommand({ name }), { abortSignal: o.signal as never });
    const cl = r.cluster ?? {};
    return {
      name: cl.name ?? name, arn: cl.arn, accountId: accountOf(cl.arn), region, endpoint: cl.endpoint,
      issuer: cl.identity?.oidc?.issuer, version: cl.version, status: cl.status,
    };
  } catch (e) {
    throw awsError(e, { name, region, profile: o.profile ?? o.env.AWS_PROFILE, roleArn: o.roleArn });
  } finally {
    c.destroy();
  }
}

/** Find the cluster whose endpoint host is `host` among the clusters of `region` (ListClusters + DescribeCluster). */
export async function findEksClusterByEndpoint(host: string, region: string, o: AwsOptions): Promise<EksCluster | undefined> {
  const { ListClustersCommand } = await import('@aws-sdk/client-eks');
  const c = await client(region, o);
  const names: string[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const r = await c.send(new ListClustersCommand({ nextToken }), { abortSignal: o.signal as never });
      names.push(...(r.clusters ?? []));
      nextToken = r.nextToken;
    } while (nextToken);
  } catch (e) {
    throw awsError(e, { region, profile: o.profile ?? o.env.AWS_PROFILE });
  } finally {
    c.destroy();
  }
  const all = await Promise.all(names.map((n) => describeEksCluster(n, region, o)));
  return all.find((cl) => cl.endpoint && new URL(cl.endpoint).hostname.toLowerCase() === host.toLowerCase());
}

/** Translate an SDK error (by `name` and `$metadata.httpStatusCode`) into a WifError with the fix. */
export function awsError(e: unknown, at: { name?: string; region?: string; profile?: string; roleArn?: string }): WifError {
  const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const what = at.name ? `EKS cluster ${at.name} in ${at.region}` : `EKS clusters in ${at.region}`;
  const prof = at.profile ? ` (the kubeconfig uses profile ${at.profile})` : '';
  if (err.name === 'CredentialsProviderError' || /could not load credentials/i.test(err.message ?? '')) {
    return new OperationError('aws.credentials-missing', `No AWS credentials to read ${what}${prof}.`, {
      hint: 'Set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws configure` / `aws sso login`.', cause: e,
    });
  }
  if (err.name === 'ResourceNotFoundException' || status === 404) {
    return new OperationError('aws.eks.cluster-not-found', `${what} was not found.`, {
      hint: `List the clusters with \`aws eks list-clusters --region ${at.region}\`; check the kubeconfig's region and cluster name (and the account${prof}).`, cause: e,
    });
  }
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId'].includes(err.name ?? '') || status === 401) {
    return new OperationError('aws.credentials-invalid', `AWS rejected the credentials used to read ${what}: ${err.name}.`, {
      hint: 'Refresh them (`aws sso login`, new session token) or pick the right AWS_PROFILE.', cause: e,
    });
  }
  if (err.name === 'AccessDeniedException' || status === 403) {
    return new OperationError('aws.eks.access-denied', `Access denied reading ${what}.`, {
      hint: `Grant eks:DescribeCluster (and eks:ListClusters) to the caller${at.roleArn ? `, or use the role the kubeconfig assumes (${at.roleArn}) via AWS_PROFILE` : ''}.`, cause: e,
    });
  }
  if (/region is missing/i.test(err.message ?? '')) {
    return new UsageError('aws.region-missing', `No AWS region for ${what}.`, { hint: 'Set AWS_REGION.' });
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(err.code ?? '') || err.name === 'TimeoutError') {
    return new OperationError('aws.unreachable', `Cannot reach the EKS API for ${what}: ${err.code ?? err.name}.`, {
      hint: 'Check the network or AWS_ENDPOINT_URL_EKS.', cause: e,
    });
  }
  return new OperationError('aws.eks.failed', `Reading ${what} failed: ${err.name ?? 'error'}: ${err.message ?? String(e)}`, { cause: e });
}
