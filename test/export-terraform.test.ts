/**
 * `wif export --format terraform`, checked with HashiCorp's HCL parser (hcl2json): the resources and import blocks
 * each setup needs, the documented import ID formats, member templates that evaluate to exactly the imported
 * members, escaping of tricky CEL, and `terraform fmt` finding nothing to change (when terraform is installed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planExport, type ExportInputs } from '../src/render/export-model.js';
import { renderTerraform, type Exists } from '../src/render/export-terraform.js';
import { CONDITION, DIRECT, GKE, IMPERSONATION, JWKS, parseHcl, settingsOf, TERRAFORM, terraform, unescapeTemplate } from './export-helpers.js';
import type { WifYamlInput } from '../src/model/config.js';

const PROJECT = { id: 'my-proj', number: '123456789012' };

async function render(doc: WifYamlInput, inputs: Partial<ExportInputs> = {}, exists?: Exists): Promise<{ text: string; hcl: any }> {
  const text = renderTerraform(planExport(settingsOf(doc), { project: PROJECT, ...inputs }), exists);
  return { text, hcl: await parseHcl(text) };
}

/** `type.name` → attributes, for every resource block. */
function resources(hcl: any): Map<string, any> {
  const out = new Map<string, any>();
  for (const [type, byName] of Object.entries<any>(hcl.resource ?? {})) for (const [name, [body]] of Object.entries<any>(byName)) out.set(`${type}.${name}`, body);
  return out;
}

/** `to` → `id` of every import block; each must name a resource of the file. */
function imports(hcl: any, res: Map<string, any>): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of hcl.import ?? []) {
    const to = /^\$\{(.+)\}$/.exec(i.to)![1];
    assert.ok(res.has(to), `import to ${to} names a resource`);
    assert.ok(!out.has(to), `one import per resource (${to})`);
    out.set(to, i.id);
  }
  return out;
}

/** A member template with the managed pool / service account substituted, as Terraform computes it after import. */
function evaluate(s: string, refs: Record<string, string>): string {
  return unescapeTemplate(s.replace(/(?<!\$)\$\{([^}]+)\}/g, (_, r: string) => refs[r] ?? `<unknown ${r}>`));
}

/** The value of a `chomp(<<-EOT … EOT)` attribute, read by the HCL parser. */
async function heredocValue(raw: string): Promise<string> {
  const m = /^\$\{chomp\((<<-[\s\S]*)\n\s*\)\}$/.exec(raw);
  assert.ok(m, `a chomp(heredoc): ${raw}`);
  const doc = await parseHcl(`x = ${m[1]}\n`);
  return unescapeTemplate(doc.x).replace(/\n$/, '');
}

