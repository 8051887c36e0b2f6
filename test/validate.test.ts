import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { parseWifYaml } from '../src/model/config.js';
import { mergeSettings } from '../src/model/settings.js';
import { validateSettings, type RequiredField } from '../src/plan/validate.js';
import { runWif } from './helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'wif-validate-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
const rsaPriv = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
const goodJwks = file('good.json', { keys: [{ ...rsa, kid: 'a', use: 'sig', alg: 'RS256' }, { ...ec256, kid: 'b' }] });

const base = {
  project: 'my-project', projectNumber: '123456789012', pool: 'k8s-pool', provider: 'my-cluster',
  issuerUri: 'https://oidc.example.com/cluster', platform: 'self-hosted', ksa: ['backend/api'], role: ['roles/storage.objectViewer'],
};
const yaml = (doc: object) => parseWifYaml({ version: 1, project: { id: 'my-project' }, pool: { id: 'k8s-pool' }, provider: { id: 'my-cluster' }, ...doc }, 'wif.yaml');

function problemsOf(flags: Record<string, unknown>, cfg?: object, required: RequiredField[] = [], env: Record<string, string> = {}) {
  const s = mergeSettings(flags as never, cfg ? yaml(cfg) : undefined, env, '/work/wif.yaml');
  return validateSettings(s, required, { cwd: dir });
}

test('valid settings give no problems', () => {
  assert.deepEqual(problemsOf({ ...base, jwksFile: goodJwks, mappingPreset: 'kubernetes', allowNamespace: ['backend'], serviceAccount: 'app-sa@my-project.iam.gserviceaccount.com', tokenLifetime: '3600' },
    undefined, ['project', 'projectNumber', 'pool', 'provider', 'issuer', 'ksa', 'role', 'platform']), []);
  assert.deepEqual(problemsOf({ ...base, attributeCondition: "attribute.namespace == 'backend'", mappingPreset: 'kubernetes' }), []);
  assert.deepEqual(problemsOf({ role: ['projects/my-project/roles/custom.role', 'organizations/1234/roles/myRole', 'roles/owner'], resource: 'serviceAccounts/x-123456@p-123456.iam.gserviceaccount.com' }), []);
});

