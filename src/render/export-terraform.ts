/**
 * `wif export --format terraform`: the setup as hashicorp/google resources — APIs, pool, OIDC provider (with
 * `jwks_json` for private issuers), the service account wif created, one `*_iam_member` per binding — each followed
 * by an `import` block (Terraform ≥ 1.5) with the import ID the google provider documents, so a first
 * `terraform plan` adopts what wif built instead of failing on "already exists". Resource names are derived from the
 * IDs (deterministic). Pure.
 */
import { saProject } from '../cloud/google/service-accounts.js';
import { IAM_HOST } from '../plan/names.js';
import type { ExportBinding, ExportModel } from './export-model.js';
import { hclHeredoc, hclList, hclMap, hclName, hclString, hclTemplate, renderHcl, type HclItem, type TemplatePart } from './export-hcl.js';

/** What a resource is, for deciding whether it already exists. */
export type Existing =
  | { kind: 'service'; service: string }
  | { kind: 'pool' | 'provider' | 'service-account' }
  | { kind: 'binding'; binding: ExportBinding };

/** Which resources exist (live observation); by default everything wif.yaml records does. */
export type Exists = (what: Existing) => boolean;

interface Resource {
  type: string;
  name: string;
  body: HclItem[];
  importId: string;
  key: Existing;
  comment?: string;
}

const attr = (name: string, value: string | ((indent: string) => string)): HclItem => ({ attr: name, value });
const str = (name: string, v: string | undefined): HclItem[] => (v === undefined ? [] : [attr(name, hclString(v))]);
const ref = (r: Resource, field: string) => `${r.type}.${r.name}.${field}`;

function longText(name: string, v: string): HclItem {
  return attr(name, (indent) => ((v.includes('\n') || v.length > 100) && hclHeredoc(v, indent)) || hclString(v));
}

function services(m: ExportModel): Resource[] {
  return m.services.map((s) => ({
    type: 'google_project_service', name: hclName(s.split('.')[0]), importId: `${m.project.id}/${s}`, key: { kind: 'service', service: s },
    body: [attr('project', hclString(m.project.id)), attr('service', hclString(s)), attr('disable_on_destroy', 'false')],
  }));
}

function identity(m: ExportModel): Resource[] {
  if (!m.pool || !m.provider) return [];
  const p = m.provider;
  const base = `projects/${m.project.id}/locations/global/workloadIdentityPools/${m.pool.id}`;
  const pool: Resource = { type: 'google_iam_workload_identity_pool', name: hclName(m.pool.id), importId: base, key: { kind: 'pool' },
    body: [attr('project', hclString(m.project.id)), attr('workload_identity_pool_id', hclString(m.pool.id)), ...str('display_name', m.pool.displayName), ...str('description', m.pool.description)] };
  const jwks = p.jwks?.kind === 'embedded' ? [attr('jwks_json', hclString(p.jwks.json))]
    : p.jwks ? [attr('jwks_json', 'file("${path.module}/cluster-jwks.json")')] : [];
  const oidc: HclItem[] = [attr('issuer_uri', hclString(p.issuerUri)), ...(p.allowedAudiences.length ? [attr('allowed_audiences', hclList(p.allowedAudiences))] : []), ...jwks];
  const provider: Resource = {
    type: 'google_iam_workload_identity_pool_provider', name: hclName(p.id), importId: `${base}/providers/${p.id}`, key: { kind: 'provider' },
    comment: p.jwks?.kind === 'cluster' ? `The cluster's issuer is private: save its JWKS beside this file first:\n  kubectl${p.jwks.context ? ` --context=${p.jwks.context}` : ''} get --raw /openid/v1/jwks > cluster-jwks.json` : undefined,
    body: [
      attr('project', hclString(m.project.id)), attr('workload_identity_pool_id', ref(pool, 'workload_identity_pool_id')),
      attr('workload_identity_pool_provider_id', hclString(p.id)), ...str('display_name', p.displayName), ...str('description', p.description),
      attr('attribute_mapping', (indent) => hclMap(Object.entries(p.attributeMapping), indent)),
      ...(p.attributeCondition !== undefined ? [longText('attribute_condition', p.attributeCondition)] : []),
      { block: 'oidc', body: oidc },
    ],
  };
  return [pool, provider];
}

function serviceAccount(m: ExportModel): Resource | undefined {
  const sa = m.serviceAccount;
  if (!sa?.create) return undefined;
  return { type: 'google_service_account', name: hclName(sa.accountId), importId: `projects/${sa.project}/serviceAccounts/${sa.email}`, key: { kind: 'service-account' },
    body: [attr('project', hclString(sa.project)), attr('account_id', hclString(sa.accountId)), attr('display_name', hclString(sa.displayName)), attr('description', hclString(sa.description))] };
}

