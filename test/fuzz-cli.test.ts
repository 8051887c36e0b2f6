/**
 * Property-based fuzzing of every parser behind the CLI, driven through `wif` in-process (mapping strings, CEL
 * conditions, JWKS files, kubeconfig files, wif.yaml files, JWTs) and through the pure parsers fuzz-parsers.test.ts
 * does not cover (JWKS, kubeconfig, wif.yaml): never a crash, never a stack trace or "a bug in wif"; bad input
 * exits 2 with a message naming the input. Fixed seed and bounded runs (CI); override with WIF_FUZZ_SEED and
 * WIF_FUZZ_RUNS (fast-check prints the seed and path of a failure to replay it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify } from 'yaml';
import { emptyKubeconfig, mergeKubeconfigText, resolveContext } from '../src/cloud/kube/kubeconfig.js';
import { UsageError, ValidationError } from '../src/core/errors.js';
import { parseWifYaml } from '../src/model/config.js';
import { compile } from '../src/plan/cel-engine.js';
import { parseJwks } from '../src/plan/jwks.js';
import { MAPPING_PRESETS } from '../src/plan/mapping.js';
import { runWif, type WifRun } from './helpers/run.js';

const SEED = Number(process.env.WIF_FUZZ_SEED ?? 20251122);
const RUNS = Number(process.env.WIF_FUZZ_RUNS ?? 40);
const opts = (scale = 1) => ({ seed: SEED, numRuns: Math.max(1, Math.round(RUNS * scale)), includeErrorInReport: true });

const dir = mkdtempSync(join(tmpdir(), 'wif-fuzz-'));
// Nothing may leave the machine: every cloud endpoint is a closed loopback port.
const env = {
  PATH: process.env.PATH, HOME: dir, KUBECONFIG: join(dir, 'none'), WIF_GOOGLE_API_ENDPOINT: 'https://127.0.0.1:9',
  AWS_ENDPOINT_URL: 'https://127.0.0.1:9', AWS_EC2_METADATA_DISABLED: 'true', WIF_AZURE_ENDPOINT: 'https://127.0.0.1:9',
};
let n = 0;
const write = (name: string, content: string | Uint8Array) => {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, content);
  return p;
};
const OFFLINE = ['--project', 'my-project-1', '--project-number', '123456789012', '--pool', 'my-pool', '--provider', 'my-provider'];

/** The CLI's contract for any input: an allowed exit code, no stack trace, and for exit 2 a message naming the input. */
function clean(r: WifRun, what: string, allowed: number[], names: (string | RegExp)[]): void {
  assert.ok(allowed.includes(r.code), `${what}: exit ${r.code}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n|Unexpected error|a bug in wif|Error: /, `${what}: no stack trace\n${r.stderr}`);
  if (r.code !== 2) return;
  assert.match(r.stderr, /error \[[a-z0-9.-]+\]: \S/, `${what}: one error line\n${r.stderr}`);
  assert.ok(names.some((x) => (typeof x === 'string' ? r.stderr.includes(x) : x.test(r.stderr))), `${what}: the message names ${names.join(' or ')}\n${r.stderr}`);
}

// --- generators ------------------------------------------------------------------------------------------------

const CEL_ATOMS = ['assertion.sub', "assertion['kubernetes.io']['namespace']", 'assertion.aud', 'attribute.namespace', 'google.subject', "'a,b'", '"x=y"', '1', 'true', 'null', '[1, 2]', '{"k": 1}', 'assertion'];
const CEL_OPS = [' + ', ' == ', ' && ', ' || ', ' in ', '.startsWith(', '.extract(', '[', ' ? ', ' : ', '!', '(', ')', ']', ',', '.size()', ' > '];
/** Near-CEL: atoms and operators glued at random (mostly wrong, sometimes right), plus arbitrary text. */
const celish = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom(...CEL_ATOMS), fc.constantFrom(...CEL_OPS)), { minLength: 1, maxLength: 7 }).map((p) => p.join('')),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const mappingKey = fc.oneof(fc.constantFrom('google.subject', 'google.groups', 'attribute.namespace', 'attribute.x_1', 'attribute.', 'attribute.Bad', 'assertion.sub', ''), fc.string({ maxLength: 12 }));
const mappingFlag = fc.oneof(
  fc.array(fc.tuple(mappingKey, celish), { minLength: 1, maxLength: 4 }).map((kv) => kv.map(([k, v]) => `${k}=${v}`).join(',')),
  fc.string({ maxLength: 60 }),
);

/** Mutations of a text: truncated, a slice replaced by random text, or bytes flipped. */
function mutated(base: string): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    fc.nat({ max: base.length }).map((i) => base.slice(0, i)),
    fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 20 }), fc.string({ maxLength: 12 })).map(([i, len, s]) => base.slice(0, i) + s + base.slice(i + len)),
    fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const bytes = Buffer.from(base);
      bytes[i] = b;
      return bytes;
    }),
  );
}
const bytes = fc.uint8Array({ maxLength: 200 });

const JWKS = JSON.stringify({ keys: [{ use: 'sig', kty: 'RSA', kid: 'k1', alg: 'RS256', n: 'u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw', e: 'AQAB' }] });
const jwksFile = fc.oneof(
  mutated(JWKS),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.record({ keys: fc.array(fc.dictionary(fc.constantFrom('kty', 'kid', 'n', 'e', 'alg', 'use', 'crv', 'x', 'y', 'd'), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }) }).map((v) => JSON.stringify(v)),
  bytes,
);

const KUBECONFIG = 'apiVersion: v1\nkind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context:\n    cluster: dev\n    user: dev\nclusters:\n- name: dev\n  cluster:\n    server: https://127.0.0.1:9\nusers:\n- name: dev\n  user:\n    token: abc\n';
const kubeconfigFile = fc.oneof(
  mutated(KUBECONFIG),
  fc.jsonValue({ maxDepth: 3 }).map((v) => stringify(v)),
  fc.record({ 'current-context': fc.oneof(fc.constant('dev'), fc.string({ maxLength: 5 })), contexts: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant([{ name: 'dev', context: { cluster: 'gone', user: 'u' } }])), clusters: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }).map((v) => stringify(v)),
  bytes,
);

const WIF_YAML = 'version: 1\nproject:\n  id: my-project-1\n  number: "123456789012"\ncluster:\n  context: dev\n  platform: self-hosted\npool:\n  id: my-pool\nprovider:\n  id: my-provider\n  attributeMapping:\n    google.subject: assertion.sub\n  attributeCondition: assertion.sub == \'x\'\ngrants:\n  - ksa: demo/app\n    roles: [roles/storage.objectViewer]\nworkload:\n  namespace: demo\n  ksa: app\n';
const anyValue = fc.jsonValue({ maxDepth: 2 });
const wifYamlFile = fc.oneof(
  mutated(WIF_YAML),
  fc.record({
    version: fc.oneof(fc.constant(1), anyValue), project: fc.oneof(fc.record({ id: fc.oneof(fc.constant('my-project-1'), fc.string({ maxLength: 8 })), number: fc.oneof(fc.constant('123456789012'), anyValue) }), anyValue),
    pool: fc.oneof(fc.record({ id: fc.oneof(fc.constant('my-pool'), anyValue) }), anyValue), provider: fc.oneof(fc.record({ id: fc.constant('my-provider'), attributeMapping: fc.dictionary(mappingKey, celish, { maxKeys: 3 }), attributeCondition: celish }, { requiredKeys: ['id'] }), anyValue),
    grants: fc.oneof(fc.array(fc.record({ ksa: fc.string({ maxLength: 8 }), roles: fc.array(fc.string({ maxLength: 10 }), { maxLength: 2 }) }), { maxLength: 2 }), anyValue),
    workload: anyValue,
  }, { requiredKeys: [] }).map((v) => stringify(v)),
  bytes,
);

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const claims = fc.record({ iss: anyValue, sub: fc.oneof(fc.constant('system:serviceaccount:demo:app'), anyValue), aud: anyValue, exp: anyValue, 'kubernetes.io': anyValue }, { requiredKeys: [] });
const jwt = fc.oneof(
  fc.tuple(fc.oneof(fc.record({ alg: fc.constantFrom('RS256', 'none', ''), kid: fc.string({ maxLength: 6 }) }), anyValue), fc.oneof(claims, anyValue), fc.base64String({ maxLength: 12 })).map(([h, p, s]) => `${b64(h)}.${b64(p)}.${s.replace(/=+$/, '')}`),
  fc.array(fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.=+/'), maxLength: 20 }), { minLength: 1, maxLength: 5 }).map((p) => p.join('.')),
  fc.string({ maxLength: 80 }),
  bytes,
);

// --- through the CLI -------------------------------------------------------------------------------------------

test('--attribute-mapping: any string is explained (exit 0) or refused naming the flag (exit 2)', async () => {
  await fc.assert(fc.asyncProperty(mappingFlag, async (m) => {
    const r = await runWif(['explain', '--ksa', 'demo/app', `--attribute-mapping=${m}`, ...OFFLINE], { env, cwd: dir });
    clean(r, `--attribute-mapping ${JSON.stringify(m)}`, [0, 2], ['--attribute-mapping']);
  }), opts());
});

test('--attribute-condition: any string is explained (exit 0) or refused naming the flag (exit 2)', async () => {
  await fc.assert(fc.asyncProperty(celish, async (c) => {
    const r = await runWif(['explain', '--ksa', 'demo/app', '--mapping-preset', 'kubernetes', `--attribute-condition=${c}`, ...OFFLINE], { env, cwd: dir });
    clean(r, `--attribute-condition ${JSON.stringify(c)}`, [0, 2], ['--attribute-condition']);
  }), opts());
});

test('--jwks-file: any file content renders (exit 0) or is refused naming --jwks-file (exit 2)', async () => {
  await fc.assert(fc.asyncProperty(jwksFile, async (content) => {
    const f = write('jwks.json', content);
    const r = await runWif(['render', 'cred-config', ...OFFLINE, '--jwks-file', f], { env, cwd: dir });
    clean(r, `--jwks-file ${JSON.stringify(String(content).slice(0, 80))}`, [0, 2], ['--jwks-file']);
  }), opts());
});

test('--kubeconfig: any file content is refused naming the kubeconfig or its context (exit 2), or the cluster it names fails (exit 1)', async () => {
  await fc.assert(fc.asyncProperty(kubeconfigFile, async (content) => {
    const f = write('kubeconfig', content);
    const r = await runWif(['detect', '--kubeconfig', f], { env, cwd: dir });
    clean(r, `kubeconfig ${JSON.stringify(String(content).slice(0, 120))}`, [1, 2], [f, /context|kubeconfig/i]);
    // Exit 1 only once the kubeconfig parsed and named a cluster (here a closed port), as kubectl reports it.
    if (r.code === 1) assert.match(r.stderr, /error \[(kube|cluster)\.[a-z.-]+\]/, r.stderr);
  }), opts(0.5));
});

test('wif.yaml: any file content renders (exit 0) or is refused naming wif.yaml (exit 2)', async () => {
  await fc.assert(fc.asyncProperty(wifYamlFile, async (content) => {
    const cwd = mkdtempSync(join(dir, 'cfg-'));
    writeFileSync(join(cwd, 'wif.yaml'), content);
    const r = await runWif(['render', 'cred-config'], { env, cwd });
    clean(r, `wif.yaml ${JSON.stringify(String(content).slice(0, 120))}`, [0, 2], ['wif.yaml']);
  }), opts());
});

test('explain --token: any token file is explained (exit 0) or refused naming --token (exit 2), never echoed', async () => {
  await fc.assert(fc.asyncProperty(jwt, async (t) => {
    const f = write('token', t);
    const r = await runWif(['explain', '--token', f, ...OFFLINE], { env, cwd: dir });
    clean(r, `--token ${JSON.stringify(String(t).slice(0, 80))}`, [0, 2], ['--token']);
    const text = typeof t === 'string' ? t.trim() : '';
    if (r.code === 2 && text.length > 16) assert.ok(!r.stderr.includes(text), 'the token is not echoed');
  }), opts());
});

// --- the pure parsers (fuzz-parsers.test.ts covers mapping flags, CEL, tokens and rules) -------------------------

test('parseJwks never throws: a JWKS or a list of problems', () => {
  fc.assert(fc.property(jwksFile, (content) => {
    const r = parseJwks(typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
    if (r.ok) assert.ok(Array.isArray(r.jwks.keys) && r.jwks.keys.length > 0);
    else assert.ok(r.problems.length > 0 && r.problems.every((p) => typeof p === 'string' && p.length > 0));
  }), opts(5));
});

test('kubeconfig parsing and context resolution throw only usage errors naming the file or the context', () => {
  fc.assert(fc.property(kubeconfigFile, fc.option(fc.constantFrom('dev', 'other')), (content, context) => {
    const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
    try {
      const kc = emptyKubeconfig();
      mergeKubeconfigText(kc, text, '/fuzz/config');
      const c = resolveContext(kc, context ?? undefined);
      assert.ok(c.server, 'a resolved context has a server');
    } catch (e) {
      assert.ok(e instanceof UsageError && e.exitCode === 2, String(e));
      assert.match(e.message, /\/fuzz\/config|context/i);
    }
  }), opts(5));
});

test('parseWifYaml throws only validation errors, each problem named by its wif.yaml path', () => {
  const doc = fc.oneof(anyValue, wifYamlFile.filter((x): x is string => typeof x === 'string').map((t) => { try { return JSON.parse(JSON.stringify(parseYaml(t))); } catch { return t; } }));
  fc.assert(fc.property(doc, (d) => {
    try {
      const cfg = parseWifYaml(d, '/fuzz/wif.yaml');
      assert.equal(cfg.version, 1);
    } catch (e) {
      assert.ok(e instanceof ValidationError, String(e));
      assert.ok(e.problems.length > 0 && e.problems.every((p) => p.input.startsWith('/fuzz/wif.yaml: ')), JSON.stringify(e.problems));
    }
  }), opts(5));
});

test('the preset mapping expressions checkExpression admits without the CEL engine are valid dyn mappings to the engine', () => {
  for (const expr of new Set(Object.values(MAPPING_PRESETS).flatMap((m) => Object.values(m)))) {
    const c = compile(expr, 'mapping');
    assert.ok(c.ok && c.type === 'dyn', `${expr}: ${JSON.stringify(c.ok ? c.type : c.message)}`);
  }
});
