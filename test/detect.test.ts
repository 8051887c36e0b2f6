import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, collectEvidence, isPrivateIp, scoreEvidence, type DetectInput } from '../src/plan/detect.js';
import { argValue, extractIdentity, parseAksUser } from '../src/plan/detect-identity.js';
import { assessIssuer, jwksUploadRequired, reconcileIssuers } from '../src/plan/issuer.js';
import { kubectlError, pluginHelp } from '../src/cloud/kube/errors.js';
import { jwtClaims } from '../src/cloud/kube/discovery.js';
import { awsError } from '../src/cloud/aws/eks.js';
import { azureError } from '../src/cloud/azure/aks.js';
import { gkeError } from '../src/cloud/google/container.js';

/** Pure parts of detection: issuer reachability, issuer reconciliation, scoring, identity, error translation. */

const PUBLIC = [
  'https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
  'https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/5e6f7a8b-1234-5678-9abc-def012345678/',
  'https://container.googleapis.com/v1/projects/my-proj/locations/us-central1/clusters/demo',
  'https://my-bucket.s3.eu-west-1.amazonaws.com/cluster-1',
  'https://34.118.10.20',
  'https://issuer.example.com:443/k8s',
];
const PRIVATE: [string, RegExp][] = [
  ['https://kubernetes.default.svc.cluster.local', /in-cluster API server name/],
  ['https://kubernetes.default.svc', /in-cluster/],
  ['https://kubernetes.default', /in-cluster/],
  ['https://oidc.my-ns.svc', /private DNS zone \(\*\.svc\)/],
  ['https://api.corp.internal', /private DNS zone \(\*\.internal\)/],
  ['https://rke2-server.cluster.local', /\*\.cluster\.local/],
  ['http://oidc.example.com', /https only/],
  ['https://10.0.0.5', /private, loopback or link-local/],
  ['https://172.20.1.1', /private/],
  ['https://192.168.49.2:8443', /port 8443.*|private/],
  ['https://127.0.0.1:6443', /port 6443/],
  ['https://169.254.169.254', /link-local/],
  ['https://100.64.0.10', /private/],
  ['https://[::1]:6443', /private/],
  ['https://[fd00::1]', /private/],
  ['https://oidc.example.com:8443', /non-standard/],
  ['https://k8s-master', /single-label/],
  ['https://localhost', /localhost/],
];

test('issuers Google can fetch need no JWKS upload', () => {
  for (const i of PUBLIC) {
    const a = assessIssuer(i);
    assert.equal(a.publiclyReachable, true, `${i}: ${a.reasons.join('; ')}`);
    assert.equal(jwksUploadRequired(i), false, i);
  }
});

test('issuers Google cannot fetch need the JWKS uploaded, and say why', () => {
  for (const [i, why] of PRIVATE) {
    const a = assessIssuer(i);
    assert.equal(a.publiclyReachable, false, i);
    assert.equal(jwksUploadRequired(i), true, i);
    assert.match(a.reasons.join('; '), why, i);
  }
});

test('malformed issuers are invalid, not just private', () => {
  assert.deepEqual(assessIssuer('https://x.example.com/?a=1').invalid, ['an issuer must not have a query string']);
  assert.deepEqual(assessIssuer('https://x.example.com/#f').invalid, ['an issuer must not have a fragment']);
  assert.match(assessIssuer('ftp://x.example.com').invalid.join(), /must be https/);
  assert.match(assessIssuer('not a url').invalid.join(), /not a URL/);
});

test('isPrivateIp covers RFC 1918, loopback, link-local, CGNAT and v6 ULA/link-local only', () => {
  for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '::1', 'fd12:3456::1', 'fe80::1']) assert.equal(isPrivateIp(ip), true, ip);
  for (const ip of ['8.8.8.8', '172.32.0.1', '172.15.0.1', '100.128.0.1', '34.118.10.20', '2001:4860::8888']) assert.equal(isPrivateIp(ip), false, ip);
});

