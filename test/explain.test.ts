import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { decodeToken, synthesizeClaims } from '../src/plan/claims.js';
import { buildCondition, describeCondition, explainCondition } from '../src/plan/condition.js';
import { MAPPING_PRESETS } from '../src/plan/mapping.js';
import { runWif } from './helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'wif-explain-'));
const POOL = 'projects/123456789012/locations/global/workloadIdentityPools/k8s-pool';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function tokenFile(name: string, claims: Record<string, unknown>): Promise<string> {
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
  writeFileSync(join(dir, name), jwt);
  return name;
}
function wifYaml(name: string, body: string): string {
  const d = mkdtempSync(join(dir, name));
  writeFileSync(join(d, 'wif.yaml'), body);
  return d;
}

test('synthesized claims have the real projected-token shape (k8s-clouds §2.3)', () => {
  const c = synthesizeClaims('wif-demo', 'app', { issuer: 'https://issuer.example', audience: 'aud-1', now: 1795327103 });
  assert.deepEqual(Object.keys(c), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
  assert.deepEqual(Object.keys(c['kubernetes.io']), ['namespace', 'node', 'pod', 'serviceaccount']);
  assert.deepEqual(c.aud, ['aud-1']);
  assert.equal(c.sub, 'system:serviceaccount:wif-demo:app');
  assert.equal(c.iat, c.nbf);
  assert.equal(c.exp, 1795327103 + 3600);
  assert.match(c.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(c['kubernetes.io'].serviceaccount.name, 'app');
  assert.deepEqual(synthesizeClaims('wif-demo', 'app', { now: 1 }), synthesizeClaims('wif-demo', 'app', { now: 1 }), 'reproducible');
  const unbound = synthesizeClaims('ns', 'sa', { podBound: false });
  assert.deepEqual(Object.keys(unbound['kubernetes.io']), ['namespace', 'serviceaccount']);
});

test('decodeToken: header and claims; malformed tokens are usage errors that never echo the input', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4IiwiYXVkIjpbImEiXX0.c2ln';
  assert.deepEqual(decodeToken(jwt + '\n'), { header: { alg: 'RS256', kid: 'k1' }, claims: { sub: 'x', aud: ['a'] } });
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['SECRETSECRET', /three base64url parts.*found 1/],
    ['a.b.c.d.e', /encrypted token/],
    ['a$.b.c', /not base64url/],
    ['eyJ4Ijox.eyJzdWIiOiJ4In0.c2ln', /header is not/],
    ['eyJhbGciOiJSUzI1NiJ9.bm90LWpzb24.c2ln', /payload is not/],
  ];
  for (const [t, re] of bad) {
    assert.throws(() => decodeToken(t, '--token t.jwt'), (e: Error & { exitCode?: number }) => {
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /^--token t\.jwt: not a JWT: /);
      assert.match(e.message, re);
      assert.doesNotMatch(e.message, /SECRETSECRET/);
      return true;
    }, t);
  }
});

test('buildCondition: readable CEL, == for one value, in for several, redundant KSAs dropped', () => {
  assert.equal(buildCondition([], []), undefined);
  assert.equal(buildCondition(['backend'], []), "assertion['kubernetes.io']['namespace'] == 'backend'");
  assert.equal(buildCondition(['backend', 'monitoring', 'backend'], []), "assertion['kubernetes.io']['namespace'] in ['backend', 'monitoring']");
  assert.equal(buildCondition([], [{ namespace: 'a', name: 'b' }]), "assertion.sub == 'system:serviceaccount:a:b'");
  assert.equal(buildCondition(['backend'], [{ namespace: 'backend', name: 'x' }, { namespace: 'ops', name: 'y' }, { namespace: 'ops', name: 'z' }]),
    "assertion['kubernetes.io']['namespace'] == 'backend' || assertion.sub in ['system:serviceaccount:ops:y', 'system:serviceaccount:ops:z']");
});

