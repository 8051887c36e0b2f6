import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  gkeLegacyMember, gkeNamespacePrincipalSet, gkePrincipal, gkePrincipalsFor, gkeWorkloadPool, ksaSubject, poolName,
  principalForSubject, principalSetAll, principalSetForAttribute, principalSetForGroup, principalsFor, providerAudience,
  providerAudienceHttps, providerName, serviceAccountMember, tokenAudience,
} from '../src/plan/names.js';

const pool = { projectNumber: '123456789012', poolId: 'k8s-pool' };
const prov = { ...pool, providerId: 'my-cluster' };
const POOL = 'projects/123456789012/locations/global/workloadIdentityPools/k8s-pool';

test('resource names use the project number', () => {
  assert.equal(poolName(pool), POOL);
  assert.equal(providerName(prov), `${POOL}/providers/my-cluster`);
});

test('both audience forms, and the token audience default', () => {
  assert.equal(providerAudience(prov), `//iam.googleapis.com/${POOL}/providers/my-cluster`);
  assert.equal(providerAudienceHttps(prov), `https://iam.googleapis.com/${POOL}/providers/my-cluster`);
  assert.equal(tokenAudience(prov), providerAudienceHttps(prov));
  assert.equal(tokenAudience(prov, ['sts.example', 'b']), 'sts.example');
});

test('principal identifiers of a self-managed pool (research gcp-api.md §4.2)', () => {
  assert.equal(ksaSubject('backend', 'api'), 'system:serviceaccount:backend:api');
  assert.equal(principalForSubject(pool, ksaSubject('backend', 'api')),
    `principal://iam.googleapis.com/${POOL}/subject/system:serviceaccount:backend:api`);
  assert.equal(principalSetForAttribute(pool, 'namespace', 'backend'), `principalSet://iam.googleapis.com/${POOL}/attribute.namespace/backend`);
  assert.equal(principalSetForGroup(pool, 'admins'), `principalSet://iam.googleapis.com/${POOL}/group/admins`);
  assert.equal(principalSetAll(pool), `principalSet://iam.googleapis.com/${POOL}/*`);
  assert.equal(serviceAccountMember('a@p.iam.gserviceaccount.com'), 'serviceAccount:a@p.iam.gserviceaccount.com');
});

test('GKE forms: pool named by project ID, projects/ by number; legacy member', () => {
  const gkePool = 'projects/123456789012/locations/global/workloadIdentityPools/my-project.svc.id.goog';
  assert.equal(gkeWorkloadPool('my-project'), 'my-project.svc.id.goog');
  assert.equal(gkePrincipal('123456789012', 'my-project', 'backend', 'api'), `principal://iam.googleapis.com/${gkePool}/subject/ns/backend/sa/api`);
  assert.equal(gkeNamespacePrincipalSet('123456789012', 'my-project', 'backend'), `principalSet://iam.googleapis.com/${gkePool}/namespace/backend`);
  assert.equal(gkeLegacyMember('my-project', 'backend', 'api'), 'serviceAccount:my-project.svc.id.goog[backend/api]');
  assert.deepEqual(gkePrincipalsFor('123456789012', 'my-project', 'backend', 'api').map((p) => p.kind), ['gke-subject', 'gke-namespace', 'gke-legacy']);
});

test('principalsFor lists subject, groups, each attribute value, and the pool-wide set', () => {
  const got = principalsFor(pool, {
    subject: 'system:serviceaccount:backend:api',
    groups: ['g1'],
    attributes: { namespace: 'backend', tags: ['a', 'b'] },
  });
  assert.deepEqual(got.map((p) => [p.kind, p.member.replace(`${POOL}/`, '…/'), p.via]), [
    ['subject', 'principal://iam.googleapis.com/…/subject/system:serviceaccount:backend:api', 'google.subject'],
    ['group', 'principalSet://iam.googleapis.com/…/group/g1', 'google.groups'],
    ['attribute', 'principalSet://iam.googleapis.com/…/attribute.namespace/backend', 'attribute.namespace'],
    ['attribute', 'principalSet://iam.googleapis.com/…/attribute.tags/a', 'attribute.tags'],
    ['attribute', 'principalSet://iam.googleapis.com/…/attribute.tags/b', 'attribute.tags'],
    ['pool', 'principalSet://iam.googleapis.com/…/*', 'every identity in the pool'],
  ]);
  assert.deepEqual(principalsFor(pool, {}).map((p) => p.kind), ['pool']);
});