test('reconcileIssuers: the token iss wins; every disagreement is an error naming both values', () => {
  const eks = 'https://oidc.eks.us-west-2.amazonaws.com/id/ABC';
  const ok = reconcileIssuers({ token: eks, discovery: eks, cloud: eks, cloudLabel: 'EKS DescribeCluster' });
  assert.equal(ok.issuer, eks);
  assert.deepEqual(ok.findings, []);
  assert.deepEqual(ok.checks.map((c) => c.ok), [true, true]);

  const mm = reconcileIssuers({ token: 'https://a.example.com', discovery: 'https://b.example.com' });
  assert.equal(mm.issuer, 'https://a.example.com');
  assert.equal(mm.findings[0].code, 'cluster.issuer.mismatch');
  assert.match(mm.findings[0].hint ?? '', /--issuer-uri https:\/\/a\.example\.com/);

  const slash = reconcileIssuers({ discovery: 'https://eastus.oic.prod-aks.azure.com/t/g', cloud: 'https://eastus.oic.prod-aks.azure.com/t/g/', cloudLabel: 'AKS managedClusters' });
  assert.equal(slash.findings[0].code, 'cluster.issuer.cloud-mismatch');
  assert.match(slash.findings[0].message, /trailing slash/);

  const none = reconcileIssuers({});
  assert.equal(none.issuer, undefined);
  assert.equal(none.findings[0].code, 'cluster.issuer.unknown');

  assert.equal(reconcileIssuers({ cloud: 'https://c.example.com' }).issuer, 'https://c.example.com');
});

const base: DetectInput = { contextName: 'x', clusterName: 'x', userName: 'x' };

test('no evidence at all: self-hosted with low confidence', () => {
  const c = classify({ ...base, server: 'https://k8s.example.org' });
  assert.equal(c.platform, 'self-hosted');
  assert.equal(c.confidence, 'low');
  assert.deepEqual(c.evidence, []);
});

test('--platform overrides detection and is recorded as evidence with what was detected', () => {
  const c = classify({ ...base, server: 'https://A.gr7.us-west-2.eks.amazonaws.com' }, 'self-hosted');
  assert.equal(c.platform, 'self-hosted');
  const o = c.evidence.find((e) => e.signal === 'override');
  assert.match(o?.detail ?? '', /--platform self-hosted \(detected: eks, high confidence\)/);
});

test('contradicting signals lower the confidence; the server version outweighs naming', () => {
  const c = classify({ ...base, contextName: 'kind-dev', server: 'https://127.0.0.1:5000', gitVersion: 'v1.32.1-eks-abcdef' });
  assert.equal(c.platform, 'eks');
  assert.equal(c.confidence, 'medium');
  const tie = classify({ ...base, server: 'https://x.hcp.eastus.azmk8s.io', gitVersion: 'v1.31.2-gke.100' });
  assert.equal(tie.confidence, 'low');
});

test('one signal kind counts once per platform (three ARNs are one naming signal)', () => {
  const arn = 'arn:aws:eks:us-west-2:123456789012:cluster/demo';
  const ev = collectEvidence({ contextName: arn, clusterName: arn, userName: arn });
  assert.equal(ev.length, 3);
  assert.equal(scoreEvidence(ev).eks, 0.9);
});

test('exec plugin basename and arguments are signals; a bare aws exec is weak', () => {
  const cmd = (command: string, args: string[] = []) => classify({ ...base, exec: { command, args, env: [] } });
  assert.equal(cmd('C:\\tools\\kubelogin.exe', ['get-token']).platform, 'aks');
  assert.equal(cmd('/opt/homebrew/bin/gke-gcloud-auth-plugin').platform, 'gke');
  assert.equal(cmd('aws-iam-authenticator', ['token', '-i', 'x']).platform, 'eks');
  assert.equal(cmd('aws', ['sts', 'get-caller-identity']).confidence, 'low');
});

test('identity helpers: argValue, parseAksUser disambiguation, EKS from the issuer region', () => {
  assert.equal(argValue(['--region', 'r1', '--cluster-name=c'], '--cluster-name'), 'c');
  assert.equal(argValue(['--region'], '--region'), undefined);
  assert.deepEqual(parseAksUser('clusterUser_a_b_c_d', ['c_d']), { resourceGroup: 'a_b', name: 'c_d' });
  assert.deepEqual(parseAksUser('clusterAdmin_rg_name', []), { resourceGroup: 'rg', name: 'name' });
  assert.equal(parseAksUser('clusterUser_a_b_c', []), undefined);
  const g = extractIdentity('aks', { ...base, userName: 'clusterUser_a_b_c' });
  assert.match(g.notes.join(), /ambiguous/);
  const e = extractIdentity('eks', { ...base, issuer: 'https://oidc.eks.eu-north-1.amazonaws.com/id/X' });
  assert.deepEqual(e.identity, { region: 'eu-north-1' });
  assert.deepEqual(extractIdentity('self-hosted', base).identity, {});
});

test('jwtClaims decodes without verifying and tolerates garbage', () => {
  const tok = `e30.${Buffer.from(JSON.stringify({ iss: 'https://i' })).toString('base64url')}.sig`;
  assert.deepEqual(jwtClaims(tok), { iss: 'https://i' });
  assert.equal(jwtClaims('nope'), undefined);
  assert.equal(jwtClaims('a.!!!.c'), undefined);
});

