import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExpression, evaluateCondition, evaluateMapping, extract, mappingTypeProblem } from '../src/plan/cel.js';
import { MAPPING_PRESETS } from '../src/plan/mapping.js';

const claims = {
  aud: ['//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q'],
  exp: 1795330703,
  iat: 1795327103,
  iss: 'https://kubernetes.default.svc.cluster.local',
  'kubernetes.io': {
    namespace: 'backend',
    pod: { name: 'api-7d9', uid: 'p1' },
    serviceaccount: { name: 'api', uid: 'u1' },
  },
  nbf: 1795327103,
  sub: 'system:serviceaccount:backend:api',
};

test('extract() follows Google: text between the template prefix and suffix, or empty', () => {
  const cases: [string, string, string][] = [
    ['system:serviceaccount:backend:api', 'system:serviceaccount:{ns}:', 'backend'],
    ['system:serviceaccount:backend:api', 'system:serviceaccount:{ns}', 'backend:api'],
    ['id/123456789', 'id/{end}', '123456789'],
    ['id/123456789', '{start}/', 'id'],
    ['id/123456789', '{all}', 'id/123456789'],
    ['id/123456789', 'foo/{nothing}', ''],
    ['id/123', 'no-placeholder', ''],
    ['a.b(c', 'a.b({x}', 'c'], // regex metacharacters are literal
  ];
  for (const [s, t, want] of cases) assert.equal(extract(s, t), want, `${s} / ${t}`);
});

test('checkExpression: valid mapping and condition expressions give their type', () => {
  const ok: [string, 'mapping' | 'condition', string][] = [
    ['assertion.sub', 'mapping', 'dyn'],
    ["assertion['kubernetes.io']['namespace']", 'mapping', 'dyn'],
    ["'ns-' + assertion['kubernetes.io']['namespace']", 'mapping', 'string'],
    ["assertion.sub.extract('system:serviceaccount:{ns}:')", 'mapping', 'string'],
    ["assertion['kubernetes.io']['namespace'] in ['backend', 'monitoring']", 'condition', 'bool'],
    ["google.subject.startsWith('system:serviceaccount:backend:')", 'condition', 'bool'],
    ["'admins' in google.groups", 'condition', 'bool'],
    ["attribute.namespace == 'backend'", 'condition', 'bool'],
    ["'namespace' in attribute && has(assertion.sub)", 'condition', 'bool'],
    ['assertion.exp > 1700000000', 'condition', 'bool'],
  ];
  for (const [e, kind, type] of ok) {
    const r = checkExpression(e, kind, ['namespace']);
    assert.deepEqual(r, { ok: true, type }, e);
  }
});

test('checkExpression: syntax and type errors carry the caret line', () => {
  const bad: [string, 'mapping' | 'condition', RegExp][] = [
    ['assertion.sub ==', 'mapping', /Unexpected token: EOF\n> +1 \| assertion\.sub ==\n +\^/],
    ["assertion['kubernetes.io'", 'mapping', /Expected RBRACKET/],
    ["assertion.sub == 'abc", 'condition', /Unterminated string/],
    ["assertion.sub === 'x'", 'condition', /Unexpected character: =/],
    ['assertoin.sub', 'mapping', /Unknown variable: assertoin/],
    ["assertion.sub.extrct('a')", 'mapping', /no matching overload.*extrct/],
    ["attribute.namespace == 'x'", 'mapping', /Unknown variable: attribute/],
    ['google.subject', 'mapping', /google/],
    ["'a' + 1", 'condition', /no such overload: string \+ int/],
    ["google.nope == 'x'", 'condition', /No such key: nope\n> +1 \| google\.nope/],
    ["assertion.sub", 'condition', /./], // dyn is fine...
  ];
  for (const [e, kind, re] of bad.slice(0, -1)) {
    const r = checkExpression(e, kind);
    assert.equal(r.ok, false, e);
    if (!r.ok) {
      assert.match(r.message, re, e);
      assert.doesNotMatch(r.message, /g0ogle/, 'the internal alias never shows');
    }
  }
  assert.equal(checkExpression("'x'", 'condition').ok, false, 'a string condition is rejected');
});

