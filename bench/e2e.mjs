#!/usr/bin/env node
// End to end, self-hosted cluster (private issuer, JWKS uploaded, direct access): `wif init --yes` against the
// Google guide's manual sequence (kubectl get --raw for the issuer and the JWKS, then gcloud pools create,
// providers create-oidc --jwk-json-path, projects add-iam-policy-binding, create-cred-config), alternating on
// the same `wif sandbox start` (reset before each run), plus the Google API requests each one sends.
// Target: wif ≥ 5× faster. Run `npm run build` first; needs gcloud and kubectl on PATH.
// Usage: node bench/e2e.mjs [rounds]          (WIF_BIN=path/to/wif.js to bench another build)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, median, ms, runTimed, splitRequests, startSandbox, stats, userEnv, WIF } from './lib.mjs';

const rounds = Number(process.argv[2] ?? 5);
const MAPPING = "google.subject=assertion.sub,attribute.namespace=assertion['kubernetes.io']['namespace'],attribute.service_account_name=assertion['kubernetes.io']['serviceaccount']['name'],attribute.pod=assertion['kubernetes.io']['pod']['name']";
const CONDITION = "assertion.sub == 'system:serviceaccount:demo:app'";
const ROLE = 'roles/storage.objectViewer';

const sb = await startSandbox();
const home = mkdtempSync(join(tmpdir(), 'wif-bench-e2e-'));
const env = userEnv(sb, home);
const { WIF_SANDBOX_PROJECT: project, WIF_SANDBOX_PROJECT_NUMBER: number } = sb.env;
const run = (cmd, args, cwd) => runTimed(cmd, args, { cwd, env });

/**
 * `wif init --yes` without verify (the guide's sequence verifies nothing either); with `full`, the README's quick
 * start: also kubectl-apply the rendered manifests (so the KSA exists) and run the staged verify.
 */
function wifInit(cwd, full = false) {
  const args = [WIF, 'init', '--yes', '--context', 'self-hosted', '--ksa', 'demo/app', '--role', ROLE];
  return { total: run(process.execPath, full ? [...args, '--apply-manifests'] : [...args, '--no-verify'], cwd).ms };
}

/** The guide's steps for a self-hosted cluster, each timed. */
function guide(cwd) {
  const pool = 'guide-pool';
  const prov = 'guide-provider';
  const steps = {};
  const step = (name, cmd, args) => {
    const r = run(cmd, args, cwd);
    steps[name] = r.ms;
    return r.stdout;
  };
  const issuer = JSON.parse(step('kubectl get --raw /.well-known/openid-configuration', 'kubectl', ['--context', 'self-hosted', 'get', '--raw', '/.well-known/openid-configuration'])).issuer;
  writeFileSync(join(cwd, 'cluster-jwks.json'), step('kubectl get --raw /openid/v1/jwks', 'kubectl', ['--context', 'self-hosted', 'get', '--raw', '/openid/v1/jwks']));
  step('gcloud iam workload-identity-pools create', 'gcloud', ['iam', 'workload-identity-pools', 'create', pool, '--location=global', '--display-name=Guide pool', '--description=Kubernetes workloads']);
  step('gcloud … providers create-oidc --jwk-json-path', 'gcloud', ['iam', 'workload-identity-pools', 'providers', 'create-oidc', prov, '--location=global', `--workload-identity-pool=${pool}`,
    `--issuer-uri=${issuer}`, `--attribute-mapping=${MAPPING}`, `--attribute-condition=${CONDITION}`, '--jwk-json-path=cluster-jwks.json']);
  // Not in the brief's sequence, but the guide's PROJECT_NUMBER must come from somewhere (wif reads it too).
  step('gcloud projects describe (PROJECT_NUMBER)', 'gcloud', ['projects', 'describe', project, '--format=value(projectNumber)']);
  step('gcloud projects add-iam-policy-binding', 'gcloud', ['projects', 'add-iam-policy-binding', `projects/${project}`, `--role=${ROLE}`,
    `--member=principal://iam.googleapis.com/projects/${number}/locations/global/workloadIdentityPools/${pool}/subject/system:serviceaccount:demo:app`, '--condition=None', '--format=none']);
  step('gcloud iam workload-identity-pools create-cred-config', 'gcloud', ['iam', 'workload-identity-pools', 'create-cred-config',
    `projects/${number}/locations/global/workloadIdentityPools/${pool}/providers/${prov}`, '--credential-source-file=/var/run/service-account/token',
    '--credential-source-type=text', '--output-file=credential-configuration.json']);
  const all = Object.values(steps).reduce((a, b) => a + b, 0);
  return { total: all - steps['gcloud projects describe (PROJECT_NUMBER)'], withNumber: all, steps };
}

/** Reset the sandbox, run `fn` in a fresh directory, and return its timing with the requests it caused. */
async function measured(fn) {
  await sb.reset();
  const r = fn(mkdtempSync(join(home, 'w-')));
  return { ...r, ...splitRequests(await sb.requests()) };
}

const out = { wif: [], guide: [], verify: [] };
try {
  console.log(`# end to end: wif init --yes vs the guide's gcloud sequence (${rounds} rounds, alternating, after 1 warm-up each)\n\n${machineLine()}\n`);
  await measured((d) => wifInit(d));
  await measured(guide);
  for (let i = 0; i < rounds; i++) {
    out.wif.push(await measured((d) => wifInit(d)));
    out.guide.push(await measured(guide));
    out.verify.push(await measured((d) => wifInit(d, true)));
  }
} finally {
  await sb.stop();
}

const w = stats(out.wif.map((r) => r.total));
const g = stats(out.guide.map((r) => r.total));
const v = stats(out.verify.map((r) => r.total));
const gn = stats(out.guide.map((r) => r.withNumber));
console.log('| procedure | min | median | max | Google API requests | Kubernetes API requests |\n|---|---:|---:|---:|---:|---:|');
const describe = (r) => r.method === 'GET' && r.path === `/v1/projects/${project}`;
const row = (name, s, runs, google = (r) => r.google.length) => console.log(`| ${name} | ${ms(s.min)} | ${ms(s.median)} | ${ms(s.max)} | ${median(runs.map(google))} | ${median(runs.map((r) => r.kube.length))} |`);
row('`wif init --yes --no-verify`', w, out.wif);
row("the guide's sequence (2 × kubectl, 4 × gcloud)", g, out.guide, (r) => r.google.filter((x) => !describe(x)).length);
row('the same + `gcloud projects describe` for PROJECT_NUMBER', gn, out.guide);
row('`wif init --yes --apply-manifests` (with its verify)', v, out.verify);
console.log(`\nwif is ${(g.median / w.median).toFixed(1)}× faster than the guide's sequence (target ≥ 5×): ${g.median / w.median >= 5 ? 'OK' : 'UNDER'}; ${(gn.median / w.median).toFixed(1)}× with the project number lookup.`);
console.log('\nThe guide, per step (median):\n\n| step | median |\n|---|---:|');
for (const k of Object.keys(out.guide[0].steps)) console.log(`| \`${k}\` | ${ms(median(out.guide.map((r) => r.steps[k])))} |`);
const list = (rs) => rs.map((r) => `${r.method} ${r.path.replace(/\/operations\/[^/]+$/, '/operations/…')} → ${r.status}`);
console.log(`\nGoogle API requests of one \`wif init --yes --no-verify\`:\n\n${list(out.wif.at(-1).google).map((l) => `- ${l}`).join('\n')}`);
console.log(`\nGoogle API requests of one run of the guide's sequence (with the describe call):\n\n${list(out.guide.at(-1).google).map((l) => `- ${l}`).join('\n')}`);
