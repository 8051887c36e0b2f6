import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runWif } from './helpers/run.js';

test('--help lists every command of SPEC §1', async () => {
  const r = await runWif(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['init', 'detect', 'pool', 'provider', 'grant', 'revoke', 'render', 'verify', 'doctor', 'jwks', 'explain', 'export', 'sandbox']) {
    assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`), c);
  }
});

test('unknown option is a usage error (exit 2) with the JSON envelope', async () => {
  const r = await runWif(['render', '--bogus', '--output', 'json']);
  assert.equal(r.code, 2);
  assert.equal(r.json.ok, false);
  assert.equal(r.json.error.code, 'usage.unknown-option');
  assert.match(r.json.error.message, /--bogus/);
});

test('--json is an alias of --output json', async () => {
  const r = await runWif(['export', '--json']);
  assert.equal(r.code, 2);
  assert.equal(r.json.ok, false);
});

test('the built bin runs as a user would run it', () => {
  const r = spawnSync(process.execPath, ['bin/wif.js', '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test('every command has examples in its --help', async () => {
  const leaves = [['init'], ['detect'], ['pool', 'ensure'], ['provider', 'ensure'], ['grant'], ['revoke'], ['render'], ['verify'], ['doctor'],
    ['jwks', 'diff'], ['jwks', 'sync'], ['explain'], ['export'], ['sandbox', 'start']];
  for (const argv of leaves) {
    const r = await runWif([...argv, '--help']);
    assert.equal(r.code, 0, argv.join(' '));
    assert.match(r.stdout, new RegExp(`Examples:\\n  \\$ wif ${argv.join(' ')}`), argv.join(' '));
  }
});
