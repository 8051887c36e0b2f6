import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDoctor, type DoctorObservations } from '../src/plan/doctor.js';
import { parseWifYaml } from '../src/model/config.js';

const N = '123456789012';
const POOL = `projects/${N}/locations/global/workloadIdentityPools/wif-dev-1a2b`;
const member = `principal://iam.googleapis.com/${POOL}/subject/system:serviceaccount:backend:api`;
const config = parseWifYaml({
  version: 1,
  project: { id: 'p', number: N },
  cluster: { platform: 'self-hosted', issuer: 'https://kubernetes.default.svc.cluster.local', jwksUploaded: true },
  pool: { id: 'wif-dev-1a2b' },
  provider: { id: 'k8s-dev', attributeCondition: "assertion.sub == 'system:serviceaccount:backend:api'" },
  grants: [{ ksa: 'backend/api', roles: ['roles/storage.objectViewer'] }],
});

function healthy(): DoctorObservations {
  return {
    config,
    projectNumber: N,
    clusterIssuer: 'https://kubernetes.default.svc.cluster.local',
    clusterKids: ['k1'],
    pool: { name: POOL, state: 'ACTIVE' },
    provider: {
      name: `${POOL}/providers/k8s-dev`, state: 'ACTIVE', attributeMapping: { 'google.subject': 'assertion.sub' },
      attributeCondition: config.provider.attributeCondition,
      oidc: { issuerUri: 'https://kubernetes.default.svc.cluster.local', jwksJson: JSON.stringify({ keys: [{ kid: 'k1', kty: 'RSA' }] }) },
    },
    siblings: [],
    credConfigAudience: `//iam.googleapis.com/${POOL}/providers/k8s-dev`,
    policies: { 'projects/p': { bindings: [{ role: 'roles/storage.objectViewer', members: [member] }] } },
    expectedBindings: [{ target: 'projects/p', role: 'roles/storage.objectViewer', member, ksa: 'backend/api' }],
    conditionResults: [{ ksa: 'backend/api', admitted: true }],
    services: { 'iam.googleapis.com': 'ENABLED', 'sts.googleapis.com': 'ENABLED', 'iamcredentials.googleapis.com': 'ENABLED', 'cloudresourcemanager.googleapis.com': 'ENABLED' },
    unreadable: [],
  };
}

const checks = (o: DoctorObservations) => planDoctor(o).map((f) => `${f.severity}:${f.check}`);

test('a healthy setup has no findings', () => {
  assert.deepEqual(planDoctor(healthy()), []);
});

test('each drift is an error finding with a fix', () => {
  const cases: [string, (o: DoctorObservations) => void, string][] = [
    ['issuer', (o) => { o.clusterIssuer = 'https://new.example.com'; }, 'error:issuer'],
    ['rotated keys', (o) => { o.clusterKids = ['k2']; }, 'error:jwks'],
    ['audience', (o) => { o.provider!.oidc!.allowedAudiences = ['other']; }, 'error:audience'],
    ['cred-config audience', (o) => { o.credConfigAudience = '//iam.googleapis.com/projects/p/x'; }, 'error:audience'],
    ['binding gone', (o) => { o.policies['projects/p'] = { bindings: [] }; }, 'error:bindings'],
    ['condition refuses', (o) => { o.conditionResults = [{ ksa: 'backend/api', admitted: false }]; }, 'error:condition'],
    ['soft-deleted pool', (o) => { o.pool = { name: POOL, state: 'DELETED', expireTime: '2030-01-01T00:00:00Z' }; }, 'error:pool'],
    ['missing provider', (o) => { o.provider = null; }, 'error:provider'],
    ['api disabled', (o) => { o.services!['sts.googleapis.com'] = 'DISABLED'; }, 'error:services'],
  ];
  for (const [name, mutate, expected] of cases) {
    const o = healthy();
    mutate(o);
    const fs = planDoctor(o);
    assert.ok(checks(o).includes(expected), `${name}: ${JSON.stringify(fs)}`);
    assert.ok(fs.every((f) => f.fix), `${name}: every finding has a fix`);
  }
});

test('least-privilege lint and shared pools are warnings', () => {
  const o = healthy();
  o.policies['projects/p']!.bindings!.push({ role: 'roles/editor', members: [`principalSet://iam.googleapis.com/${POOL}/*`] });
  o.provider!.attributeCondition = undefined;
  o.siblings = [{ name: `${POOL}/providers/eks-other`, state: 'ACTIVE' }];
  const c = checks(o);
  assert.equal(c.filter((x) => x === 'warning:least-privilege').length, 3, c.join());
  assert.ok(c.includes('warning:shared-pool'));
  assert.ok(!c.some((x) => x.startsWith('error')));
});
