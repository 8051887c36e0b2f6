import { test } from 'node:test';
import assert from 'node:assert/strict';
import { designGrant, type GrantRequest } from '../src/plan/grants.js';
import { ValidationError } from '../src/core/errors.js';

const base: GrantRequest = {
  mode: 'grant', project: { id: 'my-proj', number: '123' }, platform: 'self-hosted', poolId: 'pool-a',
  mapping: { 'google.subject': 'assertion.sub', 'attribute.namespace': "assertion['kubernetes.io']['namespace']" },
  ksas: [{ namespace: 'ns', name: 'app' }], roles: ['roles/storage.objectViewer'], force: false,
};
const POOL = 'iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool-a';
const refused = (r: Partial<GrantRequest>, rule: string) => {
  assert.throws(() => designGrant({ ...base, ...r }), (e: unknown) => e instanceof ValidationError && e.problems.some((p) => p.rule === rule) && e.exitCode === 2);
};

test('direct access: one principal per KSA on the project, all in one policy', () => {
  const d = designGrant({ ...base, ksas: [{ namespace: 'ns', name: 'a' }, { namespace: 'ns', name: 'b' }], roles: ['roles/x', 'roles/y'] });
  assert.equal(d.policies.length, 1);
  assert.deepEqual(d.policies[0].target, { kind: 'project', projectId: 'my-proj' });
  assert.equal(d.policies[0].edits.length, 4);
  assert.deepEqual(d.members, [`principal://${POOL}/subject/system:serviceaccount:ns:a`, `principal://${POOL}/subject/system:serviceaccount:ns:b`]);
});

test('direct access on a service account resource; namespace principal set', () => {
  const d = designGrant({ ...base, ksas: [], namespace: 'prod', resource: 'serviceAccounts/sa@my-proj.iam.gserviceaccount.com' });
  assert.deepEqual(d.policies[0].target, { kind: 'serviceAccount', email: 'sa@my-proj.iam.gserviceaccount.com' });
  assert.deepEqual(d.members, [`principalSet://${POOL}/attribute.namespace/prod`]);
});

test('impersonation: workloadIdentityUser on the SA, roles on the project for the SA', () => {
  const sa = 'wif@my-proj.iam.gserviceaccount.com';
  const d = designGrant({ ...base, serviceAccount: sa });
  assert.deepEqual(d.policies.map((p) => p.target), [{ kind: 'serviceAccount', email: sa }, { kind: 'project', projectId: 'my-proj' }]);
  assert.deepEqual(d.policies[0].edits, [{ op: 'add', role: 'roles/iam.workloadIdentityUser', member: d.members[0] }]);
  assert.deepEqual(d.policies[1].edits, [{ op: 'add', role: 'roles/storage.objectViewer', member: `serviceAccount:${sa}` }]);
});

test('GKE principal forms use the workload pool PROJECT_ID.svc.id.goog and the number', () => {
  const d = designGrant({ ...base, platform: 'gke', poolId: undefined, mapping: undefined, namespace: 'team' });
  assert.deepEqual(d.members, [
    'principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/my-proj.svc.id.goog/subject/ns/ns/sa/app',
    'principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/my-proj.svc.id.goog/namespace/team',
  ]);
});

test('revoke: same members, remove edits; no role = every role', () => {
  const d = designGrant({ ...base, mode: 'revoke', roles: [] });
  assert.deepEqual(d.policies[0].edits, [{ op: 'remove', role: '*', member: d.members[0] }]);
});

test('refusals without --force, each naming its flag', () => {
  refused({ roles: ['roles/owner'] }, 'role.basic');
  refused({ roles: ['roles/editor'] }, 'role.basic');
  refused({ ksas: [], namespace: '*' }, 'principal-set.pool-wide');
  refused({ ksas: [], namespace: 'prod', mapping: { 'google.subject': 'assertion.sub' } }, 'mapping.namespace-attribute');
  refused({ ksas: [] }, 'required');
  refused({ roles: [] }, 'required');
  refused({ resource: 'buckets/x' }, 'resource.format');
  refused({ poolId: undefined }, 'required');
});

test('--force allows basic roles and pool-wide principal sets; revoke never needs it', () => {
  assert.equal(designGrant({ ...base, roles: ['roles/viewer'], force: true }).policies.length, 1);
  assert.match(designGrant({ ...base, ksas: [], namespace: '*', force: true }).members[0], /pool-a\/\*$/);
  assert.equal(designGrant({ ...base, mode: 'revoke', roles: ['roles/owner'] }).policies.length, 1);
});

test('a subject mapping that gives no subject for a KSA token warns', () => {
  const d = designGrant({ ...base, mapping: { 'google.subject': 'assertion.email' } });
  assert.equal(d.warnings.length, 1);
});

test('cluster-qualified mappings: the principal carries what the mapping makes of the KSA token', () => {
  const d = designGrant({
    ...base,
    issuer: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC',
    mapping: { 'google.subject': "'prod::' + assertion.sub", 'attribute.namespace': "'prod/' + assertion['kubernetes.io']['namespace']" },
    namespace: 'batch',
  });
  assert.deepEqual(d.members, [
    `principal://${POOL}/subject/prod::system:serviceaccount:ns:app`,
    `principalSet://${POOL}/attribute.namespace/prod/batch`,
  ]);
  assert.deepEqual(d.warnings, []);
  const byIssuer = designGrant({ ...base, issuer: 'https://kubernetes.default.svc.cluster.local', mapping: { 'google.subject': "assertion.iss.extract('https://{host}') + '::' + assertion.sub" } });
  assert.deepEqual(byIssuer.members, [`principal://${POOL}/subject/kubernetes.default.svc.cluster.local::system:serviceaccount:ns:app`]);
});
