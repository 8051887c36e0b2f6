import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Provider } from '../src/cloud/google/types.js';
import { checkPoolCollisions, collisionProblems, findCollisions, sameCluster, viewOfProvider, type ProviderView } from '../src/plan/collisions.js';
import type { Step } from '../src/plan/plan.js';
import { startJourney, type Journey } from './e2e-helpers.js';

/**
 * Multi-cluster safety (issue 7; research/anchors.md §5.12): principals are pool-scoped, so two clusters'
 * providers in one pool with `google.subject=assertion.sub` make NS/KSA in one cluster the same principal as in
 * the other. Pure checks first, then `provider ensure`, `init` and `doctor` against the sandbox.
 */
const SUB = { 'google.subject': 'assertion.sub' };
const KUBE = { ...SUB, 'attribute.namespace': "assertion['kubernetes.io']['namespace']" };
const view = (id: string, issuer: string, mapping: Record<string, string>, kids?: string[]): ProviderView => ({ id, issuer, mapping, kids });
const A = 'https://kubernetes.default.svc.cluster.local';
const B = 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC';

test('the default subject mapping in two clusters collides; a cluster-qualified one does not', () => {
  const [c] = findCollisions(view('a', A, SUB, ['k1']), [view('b', B, SUB)]);
  assert.deepEqual(c, { provider: 'b', issuer: B, sameIssuer: false, subject: { ksa: 'default/default', value: 'system:serviceaccount:default:default' }, attributes: [] });
  for (const mapping of [{ 'google.subject': "'eks-b::' + assertion.sub" }, { 'google.subject': "assertion.iss + '::' + assertion.sub" }]) {
    assert.deepEqual(findCollisions(view('a', A, SUB), [view('b', B, mapping)]), [], JSON.stringify(mapping));
  }
  assert.equal(findCollisions(view('a', A, { 'google.subject': "'a::' + assertion.sub" }), [view('b', B, { 'google.subject': "'a::' + assertion.sub" })]).length, 1, 'the same constant is no qualification');
});

test('shared attributes are reported (principal sets span both clusters) even with qualified subjects', () => {
  const [c] = findCollisions(view('a', A, { ...KUBE, 'google.subject': "'a::' + assertion.sub" }), [view('b', B, KUBE)], [{ namespace: 'team', name: 'api' }]);
  assert.equal(c.subject, undefined);
  assert.deepEqual(c.attributes, ['namespace']);
  const qualified = { 'google.subject': "'a::' + assertion.sub", 'attribute.cluster': "'a'" };
  assert.deepEqual(findCollisions(view('a', A, qualified), [view('b', B, { 'google.subject': "'b::' + assertion.sub", 'attribute.cluster': "'b'" })]), []);
});

test('providers of the same cluster are not another cluster; the same default issuer with other keys is', () => {
  assert.equal(sameCluster(view('a', A, SUB, ['k1']), view('a2', A, SUB, ['k1', 'k2'])), true);
  assert.equal(sameCluster(view('a', B, SUB), view('a2', B, SUB)), true, 'a public issuer URL names one cluster');
  const [c] = findCollisions(view('a', A, SUB, ['k1']), [view('b', A, SUB, ['k9'])]);
  assert.equal(c.sameIssuer, true, 'two kubeadm clusters sharing the default issuer');
  assert.deepEqual(findCollisions(view('a', A, SUB), [view('a', B, SUB)]), [], 'the provider itself is skipped');
});

test('viewOfProvider reads Google\'s shape; a provider without a mapping gets the default', () => {
  const p: Provider = { name: 'projects/1/locations/global/workloadIdentityPools/p/providers/eks-b', oidc: { issuerUri: B, jwksJson: '{"keys":[{"kid":"k1","kty":"RSA"}]}' } };
  assert.deepEqual(viewOfProvider(p), { id: 'eks-b', issuer: B, mapping: SUB, kids: ['k1'] });
});

test('refused when the plan adds or re-maps the provider; a setup already in place only warns; --force warns', () => {
  const coll = findCollisions(view('a', A, SUB), [view('b', B, SUB)]);
  const create: Step[] = [{ action: 'create', kind: 'provider', resource: 'r', reason: '' }];
  const remap: Step[] = [{ action: 'update', kind: 'provider', resource: 'r', reason: '', fields: ['attributeMapping'] }];
  const noop: Step[] = [{ action: 'noop', kind: 'provider', resource: 'r', reason: '' }, { action: 'update', kind: 'provider', resource: 'r', reason: '', fields: ['oidc.jwksJson'] }];
  for (const steps of [create, remap]) {
    const r = collisionProblems(steps, 'shared', coll, 'kind-a');
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].rule, 'pool.subject-collision');
    assert.match(r.problems[0].message, /system:serviceaccount:default:default/);
    assert.match(r.problems[0].hint!, /pool of its own.*google\.subject='kind-a::' \+ assertion\.sub.*attribute\.cluster == 'kind-a'.*--force/);
  }
  assert.equal(collisionProblems(noop, 'shared', coll).problems.length, 0);
  assert.equal(collisionProblems(noop, 'shared', coll).warnings.length, 1);
  const forced = checkPoolCollisions({ poolId: 'shared', providerId: 'a', issuerUri: A, attributeMapping: SUB, siblings: [{ name: 'x/providers/b', oidc: { issuerUri: B } }], steps: create, force: true });
  assert.deepEqual(forced.problems, []);
  assert.match(forced.warnings[0], /^--force: pool shared already holds another cluster's provider/);
  const deleted = checkPoolCollisions({ poolId: 'shared', providerId: 'a', issuerUri: A, attributeMapping: SUB, siblings: [{ name: 'x/providers/b', state: 'DELETED', oidc: { issuerUri: B } }], steps: create, force: false });
  assert.deepEqual(deleted, { problems: [], warnings: [] }, 'a soft-deleted provider admits nothing');
});

