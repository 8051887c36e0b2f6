import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { kubernetesKid, jwksProblems, type Jwk } from '../src/plan/jwks.js';
import { diffJwks, diffKids, jwksSyncStep, keyMaterial, planJwksSync, uploadedKeysOf } from '../src/plan/jwks-sync.js';

/**
 * plan/jwks-sync.ts, pure: the diff by kid and key material, the union sync uploads, --prune, keys Google
 * rejects, the never-empty rule, and the one PATCH step (updateMask oidc.jwksJson only).
 */
function rsa(): Jwk {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as Jwk;
  // kube-apiserver's member order and kid (research/k8s-clouds.md §1.1, §1.2)
  return { use: 'sig', kty: 'RSA', kid: kubernetesKid(publicKey), alg: 'RS256', n: jwk.n, e: jwk.e };
}
function ec(curve: 'P-256' | 'P-384'): Jwk {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const jwk = publicKey.export({ format: 'jwk' }) as Jwk;
  return { use: 'sig', kty: 'EC', kid: kubernetesKid(publicKey), alg: curve === 'P-256' ? 'ES256' : 'ES384', crv: jwk.crv, x: jwk.x, y: jwk.y };
}
const [k1, k2, k3] = [rsa(), rsa(), rsa()];
const kids = (json: string | undefined) => (JSON.parse(json!) as { keys: Jwk[] }).keys.map((k) => k.kid);

test('in sync: same kids and material, whatever the metadata (no alg, other member order)', () => {
  const uploaded = [{ e: k1.e, n: k1.n, kty: 'RSA', kid: k1.kid }];
  const d = diffJwks({ keys: [k1] }, uploaded);
  assert.deepEqual(d, { inSync: true, clusterKeys: [k1.kid], uploadedKeys: [k1.kid], missing: [], stale: [], changed: [], rejected: [] });
  const p = planJwksSync({ keys: [k1] }, uploaded, { prune: false });
  assert.equal(p.jwksJson, undefined, 'nothing to upload');
  assert.equal(jwksSyncStep(p, 'projects/1/…/providers/x', 'v1/x').action, 'noop');
});

test('after a rotation: the new key is missing, the old one stale; sync uploads the union, cluster keys first', () => {
  const d = diffJwks({ keys: [k2] }, [k1]);
  assert.equal(d.inSync, false);
  assert.deepEqual([d.missing, d.stale, d.changed], [[k2.kid], [k1.kid], []]);
  const p = planJwksSync({ keys: [k2] }, [k1], { prune: false });
  assert.deepEqual(kids(p.jwksJson), [k2.kid, k1.kid]);
  assert.deepEqual([p.added, p.kept, p.dropped], [[k2.kid], [k1.kid], []]);
  assert.deepEqual(jwksProblems(JSON.parse(p.jwksJson!)), [], 'what is uploaded passes every rule Google enforces');
  const step = jwksSyncStep(p, 'projects/1/locations/global/workloadIdentityPools/p/providers/x', 'v1/projects/p/locations/global/workloadIdentityPools/p/providers/x');
  assert.equal(step.action, 'update');
  assert.deepEqual(step.fields, ['oidc.jwksJson']);
  assert.deepEqual(step.op, { type: 'wip.patch', path: 'v1/projects/p/locations/global/workloadIdentityPools/p/providers/x', body: { oidc: { jwksJson: p.jwksJson } }, updateMask: ['oidc.jwksJson'] });
  assert.match(step.reason, new RegExp(`upload key\\(s\\) ${k2.kid}.*keep ${k1.kid}`));
  assert.ok(!step.reason.includes(k1.n!.slice(0, 20)), 'the reason names kids, never key material');
});

