import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT, scriptedPrompter, nonInteractivePrompter } from '../src/core/prompt.js';
import { makeAsker } from '../src/wizard/ask.js';
import { askInit, type WizardData } from '../src/wizard/init.js';
import { equivalentCommand, previewCondition, previewText } from '../src/plan/init.js';
import { UsageError } from '../src/core/errors.js';
import { isValidId } from '../src/plan/ids.js';

function data(said: string[] = []): WizardData {
  return {
    contexts: async () => ({ names: ['eks', 'self-hosted', 'aks'], current: 'self-hosted' }),
    detect: async (context) => ({ platform: context === 'eks' ? 'eks' : 'self-hosted', issuer: 'https://kubernetes.default.svc.cluster.local', jwksUploadRequired: true, summary: [`${context}: self-hosted`] }),
    listKsas: async () => [{ namespace: 'backend', name: 'api' }, { namespace: 'default', name: 'default' }, { namespace: 'frontend', name: 'web' }],
    defaultProject: 'sandbox-project',
    say: (l) => said.push(l),
  };
}

test('accepting every default gives a complete, valid answer set', async () => {
  const said: string[] = [];
  const p = scriptedPrompter({
    context: DEFAULT, project: DEFAULT, pool: DEFAULT, provider: DEFAULT, mappingPreset: DEFAULT, ksa: DEFAULT,
    conditionMode: DEFAULT, access: DEFAULT, role: DEFAULT, out: DEFAULT, applyManifests: DEFAULT, wait: DEFAULT,
  });
  const { answers } = await askInit(makeAsker(p, false), data(said), {});
  assert.deepEqual(p.unused(), []);
  assert.equal(answers.context, 'self-hosted', 'the current context is the default');
  assert.equal(answers.project, 'sandbox-project');
  assert.ok(isValidId(String(answers.pool)) && isValidId(String(answers.provider)));
  assert.deepEqual(answers.ksa, ['backend/api']);
  assert.deepEqual(answers.allowKsa, ['backend/api']);
  assert.deepEqual(answers.role, ['roles/storage.objectViewer']);
  assert.equal(answers.applyManifests, true);
  assert.ok(said.some((l) => /Condition preview: admits backend\/api; refuses default\/default, frontend\/web/.test(l)), said.join('\n'));
});

test('scripted answers: impersonation, namespace condition, a new KSA and a typed role', async () => {
  const p = scriptedPrompter({
    context: 'eks', project: 'my-project-1', pool: 'eks-pool', provider: 'eks-prov', mappingPreset: 'kubernetes',
    ksa: ['__new__'], newKsa: 'jobs/etl', conditionMode: 'namespaces', allowNamespace: ['jobs'],
    access: 'impersonation', serviceAccount: 'etl-runner@my-project-1.iam.gserviceaccount.com', createServiceAccount: true,
    role: ['__other__'], customRole: 'roles/bigquery.jobUser', out: 'k8s/wif', applyManifests: false, wait: '90s',
  });
  const { answers } = await askInit(makeAsker(p, false), data(), {});
  assert.deepEqual(p.unused(), []);
  assert.deepEqual(answers.ksa, ['jobs/etl']);
  assert.deepEqual(answers.allowNamespace, ['jobs']);
  assert.equal(answers.serviceAccount, 'etl-runner@my-project-1.iam.gserviceaccount.com');
  assert.deepEqual(answers.role, ['roles/bigquery.jobUser']);
  const cmd = equivalentCommand(answers, { verify: true });
  assert.match(cmd, /^wif init --yes --context eks --platform eks --project my-project-1 --pool eks-pool --provider eks-prov --mapping-preset kubernetes --allow-namespace jobs --ksa jobs\/etl --role roles\/bigquery.jobUser --service-account etl-runner@my-project-1.iam.gserviceaccount.com --create-service-account --out k8s\/wif --wait 90s$/);
});

test('flags answer their questions: nothing is asked twice', async () => {
  const p = scriptedPrompter({ access: 'direct', applyManifests: false, wait: '0' });
  const flags = { context: 'self-hosted', project: 'p-123456', pool: 'pool-a', provider: 'prov-a', mappingPreset: 'subject', ksa: ['backend/api'], allowKsa: ['backend/api'], role: ['roles/viewer'], out: 'o' };
  await askInit(makeAsker(p, false), data(), flags);
  assert.deepEqual(p.asked, ['access', 'applyManifests', 'wait']);
});

test('--yes never prompts: defaults are taken and a missing answer names its flag', async () => {
  const a = makeAsker(nonInteractivePrompter, true);
  const { answers } = await askInit(a, data(), { ksa: ['backend/api'], role: ['roles/storage.objectViewer'] });
  assert.equal(answers.context, 'self-hosted');
  assert.deepEqual(answers.allowKsa, ['backend/api']);
  assert.equal(answers.applyManifests, false);
  await assert.rejects(askInit(a, data(), { role: ['roles/x'] }), (e) => e instanceof UsageError && /--ksa/.test(e.message));
  await assert.rejects(askInit(a, data(), { ksa: ['backend/api'] }), (e) => e instanceof UsageError && /--role/.test(e.message));
  await assert.rejects(askInit(a, { ...data(), defaultProject: undefined }, { ksa: ['a/b'], role: ['roles/x'] }), (e) => e instanceof UsageError && /--project/.test(e.message));
});

test('preview names what the condition admits and refuses', () => {
  const p = previewCondition({ 'google.subject': 'assertion.sub' }, "assertion.sub == 'system:serviceaccount:backend:api'", [{ namespace: 'backend', name: 'api' }, { namespace: 'default', name: 'default' }]);
  assert.equal(previewText(p), 'admits backend/api; refuses default/default');
});

test('a re-run with --yes keeps wif.yaml answers and widens a wif-built condition to the new KSA', async () => {
  const { parseWifYaml } = await import('../src/model/config.js');
  const config = parseWifYaml({
    version: 1, project: { id: 'p-123456' }, cluster: { platform: 'self-hosted', context: 'self-hosted' }, pool: { id: 'pool-a' },
    provider: { id: 'prov-a', attributeMapping: { 'google.subject': 'assertion.sub' }, attributeCondition: "assertion.sub == 'system:serviceaccount:demo:app'" },
    grants: [{ ksa: 'demo/app', roles: ['roles/storage.objectViewer'] }],
  });
  const a = makeAsker(nonInteractivePrompter, true);
  const { answers } = await askInit(a, { ...data(), config }, { ksa: ['jobs/etl'] });
  assert.equal(answers.pool, 'pool-a');
  assert.equal(answers.mappingPreset, 'subject');
  assert.deepEqual(answers.allowKsa, ['demo/app', 'jobs/etl']);
  assert.deepEqual(answers.role, ['roles/storage.objectViewer']);
  const custom = parseWifYaml({ ...config, provider: { ...config.provider, attributeCondition: "assertion.sub.startsWith('system:serviceaccount:demo:')" } });
  const r = await askInit(a, { ...data(), config: custom }, { ksa: ['jobs/etl'] });
  assert.equal(r.answers.attributeCondition, "assertion.sub.startsWith('system:serviceaccount:demo:')", 'a hand-written condition is kept');
});