test('checkExpression: a condition referencing an unmapped attribute is an error', () => {
  const r = checkExpression("attribute.namespace == 'a' || attribute['team'] == 'b'", 'condition', ['attribute.namespace']);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /attribute\.team is not mapped \(mapped attributes: attribute\.namespace\)/);
    assert.match(r.message, /\n> +1 \| attribute\.namespace/);
  }
  assert.equal(checkExpression("has(attribute.pod)", 'condition', []).ok, false);
  assert.equal(checkExpression("attribute.pod == 'x'", 'condition', ['pod']).ok, true);
  assert.equal(checkExpression("attribute.anything == 'x'", 'condition').ok, true, 'without a mapping list, keys are not checked');
});

test('mappingTypeProblem: per-key types', () => {
  assert.equal(mappingTypeProblem('google.subject', 'string'), undefined);
  assert.equal(mappingTypeProblem('google.subject', 'dyn'), undefined);
  assert.match(mappingTypeProblem('google.subject', 'int') ?? '', /google\.subject must be a string/);
  assert.equal(mappingTypeProblem('google.groups', 'list<string>'), undefined);
  assert.match(mappingTypeProblem('google.groups', 'string') ?? '', /list of strings/);
  assert.equal(mappingTypeProblem('attribute.x', 'list'), undefined);
  assert.match(mappingTypeProblem('attribute.x', 'bool') ?? '', /attribute\.x must be a string or a list/);
});

test('evaluateMapping: the kubernetes preset on real claims', () => {
  const r = evaluateMapping(MAPPING_PRESETS.kubernetes, claims);
  assert.deepEqual(r, {
    subject: 'system:serviceaccount:backend:api',
    attributes: { namespace: 'backend', service_account_name: 'api', pod: 'api-7d9' },
    errors: [],
  });
});

test('evaluateMapping: a missing claim leaves that attribute unset (non-fatal)', () => {
  const unbound = { ...claims, 'kubernetes.io': { namespace: 'backend', serviceaccount: { name: 'api', uid: 'u1' } } };
  const r = evaluateMapping(MAPPING_PRESETS.kubernetes, unbound);
  assert.equal(r.subject, 'system:serviceaccount:backend:api');
  assert.deepEqual(Object.keys(r.attributes).sort(), ['namespace', 'service_account_name']);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].key, 'attribute.pod');
  assert.equal(r.errors[0].sts, undefined);
  assert.match(r.errors[0].message, /No such key: pod/);
});

test("evaluateMapping: Google's runtime rules on google.subject, groups and the 8 KB total", () => {
  const nonString = evaluateMapping({ 'google.subject': 'assertion.exp' }, claims);
  assert.equal(nonString.subject, undefined);
  assert.deepEqual(nonString.errors[0].sts, { error: 'unauthorized_client', description: "The mapped attribute 'google.subject' must be of type STRING." });

  const long = evaluateMapping({ 'google.subject': 'assertion.sub' }, { sub: 'é'.repeat(64) });
  assert.equal(long.subject, undefined);
  assert.equal(long.errors[0].sts?.error, 'invalid_request');
  assert.match(long.errors[0].sts?.description ?? '', /exceeds the 127 bytes limit/);
  assert.match(long.errors[0].message, /128 bytes/);
  assert.doesNotMatch(long.errors[0].message, /é/, 'the value itself is never echoed');
  assert.equal(evaluateMapping({ 'google.subject': 'assertion.sub' }, { sub: 'x'.repeat(127) }).errors.length, 0);

  const missingSub = evaluateMapping({ 'google.subject': 'assertion.sub' }, {});
  assert.equal(missingSub.errors[0].sts?.error, 'unauthorized_client');

  const groups = evaluateMapping({ 'google.subject': 'assertion.sub', 'google.groups': 'assertion.groups' }, { sub: 's', groups: ['a', 'b'] });
  assert.deepEqual(groups.groups, ['a', 'b']);
  const badGroups = evaluateMapping({ 'google.subject': 'assertion.sub', 'google.groups': 'assertion.sub' }, { sub: 's' });
  assert.equal(badGroups.errors[0].key, 'google.groups');

  const big = evaluateMapping({ 'google.subject': 'assertion.sub', 'attribute.a': 'assertion.a', 'attribute.b': 'assertion.b' }, { sub: 's', a: 'x'.repeat(5000), b: ['y'.repeat(4000)] });
  const total = big.errors.find((e) => e.key === '*');
  assert.equal(total?.sts?.error, 'invalid_request');

  const noSubject = evaluateMapping({ 'attribute.a': 'assertion.sub' }, claims);
  assert.ok(noSubject.errors.some((e) => e.key === 'google.subject' && e.sts));
});

