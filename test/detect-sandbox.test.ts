import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';
import { runWif } from './helpers/run.js';
import { Kubectl } from '../src/cloud/kube/kubectl.js';
import { jwtClaims } from '../src/cloud/kube/discovery.js';

/**
 * `wif detect` against the whole sandbox: the four contexts through the spawned CLI exactly as a user runs it
 * (a fresh process honours NODE_EXTRA_CA_CERTS and the Azure managed-identity env), an in-process run (the
 * clients get the CA from the command env), and the errors a user meets: missing auth plugin, missing AWS
 * credentials, unknown context.
 */
let sb: TestSandbox;
let env: Record<string, string | undefined>;

function findRoot(): string {
  for (let d = import.meta.dirname; ; d = dirname(d)) {
    if (existsSync(join(d, 'bin', 'wif.js'))) return d;
    if (dirname(d) === d) return process.cwd();
  }
}
const ROOT = findRoot();

function spawnWif(argv: string[], e: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string; json: any }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'wif.js'), ...argv], { cwd: sb.stateDir, env: e as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('error', fail);
    p.on('close', (code) => {
      let json: unknown;
      try { json = JSON.parse(stdout); } catch { json = undefined; }
      done({ code: code ?? 1, stdout, stderr, json });
    });
  });
}

before(async () => {
  sb = await startTestSandbox();
  env = { ...process.env, CI: '1', NO_COLOR: '1', ...sb.env };
});
after(async () => {
  await sb?.stop();
});

const spec = (context: string) => sb.sandbox.clusters.find((c) => c.spec.context === context)!.spec;

const IDENTITY: Record<string, string[]> = {
  'self-hosted': [],
  eks: ['name', 'region', 'accountId'],
  aks: ['subscriptionId', 'resourceGroup', 'name'],
  gke: ['projectId', 'location', 'name'],
};

test('wif detect --context X --output json (spawned): platform, identity, issuer and jwksUploadRequired for all four contexts', async () => {
  const runs = await Promise.all(Object.keys(IDENTITY).map(async (ctx) => [ctx, await spawnWif(['detect', '--context', ctx, '--output', 'json'], env)] as const));
  for (const [ctx, r] of runs) {
    assert.equal(r.code, 0, `${ctx}: ${r.stdout}\n${r.stderr}`);
    const res = r.json.result;
    const s = spec(ctx);
    assert.equal(res.platform, s.platform, ctx);
    assert.equal(res.issuer, s.issuer, ctx);
    assert.equal(res.jwksUploadRequired, ctx === 'self-hosted', ctx);
    for (const k of IDENTITY[ctx]) assert.equal(res.cluster[k], s.identity[k], `${ctx}: cluster.${k}`);
    if (ctx === 'gke') assert.equal(res.cluster.workloadPool, `${s.identity.projectId}.svc.id.goog`);
    assert.deepEqual(res.findings, [], ctx);
    assert.ok(res.checks.every((c: { ok: boolean }) => c.ok), `${ctx}: ${JSON.stringify(res.checks)}`);
    assert.equal(res.issuerSources.token, s.issuer, `${ctx}: the minted token's iss was cross-checked`);
    if (ctx !== 'self-hosted') assert.equal(res.issuerSources.cloud, s.issuer, `${ctx}: the cloud API agrees`);
    assert.equal(res.confidence, 'high', ctx);
    assert.doesNotMatch(r.stdout + r.stderr, /eyJhbGci/, `${ctx}: no token printed`);
  }
  const cloudCalls = sb.requests().filter((q) => ['aws', 'azure', 'google'].includes(q.listener) && /clusters/i.test(q.path));
  assert.ok(cloudCalls.some((q) => q.listener === 'aws' && q.status === 200), 'EKS DescribeCluster was called');
  assert.ok(cloudCalls.some((q) => q.listener === 'azure' && q.status === 200), 'AKS managedClusters was called');
  assert.ok(cloudCalls.some((q) => q.listener === 'google' && q.path.includes('/clusters/') && q.status === 200), 'GKE clusters.get was called');
});

