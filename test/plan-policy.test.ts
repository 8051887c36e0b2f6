import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPolicyEdits, countMembers, type Policy } from '../src/plan/policy.js';

const P = 'principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/system:serviceaccount:';
const cond = { title: 't', expression: "request.time < timestamp('2030-01-01T00:00:00Z')" };

const cases: { name: string; policy: Policy; edits: Parameters<typeof applyPolicyEdits>[1]; bindings: Policy['bindings']; changes: number }[] = [
  { name: 'add to an empty policy creates the binding', policy: { version: 1, etag: 'ACAB' },
    edits: [{ op: 'add', role: 'roles/a', member: `${P}ns:x` }], bindings: [{ role: 'roles/a', members: [`${P}ns:x`] }], changes: 1 },
  { name: 'add to an existing role appends, keeps the others', policy: { bindings: [{ role: 'roles/a', members: ['user:u@x.com'] }, { role: 'roles/b', members: ['user:v@x.com'] }] },
    edits: [{ op: 'add', role: 'roles/a', member: `${P}ns:x` }],
    bindings: [{ role: 'roles/a', members: ['user:u@x.com', `${P}ns:x`] }, { role: 'roles/b', members: ['user:v@x.com'] }], changes: 1 },
  { name: 'add of a present member is no change', policy: { bindings: [{ role: 'roles/a', members: [`${P}ns:x`] }] },
    edits: [{ op: 'add', role: 'roles/a', member: `${P}ns:x` }], bindings: [{ role: 'roles/a', members: [`${P}ns:x`] }], changes: 0 },
  { name: 'a conditional binding for the same role is preserved and not reused', policy: { version: 3, bindings: [{ role: 'roles/a', members: ['user:u@x.com'], condition: cond }] },
    edits: [{ op: 'add', role: 'roles/a', member: 'user:u@x.com' }],
    bindings: [{ role: 'roles/a', members: ['user:u@x.com'], condition: cond }, { role: 'roles/a', members: ['user:u@x.com'] }], changes: 1 },
  { name: 'remove drops the member and the emptied binding', policy: { bindings: [{ role: 'roles/a', members: [`${P}ns:x`] }, { role: 'roles/b', members: ['user:v@x.com'] }] },
    edits: [{ op: 'remove', role: 'roles/a', member: `${P}ns:x` }], bindings: [{ role: 'roles/b', members: ['user:v@x.com'] }], changes: 1 },
  { name: 'remove never touches conditional bindings', policy: { bindings: [{ role: 'roles/a', members: ['user:u@x.com'], condition: cond }] },
    edits: [{ op: 'remove', role: 'roles/a', member: 'user:u@x.com' }], bindings: [{ role: 'roles/a', members: ['user:u@x.com'], condition: cond }], changes: 0 },
  { name: "remove with role '*' removes the member everywhere", policy: { bindings: [{ role: 'roles/a', members: ['m', 'n'] }, { role: 'roles/b', members: ['m'] }] },
    edits: [{ op: 'remove', role: '*', member: 'm' }], bindings: [{ role: 'roles/a', members: ['n'] }], changes: 2 },
  { name: 'remove of an absent member is no change', policy: { bindings: [{ role: 'roles/a', members: ['n'] }] },
    edits: [{ op: 'remove', role: 'roles/a', member: 'm' }], bindings: [{ role: 'roles/a', members: ['n'] }], changes: 0 },
];

for (const c of cases) {
  test(`applyPolicyEdits: ${c.name}`, () => {
    const before = structuredClone(c.policy);
    const r = applyPolicyEdits(c.policy, c.edits);
    assert.deepEqual(r.policy.bindings, c.bindings);
    assert.equal(r.changes.length, c.changes);
    assert.equal(r.policy.version, 3, 'always written as version 3');
    assert.equal(r.policy.etag, c.policy.etag, 'etag carried for the conditional write');
    assert.deepEqual(c.policy, before, 'input not mutated');
  });
}

test('applyPolicyEdits keeps audit configs and is idempotent', () => {
  const p: Policy = { version: 1, etag: 'BwYAAAAAAAA=', auditConfigs: [{ service: 'allServices' }], bindings: [] };
  const edits = Array.from({ length: 200 }, (_, i) => ({ op: 'add' as const, role: 'roles/x', member: `${P}ns:k${i}` }));
  const once = applyPolicyEdits(p, edits);
  assert.equal(once.changes.length, 200);
  assert.deepEqual(once.policy.auditConfigs, p.auditConfigs);
  assert.equal(countMembers(once.policy), 200);
  const twice = applyPolicyEdits(once.policy, edits);
  assert.equal(twice.changes.length, 0);
  assert.deepEqual(twice.policy.bindings, once.policy.bindings);
});
