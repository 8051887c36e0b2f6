/**
 * Broken inputs give a clear usage error — exit 2, a message naming the input, a hint, no stack trace, never
 * "a bug in wif" — before anything is sent anywhere: corrupted wif.yaml, garbage kubeconfig, truncated JWKS,
 * malformed tokens and access-token files, broken Application Default Credentials. Google's endpoint is a
 * closed loopback port, so a command that did reach the network would fail differently (exit 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWif, type WifRun } from './helpers/run.js';
import { spawnWif } from './helpers/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'wif-inputs-'));
const env = { PATH: process.env.PATH, HOME: dir, WIF_GOOGLE_API_ENDPOINT: 'https://127.0.0.1:9', KUBECONFIG: join(dir, 'no-kubeconfig') };
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

/** Exit 2 with a message naming `names` (all of them), a hint, no stack trace; the JSON envelope agrees. */
async function expectUsage(argv: string[], names: (string | RegExp)[], o: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<WifRun> {
  const what = `wif ${argv.join(' ')}`;
  const r = await runWif(argv, { env: { ...env, ...o.env }, cwd: o.cwd ?? dir });
  assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n|Unexpected error|a bug in wif/, `${what}: no stack trace\n${r.stderr}`);
  const error = r.stderr.slice(r.stderr.indexOf('error ['));
  for (const n of names) assert.ok(typeof n === 'string' ? error.includes(n) : n.test(error), `${what}: the message names ${n}\n${r.stderr}`);
  assert.match(error, /\nhint: \S/, `${what}: a hint\n${r.stderr}`);
  const j = await runWif([...argv, '--output', 'json'], { env: { ...env, ...o.env }, cwd: o.cwd ?? dir });
  assert.equal(j.code, 2);
  assert.equal(j.json?.ok, false, `${what} --output json: one JSON document\n${j.stdout}`);
  assert.ok(j.json.error.code && j.json.error.message && j.json.error.hint, JSON.stringify(j.json));
  return r;
}

const VALID_YAML = 'version: 1\nproject:\n  id: my-project-1\n  number: "123456789012"\ncluster:\n  context: self-hosted\n  platform: self-hosted\npool:\n  id: my-pool\nprovider:\n  id: my-provider\n';
const CORRUPT_YAML: Record<string, string | Buffer> = {
  'a YAML syntax error': 'version: 1\nproject: [oops\n',
  'a file cut in the middle': VALID_YAML.slice(0, VALID_YAML.indexOf('platform') + 5),
  'binary garbage': Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 0x1b, 0x5b]),
  'a list': '- version: 1\n- project: x\n',
  'an alias bomb': 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
  'wrong types': 'version: 2\nproject: 5\npool: {id: [1]}\nprovider: {}\ngrants: {}\n',
};
const WIF_YAML_COMMANDS = [
  ['render', 'cred-config'], ['grant', '--ksa', 'a/b', '--role', 'roles/storage.objectViewer', '--yes'], ['revoke', '--ksa', 'a/b', '--role', 'roles/storage.objectViewer', '--yes'],
  ['verify'], ['explain', '--ksa', 'a/b'], ['doctor'], ['export', '--format', 'gcloud'], ['init', '--yes'], ['jwks', 'diff'],
];

for (const [kind, content] of Object.entries(CORRUPT_YAML)) {
  test(`wif.yaml holding ${kind}: every command that reads it exits 2 naming the file`, async () => {
    const cwd = mkdtempSync(join(dir, 'cfg-'));
    writeFileSync(join(cwd, 'wif.yaml'), content);
    for (const argv of WIF_YAML_COMMANDS) await expectUsage(argv, [join(cwd, 'wif.yaml')], { cwd });
  });
}

const KUBECONFIGS: Record<string, [string | Buffer, (string | RegExp)[]]> = {
  'invalid YAML': ['apiVersion: v1\nclusters: [\n  - {', ['not valid YAML']],
  'binary garbage': [Buffer.from([0xff, 0xfe, 0, 0x9c, 0x80]), ['is not a kubeconfig']],
  'a list': ['- name: x\n', ['is not a kubeconfig']],
  'a context whose cluster is missing': ['apiVersion: v1\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: gone, user: u}\nusers:\n- name: u\n  user: {token: t}\n', ['"gone"', 'does not define']],
  'a cluster without a server': ['apiVersion: v1\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {}\n', ['"c"', 'no server URL']],
  'no contexts at all': ['apiVersion: v1\nkind: Config\n', ['current-context']],
};

for (const [kind, [content, names]] of Object.entries(KUBECONFIGS)) {
  test(`a kubeconfig with ${kind} (KUBECONFIG and --kubeconfig): detect, init and verify exit 2 naming it`, async () => {
    const kc = file(`kubeconfig-${kind.replace(/\W+/g, '-')}`, content);
    const named = [...names, ...(/context|current/.test(kind) ? [] : [kc])];
    await expectUsage(['detect'], named, { env: { KUBECONFIG: kc } });
    await expectUsage(['detect', '--kubeconfig', kc], named);
    await expectUsage(['init', '--yes', '--project', 'my-project-1', '--ksa', 'a/b', '--role', 'roles/storage.objectViewer'], named, { env: { KUBECONFIG: kc } });
    await expectUsage(['verify', '--project', 'my-project-1', '--project-number', '123456789012', '--pool', 'my-pool', '--provider', 'my-provider', '--ksa', 'a/b'], named, { env: { KUBECONFIG: kc } });
  });
}

