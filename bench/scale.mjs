#!/usr/bin/env node
// Scale: `wif grant` for 10, 100 and 1000 KSAs in one call (time and Google API requests; target: a constant
// request count, 1000 KSAs under 2 s) against `gcloud projects add-iam-policy-binding` once per KSA, on the same
// `wif sandbox start` (reset before each run). gcloud is measured for 10 KSAs; 100 and 1000 are extrapolated
// from its median per call (said so in the output). Run `npm run build` first; needs gcloud on PATH.
// Usage: node bench/scale.mjs [rounds]          (WIF_BIN=path/to/wif.js to bench another build)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, median, ms, runTimed, splitRequests, startSandbox, userEnv, WIF } from './lib.mjs';

const rounds = Number(process.argv[2] ?? 3);
const SIZES = [10, 100, 1000];
const ROLE = 'roles/storage.objectViewer';
const GCLOUD_MEASURED = 10;

const sb = await startSandbox();
const home = mkdtempSync(join(tmpdir(), 'wif-bench-scale-'));
const env = userEnv(sb, home);
const { WIF_SANDBOX_PROJECT: project, WIF_SANDBOX_PROJECT_NUMBER: number } = sb.env;
const ksa = (i) => `scale/ksa-${String(i).padStart(4, '0')}`;
const member = (i) => `principal://iam.googleapis.com/projects/${number}/locations/global/workloadIdentityPools/scale-pool/subject/system:serviceaccount:${ksa(i).replace('/', ':')}`;
const isWrite = (r) => r.method !== 'GET' && !/:(getIamPolicy|testIamPermissions)$/.test(r.path);

function grantArgs(n) {
  const a = [WIF, 'grant', '--project', project, '--pool', 'scale-pool', '--role', ROLE, '--yes', '--json'];
  for (let i = 0; i < n; i++) a.push('--ksa', ksa(i));
  return a;
}

/** One `wif grant` of `n` KSAs on a reset sandbox, then the same again (nothing left to change). */
async function wifGrant(n) {
  await sb.reset();
  const cwd = mkdtempSync(join(home, 'w-'));
  const first = runTimed(process.execPath, grantArgs(n), { cwd, env });
  const r1 = splitRequests(await sb.requests()).google;
  const seq = (await sb.requests()).at(-1)?.seq ?? 0;
  const again = runTimed(process.execPath, grantArgs(n), { cwd, env });
  const r2 = splitRequests(await sb.requests(seq)).google;
  const members = JSON.parse(first.stdout).result.members?.length;
  return { ms: first.ms, requests: r1.length, writes: r1.filter(isWrite).length, againMs: again.ms, againRequests: r2.length, againWrites: r2.filter(isWrite).length, members };
}

/** `gcloud projects add-iam-policy-binding` once per KSA, each call timed. */
async function gcloudGrants(n) {
  await sb.reset();
  const cwd = mkdtempSync(join(home, 'g-'));
  const calls = [];
  for (let i = 0; i < n; i++) {
    calls.push(runTimed('gcloud', ['projects', 'add-iam-policy-binding', project, `--member=${member(i)}`, `--role=${ROLE}`, '--condition=None', '--format=none'], { cwd, env }).ms);
  }
  return { calls, requests: splitRequests(await sb.requests()).google.length };
}

const wif = Object.fromEntries(SIZES.map((n) => [n, []]));
const g = [];
try {
  console.log(`# scale: wif grant for ${SIZES.join(', ')} KSAs vs gcloud add-iam-policy-binding per KSA (${rounds} rounds)\n\n${machineLine()}\n`);
  await wifGrant(10);
  for (let i = 0; i < rounds; i++) {
    for (const n of SIZES) wif[n].push(await wifGrant(n));
    g.push(await gcloudGrants(GCLOUD_MEASURED));
  }
} finally {
  await sb.stop();
}

const perCall = median(g.flatMap((r) => r.calls));
const gReq = median(g.map((r) => r.requests)) / GCLOUD_MEASURED;
console.log('| KSAs | `wif grant` (median) | wif Google requests (writes) | second run: time, requests (writes) | gcloud, one call per KSA | gcloud requests | wif speed-up |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const n of SIZES) {
  const rs = wif[n];
  const t = median(rs.map((r) => r.ms));
  const gt = n === GCLOUD_MEASURED ? median(g.map((r) => r.calls.reduce((a, b) => a + b, 0))) : perCall * n;
  const label = n === GCLOUD_MEASURED ? `${ms(gt)} (measured)` : `≈ ${ms(gt)} (extrapolated)`;
  console.log(`| ${n} | ${ms(t)} | ${median(rs.map((r) => r.requests))} (${median(rs.map((r) => r.writes))}) | ${ms(median(rs.map((r) => r.againMs)))}, ${median(rs.map((r) => r.againRequests))} (${median(rs.map((r) => r.againWrites))}) | ${label} | ${Math.round(gReq * n)} | ${(gt / t).toFixed(0)}× |`);
  if (rs.some((r) => r.members !== n)) console.log(`\nWARNING: a run of ${n} KSAs did not report ${n} members`);
}
const t1000 = median(wif[1000].map((r) => r.ms));
const counts = new Set(SIZES.map((n) => median(wif[n].map((r) => r.requests))));
console.log(`\ngcloud: median ${ms(perCall)} per add-iam-policy-binding call (${GCLOUD_MEASURED} measured per round; 100 and 1000 extrapolated linearly).`);
console.log(`Targets: constant request count ${counts.size === 1 ? 'OK' : 'NOT MET'}; 1000 KSAs in ${ms(t1000)} (< 2 s) ${t1000 < 2000 ? 'OK' : 'NOT MET'}.`);
