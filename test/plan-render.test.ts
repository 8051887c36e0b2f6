/**
 * Plan text (a reviewed snapshot), the confirmation gate (dry run / --yes / terminal / CI), and the wif.yaml
 * grant records that grant and revoke maintain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmChanges } from '../src/apply/confirm.js';
import { mergeGrantRecords } from '../src/apply/record.js';
import { createCtx } from '../src/core/context.js';
import { BufferWriter } from '../src/core/io.js';
import { scriptedPrompter } from '../src/core/prompt.js';
import { planJson, type Plan } from '../src/plan/plan.js';
import { renderOutcome, renderPlanText } from '../src/render/plan-text.js';

const plan: Plan = { steps: [
  { action: 'noop', kind: 'pool', resource: 'projects/1/locations/global/workloadIdentityPools/p', reason: 'exists and matches' },
  { action: 'update', kind: 'provider', resource: 'projects/1/locations/global/workloadIdentityPools/p/providers/q', reason: 'attributeCondition: (unset) → "true"', fields: ['attributeCondition'],
    op: { type: 'wip.patch', path: 'v1/x', body: { attributeCondition: 'true' }, updateMask: ['attributeCondition'] } },
  { action: 'update', kind: 'iam-policy', resource: 'projects/my-proj', reason: 'add 1 binding', bindings: [{ op: 'add', role: 'roles/x', member: 'principal://m' }] },
] };

test('renderPlanText: one entry per step with mark, fields and bindings', () => {
  assert.equal(renderPlanText(plan, { title: 'Plan:' }), [
    'Plan:',
    '  = ok       pool projects/1/locations/global/workloadIdentityPools/p',
    '      exists and matches',
    '  ~ update   provider projects/1/locations/global/workloadIdentityPools/p/providers/q [attributeCondition]',
    '      attributeCondition: (unset) → "true"',
    '  ~ update   iam-policy projects/my-proj',
    '      add 1 binding',
    '      + roles/x  principal://m',
  ].join('\n'));
  const many: Plan = { steps: [{ ...plan.steps[2], bindings: Array.from({ length: 25 }, (_, i) => ({ op: 'add' as const, role: 'r', member: `m${i}` })) }] };
  assert.match(renderPlanText(many, { title: 'T' }), /… and 5 more \(--output json lists them all\)$/);
});

test('planJson: action, kind, resource, reason, fields/bindings — never the request payload', () => {
  const j = planJson(plan);
  assert.deepEqual(Object.keys(j.steps[1]), ['action', 'kind', 'resource', 'reason', 'fields']);
  assert.ok(!JSON.stringify(j).includes('updateMask'));
});

test('renderOutcome', () => {
  assert.match(renderOutcome({ dryRun: false, changes: 0, applied: 0 }), /Nothing to change/);
  assert.match(renderOutcome({ dryRun: true, changes: 2, applied: 0 }), /Dry run: 2 changes planned, nothing was changed/);
  assert.equal(renderOutcome({ dryRun: false, changes: 1, applied: 1 }), 'Applied 1 change.');
});

function ctxWith(prompt?: ReturnType<typeof scriptedPrompter>) {
  const stderr = new BufferWriter();
  const io = { stdout: new BufferWriter(), stderr, stdin: { isTTY: false }, env: { CI: '1' }, cwd: '/' };
  return { ctx: createCtx(io, { output: 'text', config: 'wif.yaml', verbose: false, color: false }, prompt ? { prompt } : {}), stderr };
}

test('confirmChanges: nothing | dry run | --yes | terminal yes/no | CI without --yes', async () => {
  const { ctx } = ctxWith();
  assert.equal(await confirmChanges(ctx, { dryRun: false, yes: false }, { changes: 0, what: 'x' }), 'nothing');
  assert.equal(await confirmChanges(ctx, { dryRun: true, yes: true }, { changes: 2, what: 'x' }), 'dry-run');
  assert.equal(await confirmChanges(ctx, { dryRun: false, yes: true }, { changes: 2, what: 'x' }), 'apply');
  await assert.rejects(confirmChanges(ctx, { dryRun: false, yes: false }, { changes: 2, what: 'x' }), (e: any) => e.exitCode === 2 && /--yes/.test(e.hint));
  const yes = ctxWith(scriptedPrompter({ apply: true }));
  assert.equal(await confirmChanges(yes.ctx, { dryRun: false, yes: false }, { changes: 1, what: 'x', show: 'THE PLAN' }), 'apply');
  assert.match(yes.stderr.text, /THE PLAN/, 'the plan is shown before the question');
  const no = ctxWith(scriptedPrompter({ apply: false }));
  await assert.rejects(confirmChanges(no.ctx, { dryRun: false, yes: false }, { changes: 1, what: 'x' }), (e: any) => e.code === 'cancelled' && e.exitCode === 1);
});

test('mergeGrantRecords: grant adds roles or entries; revoke removes roles, then the entry', () => {
  const g1 = mergeGrantRecords([], [{ ksa: 'a/b', roles: ['r1'] }, { namespace: 'a', roles: ['r1'], serviceAccount: 's@p.iam.gserviceaccount.com' }], 'grant');
  assert.equal(g1.length, 2);
  const g2 = mergeGrantRecords(g1, [{ ksa: 'a/b', roles: ['r2', 'r1'] }], 'grant');
  assert.deepEqual(g2[0], { ksa: 'a/b', roles: ['r1', 'r2'] });
  const r1 = mergeGrantRecords(g2, [{ ksa: 'a/b', roles: ['r1'] }], 'revoke');
  assert.deepEqual(r1[0], { ksa: 'a/b', roles: ['r2'] });
  const r2 = mergeGrantRecords(r1, [{ ksa: 'a/b', roles: [] }, { namespace: 'a', roles: [], serviceAccount: 's@p.iam.gserviceaccount.com' }], 'revoke');
  assert.deepEqual(r2, []);
  assert.deepEqual(g1[0], { ksa: 'a/b', roles: ['r1'] }, 'inputs not mutated');
});
