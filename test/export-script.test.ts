/**
 * The gcloud script run by bash with fake gcloud/kubectl that record their argv (no sandbox, milliseconds): every
 * value reaches gcloud exactly (gcloud's own parser for the dict/list flags), the JWKS file holds exactly the keys,
 * a re-run goes past ALREADY_EXISTS, any other error stops it. Then the command itself: wif.yaml required, offline
 * inputs named by their flag, --out FILE|DIR written atomically, --jwks-file embedded.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { WifYamlInput } from '../src/model/config.js';
import { renderGcloudScript } from '../src/render/export-gcloud.js';
import { planExport, type ExportInputs } from '../src/render/export-model.js';
import { runWif } from './helpers/run.js';
import { CONDITION, DIRECT, fakeTools, GCLOUD_PY, gcloudParse, GKE, IMPERSONATION, JWKS, recordedCalls, settingsOf } from './export-helpers.js';

const PROJECT = { id: 'my-proj', number: '123456789012' };
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function runScript(doc: WifYamlInput, inputs: Partial<ExportInputs> = {}, env: Record<string, string> = {}) {
  const tools = fakeTools();
  dirs.push(tools.dir);
  const script = join(tools.dir, 'setup.sh');
  writeFileSync(script, renderGcloudScript(planExport(settingsOf(doc), { project: PROJECT, ...inputs })));
  const r = spawnSync('bash', [script], { cwd: tools.dir, encoding: 'utf8', env: { PATH: `${join(tools.dir, 'bin')}:${process.env.PATH}`, FAKE_JWKS: JWKS, ...env } });
  return { code: r.status, stderr: r.stderr, calls: recordedCalls(tools.calls), dir: tools.calls };
}

const flagOf = (call: string[], name: string) => call.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

test('every value reaches gcloud exactly, in the guide\'s order', () => {
  const r = runScript(DIRECT);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.calls.map((c) => c.slice(0, 4).join(' ')), [
    'services enable iam.googleapis.com iamcredentials.googleapis.com',
    'iam workload-identity-pools create k8s-pool',
    'iam workload-identity-pools providers create-oidc',
    'projects add-iam-policy-binding my-proj --role=roles/storage.objectViewer',
    'projects add-iam-policy-binding my-proj --role=roles/pubsub.subscriber',
    'projects add-iam-policy-binding my-proj --role=roles/logging.viewer',
    'projects add-iam-policy-binding other-proj --role=roles/storage.objectViewer',
    'iam workload-identity-pools create-cred-config projects/123456789012/locations/global/workloadIdentityPools/k8s-pool/providers/kind-dev',
  ]);
  const [, pool, prov, , , ns] = r.calls;
  assert.equal(flagOf(pool, 'display-name'), 'K8s "dev"');
  assert.equal(flagOf(pool, 'description'), "Pool for ${cluster} %{x} it's");
  assert.equal(flagOf(prov, 'attribute-condition'), CONDITION);
  assert.equal(flagOf(prov, 'issuer-uri'), 'https://kubernetes.default.svc.cluster.local');
  assert.equal(readFileSync(join(r.dir, `jwks-${2}`), 'utf8'), JWKS, 'the JWKS kubectl printed was uploaded');
  if (GCLOUD_PY) {
    assert.deepEqual(gcloudParse('dict', [flagOf(prov, 'attribute-mapping')!]), [DIRECT.provider.attributeMapping]);
    assert.deepEqual(gcloudParse('list', [flagOf(prov, 'allowed-audiences')!]), [DIRECT.provider.allowedAudiences]);
  }
  assert.equal(flagOf(ns, 'member'), 'principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/k8s-pool/attribute.namespace/demo');
  assert.ok(ns.includes('--condition=None'), 'no prompt when the policy has conditional bindings');
});

test('the JWKS: embedded verbatim when known, WIF_JWKS_FILE overrides the cluster read', () => {
  const odd = `{"keys":[{"kid":"it's \\"q\\" $x \`y\`","kty":"RSA"}]}`;
  const embedded = runScript(DIRECT, { jwks: { json: odd, from: 'provider' } }, { FAKE_JWKS: 'not used' });
  assert.equal(embedded.code, 0, embedded.stderr);
  assert.equal(readFileSync(join(embedded.dir, 'jwks-2'), 'utf8'), odd);
  const saved = join(mkdtempSync(join(tmpdir(), 'wif-jwks-')), 'jwks.json');
  dirs.push(join(saved, '..'));
  writeFileSync(saved, '{"keys":[{"kid":"saved"}]}');
  const viaFile = runScript(DIRECT, {}, { WIF_JWKS_FILE: saved, FAKE_JWKS: 'not used' });
  assert.equal(readFileSync(join(viaFile.dir, 'jwks-2'), 'utf8'), '{"keys":[{"kid":"saved"}]}');
  const bad = runScript(DIRECT, {}, { FAKE_JWKS: '<html>login</html>' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /is not a JWKS/);
  assert.equal(bad.calls.length, 2, 'stopped before creating the provider');
});

test('a re-run goes past ALREADY_EXISTS; any other error stops the script', () => {
  const again = runScript(IMPERSONATION, {}, { FAKE_EXISTS: 'eks-pool eks-demo wif-app' });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /pool eks-pool exists already: left as it is/);
  assert.match(again.stderr, /service account wif-app@my-proj\.iam\.gserviceaccount\.com exists already/);
  assert.equal(again.calls.length, 8, 'services, pool, provider, SA, 2 SA bindings, 1 project binding, cred-config');
  const sa = again.calls.find((c) => c[2] === 'create' && c[1] === 'service-accounts')!;
  assert.equal(flagOf(sa, 'display-name'), 'wif workload identity');
  const cred = again.calls[7];
  assert.equal(flagOf(cred, 'service-account'), 'wif-app@my-proj.iam.gserviceaccount.com');
  assert.equal(flagOf(cred, 'service-account-token-lifetime-seconds'), '1800');
  const denied = runScript(IMPERSONATION, {}, { FAKE_FAIL: 'eks-demo' });
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /PERMISSION_DENIED/);
  assert.equal(denied.calls.length, 3, 'nothing after the failing provider create');
});

test('GKE: only the APIs and the bindings (GKE principals), no cred-config', () => {
  const r = runScript(GKE);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.calls.map((c) => c[0] + ' ' + c[1]), ['services enable', 'projects add-iam-policy-binding', 'projects add-iam-policy-binding']);
  assert.equal(flagOf(r.calls[1], 'member'), 'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/my-proj.svc.id.goog/subject/ns/demo/sa/app');
});

function workdir(doc: unknown): string {
  const d = mkdtempSync(join(tmpdir(), 'wif-export-cmd-'));
  dirs.push(d);
  if (doc) writeFileSync(join(d, 'wif.yaml'), stringify(doc));
  return d;
}

test('wif export: needs wif.yaml, names missing offline inputs, writes --out FILE or DIR atomically', async () => {
  const none = await runWif(['export', '--format', 'gcloud'], { cwd: workdir(undefined) });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /wif\.yaml does not exist.*\n.*wif init/);
  const noNumber = await runWif(['export', '--format', 'terraform'], { cwd: workdir({ ...DIRECT, project: { id: 'my-proj' } }) });
  assert.equal(noNumber.code, 2);
  assert.match(noNumber.stderr, /--project-number/);
  const bad = await runWif(['export', '--format', 'hcl'], { cwd: workdir(DIRECT) });
  assert.equal(bad.code, 2);

  const cwd = workdir(DIRECT);
  const stdout = await runWif(['export', '--format', 'terraform'], { cwd });
  assert.equal(stdout.code, 0, stdout.stderr);
  assert.match(stdout.stdout, /^# Written by `wif export --format terraform`/);
  const file = await runWif(['export', '--format', 'terraform', '--out', 'iac/main.tf'], { cwd });
  assert.equal(file.code, 0, file.stderr);
  assert.equal(readFileSync(join(cwd, 'iac', 'main.tf'), 'utf8'), stdout.stdout, '--out FILE holds exactly what stdout shows');
  mkdirSync(join(cwd, 'scripts'));
  const intoDir = await runWif(['export', '--format', 'gcloud', '--out', 'scripts', '--output', 'json'], { cwd });
  assert.equal(intoDir.code, 0, intoDir.stderr);
  assert.equal(intoDir.json.result.path, join(cwd, 'scripts', 'wif-setup.sh'));
  assert.equal(statSync(intoDir.json.result.path).mode & 0o111, 0o111, 'the script is executable');
  assert.equal(intoDir.json.result.bindings.length, 4);
  assert.equal(spawnSync('bash', ['-n', intoDir.json.result.path]).status, 0, 'bash parses it');

  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = `${JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] })}\n`;
  writeFileSync(join(cwd, 'jwks.json'), jwks);
  const withJwks = await runWif(['export', '--format', 'terraform', '--jwks-file', 'jwks.json', '--output', 'json'], { cwd });
  assert.equal(withJwks.code, 0, withJwks.stdout);
  assert.equal(withJwks.json.result.jwks, 'embedded (file)');
  assert.ok(withJwks.json.result.content.includes(`jwks_json         = ${JSON.stringify(jwks)}`), 'verbatim, trailing newline included');
  assert.equal(withJwks.json.result.imports, 10);
});
