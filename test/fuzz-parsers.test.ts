import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UsageError } from '../src/core/errors.js';
import { checkExpression, evaluateCondition, evaluateMapping, extract } from '../src/plan/cel.js';
import { decodeToken, synthesizeClaims } from '../src/plan/claims.js';
import { buildCondition } from '../src/plan/condition.js';
import { parseMappingFlag } from '../src/plan/mapping.js';
import * as R from '../src/plan/rules.js';

const RUNS = { numRuns: 200 };
const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const ksa = fc.record({ namespace: label, name: label });

test('parseMappingFlag round-trips values with commas inside quotes, brackets and calls', () => {
  const value = fc.constantFrom(
    'assertion.sub', "assertion['kubernetes.io']['namespace']", "assertion.sub.extract('a,{x},b')",
    "'x,y' + assertion.sub", "[assertion.a, assertion.b].join(',')", '"a=b,c"',
  );
  const key = fc.stringMatching(/^attribute\.[a-z0-9_]{1,8}$/);
  fc.assert(fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }), (m) => {
    const text = Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',');
    assert.deepEqual(parseMappingFlag(text), { mapping: { ...m }, bad: [] });
  }), RUNS);
});

test('CEL entry points never throw, whatever the expression or the claims', () => {
  const claims = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 });
  fc.assert(fc.property(fc.string({ maxLength: 60 }), claims, (expr, assertion) => {
    checkExpression(expr, 'mapping');
    checkExpression(expr, 'condition', ['namespace']);
    const r = evaluateCondition(expr, { assertion, attribute: {}, google: {} });
    assert.equal(typeof r.result, 'boolean');
    evaluateMapping({ 'google.subject': expr, 'attribute.x': expr }, assertion);
    extract(expr, expr);
  }), RUNS);
});

test('messages never echo a claim value', () => {
  const secret = fc.stringMatching(/^S3CR3T[A-Za-z0-9]{8,16}$/);
  const exprs = ['int(assertion.v) > 1', 'assertion.v + 1', 'assertion.v.nope', "assertion.v == 1 && assertion.w", 'size(assertion.v) > assertion.v'];
  fc.assert(fc.property(secret, fc.constantFrom(...exprs), (v, expr) => {
    const r = evaluateCondition(expr, { assertion: { v, w: v }, attribute: {}, google: {} });
    assert.ok(!(r.error ?? '').includes(v), r.error);
    for (const e of evaluateMapping({ 'google.subject': expr.replace(/ >.*$/, '') }, { v }).errors) assert.ok(!e.message.includes(v), e.message);
  }), RUNS);
});

test('buildCondition admits exactly the allowed namespaces and KSAs', () => {
  fc.assert(fc.property(fc.array(label, { maxLength: 3 }), fc.array(ksa, { maxLength: 3 }), ksa, (nss, ksas, probe) => {
    const cond = buildCondition(nss, ksas);
    if (!cond) return;
    assert.deepEqual(checkExpression(cond, 'condition', []), { ok: true, type: 'bool' });
    const assertion = synthesizeClaims(probe.namespace, probe.name, { now: 1 });
    const want = nss.includes(probe.namespace) || ksas.some((k) => k.namespace === probe.namespace && k.name === probe.name);
    assert.equal(evaluateCondition(cond, { assertion, attribute: {}, google: {} }).result, want);
  }), RUNS);
});

test('decodeToken fails only with a usage error (exit 2), and never echoes its input', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.array(fc.base64String({ maxLength: 40 }), { minLength: 1, maxLength: 6 }).map((p) => p.join('.'))), (t) => {
    try {
      decodeToken(t);
    } catch (e) {
      assert.ok(e instanceof UsageError);
      if (t.trim().length > 12) assert.ok(!e.message.includes(t.trim()));
    }
  }), RUNS);
});

test('rules never throw and accept what they generate', () => {
  fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
    for (const rule of [R.poolId, R.providerId, R.projectId, R.namespace, R.ksaName, R.ksaRef, R.serviceAccountEmail, R.role, R.resource, R.issuer, R.tokenPath]) rule(s);
  }), RUNS);
  fc.assert(fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{2,30}[a-z0-9]$/), (id) => {
    if (!id.startsWith('gcp-')) assert.equal(R.poolId(id), undefined, id);
  }), RUNS);
  fc.assert(fc.property(label, label, (ns, n) => assert.equal(R.ksaRef(`${ns}/${n}`), undefined)), RUNS);
});
