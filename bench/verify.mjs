#!/usr/bin/env node
// verify: the time of each stage of `wif verify` (the `durationMs` of each stage in its JSON result) and of the
// whole process, after `wif init --yes --apply-manifests --no-verify` on a `wif sandbox start` (self-hosted
// context, direct access, the test pod applied so the in-pod stage runs too).
// Usage: node bench/verify.mjs [runs]          (WIF_BIN=path/to/wif.js to bench another build)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, median, ms, runTimed, splitRequests, startSandbox, stats, userEnv, WIF } from './lib.mjs';

const runs = Number(process.argv[2] ?? 10);
const sb = await startSandbox();
const home = mkdtempSync(join(tmpdir(), 'wif-bench-verify-'));
const env = userEnv(sb, home);
const cwd = mkdtempSync(join(home, 'w-'));
const rows = [];
try {
  runTimed(process.execPath, [WIF, 'init', '--yes', '--context', 'self-hosted', '--ksa', 'demo/app', '--role', 'roles/storage.objectViewer', '--apply-manifests', '--no-verify'], { cwd, env });
  console.log(`# verify: time per stage (${runs} runs after 1 warm-up)\n\n${machineLine()}\n`);
  for (let i = 0; i <= runs; i++) {
    const seq = (await sb.requests()).at(-1)?.seq ?? 0;
    const r = runTimed(process.execPath, [WIF, 'verify', '--pod', 'wif-verify', '--output', 'json'], { cwd, env });
    const res = JSON.parse(r.stdout).result;
    const { google, kube } = splitRequests(await sb.requests(seq));
    if (!res.ok) throw new Error(`verify failed: ${JSON.stringify(res.stages, null, 2)}`);
    if (i > 0) rows.push({ total: r.ms, stages: res.stages, google: google.length, kube: kube.length });
  }
} finally {
  await sb.stop();
}

console.log('| stage | status | median | min | max |\n|---|---|---:|---:|---:|');
let inStages = 0;
for (const [i, s] of rows[0].stages.entries()) {
  const t = stats(rows.map((r) => r.stages[i].durationMs ?? 0));
  inStages += t.median;
  console.log(`| ${i + 1}. ${s.name} (${s.title}) | ${s.status} | ${ms(t.median)} | ${ms(t.min)} | ${ms(t.max)} |`);
}
const total = stats(rows.map((r) => r.total));
console.log(`| start-up, setup and output (the rest) | | ${ms(total.median - inStages)} | | |`);
console.log(`| **whole \`wif verify --pod wif-verify\` process** | | **${ms(total.median)}** | ${ms(total.min)} | ${ms(total.max)} |`);
console.log(`\nRequests per run (median): ${median(rows.map((r) => r.google))} Google API, ${median(rows.map((r) => r.kube))} Kubernetes API.`);
