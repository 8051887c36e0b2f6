/**
 * The export round trip: wif sets up a self-hosted cluster (private issuer → JWKS uploaded, a mapping value with a
 * comma, an allowed audience, impersonation of a created service account), then the
 * exported gcloud script runs with bash against the reset sandbox (gcloud through the env's CLOUDSDK_* overrides,
 * kubectl for the JWKS) and must rebuild the same pool, provider, service account and IAM bindings.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sameJwks } from '../src/plan/provider.js';
import { runWif } from './helpers/run.js';
import { httpsJson, startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let sb: TestSandbox;
let dir: string;
before(async () => {
  sb = await startTestSandbox();
  dir = mkdtempSync(join(tmpdir(), 'wif-export-'));
});
after(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const MAPPING = "google.subject=assertion.sub,attribute.namespace=assertion['kubernetes.io']['namespace'],"
  + "attribute.ns_sa=assertion['kubernetes.io']['namespace'] + ',' + assertion['kubernetes.io']['serviceaccount']['name']";

async function google(method: string, path: string, body?: object): Promise<any> {
  const token = sb.sandbox.ownerToken;
  const r = await httpsJson(`${sb.googleUrl}/${path}`, { ca: sb.caPem, method, body, headers: { authorization: `Bearer ${token}` } });
  assert.ok(r.status === 200 || r.status === 404, `${method} ${path}: ${r.status} ${r.text}`);
  return r.status === 200 ? r.json : undefined;
}

const sortedBindings = (p: any) => (p?.bindings ?? []).map((b: any) => `${b.role} ${[...b.members].sort().join(' ')}`).sort();

/** Everything the export must reproduce, read through the sandbox's Google API. */
async function snapshot(project: string, pool: string, provider: string, sa: string): Promise<Record<string, unknown>> {
  const wip = `v1/projects/${project}/locations/global/workloadIdentityPools/${pool}`;
  const [p, prov, acct, projPolicy, saPolicy] = await Promise.all([
    google('GET', wip), google('GET', `${wip}/providers/${provider}`), google('GET', `v1/projects/${project}/serviceAccounts/${sa}`),
    google('POST', `v1/projects/${project}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } }),
    google('POST', `v1/projects/${project}/serviceAccounts/${sa}:getIamPolicy?options.requestedPolicyVersion=3`),
  ]);
  return {
    pool: p && { name: p.name, state: p.state, displayName: p.displayName, description: p.description },
    provider: prov && { name: prov.name, state: prov.state, attributeMapping: prov.attributeMapping, attributeCondition: prov.attributeCondition,
      issuerUri: prov.oidc.issuerUri, allowedAudiences: prov.oidc.allowedAudiences, displayName: prov.displayName },
    jwks: prov?.oidc.jwksJson,
    serviceAccount: acct && { email: acct.email, displayName: acct.displayName, description: acct.description },
    projectBindings: sortedBindings(projPolicy), saBindings: sortedBindings(saPolicy),
  };
}

function bash(script: string, cwd: string): Promise<{ code: number; stderr: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH!, HOME: cwd, CLOUDSDK_CONFIG: join(cwd, '.gcloud'), CLOUDSDK_CORE_DISABLE_PROMPTS: '1' };
  for (const [k, v] of Object.entries(sb.env)) if (k.startsWith('CLOUDSDK_') || k.startsWith('KUBE')) env[k] = v;
  return new Promise((resolve) => {
    const child = spawn('bash', [script], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

test('the exported gcloud script rebuilds, in a fresh project, the pool, provider, service account and bindings wif created', async (t) => {
  const project = sb.env.WIF_SANDBOX_PROJECT;
  const sa = `wif-app@${project}.iam.gserviceaccount.com`;
  const env = sb.env;
  const init = await runWif(['init', '--yes', '--context', 'self-hosted', '--ksa', 'demo/app', '--service-account', sa, '--create-service-account',
    '--role', 'roles/storage.objectViewer', '--attribute-mapping', MAPPING, '--allowed-audience', 'https://example.com/wif-test', '--no-verify', '--output', 'json'], { env, cwd: dir });
  assert.equal(init.code, 0, init.stderr);
  const cfg = readFileSync(join(dir, 'wif.yaml'), 'utf8');
  const pool = /pool:\n {2}id: (\S+)/.exec(cfg)![1];
  const provider = /provider:\n {2}id: (\S+)/.exec(cfg)![1];
  const before = await snapshot(project, pool, provider, sa);
  assert.ok(before.jwks, 'wif uploaded the JWKS of the private issuer');
  assert.equal((before.projectBindings as string[]).filter((b) => b.includes(`serviceAccount:${sa}`)).length, 1);
  assert.equal((before.saBindings as string[]).length, 1, 'the KSA principal is a workloadIdentityUser of the service account');

  const exp = await runWif(['export', '--format', 'gcloud', '--out', `${dir}/out/`, '--output', 'json'], { env, cwd: dir });
  assert.equal(exp.code, 0, exp.stderr);
  const script = exp.json.result.path;
  assert.equal(script, join(dir, 'out', 'wif-setup.sh'));
  assert.equal(statSync(script).mode & 0o777, 0o755);
  assert.equal(exp.json.result.jwks, 'read from the cluster when run');

  sb.reset();
  assert.equal((await snapshot(project, pool, provider, sa)).pool, undefined, 'the reset project has no pool');
  const runDir = mkdtempSync(join(dir, 'run-'));
  const seen = sb.requests().length;
  const t0 = Date.now();
  const r = await bash(script, runDir);
  const took = Date.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  const afterRun = await snapshot(project, pool, provider, sa);
  assert.ok(sameJwks(afterRun.jwks as string, before.jwks as string), 'the same keys were uploaded');
  assert.deepEqual({ ...afterRun, jwks: undefined }, { ...before, jwks: undefined });

  const google = sb.requests().slice(seen).filter((q) => q.listener === 'google' && q.service !== 'control');
  assert.deepEqual(google.filter((q) => q.status >= 400), [], 'no call of the script failed');
  const writes = google.filter((q) => q.method !== 'GET' && !q.path.endsWith(':getIamPolicy'));
  assert.equal(writes.length, 6, `services, pool, provider, service account, 2 bindings: ${writes.map((q) => q.path).join(', ')}`);
  const cred = JSON.parse(readFileSync(join(runDir, 'credential-configuration.json'), 'utf8'));
  const wifCred = JSON.parse(readFileSync(join(dir, 'wif-out', 'credential-configuration.json'), 'utf8'));
  assert.equal(cred.audience, wifCred.audience);
  assert.deepEqual(cred.credential_source, wifCred.credential_source);
  assert.match(cred.service_account_impersonation_url, new RegExp(`/serviceAccounts/${sa}:generateAccessToken$`));
  t.diagnostic(`the script ran in ${took} ms`);
});

test('--live: the provider\'s uploaded JWKS is embedded verbatim, and import blocks name only what exists', async () => {
  const env = sb.env;
  const project = env.WIF_SANDBOX_PROJECT;
  const cfg = readFileSync(join(dir, 'wif.yaml'), 'utf8');
  const pool = /pool:\n {2}id: (\S+)/.exec(cfg)![1];
  const provider = /provider:\n {2}id: (\S+)/.exec(cfg)![1];
  const uploaded = (await google('GET', `v1/projects/${project}/locations/global/workloadIdentityPools/${pool}/providers/${provider}`)).oidc.jwksJson;
  const all = await runWif(['export', '--format', 'terraform', '--live', '--output', 'json'], { env, cwd: dir });
  assert.equal(all.code, 0, all.stdout + all.stderr);
  assert.equal(all.json.result.jwks, 'embedded (provider)');
  assert.ok(all.json.result.content.includes(`jwks_json         = ${JSON.stringify(uploaded)}`));
  assert.equal(all.json.result.imports, 9, '4 APIs, pool, provider, service account, 2 bindings');

  const policyPath = `v1/projects/${project}:getIamPolicy`;
  const policy = await google('POST', policyPath, { options: { requestedPolicyVersion: 3 } });
  policy.bindings = policy.bindings.filter((b: any) => b.role !== 'roles/storage.objectViewer');
  await google('POST', `v1/projects/${project}:setIamPolicy`, { policy });
  const partial = await runWif(['export', '--format', 'terraform', '--live', '--output', 'json'], { env, cwd: dir });
  assert.equal(partial.code, 0, partial.stdout + partial.stderr);
  assert.equal(partial.json.result.imports, 8, 'the removed binding is created by terraform, not imported');
  assert.doesNotMatch(partial.json.result.content, /id = "\S+ roles\/storage\.objectViewer /);
  assert.match(partial.json.result.content, /resource "google_project_iam_member" "wif_app_storage_objectviewer"/);
});
