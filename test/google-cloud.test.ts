/**
 * The Google cloud layer on its own: error translation keyed on status + reason (table), the HTTP transport's
 * bounded retries of transient faults only where allowed (a local loopback server), LRO polling, and the
 * read-modify-write loop under conflicts (a fake API).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { googleError, GoogleApiError, roleFor } from '../src/cloud/google/errors.js';
import { createGoogleApi, type GoogleApi, type GoogleRequest } from '../src/cloud/google/http.js';
import { editPolicy } from '../src/cloud/google/iam-policy.js';
import { waitOperation } from '../src/cloud/google/operations.js';
import { createLogger } from '../src/core/log.js';
import { BufferWriter } from '../src/core/io.js';
import { makeColors } from '../src/core/color.js';
import type { Policy } from '../src/plan/policy.js';

const about = { what: 'pool', resource: 'projects/p/locations/global/workloadIdentityPools/x', permission: 'iam.workloadIdentityPools.create', project: 'p' };
const info = (reason: string, metadata: Record<string, string>) => ({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata });

const cases: { name: string; status: number; body: unknown; code: string; exit: number; hint?: RegExp; message?: RegExp }[] = [
  { name: '403 with the permission in ErrorInfo', status: 403, body: { error: { code: 403, status: 'PERMISSION_DENIED', message: "Permission 'iam.workloadIdentityPools.create' denied on resource (or it may not exist).", details: [info('IAM_PERMISSION_DENIED', { permission: 'iam.workloadIdentityPools.create' })] } },
    code: 'gcp.pool.permission-denied', exit: 1, hint: /roles\/iam\.workloadIdentityPoolAdmin/, message: /iam\.workloadIdentityPools\.create/ },
  { name: '403 without details uses the permission the call needs', status: 403, body: { error: { code: 403, status: 'PERMISSION_DENIED', message: 'The caller does not have permission' } },
    code: 'gcp.pool.permission-denied', exit: 1, hint: /roles\/iam\.workloadIdentityPoolAdmin on project p/ },
  { name: '403 SERVICE_DISABLED names the API to enable', status: 403, body: { error: { code: 403, status: 'PERMISSION_DENIED', message: 'IAM API has not been used in project 1 before or it is disabled.', details: [info('SERVICE_DISABLED', { service: 'iam.googleapis.com', consumer: 'projects/1' })] } },
    code: 'gcp.pool.service-disabled', exit: 1, hint: /gcloud services enable iam\.googleapis\.com --project p/ },
  { name: '404', status: 404, body: { error: { code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' } }, code: 'gcp.pool.not-found', exit: 1 },
  { name: '409 ALREADY_EXISTS', status: 409, body: { error: { code: 409, status: 'ALREADY_EXISTS', message: 'Requested entity already exists' } }, code: 'gcp.pool.already-exists', exit: 1 },
  { name: '409 ABORTED', status: 409, body: { error: { code: 409, status: 'ABORTED', message: 'There were concurrent policy changes.' } }, code: 'gcp.pool.conflict', exit: 1 },
  { name: '400 INVALID_ARGUMENT is a usage error with Google\'s message', status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'Invalid mapped attribute key: assertion.sub.' } },
    code: 'gcp.pool.invalid-argument', exit: 2, message: /Invalid mapped attribute key/ },
  { name: '400 FAILED_PRECONDITION from an org policy', status: 400, body: { error: { code: 400, status: 'FAILED_PRECONDITION', message: 'Precondition check failed.', details: [{ '@type': 'type.googleapis.com/google.rpc.PreconditionFailure', violations: [{ type: 'constraints/iam.workloadIdentityPoolProviders', description: "Org Policy violated for value: 'https://x'." }] }] } },
    code: 'gcp.pool.failed-precondition', exit: 1, hint: /organization policy/, message: /constraints\/iam\.workloadIdentityPoolProviders/ },
  { name: '401', status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' } }, code: 'gcp.unauthenticated', exit: 1, hint: /access-token-file|application-default/ },
  { name: '503 after the retries', status: 503, body: 'upstream connect error', code: 'gcp.pool.unavailable', exit: 1, message: /HTTP 503/ },
];

for (const c of cases) {
  test(`error translation: ${c.name}`, () => {
    const e = googleError(c.status, typeof c.body === 'string' ? c.body : JSON.stringify(c.body), about);
    assert.ok(e instanceof GoogleApiError);
    assert.equal(e.code, c.code);
    assert.equal(e.exitCode, c.exit);
    if (c.hint) assert.match(e.hint ?? '', c.hint);
    if (c.message) assert.match(e.message, c.message);
  });
}

test('roleFor: the least role granting each permission wif needs', () => {
  assert.equal(roleFor('iam.workloadIdentityPoolProviders.update'), 'roles/iam.workloadIdentityPoolAdmin');
  assert.equal(roleFor('iam.workloadIdentityPools.get'), 'roles/iam.workloadIdentityPoolViewer');
  assert.equal(roleFor('resourcemanager.projects.setIamPolicy'), 'roles/resourcemanager.projectIamAdmin');
  assert.equal(roleFor('serviceusage.services.enable'), 'roles/serviceusage.serviceUsageAdmin');
  assert.equal(roleFor('storage.buckets.get'), undefined);
});

// --- the transport, against a loopback server ---------------------------------------------------------------
let server: Server;
let base: string;
let script: ((req: { method?: string; url?: string; headers: Record<string, unknown> }) => { status: number; body?: unknown } | 'reset')[] = [];
const seen: { method?: string; url?: string; auth?: string }[] = [];
const logs = new BufferWriter();
const log = createLogger(logs, makeColors(false), { verbose: true });
const TOKEN = 'ya29.secret-token-value-123456789';

before(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, auth: String(req.headers.authorization) });
    const step = script.shift() ?? (() => ({ status: 200, body: {} }));
    const r = step({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    if (r === 'reset') return void req.socket.destroy();
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body === undefined ? '' : JSON.stringify(r.body));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((ok) => server.close(() => ok())));

function api(): GoogleApi {
  return createGoogleApi({ access: { rootUrl: base, authorization: async () => `Bearer ${TOKEN}`, authClient: async () => undefined }, env: {}, log, baseDelayMs: 1 });
}
const get: GoogleRequest = { method: 'GET', service: 'iam', path: 'v1/projects/p/locations/global/workloadIdentityPools/x', about, retry: true };
const unavailable = () => ({ status: 503, body: { error: { code: 503, status: 'UNAVAILABLE', message: 'try again' } } });

test('transport: 503, 429 and a connection reset are retried on a retryable call; the token is sent and never logged', async () => {
  seen.length = 0;
  script = [unavailable, () => ({ status: 429, body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED' } } }), () => 'reset', () => ({ status: 200, body: { name: 'x' } })];
  const a = api();
  assert.deepEqual(await a.call(get), { name: 'x' });
  a.close();
  assert.equal(seen.length, 4);
  assert.equal(seen[0].auth, `Bearer ${TOKEN}`);
  assert.equal(seen[0].url, '/v1/projects/p/locations/global/workloadIdentityPools/x');
  assert.ok(!logs.text.includes(TOKEN), 'no token in logs');
});

test('transport: a call not marked retryable is tried once; retries are bounded', async () => {
  seen.length = 0;
  script = [unavailable];
  const a = api();
  await assert.rejects(a.call({ ...get, retry: false }), (e: unknown) => e instanceof GoogleApiError && e.httpStatus === 503);
  assert.equal(seen.length, 1);
  seen.length = 0;
  script = Array.from({ length: 10 }, () => unavailable);
  await assert.rejects(a.call(get), (e: unknown) => e instanceof GoogleApiError && !e.message.includes(TOKEN));
  assert.equal(seen.length, 6, 'six attempts, then the error');
  a.close();
});

test('transport: 4xx other than 429 are not retried; query parameters are encoded', async () => {
  seen.length = 0;
  script = [() => ({ status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'bad mask' } } })];
  const a = api();
  await assert.rejects(a.call({ ...get, method: 'PATCH', query: { updateMask: 'displayName,oidc.allowedAudiences' }, body: {} }), /bad mask/);
  a.close();
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, '/v1/projects/p/locations/global/workloadIdentityPools/x?updateMask=displayName%2Coidc.allowedAudiences');
});

test('operations: done at once is not polled; otherwise polled until done; an operation error is translated', async () => {
  seen.length = 0;
  const a = api();
  await waitOperation(a, 'iam', { name: 'projects/1/operations/op1', done: true }, about);
  assert.equal(seen.length, 0);
  script = [() => ({ status: 200, body: { name: 'projects/1/operations/op2' } }), () => ({ status: 200, body: { name: 'projects/1/operations/op2', done: true } })];
  await waitOperation(a, 'iam', { name: 'projects/1/operations/op2' }, about, { firstDelayMs: 1 });
  assert.deepEqual(seen.map((s) => s.url), ['/v1/projects/1/operations/op2', '/v1/projects/1/operations/op2']);
  await assert.rejects(waitOperation(a, 'iam', { name: 'op3', done: true, error: { code: 7, message: 'denied' } }, about), (e: unknown) => e instanceof GoogleApiError && e.code === 'gcp.pool.permission-denied');
  await waitOperation(a, 'serviceusage', { name: 'operations/noop.DONE_OPERATION' }, about);
  a.close();
});

// --- read-modify-write under conflicts, with a fake API ------------------------------------------------------
function fakePolicyApi(conflicts: number, concurrent: (p: Policy) => void): GoogleApi & { stored: Policy; sets: number; gets: number } {
  let etag = 1;
  const f = {
    stored: { version: 1, etag: 'BwY=', bindings: [{ role: 'roles/owner', members: ['user:o@x.com'] }] } as Policy,
    sets: 0,
    gets: 0,
    close() {},
    async call<T>(req: GoogleRequest): Promise<T> {
      if (req.path.endsWith(':getIamPolicy')) { f.gets++; return structuredClone(f.stored) as T; }
      f.sets++;
      const p = (req.body as { policy: Policy }).policy;
      if (conflicts-- > 0) {
        concurrent(f.stored); // someone else wrote meanwhile
        f.stored.etag = `e${etag++}`;
        throw googleError(409, JSON.stringify({ error: { code: 409, status: 'ABORTED', message: 'There were concurrent policy changes.' } }), about);
      }
      assert.equal(p.etag, f.stored.etag, 'written with the etag it read');
      f.stored = { ...p, etag: `e${etag++}` };
      return f.stored as T;
    },
  };
  return f;
}

test('editPolicy: 409 ABORTED → re-read and re-apply the same edits; the concurrent writer\'s binding survives', async () => {
  const f = fakePolicyApi(2, (p) => p.bindings!.push({ role: 'roles/other', members: [`user:w${p.bindings!.length}@x.com`] }));
  const r = await editPolicy(f, { kind: 'project', projectId: 'p' }, [{ op: 'add', role: 'roles/x', member: 'principal://a' }], { random: () => 0 });
  assert.equal(r.conflicts, 2);
  assert.equal(f.sets, 3);
  assert.equal(f.gets, 3);
  assert.deepEqual(f.stored.bindings!.map((b) => b.role), ['roles/owner', 'roles/other', 'roles/other', 'roles/x']);
  assert.equal(f.stored.version, 3);
});

test('editPolicy: nothing to change → no write; bounded attempts under endless conflicts', async () => {
  const f = fakePolicyApi(0, () => {});
  const r = await editPolicy(f, { kind: 'project', projectId: 'p' }, [{ op: 'add', role: 'roles/owner', member: 'user:o@x.com' }]);
  assert.deepEqual(r.changes, []);
  assert.equal(f.sets, 0);
  const g = fakePolicyApi(100, () => {});
  await assert.rejects(editPolicy(g, { kind: 'project', projectId: 'p' }, [{ op: 'add', role: 'roles/x', member: 'm' }], { attempts: 4, random: () => 0 }), (e: unknown) => e instanceof GoogleApiError && e.status === 'ABORTED');
  assert.equal(g.sets, 4);
});

test('proxyFor: HTTPS_PROXY for https URLs, NO_PROXY hosts, domains, ports and *', async () => {
  const { proxyFor } = await import('../src/cloud/google/proxy.js');
  const u = new URL('https://iam.googleapis.com/v1/x');
  assert.equal(proxyFor(u, {}), undefined);
  assert.equal(proxyFor(u, { HTTPS_PROXY: 'http://proxy:3128' })?.host, 'proxy:3128');
  assert.equal(proxyFor(u, { https_proxy: 'proxy:8080' })?.host, 'proxy:8080');
  assert.equal(proxyFor(new URL('http://127.0.0.1:1/'), { HTTPS_PROXY: 'http://proxy:3128' }), undefined, 'plain http is not tunnelled');
  for (const no of ['*', 'googleapis.com', '.googleapis.com', 'iam.googleapis.com', 'x.org, iam.googleapis.com:443']) {
    assert.equal(proxyFor(u, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: no }), undefined, no);
  }
  for (const no of ['oogleapis.com', 'iam.googleapis.com:8443', 'example.com']) {
    assert.ok(proxyFor(u, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: no }), no);
  }
});