describeSandbox();

function describeSandbox(): void {
  let j: Journey;
  before(async () => { j = await startJourney(); });
  after(async () => j?.stop());
  const project = () => ['--project', j.sandbox.project.id];
  const providerPosts = (since: number) => j.sandbox.requests({ since }).filter((x) => x.method === 'POST' && x.path.endsWith('/providers'));
  const lastSeq = () => j.sandbox.requests().at(-1)?.seq ?? 0;

  test('sandbox: a second cluster\'s provider in a pool with the default mapping is refused before anything is created; --force overrides', async () => {
    const [w, w2] = [j.workdir(), j.workdir()];
    const first = await j.wif(['provider', 'ensure', '--context', 'self-hosted', ...project(), '--pool', 'shared-pool', '--provider', 'k8s-a', '--allow-namespace', 'demo', '--yes'], w);
    assert.equal(first.code, 0, first.stderr);
    const seq = lastSeq();
    const r = await j.wif(['provider', 'ensure', '--context', 'eks', ...project(), '--pool', 'shared-pool', '--provider', 'eks-b', '--allow-namespace', 'demo', '--yes', '--output', 'json'], w2);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.json.error.message, /pool shared-pool already holds another cluster's provider.*provider k8s-a .*system:serviceaccount:/);
    assert.match(r.json.error.hint, /pool of its own.*attribute\.cluster.*--force/);
    assert.equal(providerPosts(seq).length, 0, 'refused before applying: no provider created');
    const dry = await j.wif(['provider', 'ensure', '--context', 'eks', ...project(), '--pool', 'shared-pool', '--provider', 'eks-b', '--dry-run'], w2);
    assert.equal(dry.code, 2, 'a dry run says so too');

    const init = await j.wif(['init', '--yes', '--context', 'eks', ...project(), '--pool', 'shared-pool', '--ksa', 'demo/app', '--role', 'roles/storage.objectViewer', '--no-verify', '--output', 'json'], j.workdir());
    assert.equal(init.code, 2, init.stdout);
    assert.match(init.json.error.message, /another cluster's provider/);

    const forced = await j.wif(['provider', 'ensure', '--context', 'eks', ...project(), '--pool', 'shared-pool', '--provider', 'eks-b', '--allow-namespace', 'demo', '--yes', '--force'], w2);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /warning: --force: pool shared-pool already holds another cluster's provider/);
    assert.equal(providerPosts(seq).length, 1);

    const d = await j.wif(['doctor', '--output', 'json'], w);
    const shared = d.json.result.findings.filter((f: { check: string }) => f.check === 'shared-pool');
    assert.equal(shared.length, 1, JSON.stringify(d.json.result.findings));
    assert.equal(shared[0].severity, 'warning');
    assert.match(shared[0].message, /provider eks-b \(issuer https:\/\/oidc\.eks\./);
  });

  test('sandbox: a cluster-qualified mapping (subject and attribute) in the shared pool is not flagged', async () => {
    const [w, w2] = [j.workdir(), j.workdir()];
    const first = await j.wif(['provider', 'ensure', '--context', 'self-hosted', ...project(), '--pool', 'split-pool', '--provider', 'k8s-a', '--attribute-mapping', "google.subject='k8s-a::' + assertion.sub,attribute.cluster='k8s-a'", '--attribute-condition', "attribute.cluster == 'k8s-a'", '--yes'], w);
    assert.equal(first.code, 0, first.stderr);
    const r = await j.wif(['provider', 'ensure', '--context', 'eks', ...project(), '--pool', 'split-pool', '--provider', 'eks-b', '--attribute-mapping', "google.subject='eks-b::' + assertion.sub,attribute.cluster='eks-b'", '--attribute-condition', "attribute.cluster == 'eks-b'", '--yes'], w2);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!/another cluster/.test(r.stderr), r.stderr);
    const d = await j.wif(['doctor', '--output', 'json'], w);
    assert.ok(!d.json.result.findings.some((f: { check: string }) => f.check === 'shared-pool'), JSON.stringify(d.json.result.findings));
  });
}