test('self-hosted direct access: services, pool, provider with jwks_json, one project IAM member per binding, each imported', async () => {
  const { hcl, text } = await render(DIRECT, { jwks: { json: JWKS, from: 'provider' } });
  const res = resources(hcl);
  const imp = imports(hcl, res);
  const order = [...text.matchAll(/^resource "(\S+)" "(\S+)"/gm)].map((m) => `${m[1]}.${m[2]}`);
  assert.deepEqual([...res.keys()].sort(), [...order].sort());
  assert.deepEqual(order, [
    'google_project_service.iam', 'google_project_service.iamcredentials', 'google_project_service.sts', 'google_project_service.cloudresourcemanager',
    'google_iam_workload_identity_pool.k8s_pool', 'google_iam_workload_identity_pool_provider.kind_dev',
    'google_project_iam_member.demo_app_storage_objectviewer', 'google_project_iam_member.demo_app_pubsub_subscriber', 'google_project_iam_member.ns_demo_logging_viewer',
    'google_project_iam_member.other_proj_demo_app_storage_objectviewer',
  ]);
  assert.equal(imp.size, res.size, 'everything wif.yaml records gets an import block');
  assert.equal(imp.get('google_project_service.sts'), 'my-proj/sts.googleapis.com');
  assert.equal(imp.get('google_iam_workload_identity_pool.k8s_pool'), 'projects/my-proj/locations/global/workloadIdentityPools/k8s-pool');
  assert.equal(imp.get('google_iam_workload_identity_pool_provider.kind_dev'), 'projects/my-proj/locations/global/workloadIdentityPools/k8s-pool/providers/kind-dev');

  const pool = res.get('google_iam_workload_identity_pool.k8s_pool');
  assert.equal(unescapeTemplate(pool.display_name), 'K8s "dev"');
  assert.equal(unescapeTemplate(pool.description), "Pool for ${cluster} %{x} it's");
  const p = res.get('google_iam_workload_identity_pool_provider.kind_dev');
  assert.equal(p.workload_identity_pool_id, '${google_iam_workload_identity_pool.k8s_pool.workload_identity_pool_id}');
  assert.deepEqual(Object.fromEntries(Object.entries<string>(p.attribute_mapping).map(([k, v]) => [k, unescapeTemplate(v)])), DIRECT.provider.attributeMapping);
  assert.equal(await heredocValue(p.attribute_condition), CONDITION, 'the multi-line CEL, as a heredoc, reads back exactly');
  assert.deepEqual(p.oidc[0].allowed_audiences, ['https://example.com/a,b', 'sts']);
  assert.equal(p.oidc[0].jwks_json, JWKS, 'the JWKS verbatim (trailing newline included)');

  const poolName = 'projects/123456789012/locations/global/workloadIdentityPools/k8s-pool';
  const refs = { 'google_iam_workload_identity_pool.k8s_pool.name': poolName };
  const ns = res.get('google_project_iam_member.ns_demo_logging_viewer');
  assert.equal(ns.member, 'principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.k8s_pool.name}/attribute.namespace/demo', 'members refer to the pool, so Terraform orders the writes');
  for (const [addr, id] of imp) {
    if (!addr.startsWith('google_project_iam_member.')) continue;
    const m = res.get(addr);
    assert.equal(id, `${m.project} ${m.role} ${evaluate(m.member, refs)}`, `${addr}: the import ID is "project role member" for the member the config computes`);
  }
  assert.equal(imp.get('google_project_iam_member.other_proj_demo_app_storage_objectviewer')!.split(' ')[0], 'other-proj');
});

test('impersonation of a created service account: google_service_account, its IAM members by reference, project roles for it', async () => {
  const { hcl, text } = await render(IMPERSONATION);
  const res = resources(hcl);
  const imp = imports(hcl, res);
  const sa = res.get('google_service_account.wif_app');
  assert.deepEqual({ ...sa }, { project: 'my-proj', account_id: 'wif-app', display_name: 'wif workload identity', description: 'Impersonated by Kubernetes workloads (created by wif)' });
  assert.equal(imp.get('google_service_account.wif_app'), 'projects/my-proj/serviceAccounts/wif-app@my-proj.iam.gserviceaccount.com');
  const users = [...res.keys()].filter((k) => k.startsWith('google_service_account_iam_member.'));
  assert.deepEqual(users, ['google_service_account_iam_member.wif_app_demo_app_iam_workloadidentityuser', 'google_service_account_iam_member.wif_app_demo_worker_iam_workloadidentityuser']);
  const refs = { 'google_iam_workload_identity_pool.eks_pool.name': 'projects/123456789012/locations/global/workloadIdentityPools/eks-pool', 'google_service_account.wif_app.email': 'wif-app@my-proj.iam.gserviceaccount.com' };
  for (const u of users) {
    const m = res.get(u);
    assert.equal(m.service_account_id, '${google_service_account.wif_app.name}');
    assert.equal(imp.get(u), `projects/my-proj/serviceAccounts/wif-app@my-proj.iam.gserviceaccount.com roles/iam.workloadIdentityUser ${evaluate(m.member, refs)}`);
  }
  const roles = [...res.keys()].filter((k) => k.startsWith('google_project_iam_member.'));
  assert.deepEqual(roles, ['google_project_iam_member.wif_app_storage_objectviewer'], 'two KSAs, one role for the service account: one member, not two');
  assert.equal(res.get(roles[0]).member, 'serviceAccount:${google_service_account.wif_app.email}');
  assert.equal(imp.get(roles[0]), 'my-proj roles/storage.objectViewer serviceAccount:wif-app@my-proj.iam.gserviceaccount.com');
  assert.ok(!('jwks_json' in res.get('google_iam_workload_identity_pool_provider.eks_demo').oidc[0]), 'a public issuer uploads no JWKS');
  assert.doesNotMatch(text, /allowed_audiences/, 'no audiences configured: the attribute is left out (empty = the default audience)');

  const existing = await render({ ...IMPERSONATION, serviceAccount: { email: 'ops@shared-proj.iam.gserviceaccount.com' }, grants: [{ ksa: 'demo/app', roles: [], serviceAccount: 'ops@shared-proj.iam.gserviceaccount.com' }] });
  const r2 = resources(existing.hcl);
  assert.ok(![...r2.keys()].some((k) => k.startsWith('google_service_account.')), 'a service account wif did not create is not managed here');
  assert.equal(r2.get('google_service_account_iam_member.ops_demo_app_iam_workloadidentityuser').service_account_id, 'projects/shared-proj/serviceAccounts/ops@shared-proj.iam.gserviceaccount.com');
});