test('in-process: the EKS SDK gets the sandbox CA from the command env; a missing auth plugin is named with its install', async () => {
  const inproc = { PATH: process.env.PATH, HOME: sb.stateDir, ...sb.env };
  const r = await runWif(['detect', '--context', 'eks', '--output', 'json'], { env: inproc, cwd: sb.stateDir });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.json.result.issuerSources.cloud, spec('eks').issuer);

  const kc = readFileSync(sb.env.KUBECONFIG, 'utf8').replace(/command: \S*gke-gcloud-auth-plugin/, 'command: gke-gcloud-auth-plugin-not-installed');
  const file = join(sb.stateDir, 'kubeconfig-missing-plugin');
  writeFileSync(file, kc);
  const m = await runWif(['detect', '--context', 'gke', '--kubeconfig', file, '--output', 'json'], { env: inproc, cwd: sb.stateDir });
  assert.equal(m.code, 1);
  assert.equal(m.json.error.code, 'kube.auth-plugin.missing');
  assert.match(m.json.error.message, /gke-gcloud-auth-plugin-not-installed/);
});

test('EKS without AWS credentials: the error names the fix, and the cluster-side result is still reported', async () => {
  const e = { ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined, HOME: sb.stateDir,
    AWS_CONFIG_FILE: join(sb.stateDir, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(sb.stateDir, 'no-aws-credentials'), AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined, AWS_WEB_IDENTITY_TOKEN_FILE: undefined };
  const r = await spawnWif(['detect', '--context', 'eks', '--output', 'json'], e);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.json.error.code, 'aws.credentials-missing');
  assert.match(r.json.error.hint, /AWS_PROFILE|aws configure/);
  assert.equal(r.json.result.platform, 'eks');
  assert.equal(r.json.result.issuer, spec('eks').issuer);
  assert.equal(r.json.result.jwksUploadRequired, false);
});

test('unknown context: exit 2 listing the sandbox contexts', async () => {
  const r = await runWif(['detect', '--context', 'prod', '--output', 'json'], { env: { PATH: process.env.PATH, ...sb.env }, cwd: sb.stateDir });
  assert.equal(r.code, 2);
  assert.equal(r.json.error.code, 'kube.context.unknown');
  for (const c of ['self-hosted', 'eks', 'aks', 'gke']) assert.match(r.json.error.hint, new RegExp(c));
});

test('the kubectl library later commands use: apply (server dry-run, then real), get, list, createToken with an audience, exec', async () => {
  const k = new Kubectl({ context: 'self-hosted', env: { PATH: process.env.PATH, HOME: sb.stateDir, ...sb.env }, cwd: sb.stateDir });
  const manifests = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lib-test' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'lib-test' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'lib-test' }, spec: { serviceAccountName: 'app', containers: [{ name: 'main', image: 'busybox' }] } },
  ];
  // As on a real API server, a server-side dry run cannot create objects in a namespace it did not create.
  const dry = await k.apply(manifests.slice(0, 1), { dryRun: 'server' });
  assert.equal(dry.length, 1);
  assert.equal(await k.get('namespace', 'lib-test'), undefined, 'a server dry-run changes nothing');
  const applied = await k.apply(manifests);
  assert.deepEqual(applied.map((o) => (o as { kind: string }).kind), ['Namespace', 'ServiceAccount', 'Pod']);
  const sas = await k.list<{ metadata: { name: string } }>('serviceaccounts', 'lib-test');
  assert.ok(sas.some((x) => x.metadata.name === 'app'));
  const aud = '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k';
  const t = await k.createToken('lib-test', 'app', { audiences: [aud], durationSeconds: 900 });
  const claims = jwtClaims(t.token)!;
  assert.equal(claims.sub, 'system:serviceaccount:lib-test:app');
  assert.deepEqual(claims.aud, [aud]);
  assert.equal(claims.iss, spec('self-hosted').issuer);
  const ok = await k.exec('p1', 'lib-test', ['echo', 'hello']);
  assert.deepEqual([ok.exitCode, ok.stdout.trim()], [0, 'hello']);
  assert.equal((await k.exec('p1', 'lib-test', ['false'])).exitCode, 1);
  await assert.rejects(k.exec('nope', 'lib-test', ['true']), (e: unknown) => (e as { code?: string }).code === 'kube.not-found');
});