test('evaluateCondition: results, error absorption, google and attribute variables', () => {
  const vars = { assertion: claims, attribute: { namespace: 'backend' }, google: { subject: claims.sub } };
  const t = (e: string) => evaluateCondition(e, vars);
  assert.deepEqual(t("assertion['kubernetes.io']['namespace'] in ['backend', 'monitoring']"), { result: true });
  assert.deepEqual(t("attribute.namespace == 'frontend'"), { result: false });
  assert.deepEqual(t("google.subject == 'system:serviceaccount:backend:api'"), { result: true });
  assert.deepEqual(t("assertion.sub.extract('system:serviceaccount:{ns}:') == 'backend'"), { result: true });
  // CEL's || absorbs an error on one side when the other is true (as Google's CEL does).
  assert.deepEqual(t("assertion.nope == 'y' || assertion.sub == 'system:serviceaccount:backend:api'"), { result: true });
  const missing = t("assertion.nope == 'y'");
  assert.equal(missing.result, false);
  assert.match(missing.error ?? '', /No such key: nope/);
  const unmapped = t("attribute.team == 'x'");
  assert.equal(unmapped.result, false);
  assert.match(unmapped.error ?? '', /No such key: team/);
  const nonBool = t('assertion.sub');
  assert.equal(nonBool.result, false);
  assert.match(nonBool.error ?? '', /returned string, not a bool/);
  assert.doesNotMatch(nonBool.error ?? '', /serviceaccount/, 'no claim value in the message');
  const syntax = t('assertion.sub ==');
  assert.equal(syntax.result, false);
  assert.match(syntax.error ?? '', /Unexpected token/);
  const noGroups = t("'admins' in google.groups");
  assert.equal(noGroups.result, false);
});

test('evaluation errors never echo claim values', () => {
  const secret = 'SECRET-CLAIM-VALUE';
  const r = evaluateCondition('int(assertion.sub) > 3', { assertion: { sub: secret }, attribute: {}, google: {} });
  assert.equal(r.result, false);
  assert.doesNotMatch(r.error ?? '', new RegExp(secret));
  const m = evaluateMapping({ 'google.subject': 'assertion.sub + 1' }, { sub: secret });
  for (const e of m.errors) assert.doesNotMatch(e.message, new RegExp(secret));
});

test('repeated evaluations reuse the cached program and agree', () => {
  const vars = { assertion: claims, attribute: {}, google: {} };
  const e = "assertion['kubernetes.io']['namespace'] in ['backend', 'monitoring']";
  for (let i = 0; i < 20000; i++) assert.equal(evaluateCondition(e, vars).result, true);
});

test('parseMappingFlag: key=value pairs; commas inside quotes/brackets stay in the value', async () => {
  const { parseMappingFlag } = await import('../src/plan/mapping.js');
  assert.deepEqual(parseMappingFlag(" google.subject = assertion.sub , attribute.ns=assertion['kubernetes.io']['namespace'],"), {
    mapping: { 'google.subject': 'assertion.sub', 'attribute.ns': "assertion['kubernetes.io']['namespace']" }, bad: [],
  });
  assert.deepEqual(parseMappingFlag("google.subject=assertion.sub.extract('a,{x}'),oops,=x"), {
    mapping: { 'google.subject': "assertion.sub.extract('a,{x}')" }, bad: ['oops', '=x'],
  });
  assert.deepEqual(parseMappingFlag('attribute.a=x),attribute.b=y').mapping, { 'attribute.a': 'x)', 'attribute.b': 'y' });
  assert.deepEqual(parseMappingFlag(''), { mapping: {}, bad: [] });
});