type Case = [name: string, flags: Record<string, unknown>, input: string, rule: string, message?: RegExp];
const CASES: Case[] = [
  ['pool too short', { pool: 'abc' }, '--pool', 'pool-id.length', /pool ID "abc" must be 4–32 characters \(it has 3\)/],
  ['pool too long', { pool: 'a'.repeat(33) }, '--pool', 'pool-id.length'],
  ['pool uppercase', { pool: 'My-pool' }, '--pool', 'pool-id.charset', /lowercase letters, digits and hyphens/],
  ['pool starts with digit', { pool: '1pool' }, '--pool', 'pool-id.start', /start with a letter/],
  ['pool trailing hyphen', { pool: 'pool-' }, '--pool', 'pool-id.end', /not end with a hyphen/],
  ['pool gcp- prefix', { pool: 'gcp-pool' }, '--pool', 'pool-id.reserved', /reserved by Google/],
  ['provider gcp- and too long', { provider: 'gcp-python-tornado-gh-actions-provider' }, '--provider', 'provider-id.length', /32 characters.*gcp-/],
  ['project id', { project: 'My Project' }, '--project', 'project-id.pattern', /project ID "My Project"/],
  ['project number', { projectNumber: '12ab' }, '--project-number', 'project-number.digits', /digits only/],
  ['platform', { platform: 'openshift' }, '--platform', 'platform.value', /aks, eks, gke, self-hosted/],
  ['issuer http', { issuerUri: 'http://oidc.example.com' }, '--issuer-uri', 'issuer.https', /must use https/],
  ['issuer bare host', { issuerUri: 'frisket-host' }, '--issuer-uri', 'issuer.url', /not an absolute URL/],
  ['issuer query', { issuerUri: 'https://oidc.example.com/x?a=b' }, '--issuer-uri', 'issuer.query'],
  ['issuer fragment', { issuerUri: 'https://oidc.example.com/x#f' }, '--issuer-uri', 'issuer.query'],
  ['mapping key', { attributeMapping: 'google.subject=assertion.sub,assertion.sub=assertion.sub' }, '--attribute-mapping', 'mapping.key', /invalid mapped attribute key "assertion.sub"/],
  ['mapping key uppercase', { attributeMapping: 'google.subject=assertion.sub,attribute.Team=assertion.sub' }, '--attribute-mapping', 'mapping.key'],
  ['mapping key too long', { attributeMapping: `google.subject=assertion.sub,attribute.${'a'.repeat(101)}=assertion.sub` }, '--attribute-mapping', 'mapping.key'],
  ['mapping without subject', { attributeMapping: 'attribute.ns=assertion.sub' }, '--attribute-mapping', 'mapping.subject', /must map google.subject/],
  ['mapping fragment', { attributeMapping: 'google.subject=assertion.sub,oops' }, '--attribute-mapping', 'mapping.fragment', /"oops" is not KEY=EXPRESSION/],
  ['mapping CEL syntax', { attributeMapping: 'google.subject=assertion.sub ==' }, '--attribute-mapping', 'mapping.cel', /google.subject is not a valid CEL mapping expression: Unexpected token: EOF\n> +1 \| assertion.sub ==/],
  ['mapping unknown variable', { attributeMapping: 'google.subject=claims.sub' }, '--attribute-mapping', 'mapping.cel', /Unknown variable: claims/],
  ['mapping type', { attributeMapping: "google.subject=size(assertion.sub)" }, '--attribute-mapping', 'mapping.type', /must be a string.*int/],
  ['mapping length', { attributeMapping: `google.subject=assertion.sub + '${'x'.repeat(2048)}'` }, '--attribute-mapping', 'mapping.length', /2048/],
  ['mapping count', { attributeMapping: ['google.subject=assertion.sub', ...Array.from({ length: 51 }, (_, i) => `attribute.a${i}=assertion.sub`)].join(',') }, '--attribute-mapping', 'mapping.count', /51 custom attributes/],
  ['mapping preset value', { mappingPreset: 'aws' }, '--mapping-preset', 'mapping-preset.value', /subject, kubernetes/],
  ['mapping preset + mapping', { mappingPreset: 'kubernetes', attributeMapping: 'google.subject=assertion.sub' }, '--mapping-preset', 'mapping.conflict'],
  ['condition CEL', { attributeCondition: "assertion.sub == 'abc" }, '--attribute-condition', 'condition.cel', /Unterminated string/],
  ['condition type', { attributeCondition: 'assertion.sub + "x"' }, '--attribute-condition', 'condition.cel', /must be a bool/],
  ['condition unmapped attribute', { attributeCondition: "attribute.namespace == 'x'" }, '--attribute-condition', 'condition.cel', /attribute.namespace is not mapped \(mapped attributes: none\)/],
  ['condition length', { attributeCondition: `assertion.sub == '${'x'.repeat(4096)}'` }, '--attribute-condition', 'condition.length', /4096/],
  ['condition + builders', { attributeCondition: 'true', allowNamespace: ['backend'] }, '--attribute-condition', 'condition.conflict'],
  ['allow-namespace', { allowNamespace: ['Backend'] }, '--allow-namespace', 'namespace.dns1123-label', /namespace "Backend" is not a DNS-1123 label/],
  ['allow-ksa format', { allowKsa: ['backend'] }, '--allow-ksa', 'ksa.format', /NAMESPACE\/NAME/],
  ['allow-ksa name', { allowKsa: ['backend/API'] }, '--allow-ksa', 'ksa.dns1123-subdomain'],
  ['ksa format', { ksa: ['backend:api'] }, '--ksa', 'ksa.format'],
  ['ksa namespace', { ksa: ['-backend/api'] }, '--ksa', 'namespace.dns1123-label'],
  ['ksa name too long', { ksa: [`ns/${'a'.repeat(254)}`] }, '--ksa', 'ksa.dns1123-subdomain'],
  ['namespace', { namespace: 'a'.repeat(64) }, '--namespace', 'namespace.dns1123-label'],
  ['service account email', { serviceAccount: 'not-an-email' }, '--service-account', 'email.format', /not an email address/],
  ['service account id', { serviceAccount: 'ab@my-project.iam.gserviceaccount.com' }, '--service-account', 'email.service-account-id', /6–30/],
  ['create non-iam SA', { serviceAccount: 'x@example.com', createServiceAccount: true }, '--service-account', 'service-account.create-domain'],
  ['role', { role: ['storage.admin'] }, '--role', 'role.format', /roles\/NAME/],
  ['custom role', { role: ['projects/My/roles/x'] }, '--role', 'role.format'],
  ['resource', { resource: 'buckets/x' }, '--resource', 'resource.format', /projects\/PROJECT_ID or serviceAccounts\/EMAIL/],
  ['resource project', { resource: 'projects/X' }, '--resource', 'resource.project'],
  ['resource sa', { resource: 'serviceAccounts/nope' }, '--resource', 'resource.service-account'],
  ['token expiration low', { tokenExpiration: '599' }, '--token-expiration', 'token-expiration.range', /599 must be between 600/],
  ['token expiration high', { tokenExpiration: String(2 ** 32 + 1) }, '--token-expiration', 'token-expiration.range'],
  ['token expiration non-integer', { tokenExpiration: '1h' }, '--token-expiration', 'token-expiration.integer', /"1h"/],
  ['token lifetime range', { serviceAccount: 'app-sa@my-project.iam.gserviceaccount.com', tokenLifetime: '43201' }, '--token-lifetime', 'token-lifetime.range'],
  ['token lifetime low', { serviceAccount: 'app-sa@my-project.iam.gserviceaccount.com', tokenLifetime: '599' }, '--token-lifetime', 'token-lifetime.range'],
  ['token lifetime without SA', { tokenLifetime: '3600' }, '--token-lifetime', 'token-lifetime.needs-service-account'],
  ['token path relative', { tokenPath: 'var/run/token' }, '--token-path', 'token-path.absolute'],
  ['allowed audience too long', { allowedAudience: ['a'.repeat(257)] }, '--allowed-audience', 'audience.length'],
  ['allowed audiences count', { allowedAudience: Array.from({ length: 11 }, (_, i) => `aud-${i}`) }, '--allowed-audience', 'audiences.count'],
  ['jwks unreadable', { jwksFile: 'missing.json' }, '--jwks-file', 'jwks-file.readable', /cannot read "missing.json" \(ENOENT\)/],
  ['jwks not json', { jwksFile: file('bad.json', '{nope') }, '--jwks-file', 'jwks.shape', /Input JWK is not in a valid json format/],
  ['jwks not a set', { jwksFile: file('arr.json', [rsa]) }, '--jwks-file', 'jwks.shape', /expected a JSON object \{"keys"/],
  ['jwks empty', { jwksFile: file('empty.json', { keys: [] }) }, '--jwks-file', 'jwks.shape', /no keys/],
  ['jwks P-384', { jwksFile: file('p384.json', { keys: [{ ...ec384, kid: 'x' }] }) }, '--jwks-file', 'jwks.shape', /EC P-384 key; Google accepts EC keys on P-256 only/],
  ['jwks Ed25519', { jwksFile: file('ed.json', { keys: [{ ...ed, kid: 'x' }] }) }, '--jwks-file', 'jwks.shape', /OKP.*corrupted key material/],
  ['jwks private key', { jwksFile: file('priv.json', { keys: [{ ...rsaPriv, kid: 'x' }] }) }, '--jwks-file', 'jwks.shape', /private key material/],
  ['jwks no kid', { jwksFile: file('nokid.json', { keys: [rsa] }) }, '--jwks-file', 'jwks.shape', /no "kid"/],
  ['jwks corrupted', { jwksFile: file('corrupt.json', { keys: [{ kty: 'RSA', kid: 'x', n: '***', e: 'AQAB' }, { kty: 'EC', crv: 'P-256', kid: 'y', x: 'AAAA', y: 'AAAA' }] }) }, '--jwks-file', 'jwks.shape', /corrupted key material/],
  ['jwks missing member', { jwksFile: file('nomod.json', { keys: [{ kty: 'RSA', kid: 'x', e: 'AQAB' }] }) }, '--jwks-file', 'jwks.shape', /has no "n"/],
  ['jwks bad use', { jwksFile: file('enc.json', { keys: [{ ...rsa, kid: 'x', use: 'enc' }] }) }, '--jwks-file', 'jwks.shape', /must be "sig"/],
  ['jwks duplicate kid', { jwksFile: file('dup.json', { keys: [{ ...rsa, kid: 'x' }, { ...ec256, kid: 'x' }] }) }, '--jwks-file', 'jwks.shape', /kid x appears more than once/],
];

for (const [name, flags, input, rule, message] of CASES) {
  test(`rule: ${name}`, () => {
    const ps = problemsOf(flags);
    const hit = ps.find((p) => p.rule === rule);
    assert.ok(hit, `expected ${rule}, got ${JSON.stringify(ps)}`);
    assert.equal(hit.input, input);
    if (message) assert.match(hit.message, message);
  });
}

test('required fields name the flag to pass', () => {
  const ps = problemsOf({}, undefined, ['project', 'projectNumber', 'pool', 'provider', 'issuer', 'ksa', 'role', 'platform']);
  assert.deepEqual(ps.map((p) => [p.input, p.rule]), [
    ['--project', 'required.project'], ['--project-number', 'required.projectNumber'], ['--pool', 'required.pool'],
    ['--provider', 'required.provider'], ['--issuer-uri', 'required.issuer'], ['--ksa', 'required.ksa'],
    ['--role', 'required.role'], ['--platform', 'required.platform'],
  ]);
  for (const p of ps) assert.ok(p.hint?.includes(p.input), `${p.input}: ${p.hint}`);
});

test('every problem is reported at once', () => {
  const ps = problemsOf({ pool: 'gcp-x', provider: 'P', issuerUri: 'http://x', ksa: ['x'], role: ['bad'], tokenExpiration: '1' });
  assert.deepEqual(ps.map((p) => p.input).sort(), ['--issuer-uri', '--ksa', '--pool', '--provider', '--role', '--token-expiration']);
});

test('values from wif.yaml are named by their field; env by its variable', () => {
  const ps = problemsOf({}, {
    project: { id: 'Bad Project' }, pool: { id: 'gcp-pool', displayName: 'x'.repeat(33) },
    provider: { id: 'my-cluster', issuerUri: 'http://x', attributeMapping: { 'google.subject': 'assertion.sub ==' }, attributeCondition: 'attribute.x == 1', description: 'd'.repeat(257) },
    workload: { tokenPath: 'rel/token', tokenExpiration: 10, namespace: 'Bad' },
    serviceAccount: { email: 'nope', tokenLifetime: 5 },
    grants: [{ ksa: 'bad', roles: ['x'] }],
  });
  const byInput = Object.fromEntries(ps.map((p) => [p.input, p.rule]));
  assert.deepEqual(byInput, {
    'wif.yaml: project.id': 'project-id.pattern',
    'wif.yaml: pool.id': 'pool-id.reserved',
    'wif.yaml: pool.displayName': 'display-name.length',
    'wif.yaml: provider.description': 'description.length',
    'wif.yaml: provider.issuerUri': 'issuer.https',
    'wif.yaml: provider.attributeMapping': 'mapping.cel',
    'wif.yaml: provider.attributeCondition': 'condition.cel',
    'wif.yaml: workload.tokenPath': 'token-path.absolute',
    'wif.yaml: workload.tokenExpiration': 'token-expiration.range',
    'wif.yaml: workload.namespace': 'namespace.dns1123-label',
    'wif.yaml: serviceAccount.email': 'email.format',
    'wif.yaml: serviceAccount.tokenLifetime': 'token-lifetime.range',
    'wif.yaml: grants.0.ksa': 'ksa.format',
    'wif.yaml: grants.0.roles': 'role.format',
  });
  const env = problemsOf({}, undefined, [], { GOOGLE_CLOUD_PROJECT: 'Bad Project' });
  assert.equal(env[0].input, 'GOOGLE_CLOUD_PROJECT');
  const flagWins = problemsOf({ pool: 'gcp-flag' }, { pool: { id: 'gcp-file' } });
  assert.equal(flagWins[0].input, '--pool');
});

// CLI level: through the real command tree, exit 2, the flag and the rule named, no stack, JSON envelope.
const CLI: [argv: string[], flag: string, rule: RegExp][] = [
  [['explain', '--ksa', 'backend/api', '--pool', 'gcp-pool'], '--pool', /must .*not start with 'gcp-'/],
  [['explain', '--ksa', 'backend/api', '--provider', 'Prov'], '--provider', /lowercase letters, digits and hyphens/],
  [['explain', '--ksa', 'backend/API'], '--ksa', /DNS-1123 subdomain/],
  [['explain', '--ksa', 'backend/api', '--issuer-uri', 'http://x'], '--issuer-uri', /must use https/],
  [['explain', '--ksa', 'backend/api', '--attribute-mapping', 'google.subject=assertion.sub =='], '--attribute-mapping', /not a valid CEL/],
  [['explain', '--ksa', 'backend/api', '--attribute-condition', 'attribute.team == "a"'], '--attribute-condition', /attribute.team is not mapped/],
  [['explain', '--ksa', 'backend/api', '--allow-namespace', 'Backend'], '--allow-namespace', /DNS-1123 label/],
  [['explain', '--ksa', 'backend/api', '--mapping-preset', 'aws'], '--mapping-preset', /one of subject, kubernetes/],
  [['explain', '--ksa', 'backend/api', '--platform', 'k3s'], '--platform', /must be one of/],
  [['explain', '--ksa', 'backend/api', '--project-number', 'abc'], '--project-number', /digits only/],
  [['explain', '--ksa', 'backend/api', '--project', 'X'], '--project', /project ID "X"/],
  [['render', 'pod', '--token-expiration', '100'], '--token-expiration', /between 600/],
  [['render', 'pod', '--token-path', 'token'], '--token-path', /absolute/],
  [['render', 'cred-config', '--token-lifetime', '100'], '--token-lifetime', /service account/],
  [['render', 'cred-config', '--service-account', 'nope'], '--service-account', /not an email/],
  [['render', 'cred-config', '--jwks-file', 'nope.json'], '--jwks-file', /cannot read/],
  [['render', 'cred-config', '--allowed-audience', 'a'.repeat(300)], '--allowed-audience', /at most 256/],
  [['render', 'pod', '--namespace', 'NS'], '--namespace', /DNS-1123 label/],
  [['grant', '--role', 'owner', '--ksa', 'a/b'], '--role', /roles\/NAME/],
  [['grant', '--resource', 'bucket/x', '--ksa', 'a/b'], '--resource', /projects\/PROJECT_ID/],
];

for (const [argv, flag, rule] of CLI) {
  test(`CLI: wif ${argv.join(' ').slice(0, 80)} → exit 2 naming ${flag}`, async (t) => {
    const text = await runWif(argv, { cwd: dir });
    if (/not-implemented/.test(text.stderr)) return t.skip(`wif ${argv[0]} is not built yet`);
    assert.equal(text.code, 2, text.stderr);
    assert.match(text.stderr, new RegExp(`${flag.replace(/[-]/g, '\\-')}: `));
    assert.match(text.stderr, rule);
    assert.doesNotMatch(text.stderr, /\n\s+at /, 'no stack trace');
    const json = await runWif([...argv, '--output', 'json'], { cwd: dir });
    assert.equal(json.code, 2);
    assert.equal(json.json?.ok, false);
    assert.equal(json.json.error.code, 'input.invalid');
    assert.match(json.json.error.message, rule);
  });
}