test('explainCondition says which comparison failed', () => {
  const vars = (ns: string, sub = `system:serviceaccount:${ns}:api`) => ({
    assertion: synthesizeClaims(ns, sub.split(':')[3], { now: 1 }), attribute: { namespace: ns }, google: { subject: sub },
  });
  const cases: [string, string][] = [
    ["assertion['kubernetes.io']['namespace'] in ['backend']", "namespace is 'default', allowed: ['backend']"],
    ["attribute.namespace == 'backend'", "namespace is 'default', expected 'backend'"],
    ["google.subject.startsWith('system:serviceaccount:backend:')", "subject is 'system:serviceaccount:default:api', which does not start with 'system:serviceaccount:backend:'"],
    ["attribute.namespace == 'backend' || assertion.sub == 'system:serviceaccount:ops:x'",
      "namespace is 'default', expected 'backend'; subject is 'system:serviceaccount:default:api', expected 'system:serviceaccount:ops:x'"],
    ["has(assertion.iss) && attribute.namespace != 'default'", "namespace is 'default', which is excluded"],
    ["!(attribute.namespace == 'default')", "attribute.namespace == 'default' is true"],
    ["assertion.nope == 'x'", 'assertion.nope == \'x\' could not be evaluated: No such key: nope'],
    ["attribute.namespace == 'default'", ''],
  ];
  for (const [expr, want] of cases) assert.equal(explainCondition(expr, vars('default')), want, expr);
});

test('describeCondition: the live preview of admitted and refused KSAs', () => {
  const cond = buildCondition(['backend'], [{ namespace: 'ops', name: 'deployer' }]);
  const got = describeCondition(cond, MAPPING_PRESETS.kubernetes, [
    { namespace: 'backend', name: 'api' }, { namespace: 'ops', name: 'deployer' }, { namespace: 'default', name: 'web' },
  ]);
  assert.deepEqual(got.map((v) => [v.ksa, v.admitted]), [['backend/api', true], ['ops/deployer', true], ['default/web', false]]);
  assert.match(got[2].reason ?? '', /namespace is 'default', expected 'backend'; subject is 'system:serviceaccount:default:web', expected 'system:serviceaccount:ops:deployer'/);
  assert.ok(describeCondition(undefined, MAPPING_PRESETS.subject, [{ namespace: 'x', name: 'y' }])[0].admitted);
  const badMapping = describeCondition(undefined, { 'google.subject': 'assertion.iat' }, [{ namespace: 'x', name: 'y' }]);
  assert.equal(badMapping[0].admitted, false);
  assert.match(badMapping[0].reason ?? '', /mapping is rejected/);
});

