import type { ClusterSpec, SbRequest, SbResponse, SbService } from '../types.js';

/**
 * A faithful local Amazon EKS control-plane API (restJson1, research/k8s-clouds.md §4.1–4.2), enough for
 * `@aws-sdk/client-eks` and aws-cli through `AWS_ENDPOINT_URL_EKS`: DescribeCluster (`GET /clusters/NAME`) and
 * ListClusters (`GET /clusters`). Requests must carry a SigV4 Authorization header (presence and shape are
 * checked, not the signature); the region comes from its credential scope, so a cluster is only found in its region.
 */
export interface CloudCluster {
  spec: ClusterSpec;
  /** `https://127.0.0.1:PORT` of the cluster's kube listener. */
  url(): string;
}

export interface EksDeps {
  clusters: CloudCluster[];
  caPem(): string;
  createdAt: Date;
}

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;

export function createEksService(deps: EksDeps): SbService {
  return {
    name: 'aws:eks',
    handle(req) {
      const m = /^\/clusters(?:\/([^/]+))?\/?$/.exec(req.path);
      if (!m || req.method !== 'GET') return undefined;
      const auth = checkSigV4(req);
      if ('status' in auth) return auth;
      const inRegion = deps.clusters.filter((c) => c.spec.identity.region === auth.region);
      if (m[1] === undefined) return { status: 200, body: { clusters: inRegion.map((c) => c.spec.identity.name) } };
      const c = inRegion.find((x) => x.spec.identity.name === m[1]);
      if (!c) return awsError(404, 'ResourceNotFoundException', `No cluster found for name: ${m[1]}.`);
      return { status: 200, body: { cluster: describe(c, deps) } };
    },
  };
}

function checkSigV4(req: SbRequest): { region: string } | SbResponse {
  const auth = req.headers.authorization;
  if (!auth) return awsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = SIGV4.exec(auth);
  if (!m || !req.headers['x-amz-date']) {
    return awsError(403, 'IncompleteSignatureException', 'Authorization header requires \'Credential\', \'SignedHeaders\' and \'Signature\' parameters, and the request requires an X-Amz-Date header.');
  }
  if (m[2] !== 'eks') return awsError(403, 'InvalidSignatureException', `Credential should be scoped to correct service: 'eks'.`);
  return { region: m[1] };
}

function awsError(status: number, type: string, message: string): SbResponse {
  return { status, headers: { 'x-amzn-errortype': type }, body: { message } };
}

/** The DescribeCluster `cluster` object (createdAt in epoch seconds: the SDK rejects ISO strings). */
function describe(c: CloudCluster, deps: EksDeps): object {
  const { name, region, accountId } = c.spec.identity;
  const oidcId = c.spec.issuer.slice(c.spec.issuer.lastIndexOf('/') + 1);
  const minor = /^v(\d+\.\d+)/.exec(c.spec.gitVersion)?.[1] ?? '1.32';
  const hex = oidcId.toLowerCase();
  return {
    name,
    arn: `arn:aws:eks:${region}:${accountId}:cluster/${name}`,
    createdAt: Math.floor(deps.createdAt.getTime() / 1000) + 0.123,
    version: minor,
    endpoint: c.url(),
    roleArn: `arn:aws:iam::${accountId}:role/${name}-cluster-role`,
    resourcesVpcConfig: {
      subnetIds: [`subnet-${hex.slice(0, 17)}`, `subnet-${hex.slice(8, 25)}`],
      securityGroupIds: [], clusterSecurityGroupId: `sg-${hex.slice(4, 21)}`, vpcId: `vpc-${hex.slice(12, 29)}`,
      endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ['0.0.0.0/0'],
    },
    kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4', elasticLoadBalancing: { enabled: false } },
    logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false }] },
    identity: { oidc: { issuer: c.spec.issuer } },
    status: 'ACTIVE',
    certificateAuthority: { data: Buffer.from(deps.caPem()).toString('base64') },
    platformVersion: 'eks.12',
    tags: {},
    health: { issues: [] },
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
    upgradePolicy: { supportType: 'STANDARD' },
  };
}
