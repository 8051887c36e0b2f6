/**
 * The whole flow against a sandbox that answers 30% of Google API requests with 503 (STS and IAM Credentials
 * included), half of the setIamPolicy calls with 409 ABORTED, and adds latency to every request: `wif init --yes`
 * (apply, render, kubectl apply, verify with the in-pod stage) and later `wif verify` runs all succeed — transient
 * faults are retried, bounded, by wif and by the in-pod stage. Faults come from a fixed seed
 * (WIF_RELIABILITY_SEED overrides it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';
import { runWif } from './helpers/run.js';

let sb: TestSandbox;
let env: Record<string, string | undefined>;
before(async () => {
  sb = await startTestSandbox({ failRate: 0.3, conflictRate: 0.5, latencyMs: 15, seed: process.env.WIF_RELIABILITY_SEED ?? 'reliability' });
  env = { ...sb.env, PATH: process.env.PATH, HOME: sb.stateDir };
});
after(async () => sb?.stop());

type Stage = { name: string; ok: boolean; status: string; detail: string };
const failedStages = (stages: Stage[] | undefined) => JSON.stringify((stages ?? []).filter((s) => !s.ok), null, 2);

test('init --yes (apply, render, kubectl apply, verify) and verify --pod succeed under 503s, conflicts and latency', async () => {
  const cwd = mkdtempSync(join(sb.stateDir, 'flow-'));
  const init = await runWif(['init', '--yes', '--context', 'self-hosted', '--ksa', 'demo/app', '--role', 'roles/storage.objectViewer', '--apply-manifests', '--output', 'json'], { env, cwd });
  assert.equal(init.code, 0, `${init.stderr}\n${failedStages(init.json?.result?.verify?.stages)}`);
  const stages: Stage[] = init.json.result.verify.stages;
  assert.deepEqual(stages.filter((s) => s.status === 'passed').map((s) => s.name), ['ksa-token', 'claims', 'condition', 'sts', 'grants', 'pod']);
  assert.match(readFileSync(join(cwd, 'wif.yaml'), 'utf8'), /jwksUploaded: true/);
  for (const f of ['credential-configuration.json', 'configmap.yaml', 'serviceaccount.yaml', 'pod.yaml']) assert.ok(existsSync(join(cwd, 'wif-out', f)), f);

  // verify again: ~10 Google requests, STS among them (and the pod's gcloud, which does not retry them itself).
  const v = await runWif(['verify', '--pod', 'wif-verify', '--output', 'json'], { env, cwd });
  assert.equal(v.code, 0, `${v.stderr}\n${failedStages(v.json?.result?.stages)}`);
  const google = sb.requests({ listener: 'google' });
  const faulted = google.filter((r) => (r as { fault?: string }).fault === 'unavailable');
  assert.ok(faulted.length >= 8, `503s were injected (${faulted.length})`);
});

test('a second init --yes under the same faults changes nothing', async () => {
  const cwd = mkdtempSync(join(sb.stateDir, 'again-'));
  const argv = ['init', '--yes', '--context', 'self-hosted', '--pool', 'again-pool', '--ksa', 'demo/again', '--role', 'roles/logging.logWriter', '--no-verify', '--output', 'json'];
  const first = await runWif(argv, { env, cwd });
  assert.equal(first.code, 0, first.stderr);
  const since = sb.requests().at(-1)?.seq ?? 0;
  const again = await runWif(argv, { env, cwd });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.json.result.changed, false);
  const writes = sb.requests({ since, listener: 'google' }).filter((r) => r.method !== 'GET' && !/:(getIamPolicy|testIamPermissions)$/.test(r.path) && r.status < 400);
  assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), [], 'no successful write on the second run');
});