test('a missing --kubeconfig file: exit 2 naming it', async () => {
  await expectUsage(['detect', '--kubeconfig', join(dir, 'nope.yaml')], ['--kubeconfig', 'nope.yaml', 'ENOENT']);
});

const JWKS: Record<string, string | Buffer> = {
  truncated: '{"keys":[{"kty":"RSA","kid":"k1","n":"u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw',
  empty: '',
  'not JSON at all': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'no keys': '{"keys":[]}',
  'a key without its modulus': '{"keys":[{"kty":"RSA","kid":"k1","e":"AQAB","alg":"RS256","use":"sig"}]}',
  'a list': '[{"kty":"RSA"}]',
};

for (const [kind, content] of Object.entries(JWKS)) {
  test(`--jwks-file ${kind}: render and provider ensure exit 2 naming --jwks-file`, async () => {
    const f = file(`jwks-${kind.replace(/\W+/g, '-')}.json`, content);
    const provider = ['--project', 'my-project-1', '--pool', 'my-pool', '--provider', 'my-provider', '--jwks-file', f];
    await expectUsage(['render', 'cred-config', ...provider, '--project-number', '123456789012'], ['--jwks-file']);
    await expectUsage(['provider', 'ensure', ...provider, '--issuer-uri', 'https://kubernetes.default.svc.cluster.local', '--yes'], ['--jwks-file']);
  });
}

const b64 = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const TOKENS: Record<string, string | Buffer> = {
  'plain text': 'hello world',
  'two parts': `${b64({ alg: 'RS256' })}.${b64({ sub: 'x' })}`,
  'a header that is not JSON': `${b64('nope')}.${b64({ sub: 'x' })}.sig`,
  'a payload that is a list': `${b64({ alg: 'RS256' })}.${b64([1, 2])}.sig`,
  'a payload that is not base64url': `${b64({ alg: 'RS256' })}.%%%%.sig`,
  'an empty file': '',
  'binary garbage': Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256)),
  'a megabyte of dots and letters': `${'a.'.repeat(300_000)}b`,
};

for (const [kind, content] of Object.entries(TOKENS)) {
  test(`explain --token holding ${kind}: exit 2 naming --token, without echoing the token`, async () => {
    const f = file(`token-${kind.replace(/\W+/g, '-')}`, content);
    const r = await expectUsage(['explain', '--token', f, '--project-number', '123456789012', '--pool', 'my-pool', '--provider', 'my-provider'], ['--token']);
    const text = String(content);
    if (text.length > 12) assert.ok(!r.stderr.includes(text.slice(0, 40)), 'the token is not echoed');
  });
}

test('explain --token naming a missing file: exit 2', async () => {
  await expectUsage(['explain', '--token', join(dir, 'absent.jwt')], ['--token', 'absent.jwt']);
});

const VERIFY = ['verify', '--project', 'my-project-1', '--project-number', '123456789012', '--pool', 'my-pool', '--provider', 'my-provider', '--ksa', 'a/b'];
const GRANT = ['grant', '--project', 'my-project-1', '--pool', 'my-pool', '--ksa', 'a/b', '--role', 'roles/storage.objectViewer', '--yes'];
const TOKEN_FILES: Record<string, string> = {
  'a token with a line break and control characters': 'ya29.abc\u0001\ndef\r\n',
  'an empty file': '  \n',
  'a token with spaces': 'Bearer ya29.abc',
};

for (const [kind, content] of Object.entries(TOKEN_FILES)) {
  test(`--access-token-file holding ${kind}: grant and verify exit 2 naming the flag`, async () => {
    const f = file(`access-${kind.replace(/\W+/g, '-')}`, content);
    const kc = file('kubeconfig-ok', 'apiVersion: v1\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:9"}\nusers:\n- name: u\n  user: {token: t}\n');
    await expectUsage([...GRANT, '--access-token-file', f], ['--access-token-file']);
    await expectUsage([...VERIFY, '--access-token-file', f], ['--access-token-file'], { env: { KUBECONFIG: kc } });
  });
}

test('--access-token-file naming a missing file: exit 2', async () => {
  await expectUsage([...GRANT, '--access-token-file', join(dir, 'absent-token')], ['--access-token-file', 'absent-token']);
});

test('GOOGLE_APPLICATION_CREDENTIALS naming a missing or broken file (spawned: the library reads the process env): exit 2', async () => {
  for (const adc of [join(dir, 'absent-adc.json'), file('adc-broken.json', '{"type":"authorized_user","client_')]) {
    const r = await spawnWif(GRANT, { env: { ...env, GOOGLE_APPLICATION_CREDENTIALS: adc, CI: '1', NO_COLOR: '1' }, cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error \[gcp\.credentials\]: Application Default Credentials: .*GOOGLE_APPLICATION_CREDENTIALS/);
    assert.match(r.stderr, /\nhint: .*--access-token-file/);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+|a bug in wif/);
  }
});
