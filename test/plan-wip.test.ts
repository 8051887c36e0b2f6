import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPool } from '../src/plan/pool.js';
import { planProvider, sameJwks, type ProviderWant } from '../src/plan/provider.js';
import type { Provider } from '../src/cloud/google/types.js';

const ids = { projectId: 'my-proj', projectNumber: '123456789012' };
const poolRes = 'projects/123456789012/locations/global/workloadIdentityPools/pool-a';

test('planPool: absent → create with the project ID in the path and the number in the name', () => {
  const [s] = planPool({ poolId: 'pool-a', displayName: 'A' }, undefined, ids);
  assert.equal(s.action, 'create');
  assert.equal(s.resource, poolRes);
  assert.deepEqual(s.op, { type: 'pool.create', project: 'my-proj', poolId: 'pool-a', body: { disabled: false, displayName: 'A' } });
});

test('planPool: same → noop; undefined wanted fields are left alone', () => {
  const steps = planPool({ poolId: 'pool-a' }, { name: poolRes, state: 'ACTIVE', displayName: 'Whatever' }, ids);
  assert.deepEqual(steps.map((s) => s.action), ['noop']);
});

test('planPool: drift → one PATCH naming exactly the changed fields', () => {
  const steps = planPool({ poolId: 'pool-a', displayName: 'B', description: 'd' }, { name: poolRes, state: 'ACTIVE', displayName: 'A', description: 'd', disabled: true }, ids);
  assert.equal(steps.length, 1);
  assert.equal(steps[0].action, 'update');
  assert.deepEqual(steps[0].fields, ['displayName', 'disabled']);
  assert.deepEqual(steps[0].op, { type: 'wip.patch', path: 'v1/projects/my-proj/locations/global/workloadIdentityPools/pool-a', body: { displayName: 'B', disabled: false }, updateMask: ['displayName', 'disabled'] });
});

test('planPool: soft-deleted → undelete (then any drift)', () => {
  const steps = planPool({ poolId: 'pool-a' }, { name: poolRes, state: 'DELETED', expireTime: '2030-01-01T00:00:00Z' }, ids);
  assert.deepEqual(steps.map((s) => s.action), ['undelete']);
  assert.match(steps[0].reason, /soft-deleted.*2030-01-01/);
});

const want: ProviderWant = {
  poolId: 'pool-a', providerId: 'prov-a', issuerUri: 'https://issuer.example',
  attributeMapping: { 'google.subject': 'assertion.sub' }, allowedAudiences: [], attributeCondition: "assertion.sub.startsWith('system:serviceaccount:')",
};
const same: Provider = {
  name: `${poolRes}/providers/prov-a`, state: 'ACTIVE', attributeMapping: { 'google.subject': 'assertion.sub' },
  attributeCondition: want.attributeCondition, oidc: { issuerUri: 'https://issuer.example' },
};
const jwks = (kid: string) => JSON.stringify({ keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: 'abc', e: 'AQAB' }] });

test('planProvider: absent → create body shaped like gcloud create-oidc', () => {
  const [s] = planProvider({ ...want, allowedAudiences: ['aud1'], jwksJson: jwks('k1') + '\n' }, undefined, ids);
  assert.equal(s.action, 'create');
  assert.deepEqual(s.op && 'body' in s.op && s.op.body, {
    attributeCondition: want.attributeCondition, attributeMapping: want.attributeMapping, disabled: false,
    oidc: { issuerUri: 'https://issuer.example', allowedAudiences: ['aud1'], jwksJson: jwks('k1') + '\n' },
  });
});

const driftCases: { name: string; want: Partial<ProviderWant>; have: Partial<Provider>; fields: string[] }[] = [
  { name: 'nothing differs', want: {}, have: {}, fields: [] },
  { name: 'condition', want: { attributeCondition: 'true' }, have: {}, fields: ['attributeCondition'] },
  { name: 'condition undefined is left alone', want: { attributeCondition: undefined }, have: {}, fields: [] },
  { name: 'mapping key added', want: { attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.namespace': "assertion['kubernetes.io']['namespace']" } }, have: {}, fields: ['attributeMapping'] },
  { name: 'issuer', want: { issuerUri: 'https://other.example' }, have: {}, fields: ['oidc.issuerUri'] },
  { name: 'audiences as a set', want: { allowedAudiences: ['b', 'a'] }, have: { oidc: { issuerUri: 'https://issuer.example', allowedAudiences: ['a', 'b'] } }, fields: [] },
  { name: 'audiences cleared', want: { allowedAudiences: [] }, have: { oidc: { issuerUri: 'https://issuer.example', allowedAudiences: ['a'] } }, fields: ['oidc.allowedAudiences'] },
  { name: 'jwks whitespace is no drift', want: { jwksJson: jwks('k1') + '\n' }, have: { oidc: { issuerUri: 'https://issuer.example', jwksJson: JSON.stringify(JSON.parse(jwks('k1')), null, 2) } }, fields: [] },
  { name: 'jwks new kid', want: { jwksJson: jwks('k2') }, have: { oidc: { issuerUri: 'https://issuer.example', jwksJson: jwks('k1') } }, fields: ['oidc.jwksJson'] },
  { name: 'disabled, display name and issuer together', want: { displayName: 'P', issuerUri: 'https://x.example' }, have: { disabled: true }, fields: ['displayName', 'disabled', 'oidc.issuerUri'] },
];

for (const c of driftCases) {
  test(`planProvider drift: ${c.name}`, () => {
    const steps = planProvider({ ...want, ...c.want }, { ...same, ...c.have }, ids);
    if (!c.fields.length) return assert.deepEqual(steps.map((s) => s.action), ['noop']);
    assert.equal(steps.length, 1);
    assert.equal(steps[0].action, 'update');
    assert.deepEqual(steps[0].fields, c.fields);
    const op = steps[0].op as { updateMask: string[]; body: Record<string, any> };
    assert.deepEqual(op.updateMask, c.fields);
    // the body holds exactly the masked fields
    const present = Object.entries(op.body).flatMap(([k, v]) => (k === 'oidc' ? Object.keys(v).map((x) => `oidc.${x}`) : [k]));
    assert.deepEqual(present.sort(), [...c.fields].sort());
  });
}

test('planProvider: a non-OIDC provider is refused (type cannot change)', () => {
  assert.throws(() => planProvider(want, { name: 'x', aws: { accountId: '1' } }, ids), /not an OIDC provider/);
});

test('sameJwks compares keys, not formatting or key order', () => {
  assert.ok(sameJwks('{"keys":[{"kid":"a","kty":"RSA"}]}', '{ "keys": [ { "kty": "RSA", "kid": "a" } ] }\n'));
  assert.ok(!sameJwks('{"keys":[{"kid":"a"}]}', '{"keys":[{"kid":"b"}]}'));
  assert.ok(!sameJwks('{"keys":[{"kid":"a"}]}', undefined));
});