/** A member as a template referring to the managed pool / service account, so Terraform orders the writes. */
function memberParts(member: string, pool: Resource | undefined, poolName: string | undefined, sa: Resource | undefined, saEmail: string | undefined): TemplatePart[] {
  for (const kind of ['principal', 'principalSet']) {
    const prefix = `${kind}://${IAM_HOST}/${poolName}/`;
    if (pool && poolName && member.startsWith(prefix)) return [`${kind}://${IAM_HOST}/`, { expr: ref(pool, 'name') }, member.slice(prefix.length - 1)];
  }
  if (sa && member === `serviceAccount:${saEmail}`) return ['serviceAccount:', { expr: ref(sa, 'email') }];
  return [member];
}

/** A readable, stable name for a binding: whose policy, who, which role. */
function bindingName(m: ExportModel, b: ExportBinding): string {
  const who = /subject\/system:serviceaccount:([^:]+):(.+)$/.exec(b.member)?.slice(1).join('_')
    ?? /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(b.member)?.slice(1).join('_')
    ?? /\/(?:attribute\.namespace|namespace)\/([^/]+)$/.exec(b.member)?.[1].replace(/^/, 'ns_')
    ?? (b.member.endsWith('/*') ? 'all' : undefined)
    ?? /^serviceAccount:([^@]+)@/.exec(b.member)?.[1]
    ?? b.member.split(/[/:]/).pop()!;
  const where = b.target.kind === 'serviceAccount' ? `${b.target.email.split('@')[0]}_` : b.target.projectId === m.project.id ? '' : `${b.target.projectId}_`;
  return hclName(`${where}${who}_${b.role.split('/').pop()}`);
}

function bindings(m: ExportModel, pool: Resource | undefined, sa: Resource | undefined): Resource[] {
  const used = new Map<string, number>();
  return m.bindings.map((b) => {
    let name = bindingName(m, b);
    const n = (used.get(name) ?? 0) + 1;
    used.set(name, n);
    if (n > 1) name = `${name}_${n}`;
    const member = attr('member', hclTemplate(memberParts(b.member, pool, m.pool?.name, sa, m.serviceAccount?.email)));
    const role = attr('role', hclString(b.role));
    if (b.target.kind === 'project') {
      return { type: 'google_project_iam_member', name, key: { kind: 'binding', binding: b }, importId: `${b.target.projectId} ${b.role} ${b.member}`, body: [attr('project', hclString(b.target.projectId)), role, member] };
    }
    const email = b.target.email;
    const saId = sa && email === m.serviceAccount?.email ? ref(sa, 'name') : hclString(`projects/${saProject(email)}/serviceAccounts/${email}`);
    return { type: 'google_service_account_iam_member', name, key: { kind: 'binding', binding: b }, importId: `projects/${saProject(email)}/serviceAccounts/${email} ${b.role} ${b.member}`, body: [attr('service_account_id', saId), role, member] };
  });
}

function header(m: ExportModel): HclItem[] {
  const where = m.pool ? `pool ${m.pool.id}, provider ${m.provider!.id}` : `GKE workload pool ${m.project.id}.svc.id.goog`;
  return [
    { comment: 'Written by `wif export --format terraform` from wif.yaml: the workload identity federation setup as\n'
      + `hashicorp/google resources. Project ${m.project.id} (number ${m.project.number}), ${where}.\n`
      + 'The import blocks (Terraform >= 1.5) adopt what wif already created: `terraform plan` imports it instead of\n'
      + 'failing with "already exists" (a soft-deleted pool or provider must be undeleted first: wif pool/provider ensure).\n'
      + 'Drop the terraform block if your configuration already declares the google provider.' },
    { block: 'terraform', body: [
      attr('required_version', hclString('>= 1.5.0')),
      { block: 'required_providers', body: [attr('google', (i) => `{\n${i}  source  = "hashicorp/google"\n${i}  version = ">= 5.0"\n${i}}`)] },
    ] },
  ];
}

/** The whole configuration (ends with a newline). `exists` decides which resources get an import block. */
export function renderTerraform(m: ExportModel, exists: Exists = () => true): string {
  const [pool, provider] = identity(m);
  const sa = serviceAccount(m);
  const resources = [...services(m), ...(pool ? [pool, provider] : []), ...(sa ? [sa] : []), ...bindings(m, pool, sa)];
  const items: HclItem[] = [...header(m)];
  for (const r of resources) {
    items.push({ blank: true });
    if (r.comment) items.push({ comment: r.comment });
    items.push({ block: `resource "${r.type}" "${r.name}"`, body: r.body });
    if (exists(r.key)) items.push({ block: 'import', body: [attr('to', `${r.type}.${r.name}`), attr('id', hclString(r.importId))] });
  }
  return `${renderHcl(items).join('\n')}\n`;
}