test('wif explain --ksa: a refused KSA exits 0 with the reason and placeholder principals', async () => {
  const r = await runWif(['explain', '--ksa', 'default/web', '--mapping-preset', 'kubernetes', '--allow-namespace', 'backend'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /google\.subject +system:serviceaccount:default:web/);
  assert.match(r.stdout, /attribute\.namespace +default/);
  assert.match(r.stdout, /false: namespace is 'default', expected 'backend'/);
  assert.match(r.stdout, /rejected/);
  assert.match(r.stdout, /PROJECT_NUMBER, POOL_ID are placeholders: pass --project-number, --pool/);
  assert.match(r.stdout, /iss +https:\/\/kubernetes\.default\.svc\.cluster\.local +\(placeholder/);
  const j = await runWif(['explain', '--ksa', 'default/web', '--mapping-preset', 'kubernetes', '--allow-namespace', 'backend', '--output', 'json'], { cwd: dir });
  assert.equal(j.code, 0);
  const res = j.json.result;
  assert.equal(res.subject, 'system:serviceaccount:default:web');
  assert.equal(res.attributes.namespace, 'default');
  assert.deepEqual(res.condition, { expression: "assertion['kubernetes.io']['namespace'] == 'backend'", result: false, reason: "namespace is 'default', expected 'backend'" });
  assert.equal(res.admitted, false);
  assert.ok(res.principals.includes('principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL_ID/subject/system:serviceaccount:default:web'));
  assert.deepEqual(res.placeholders, ['PROJECT_NUMBER', 'POOL_ID']);
});

test('wif explain reads mapping, condition, pool and number from wif.yaml', async () => {
  const cwd = wifYaml('yaml-', [
    'version: 1', 'project: { id: my-project, number: "123456789012" }', 'pool: { id: k8s-pool }',
    'provider:', '  id: my-cluster', '  issuerUri: https://oidc.example.com', '  attributeMapping:', '    google.subject: assertion.sub',
    "    attribute.namespace: assertion['kubernetes.io']['namespace']", "  attributeCondition: attribute.namespace in ['backend']",
  ].join('\n'));
  const r = await runWif(['explain', '--ksa', 'backend/api', '--json'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const res = r.json.result;
  assert.equal(res.admitted, true);
  assert.equal(res.claims.iss, 'https://oidc.example.com');
  assert.deepEqual(res.claims.aud, [`https://iam.googleapis.com/${POOL}/providers/my-cluster`]);
  assert.deepEqual(res.principals, [
    `principal://iam.googleapis.com/${POOL}/subject/system:serviceaccount:backend:api`,
    `principalSet://iam.googleapis.com/${POOL}/attribute.namespace/backend`,
    `principalSet://iam.googleapis.com/${POOL}/*`,
  ]);
  assert.deepEqual(res.placeholders, []);
  const bad = await runWif(['explain', '--ksa', 'backend/api', '--attribute-condition', "attribute.team == 'x'"], { cwd });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--attribute-condition: .*attribute\.team is not mapped \(mapped attributes: attribute\.namespace\)/);
});

test('wif explain --token: decoded only (says so), attributes from the real claims, issuer/audience notes', async () => {
  const now = Math.floor(Date.now() / 1000);
  const name = await tokenFile('t.jwt', {
    aud: ['https://wrong.example'], exp: now + 600, iat: now, iss: 'https://kubernetes.default.svc.cluster.local',
    'kubernetes.io': { namespace: 'backend', serviceaccount: { name: 'api', uid: 'u' } }, nbf: now, sub: 'system:serviceaccount:backend:api',
  });
  const args = ['explain', '--token', name, '--mapping-preset', 'kubernetes', '--issuer-uri', 'https://oidc.example.com', '--project-number', '123456789012', '--pool', 'k8s-pool', '--provider', 'my-cluster'];
  const r = await runWif(args, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /signature was NOT checked/);
  assert.match(r.stdout, /attribute\.pod +\(unset: No such key: pod\)/);
  assert.match(r.stdout, /differs from the provider issuer/);
  assert.match(r.stdout, /contains none of the provider's accepted audiences/);
  const j = await runWif([...args, '--json'], { cwd: dir });
  assert.equal(j.json.result.source.signatureChecked, false);
  assert.deepEqual(j.json.result.source.header, { alg: 'RS256', kid: 'k1' });
  assert.equal(j.json.result.condition.result, true);
  assert.equal(j.json.result.condition.expression, null);
});

test('wif explain on GKE lists the GKE principal forms', async () => {
  const r = await runWif(['explain', '--ksa', 'backend/api', '--platform', 'gke', '--project', 'my-project', '--project-number', '123456789012', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const p: string[] = r.json.result.principals;
  assert.ok(p.includes('principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/my-project.svc.id.goog/subject/ns/backend/sa/api'));
  assert.ok(p.includes('serviceAccount:my-project.svc.id.goog[backend/api]'));
  assert.ok(p.includes('principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/my-project.svc.id.goog/namespace/backend'));
});

test('wif explain with several --ksa gives one explanation each', async () => {
  const r = await runWif(['explain', '--ksa', 'a/x', '--ksa', 'b/y', '--allow-namespace', 'a', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json.result.explanations.map((e: { subject: string; admitted: boolean }) => [e.subject, e.admitted]),
    [['system:serviceaccount:a:x', true], ['system:serviceaccount:b:y', false]]);
});

test('wif explain: bad input exits 2 with the JSON envelope and never echoes the token', async () => {
  writeFileSync(join(dir, 'garbage.jwt'), 'SECRETSECRET');
  const cases: [string[], RegExp][] = [
    [['explain'], /--ksa: explain needs a token or a Kubernetes service account/],
    [['explain', '--ksa', 'a/b', '--token', 'x'], /pass either --token FILE or --ksa/],
    [['explain', '--token', 'missing.jwt'], /--token: cannot read "missing.jwt" \(ENOENT\)/],
    [['explain', '--token', 'garbage.jwt'], /--token garbage.jwt: not a JWT/],
  ];
  for (const [argv, re] of cases) {
    const r = await runWif(argv, { cwd: dir });
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr + r.stdout, /SECRETSECRET|\n\s+at /);
    const j = await runWif([...argv, '--json'], { cwd: dir });
    assert.equal(j.code, 2);
    assert.equal(j.json.ok, false);
    assert.match(j.json.error.message, re);
  }
});
