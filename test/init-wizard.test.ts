import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT, scriptedPrompter } from '../src/core/prompt.js';
import { InterruptedError } from '../src/core/errors.js';
import type { Prompter } from '../src/core/prompt.js';
import { stage, startJourney, type Journey } from './e2e-helpers.js';

/**
 * The interactive wizard against the sandbox, with scripted answers keyed by question: accepting every
 * default ends with a working setup; scripted answers produce the setup they describe; Ctrl-C leaves nothing.
 */
let j: Journey;
before(async () => { j = await startJourney(); });
after(async () => j?.stop());

const EVERY_QUESTION = ['context', 'project', 'pool', 'provider', 'mappingPreset', 'ksa', 'newKsa', 'conditionMode', 'access', 'role', 'out', 'applyManifests', 'wait', 'apply'];

test('accepting every default ends with a working setup', async () => {
  const dir = j.workdir();
  const p = scriptedPrompter(Object.fromEntries(EVERY_QUESTION.map((k) => [k, DEFAULT])));
  const r = await j.wif(['init', '--output', 'text'], dir, p);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(p.unused(), []);
  assert.match(r.stderr, /Condition preview: admits wif-demo\/app; refuses default\/default/);
  assert.match(r.stdout, /✔ 6\. gcloud auth print-access-token inside the pod/);
  assert.match(r.stdout, /wif-demo\/app gets Google access tokens/);
  assert.match(r.stdout, /Equivalent command \(CI, re-runs\):\n {2}wif init --yes --context self-hosted .*--ksa wif-demo\/app --role roles\/storage\.objectViewer .*--apply-manifests --wait 2m/);
  assert.ok(existsSync(join(dir, 'wif.yaml')));

  // The printed command, run in CI against the same state, changes nothing.
  const cmd = /Equivalent command.*\n {2}wif (.*)/.exec(r.stdout)![1].split(' ').filter((a) => a !== '--wait' && a !== '2m');
  const again = await j.wif([...cmd, '--no-verify', '--output', 'json'], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.json.result.changed, false);
});

test('scripted answers: impersonation, whole-namespace condition, a typed role', async () => {
  const dir = j.workdir();
  const sa = `etl-runner@${j.sandbox.project.id}.iam.gserviceaccount.com`;
  const p = scriptedPrompter({
    context: 'eks', project: DEFAULT, pool: 'etl-pool', provider: 'etl-eks', mappingPreset: 'kubernetes',
    ksa: ['__new__'], newKsa: 'jobs/etl', conditionMode: 'namespaces', allowNamespace: ['jobs'],
    access: 'impersonation', serviceAccount: sa, createServiceAccount: true,
    role: ['__other__'], customRole: 'roles/bigquery.jobUser', out: 'k8s', applyManifests: true, wait: '0', apply: true,
  });
  const r = await j.wif(['init', '--output', 'text'], dir, p);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(p.unused(), []);
  const yaml = readFileSync(join(dir, 'wif.yaml'), 'utf8');
  assert.match(yaml, /id: etl-pool/);
  assert.match(yaml, /attributeCondition: assertion\['kubernetes.io'\]\['namespace'\] == 'jobs'/);
  assert.match(yaml, new RegExp(`email: ${sa}`));
  assert.ok(existsSync(join(dir, 'k8s', 'credential-configuration.json')));
  const v = await j.wif(['verify', '--output', 'json'], dir);
  assert.equal(v.code, 0, JSON.stringify(v.json, null, 2));
  assert.equal(stage(v.json.result, 'impersonation').status, 'passed');
});

test('without a terminal and without --yes, a missing answer is a usage error naming the flag', async () => {
  const dir = j.workdir();
  const r = await j.wif(['init', '--context', 'self-hosted', '--role', 'roles/storage.objectViewer'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--ksa is required/);
  assert.ok(!existsSync(join(dir, 'wif.yaml')));
});

test('Ctrl-C at a question exits 130 and writes nothing', async () => {
  const dir = j.workdir();
  const base = scriptedPrompter({ context: DEFAULT, project: DEFAULT, pool: DEFAULT, provider: DEFAULT, mappingPreset: DEFAULT });
  const interrupting: Prompter = { ...base, interactive: true, checkbox: async () => { throw new InterruptedError(); } };
  const changes = () => j.sandbox.requests().filter((q) => q.method !== 'GET' && !q.service.startsWith('kube')).length;
  const before = changes();
  const r = await j.wif(['init'], dir, interrupting);
  assert.equal(r.code, 130);
  assert.ok(!existsSync(join(dir, 'wif.yaml')) && !existsSync(join(dir, 'wif-out')));
  assert.equal(changes(), before, 'no Google API call changed anything');
});