test('kubectl failures are translated by reason, spawn code and client-go exec forms', () => {
  const cases: [string, { spawnCode?: string }, string, RegExp?][] = [
    ['', { spawnCode: 'ENOENT' }, 'kube.kubectl.missing', /Install kubectl/],
    ['Unable to connect to the server: getting credentials: exec: executable gke-gcloud-auth-plugin not found\n\nInstall gke-gcloud-auth-plugin…', {}, 'kube.auth-plugin.missing', /gcloud components install gke-gcloud-auth-plugin/],
    ['Unable to connect to the server: getting credentials: exec: executable kubelogin not found', {}, 'kube.auth-plugin.missing', /az aks install-cli/],
    ['Unable to connect to the server: getting credentials: exec: fork/exec /opt/bin/aws: no such file or directory', {}, 'kube.auth-plugin.missing', /AWS CLI/],
    ['Unable to connect to the server: getting credentials: exec: executable aws failed with exit code 255', {}, 'kube.auth-plugin.failed', /aws configure/],
    ['Error from server (Forbidden): forbidden: User "bob" cannot get path "/openid/v1/jwks"', {}, 'kube.forbidden'],
    ['Error from server (NotFound): the server could not find the requested resource', {}, 'kube.not-found'],
    ['Error from server (AlreadyExists): serviceaccounts "app" already exists', {}, 'kube.already-exists'],
    ['error: You must be logged in to the server (Unauthorized)', {}, 'kube.unauthorized'],
    ['Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout', {}, 'kube.unreachable', /VPN, private endpoint/],
    ['Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority', {}, 'kube.tls'],
    ['error: something odd', {}, 'kube.kubectl.failed'],
  ];
  for (const [stderr, o, code, hint] of cases) {
    const e = kubectlError('GET /x', stderr, { ...o, context: 'c1' });
    assert.equal(e.code, code, stderr);
    assert.equal(e.exitCode, 1);
    if (hint) assert.match(e.hint ?? '', hint, stderr);
  }
  assert.equal(kubectlError('x', 'Error from server (Forbidden): no').status, 403);
  assert.doesNotMatch(kubectlError('x', 'error: Authorization: Bearer abc.def.ghi eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl').message, /eyJhbGci|Bearer abc/);
  assert.match(pluginHelp('/usr/local/bin/aws-iam-authenticator').install, /aws-iam-authenticator/);
});

test('cloud SDK errors are translated by error name and HTTP status', () => {
  const at = { name: 'demo', region: 'us-west-2', profile: 'prod' };
  assert.equal(awsError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), at).code, 'aws.credentials-missing');
  assert.match(awsError(Object.assign(new Error('x'), { name: 'CredentialsProviderError' }), at).message, /profile prod/);
  assert.equal(awsError({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } }, at).code, 'aws.eks.cluster-not-found');
  assert.equal(awsError({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }, at).code, 'aws.eks.access-denied');
  assert.equal(awsError({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } }, at).code, 'aws.credentials-invalid');
  assert.equal(awsError({ name: 'Error', code: 'ECONNREFUSED' }, at).code, 'aws.unreachable');

  assert.equal(azureError({ name: 'AggregateAuthenticationError' }, 'c', 's').code, 'azure.credentials-missing');
  assert.equal(azureError({ name: 'RestError', statusCode: 403, code: 'AuthorizationFailed' }, 'c', 's').code, 'azure.aks.access-denied');
  assert.equal(azureError({ name: 'RestError', statusCode: 404, code: 'ResourceNotFound' }, 'c', 's').code, 'azure.aks.cluster-not-found');
  assert.equal(azureError({ name: 'RestError', statusCode: 404, code: 'SubscriptionNotFound' }, 'c', 's').code, 'azure.subscription-not-found');
  assert.equal(azureError({ name: 'RestError', statusCode: 401 }, 'c', 's').code, 'azure.credentials-invalid');

  const id = { projectId: 'p', location: 'l', name: 'n' };
  assert.equal(gkeError({ response: { status: 404, data: { error: { status: 'NOT_FOUND' } } } }, id).code, 'gcp.container.cluster-not-found');
  assert.equal(gkeError({ response: { status: 403, data: { error: { status: 'PERMISSION_DENIED', details: [{ reason: 'SERVICE_DISABLED' }] } } } }, id).code, 'gcp.api-disabled');
  assert.match(gkeError({ response: { status: 403, data: { error: {} } } }, id).hint ?? '', /roles\/container\.clusterViewer/);
  assert.equal(gkeError(new Error('Could not load the default credentials.'), id).code, 'gcp.credentials-missing');
});