test('sync is idempotent: planning against what it uploaded changes nothing; a stale key alone is not drift unless --prune', () => {
  const first = planJwksSync({ keys: [k2] }, [k1], { prune: false });
  const again = planJwksSync({ keys: [k2] }, uploadedKeysOf(first.jwksJson)!, { prune: false });
  assert.equal(again.jwksJson, undefined);
  assert.equal(again.diff.inSync, true);
  assert.deepEqual(again.diff.stale, [k1.kid]);
  assert.equal(diffJwks({ keys: [k2] }, uploadedKeysOf(first.jwksJson)!, { prune: true }).inSync, false);
});

test('--prune drops keys the cluster no longer serves, and warns about the pods still holding their tokens', () => {
  const p = planJwksSync({ keys: [k2, k3] }, [k1, k2], { prune: true });
  assert.deepEqual(kids(p.jwksJson), [k2.kid, k3.kid]);
  assert.deepEqual([p.added, p.kept, p.dropped], [[k3.kid], [], [k1.kid]]);
  assert.ok(p.warnings.some((w) => w.includes(k1.kid!) && /fail at STS/.test(w)), p.warnings.join('\n'));
  assert.match(jwksSyncStep(p, 'r', 'v1/r').reason, /drop .*--prune/);
});

test('keep-old rotation: the cluster serves both keys, sync uploads both (and keeps the older uploaded one)', () => {
  const p = planJwksSync({ keys: [k2, k3] }, [k1, k2], { prune: false });
  assert.deepEqual(kids(p.jwksJson), [k2.kid, k3.kid, k1.kid]);
});

test('same kid, other material: changed; the cluster key replaces the uploaded one (never two keys with one kid)', () => {
  const forged = { ...k2, kid: k1.kid };
  const d = diffJwks({ keys: [forged] }, [k1]);
  assert.deepEqual([d.missing, d.changed, d.stale], [[], [k1.kid], []]);
  const p = planJwksSync({ keys: [forged] }, [k1], { prune: false });
  const up = uploadedKeysOf(p.jwksJson)!;
  assert.equal(up.length, 1);
  assert.equal(keyMaterial(up[0]), keyMaterial(k2));
});

test('keys Google rejects (EC P-384) are never uploaded; a JWKS that would be empty is refused', () => {
  const bad = ec('P-384');
  const good = ec('P-256');
  const p = planJwksSync({ keys: [bad, good] }, [k1], { prune: false });
  assert.deepEqual(kids(p.jwksJson), [good.kid, k1.kid]);
  assert.deepEqual(p.diff.rejected.map((r) => r.kid), [bad.kid]);
  assert.match(p.diff.rejected[0].reason, /P-384/);
  assert.ok(p.warnings.some((w) => w.includes(bad.kid!)));
  assert.throws(() => planJwksSync({ keys: [bad] }, [k1], { prune: true }), (e: Error & { code?: string }) => e.code === 'jwks.empty');
  assert.throws(() => planJwksSync({ keys: [] }, [k1], { prune: true }), (e: Error & { code?: string }) => e.code === 'jwks.empty');
  assert.equal(planJwksSync({ keys: [] }, [k1], { prune: false }).jwksJson, undefined, 'without --prune an empty cluster JWKS keeps what is uploaded');
});

test('uploadedKeysOf: undefined when nothing is uploaded; a clear error for a non-JWKS', () => {
  assert.equal(uploadedKeysOf(undefined), undefined);
  assert.equal(uploadedKeysOf(''), undefined);
  assert.throws(() => uploadedKeysOf('{"nokeys":1}'), (e: Error & { code?: string }) => e.code === 'jwks.uploaded-unreadable');
});

test('diffKids (what doctor uses) agrees with diffJwks on kids', () => {
  assert.deepEqual(diffKids([k2.kid!, k3.kid!], [k1.kid!, k2.kid!]), { missing: [k3.kid], stale: [k1.kid] });
  const d = diffJwks({ keys: [k2, k3] }, [k1, k2]);
  assert.deepEqual([d.missing, d.stale], [[k3.kid], [k1.kid]]);
});
