/**
 * Quoting and escaping of the export, against the real readers: bash reads every shellQuote'd word back exactly,
 * gcloud's own ArgDict/ArgList parser reads every --attribute-mapping / --allowed-audiences value back exactly,
 * HashiCorp's HCL parser (and terraform console, when installed) reads every string and heredoc back exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { gcloudDict, gcloudList, shellQuote } from '../src/render/export-gcloud.js';
import { hclHeredoc, hclString, hclTemplate } from '../src/render/export-hcl.js';
import { GCLOUD_PY, gcloudParse, parseHcl, TERRAFORM, terraform, unescapeTemplate } from './export-helpers.js';

const TRICKY = ["'", '"', '$', '`', '\\', '!', '\n', ' ', '*', '?', '[', ']', '{', '}', '~', '#', '&', '|', ';', '<', '>', '(', ')', 'a', '=', ',', '%', '\t', 'é', '^', ':', '-', 'E', 'O', 'T', '\r'];
const tricky = fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 40 });
const anyText = fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 40 }));
const noNul = anyText.filter((s) => !s.includes('\0'));

const CEL = [
  "assertion['kubernetes.io']['namespace'] in ['backend', 'monitoring'] && assertion.sub != \"x\"",
  'attribute.x == "${var}" || attribute.y == "%{if}" || "$${x}" == \'\\\\\'',
  "assertion.sub.startsWith('system:serviceaccount:') &&\n  assertion['kubernetes.io']['pod']['name'] != '' // $HOME `date` !event",
];

test('shellQuote: bash reads every word back exactly (printf %s)', () => {
  // One bash for the whole sample: spawning a shell per case costs more than the rest of the file.
  const words = [...CEL, ...fc.sample(noNul, { numRuns: 1500, seed: 7 }), ''];
  const r = spawnSync('bash', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8', env: { PATH: process.env.PATH }, maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\0').slice(0, -1), words);
  assert.equal(shellQuote("a['b']"), `"a['b']"`, 'CEL with single quotes reads as the guide writes it');
  assert.equal(shellQuote('roles/storage.objectViewer'), 'roles/storage.objectViewer');
  assert.equal(shellQuote(''), "''");
  assert.throws(() => shellQuote('a\0b'), /NUL/);
});

test("gcloudDict/gcloudList: gcloud's own parser reads the values back exactly (alternate delimiter when a value has a comma)", { skip: !GCLOUD_PY && 'gcloud is not installed' }, () => {
  const key = fc.stringMatching(/^attribute\.[a-z_]{1,8}$/);
  const maps = fc.sample(fc.dictionary(key, anyText.filter((v) => v.length > 0), { minKeys: 1, maxKeys: 5 }), { numRuns: 300, seed: 11 }).map((m) => ({ ...m }));
  maps.push({ 'google.subject': 'assertion.sub', 'attribute.ns_sa': "assertion['kubernetes.io']['namespace'] + ',' + assertion.sub" });
  maps.push(Object.fromEntries(['|', ';', '~', '#', '!', '+', '&', '*', '@', ':'].map((d, i) => [`attribute.k${i}`, `a,${d}b`])));
  assert.deepEqual(gcloudParse('dict', maps.map(gcloudDict)), maps);
  const lists = fc.sample(fc.array(anyText.filter((v) => v.length > 0), { minLength: 1, maxLength: 5 }), { numRuns: 300, seed: 13 });
  lists.push(['^a^', 'b'], ['https://a.example/x,y', 'https://b.example']);
  assert.deepEqual(gcloudParse('list', lists.map(gcloudList)), lists);
  assert.equal(gcloudList(['a', 'b']), 'a,b', 'the plain syntax when nothing needs escaping');
  assert.equal(gcloudDict({ a: 'x,y', b: 'z' }), '^|^a=x,y|b=z');
});

test('hclString and hclTemplate: the HCL parser reads every string back exactly (NFC, as HCL normalizes)', async () => {
  await fc.assert(fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 8 }), async (values) => {
    const doc = await parseHcl(values.map((v, i) => `v${i} = ${hclString(v)}\n`).join(''));
    values.forEach((v, i) => assert.equal(unescapeTemplate(doc[`v${i}`]), v.normalize('NFC')));
  }), { numRuns: 150 });
  const t = await parseHcl(`m = ${hclTemplate(['principal://x/', { expr: 'google_iam_workload_identity_pool.p.name' }, '/subject/${a}%{b}"'])}\n`);
  assert.equal(t.m, 'principal://x/${google_iam_workload_identity_pool.p.name}/subject/$${a}%%{b}"', 'the interpolation stays one, the literal sequences stay escaped');
});

test('hclHeredoc: the HCL parser reads the heredoc body back exactly, whatever its markers, quotes and template sequences', async () => {
  const multi = fc.array(fc.oneof(tricky.map((s) => s.replace(/[\r\n]/g, '')), fc.constantFrom('EOT', 'EOT1', '  EOT ', '')), { minLength: 1, maxLength: 6 }).map((l) => l.join('\n'));
  let checked = 0;
  await fc.assert(fc.asyncProperty(multi, fc.constantFrom('', '  ', '    '), async (v, indent) => {
    const h = hclHeredoc(v, indent);
    if (h === undefined) { assert.ok(/^\s/.test(v) || /[\r\n]$/.test(v) || /[\x00-\x08\x0b-\x1f\x7f]/.test(v), JSON.stringify(v)); return; }
    checked++;
    const bare = h.replace(/^chomp\(/, '').replace(/\n\s*\)$/, '');
    const doc = await parseHcl(`${indent}x = ${bare}\n`);
    assert.equal(unescapeTemplate(doc.x), `${v.normalize('NFC')}\n`, `${JSON.stringify(v)} as\n${h}`);
  }), { numRuns: 200 });
  assert.ok(checked > 50, `only ${checked} heredocs checked`);
  for (const c of CEL.slice(1)) assert.ok(hclHeredoc(c, '  '), c);
});

test('terraform console evaluates the quoted strings, templates and chomp(heredoc) to the exact values', { skip: !TERRAFORM && 'terraform is not installed' }, () => {
  const values = [...CEL, ...fc.sample(noNul, { numRuns: 40, seed: 42 })].map((v) => v.normalize('NFC'));
  const dir = mkdtempSync(join(tmpdir(), 'wif-tfc-'));
  try {
    const body = values.map((v, i) => `  q${i} = ${hclString(v)}\n  h${i} = ${hclHeredoc(v, '  ') ?? hclString(v)}`).join('\n');
    writeFileSync(join(dir, 'main.tf'), `locals {\n${body}\n}\n`);
    // base64: console prints strings in its own quoting; base64 reads back unambiguously.
    const expr = `base64encode(jsonencode([${values.map((_, i) => `local.q${i}, local.h${i}`).join(', ')}]))`;
    const r = terraform(dir, ['console'], `${expr}\n`);
    assert.equal(r.code, 0, r.stderr);
    const json = Buffer.from(JSON.parse(r.stdout.trim()), 'base64').toString('utf8');
    assert.deepEqual(JSON.parse(json), values.flatMap((v) => [v, v]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