test('GKE: no pool or provider, the GKE principal forms, imported', async () => {
  const { hcl } = await render(GKE);
  const res = resources(hcl);
  const imp = imports(hcl, res);
  assert.ok(![...res.keys()].some((k) => k.includes('workload_identity_pool')));
  const base = 'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/my-proj.svc.id.goog';
  assert.equal(res.get('google_project_iam_member.demo_app_storage_objectviewer').member, `${base}/subject/ns/demo/sa/app`);
  assert.equal(imp.get('google_project_iam_member.ns_batch_pubsub_subscriber'), `my-proj roles/pubsub.subscriber ${base.replace('principal:', 'principalSet:')}/namespace/batch`);
});

test('offline with a private issuer: jwks_json reads cluster-jwks.json beside the file; --live decides which import blocks exist', async () => {
  const { hcl, text } = await render(DIRECT, {}, (w) => w.kind !== 'provider' && !(w.kind === 'binding' && w.binding.role === 'roles/logging.viewer'));
  const res = resources(hcl);
  assert.equal(res.get('google_iam_workload_identity_pool_provider.kind_dev').oidc[0].jwks_json, '${file("${path.module}/cluster-jwks.json")}');
  assert.match(text, /#\s+kubectl --context=kind-dev get --raw \/openid\/v1\/jwks > cluster-jwks\.json/);
  const imp = imports(hcl, res);
  assert.equal(imp.size, res.size - 2);
  assert.ok(!imp.has('google_iam_workload_identity_pool_provider.kind_dev') && !imp.has('google_project_iam_member.ns_demo_logging_viewer'));
});

test('the same wif.yaml always gives the same file (deterministic names and order)', async () => {
  const a = await render(DIRECT, { jwks: { json: JWKS, from: 'file' } });
  const b = await render(structuredClone(DIRECT), { jwks: { json: JWKS, from: 'file' } });
  assert.equal(a.text, b.text);
});

test('terraform fmt finds nothing to change', { skip: !TERRAFORM && 'terraform is not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wif-tffmt-'));
  try {
    for (const [name, doc] of Object.entries({ direct: DIRECT, impersonation: IMPERSONATION, gke: GKE })) {
      writeFileSync(join(dir, `${name}.tf`), (await render(doc, { jwks: { json: JWKS, from: 'file' } })).text);
    }
    const r = terraform(dir, ['fmt', '-check', '-diff', '-no-color']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
