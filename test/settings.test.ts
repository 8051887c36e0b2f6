import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSettings } from '../src/model/settings.js';
import { parseWifYaml } from '../src/model/config.js';
import { validateSettings } from '../src/plan/validate.js';

test("a pool-wide grant recorded by `grant --namespace '*' --force` keeps wif.yaml valid", () => {
  const cfg = parseWifYaml({
    version: 1,
    project: { id: 'wif-sandbox', number: '123456789012' },
    pool: { id: 'demo-pool' },
    provider: { id: 'demo-provider', issuerUri: 'https://kubernetes.default.svc.cluster.local' },
    grants: [{ namespace: '*', roles: ['roles/storage.objectViewer'] }, { namespace: 'Bad_NS', roles: [] }],
  });
  const problems = validateSettings(mergeSettings({}, cfg, {}, 'wif.yaml'), []);
  assert.deepEqual(problems.map((p) => p.input), ['wif.yaml: grants.1.namespace']);
});

test('a --context other than the one in wif.yaml does not inherit that cluster\'s issuer, platform or JWKS upload', () => {
  const cfg = parseWifYaml({
    version: 1,
    project: { id: 'wif-sandbox', number: '123456789012' },
    cluster: { context: 'self-hosted', platform: 'self-hosted', issuer: 'https://kubernetes.default.svc.cluster.local', jwksUploaded: true },
    pool: { id: 'demo-pool' },
    provider: { id: 'demo-provider', issuerUri: 'https://kubernetes.default.svc.cluster.local' },
  });
  const other = mergeSettings({ context: 'eks' }, cfg, {}, 'wif.yaml');
  assert.equal(other.cluster.issuer, undefined);
  assert.equal(other.provider.issuerUri, undefined);
  assert.equal(other.cluster.platform, undefined);
  assert.equal(other.cluster.jwksUploaded, undefined);
  const same = mergeSettings({ context: 'self-hosted' }, cfg, {}, 'wif.yaml');
  assert.equal(same.provider.issuerUri, 'https://kubernetes.default.svc.cluster.local');
  assert.equal(same.cluster.jwksUploaded, true);
});
