/**
 * `wif pool ensure` / `wif provider ensure` against the sandbox: get-or-create, idempotence counted in the request
 * log, dry runs that change nothing, drift repaired with an exact updateMask, soft-delete → undelete only when
 * confirmed, disabled APIs offered for enabling, and gcloud seeing exactly what wif reports.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { scriptedPrompter } from '../src/core/prompt.js';
import { googleHarness, type GoogleHarness } from './google-harness.js';

let h: GoogleHarness;
before(async () => { h = await googleHarness(); });
after(async () => { await h?.close(); });

const actions = (r: { json: any }) => r.json.result.plan.steps.map((s: any) => `${s.action} ${s.kind}`);

test('pool ensure: creates, then a second identical run makes no mutating request and says so', async () => {
  const cwd = h.workdir();
  const r1 = await h.wif(['pool', 'ensure', '--pool', 'pool-one', '--display-name', 'One', '--yes', '--json'], { cwd });
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual(actions(r1), ['create pool']);
  assert.equal(r1.json.result.applied[0].outcome, 'done');
  const since = h.mark();
  const r2 = await h.wif(['pool', 'ensure', '--pool', 'pool-one', '--display-name', 'One', '--yes'], { cwd });
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /Nothing to change/);
  assert.deepEqual(h.mutating(since), []);
});

test('provider ensure: private issuer → JWKS read from the cluster and uploaded; wif.yaml records it; re-run is a no-op', async () => {
  const cwd = h.workdir();
  const r = await h.wif(['provider', 'ensure', '--pool', 'pool-two', '--provider', 'k8s-self', '--context', 'self-hosted',
    '--mapping-preset', 'kubernetes', '--allow-namespace', 'apps', '--yes', '--json'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(actions(r), ['create pool', 'create provider']);
  assert.equal(r.json.result.provider.jwksUploaded, true);
  assert.equal(r.json.result.provider.jwksFrom, 'cluster');
  const yaml = readFileSync(join(cwd, 'wif.yaml'), 'utf8');
  assert.match(yaml, /jwksUploaded: true/);
  assert.match(yaml, /number: "\d+"/);

  const since = h.mark();
  const again = await h.wif(['provider', 'ensure', '--yes', '--json'], { cwd }); // everything from wif.yaml
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(actions(again), ['noop pool', 'noop provider']);
  assert.deepEqual(h.mutating(since), []);
  assert.equal(readFileSync(join(cwd, 'wif.yaml'), 'utf8'), yaml, 'an idempotent run leaves wif.yaml alone');
});

test('provider ensure: --dry-run changes nothing; drift is repaired with ONE PATCH naming exactly the changed fields; gcloud agrees', async () => {
  const cwd = h.workdir();
  const base = ['provider', 'ensure', '--pool', 'pool-three', '--provider', 'prov-three', '--issuer-uri', 'https://issuer.example.com', '--allow-namespace', 'web'];
  assert.equal((await h.wif([...base, '--yes'], { cwd })).code, 0);
  const drift = [...base.slice(0, -2), '--allow-namespace', 'api', '--allowed-audience', 'aud-1', '--display-name', 'Three'];

  const s1 = h.mark();
  const dry = await h.wif([...drift, '--dry-run', '--json'], { cwd });
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.json.result.dryRun, true);
  const upd = dry.json.result.plan.steps.find((s: any) => s.action === 'update');
  assert.deepEqual(upd.fields, ['displayName', 'attributeCondition', 'oidc.allowedAudiences']);
  assert.deepEqual(h.mutating(s1), [], '--dry-run makes no mutating request');

  const s2 = h.mark();
  const r = await h.wif([...drift, '--yes', '--json'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const writes = h.mutating(s2);
  assert.equal(writes.length, 1);
  assert.equal(writes[0].method, 'PATCH');
  assert.equal(new URLSearchParams(writes[0].query).get('updateMask'), 'displayName,attributeCondition,oidc.allowedAudiences');

  const g = await h.gcloud('iam', 'workload-identity-pools', 'providers', 'describe', 'prov-three', '--workload-identity-pool=pool-three', '--location=global', '--format=json');
  assert.equal(g.code, 0, g.stderr);
  const p = JSON.parse(g.stdout);
  assert.equal(p.name, upd.resource);
  assert.equal(p.displayName, 'Three');
  assert.equal(p.attributeCondition, "assertion['kubernetes.io']['namespace'] == 'api'");
  assert.deepEqual(p.oidc, { issuerUri: 'https://issuer.example.com', allowedAudiences: ['aud-1'] });
  assert.deepEqual(p.attributeMapping, { 'google.subject': 'assertion.sub' });
});

test('soft-deleted pool: never undeleted silently — CI without --yes is exit 2 naming --yes, a "no" changes nothing, a "yes" undeletes', async () => {
  const cwd = h.workdir();
  const args = ['pool', 'ensure', '--pool', 'pool-four'];
  assert.equal((await h.wif([...args, '--yes'], { cwd })).code, 0);
  const del = await h.api('DELETE', `/v1/projects/${h.sb.project.id}/locations/global/workloadIdentityPools/pool-four`);
  assert.equal(del.status, 200, del.text);

  const s = h.mark();
  const ci = await h.wif([...args, '--json'], { cwd });
  assert.equal(ci.code, 2);
  assert.equal(ci.json.error.code, 'input.confirm-required');
  assert.match(ci.json.error.hint, /--yes/);
  const no = await h.wif(args, { cwd, prompt: scriptedPrompter({ apply: false }) });
  assert.equal(no.code, 1);
  assert.match(no.stderr, /Cancelled: nothing was changed/);
  assert.deepEqual(h.mutating(s), []);

  const yes = await h.wif([...args, '--json'], { cwd, prompt: scriptedPrompter({ apply: true }) });
  assert.equal(yes.code, 0, yes.stderr);
  assert.deepEqual(actions(yes), ['undelete pool']);
  assert.match(yes.json.result.plan.steps[0].reason, /soft-deleted/);
  const now = await h.api('GET', `/v1/projects/${h.sb.project.id}/locations/global/workloadIdentityPools/pool-four`);
  assert.equal(now.json.state, 'ACTIVE');
});

test('a disabled API is offered for enabling: CI without --yes names the flag, --dry-run plans it, --yes enables it', async () => {
  const cwd = h.workdir();
  const off = await h.api('POST', `/v1/projects/${h.sb.project.id}/services/sts.googleapis.com:disable`, {});
  assert.equal(off.status, 200, off.text);
  const s = h.mark();
  const ci = await h.wif(['pool', 'ensure', '--pool', 'pool-five', '--json'], { cwd });
  assert.equal(ci.code, 2);
  assert.match(ci.json.error.message, /sts\.googleapis\.com/);
  assert.match(ci.json.error.hint, /--yes/);
  const dry = await h.wif(['pool', 'ensure', '--pool', 'pool-five', '--dry-run', '--json'], { cwd });
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(actions(dry), ['enable services', 'create pool']);
  assert.deepEqual(h.mutating(s), []);
  const yes = await h.wif(['pool', 'ensure', '--pool', 'pool-five', '--yes', '--json'], { cwd });
  assert.equal(yes.code, 0, yes.stderr);
  assert.deepEqual(yes.json.result.applied.map((a: any) => a.kind), ['services', 'pool']);
  const svc = await h.api('GET', `/v1/projects/${h.sb.project.id}/services/sts.googleapis.com`);
  assert.equal(svc.json.state, 'ENABLED');
});

test('bad input is refused before any request (exit 2)', async () => {
  const s = h.mark();
  const r = await h.wif(['provider', 'ensure', '--pool', 'gcp-bad', '--provider', 'x', '--issuer-uri', 'http://insecure', '--yes', '--json'], { cwd: h.workdir() });
  assert.equal(r.code, 2);
  assert.deepEqual(h.requests(s), []);
});

test('a create that meets a concurrent creation (409) looks at what exists and repairs its drift', async () => {
  const cwd = h.workdir();
  const racer = { ...scriptedPrompter({}), interactive: true, async confirm() {
    // Between the plan and the apply, someone else creates the same pool with another display name.
    const r = await h.api('POST', `/v1/projects/${h.sb.project.id}/locations/global/workloadIdentityPools?workloadIdentityPoolId=pool-race`, { displayName: 'Theirs' });
    assert.equal(r.status, 200, r.text);
    return true;
  } };
  const r = await h.wif(['pool', 'ensure', '--pool', 'pool-race', '--display-name', 'Mine', '--json'], { cwd, prompt: racer });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json.result.applied.map((a: any) => `${a.action}:${a.outcome}`), ['create:existed', 'update:done']);
  const now = await h.api('GET', `/v1/projects/${h.sb.project.id}/locations/global/workloadIdentityPools/pool-race`);
  assert.equal(now.json.displayName, 'Mine');
});

test('HTTPS_PROXY: every Google call goes through a CONNECT tunnel; NO_PROXY bypasses it', async () => {
  const tunnels: string[] = [];
  const proxy = createServer().on('connect', (req, client, head) => {
    tunnels.push(String(req.url));
    const [host, port] = String(req.url).split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
  try {
    const HTTPS_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const googleHost = new URL(h.sb.googleUrl).host;
    const via = await h.wif(['pool', 'ensure', '--pool', 'pool-proxy', '--yes'], { cwd: h.workdir(), env: { HTTPS_PROXY } });
    assert.equal(via.code, 0, via.stderr);
    assert.ok(tunnels.length > 0 && tunnels.every((t) => t === googleHost), tunnels.join());
    tunnels.length = 0;
    const direct = await h.wif(['pool', 'ensure', '--pool', 'pool-proxy', '--yes'], { cwd: h.workdir(), env: { HTTPS_PROXY, NO_PROXY: 'localhost,127.0.0.1' } });
    assert.equal(direct.code, 0, direct.stderr);
    assert.deepEqual(tunnels, []);
  } finally {
    proxy.close();
  }
});
