/**
 * Ctrl-C during `wif init --yes` (the built CLI as a user runs it, against a sandbox with latency): SIGINT in the
 * middle of detection or of applying the plan exits 130 with a one-line message and no stack trace, leaves no
 * wif.yaml, no rendered file and no temp file behind, and a re-run completes the setup.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';
import { runWif } from './helpers/run.js';
import { wifNodeArgs } from './helpers/spawn.js';

let sb: TestSandbox;
let env: Record<string, string | undefined>;
before(async () => {
  sb = await startTestSandbox({ latencyMs: 120, seed: 'signal' });
  env = { ...sb.env, PATH: process.env.PATH, HOME: sb.stateDir, CI: '1', NO_COLOR: '1' };
});
after(async () => sb?.stop());

/** Spawn wif in `cwd`; send SIGINT once a stderr line matches `when`; resolve with the exit code and output. */
function interrupt(argv: string[], cwd: string, when: RegExp): Promise<{ code: number | null; signal: string | null; stderr: string; sent: boolean }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, wifNodeArgs(argv), { cwd, env: env as NodeJS.ProcessEnv });
    let stderr = '';
    let sent = false;
    p.stdout.resume();
    p.stderr.on('data', (c) => {
      stderr += c;
      if (!sent && when.test(stderr)) {
        sent = true;
        p.kill('SIGINT');
      }
    });
    p.on('close', (code, signal) => done({ code, signal, stderr, sent }));
  });
}

/** Every file under `dir` (relative paths), hidden ones included. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

const INIT = ['init', '--yes', '--context', 'self-hosted', '--ksa', 'demo/app', '--role', 'roles/storage.objectViewer', '--no-verify'];

for (const [phase, when] of [['applying the plan (pool created, provider next)', /Creating provider/], ['detecting the cluster', /Detecting self-hosted/]] as const) {
  test(`SIGINT while ${phase}: exit 130, nothing written, and a re-run completes`, async () => {
    const cwd = mkdtempSync(join(sb.stateDir, 'sigint-'));
    const pool = `sig-${phase.slice(0, 6).replace(/\W/g, '')}`;
    const r = await interrupt([...INIT, '--pool', pool], cwd, when);
    assert.ok(r.sent, `the progress line never came:\n${r.stderr}`);
    assert.equal(r.code, 130, `exit ${r.code} (signal ${r.signal}):\n${r.stderr}`);
    assert.match(r.stderr, /interrupt/i);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+|Unexpected error/, 'no stack trace, not reported as a bug');
    assert.deepEqual(files(cwd), [], 'no wif.yaml, rendered file or temp file left behind');

    const again = await runWif([...INIT, '--pool', pool, '--output', 'json'], { env, cwd });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(files(cwd), ['wif-out/configmap.yaml', 'wif-out/credential-configuration.json', 'wif-out/pod.yaml', 'wif-out/serviceaccount.yaml', 'wif.yaml']);
    assert.match(readFileSync(join(cwd, 'wif.yaml'), 'utf8'), new RegExp(`id: ${pool}`));
    const policy = await runWif(['grant', '--ksa', 'demo/app', '--role', 'roles/storage.objectViewer', '--yes', '--output', 'json'], { env, cwd });
    assert.equal(policy.code, 0, policy.stderr);
    assert.equal(policy.json.result.changed, false, 'the re-run left the binding in place');
  });
}
