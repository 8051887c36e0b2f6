/**
 * The real gcloud 528 against the sandbox's Google services (api_endpoint_overrides + an access-token
 * file, research/gcp-api.md §1.5, §7.3). Invocations are few and run in parallel where independent.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeKey, PROJECT, startSandbox, type Sandbox } from './sandbox-google-harness.js';

let sb: Sandbox;
let dir: string;
let env: NodeJS.ProcessEnv;
const GCLOUD = '/usr/bin/gcloud';
const SA = `gcloud-sa@${PROJECT.id}.iam.gserviceaccount.com`;
const PRINCIPAL = `principal://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/gpool/subject/system:serviceaccount:ns:ksa`;

before(async () => {
  sb = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'sbg-gcloud-'));
  writeFileSync(join(dir, 'token'), sb.ownerToken);
  env = {
    PATH: process.env.PATH, HOME: dir, CLOUDSDK_CONFIG: join(dir, 'config'), CLOUDSDK_CORE_PROJECT: PROJECT.id,
    CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: join(dir, 'token'),
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true', CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
  };
  for (const api of ['IAM', 'CLOUDRESOURCEMANAGER', 'IAMCREDENTIALS', 'STS', 'SERVICEUSAGE', 'CONTAINER']) env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`] = sb.base;
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

function gcloud(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(GCLOUD, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const ok = (r: { code: number; stderr: string }, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}`);

test('gcloud: pools, OIDC provider with --jwk-json-path, update-oidc, IAM bindings, service accounts, services, GKE', async () => {
  const k1 = await makeKey('RS256', 'k1');
  const k2 = await makeKey('RS256', 'k2');
  writeFileSync(join(dir, 'jwks1.json'), `${JSON.stringify({ keys: [k1.jwk] })}\n`);
  writeFileSync(join(dir, 'jwks2.json'), JSON.stringify({ keys: [k1.jwk, k2.jwk] }));

  const [pool, sa, badPool, services, cluster] = await Promise.all([
    gcloud('iam', 'workload-identity-pools', 'create', 'gpool', '--location=global', '--display-name=G pool', '--description=desc'),
    gcloud('iam', 'service-accounts', 'create', 'gcloud-sa', '--display-name=G SA'),
    gcloud('iam', 'workload-identity-pools', 'create', 'ab', '--location=global'),
    gcloud('services', 'enable', 'iam.googleapis.com', 'sts.googleapis.com'),
    gcloud('container', 'clusters', 'describe', 'demo-gke', '--location=us-central1', '--format=json'),
  ]);
  ok(pool, 'pool create');
  assert.match(pool.stderr, /Created workload identity pool \[gpool\]\./);
  ok(sa, 'service-accounts create');
  assert.equal(badPool.code, 1);
  assert.match(badPool.stderr, /INVALID_ARGUMENT: Invalid workload identity pool ID "ab"/);
  ok(services, 'services enable');
  ok(cluster, 'container clusters describe');
  assert.equal(JSON.parse(cluster.stdout).workloadIdentityConfig.workloadPool, `${PROJECT.id}.svc.id.goog`);

  const [prov, projBinding, saBinding] = await Promise.all([
    gcloud('iam', 'workload-identity-pools', 'providers', 'create-oidc', 'gprov', '--location=global', '--workload-identity-pool=gpool',
      '--issuer-uri=https://kubernetes.default.svc.cluster.local',
      "--attribute-mapping=google.subject=assertion.sub,attribute.namespace=assertion['kubernetes.io']['namespace']",
      "--attribute-condition=assertion.sub.startsWith('system:serviceaccount:')", '--allowed-audiences=aud1,aud2',
      `--jwk-json-path=${join(dir, 'jwks1.json')}`, '--display-name=Prov'),
    gcloud('projects', 'add-iam-policy-binding', PROJECT.id, `--member=${PRINCIPAL}`, '--role=roles/iam.workloadIdentityUser', '--format=json'),
    gcloud('iam', 'service-accounts', 'add-iam-policy-binding', SA, '--role=roles/iam.workloadIdentityUser',
      `--member=principalSet://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/gpool/attribute.namespace/default`, '--format=json'),
  ]);
  ok(prov, 'create-oidc');
  assert.match(prov.stderr, /Created workload identity pool provider \[gprov\]\./);
  ok(projBinding, 'projects add-iam-policy-binding');
  const policy = JSON.parse(projBinding.stdout);
  assert.ok(policy.bindings.some((b: { role: string; members: string[] }) => b.role === 'roles/iam.workloadIdentityUser' && b.members.includes(PRINCIPAL)));
  assert.match(policy.etag, /^BwY/);
  ok(saBinding, 'service-accounts add-iam-policy-binding');

  const update = await gcloud('iam', 'workload-identity-pools', 'providers', 'update-oidc', 'gprov', '--location=global', '--workload-identity-pool=gpool',
    `--jwk-json-path=${join(dir, 'jwks2.json')}`, '--allowed-audiences=aud3');
  ok(update, 'update-oidc');
  const [desc, poolDesc, badMember, poolList] = await Promise.all([
    gcloud('iam', 'workload-identity-pools', 'providers', 'describe', 'gprov', '--location=global', '--workload-identity-pool=gpool', '--format=json'),
    gcloud('iam', 'workload-identity-pools', 'describe', 'gpool', '--location=global', '--format=json'),
    gcloud('projects', 'add-iam-policy-binding', PROJECT.id, '--member=me@example.com', '--role=roles/viewer'),
    // gcloud sends `showDeleted=False` (Python's spelling): Google parses query booleans case-insensitively.
    gcloud('iam', 'workload-identity-pools', 'list', '--location=global', '--format=json'),
  ]);
  ok(poolList, 'pools list');
  assert.deepEqual(JSON.parse(poolList.stdout).map((x: { name: string }) => x.name), [`projects/${PROJECT.number}/locations/global/workloadIdentityPools/gpool`]);
  ok(desc, 'providers describe');
  const p = JSON.parse(desc.stdout);
  assert.equal(p.name, `projects/${PROJECT.number}/locations/global/workloadIdentityPools/gpool/providers/gprov`);
  assert.deepEqual(p.oidc.allowedAudiences, ['aud3']);
  assert.deepEqual(JSON.parse(p.oidc.jwksJson).keys.map((k: { kid: string }) => k.kid), ['k1', 'k2']);
  assert.equal(p.attributeMapping['attribute.namespace'], "assertion['kubernetes.io']['namespace']");
  ok(poolDesc, 'pools describe');
  assert.deepEqual(JSON.parse(poolDesc.stdout), { name: `projects/${PROJECT.number}/locations/global/workloadIdentityPools/gpool`, displayName: 'G pool', description: 'desc', state: 'ACTIVE' });
  assert.equal(badMember.code, 1);
  assert.match(badMember.stderr, /INVALID_ARGUMENT: The member me@example\.com is of an unknown type\. Please set a valid type prefix for the member\./);
});
