/**
 * `wif export --format gcloud`: the setup as the gcloud commands of Google's guide (seeds/000), in a bash script
 * that runs as is. Every value is shell-quoted; list and dict flags use gcloud's alternate delimiter syntax
 * (`^D^a=b D c=d`, `gcloud topic escaping`) when a value holds a comma. Pure.
 */
import { saProject } from '../cloud/google/service-accounts.js';
import type { ExportBinding, ExportModel, ExportProvider } from './export-model.js';

const SAFE = /^[A-Za-z0-9_./:@%+=,-]+$/;

/**
 * One bash word that reads back as exactly `v`: bare when safe, double quotes when it holds `'` but nothing double
 * quotes would expand, else single quotes (`'` as `'\''`). NUL cannot be passed in an argument and throws.
 */
export function shellQuote(v: string): string {
  if (v.includes('\0')) throw new RangeError('a shell argument cannot hold a NUL character');
  if (SAFE.test(v)) return v;
  // CEL is full of single quotes: double quotes read better when nothing inside them would expand.
  if (v.includes("'") && !/["$`\\!]/.test(v)) return `"${v}"`;
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

const DELIMS = [',', '|', ';', '~', '#', '!', '+', '&', '*', '@', ':'];

/**
 * A gcloud ArgList/ArgDict value for `items` (calliope/arg_parsers.py: split on `,`, or on D after a leading `^D^`).
 * The alternate delimiter is used only when needed: an item holds a comma, or the value itself starts with `^`.
 */
export function gcloudList(items: readonly string[]): string {
  const plain = items.join(',');
  if (!items.some((x) => x.includes(',')) && !plain.startsWith('^')) return plain;
  let d = DELIMS.find((c) => !items.some((x) => x.includes(c)));
  for (let n = 1; !d; n++) { const c = `~${n}~`; if (!items.some((x) => x.includes(c))) d = c; }
  return `^${d}^${items.join(d)}`;
}

/** `--attribute-mapping` value: `key=value` items (gcloud splits each at its first `=`). */
export function gcloudDict(map: Record<string, string>): string {
  return gcloudList(Object.entries(map).map(([k, v]) => `${k}=${v}`));
}

/** `gcloud …` with one flag per continued line, as the guide prints them. Args are already quoted. */
function command(words: string[], flags: string[], indent = ''): string {
  const head = `${indent}${words.join(' ')}`;
  return [head, ...flags.map((f) => `${indent}    ${f}`)].join(' \\\n');
}

const flag = (name: string, value: string) => `--${name}=${shellQuote(value)}`;
const optional = (name: string, value: string | undefined) => (value === undefined ? [] : [flag(name, value)]);

const HELPERS = `# A create that finds its resource already there (a re-run) says so and goes on; it does not update it.
create() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then
    printf '%s\\n' "$out" >&2
  elif [[ $out == *ALREADY_EXISTS* || $out == *'already exists'* ]]; then
    printf '%s exists already: left as it is (wif doctor compares it with wif.yaml).\\n' "$what" >&2
  else
    printf '%s\\n' "$out" >&2
    return 1
  fi
}`;

function header(m: ExportModel): string[] {
  const where = m.pool ? `pool ${m.pool.id}, provider ${m.provider!.id}` : `GKE workload pool ${m.project.id}.svc.id.goog`;
  return [
    '#!/usr/bin/env bash',
    '# Written by `wif export --format gcloud` from wif.yaml: the workload identity federation setup as the gcloud',
    '# commands of Google\'s guide "Configure Workload Identity Federation with Kubernetes".',
    `#   project ${m.project.id} (number ${m.project.number}), ${where}`,
    `#   cluster ${m.context ?? '(current context)'} (${m.platform})`,
    '# Needs gcloud, logged in (gcloud auth login) as someone who may create pools and providers and set IAM policies.',
    'set -euo pipefail',
    '',
  ];
}

function jwksLines(p: ExportProvider): string[] {
  const j = p.jwks;
  if (!j) return [];
  const lines = ['', `# The cluster's issuer (${p.issuerUri}) is not reachable by Google: its JWKS is uploaded with the provider.`,
    'jwks_file=$(mktemp)', `trap 'rm -f "$jwks_file"' EXIT`];
  if (j.kind === 'embedded') {
    lines.push(`# The keys ${j.from === 'file' ? 'given with --jwks-file' : 'the provider holds now'}, verbatim:`, `printf '%s' ${shellQuote(j.json)} >"$jwks_file"`);
  } else {
    const kube = [...(j.kubeconfig ? [flag('kubeconfig', j.kubeconfig)] : []), ...(j.context ? [flag('context', j.context)] : [])];
    lines.push('# Set WIF_JWKS_FILE to a saved copy, or it is read from the cluster as the guide does.',
      'if [[ -n ${WIF_JWKS_FILE:-} ]]; then',
      '  cp -- "$WIF_JWKS_FILE" "$jwks_file"',
      'else',
      `  kubectl ${[...kube, 'get', '--raw', '/openid/v1/jwks'].join(' ')} >"$jwks_file"`,
      'fi',
      `grep -q '"keys"' "$jwks_file" || { echo "error: $jwks_file is not a JWKS (no \\"keys\\")" >&2; exit 1; }`);
  }
  return lines;
}

function poolAndProvider(m: ExportModel): string[] {
  const pool = m.pool!;
  const p = m.provider!;
  const project = flag('project', m.project.id);
  return [
    '', `# The workload identity pool.`,
    command(['create', shellQuote(`pool ${pool.id}`), 'gcloud', 'iam', 'workload-identity-pools', 'create', shellQuote(pool.id)],
      [project, '--location=global', ...optional('display-name', pool.displayName), ...optional('description', pool.description)]),
    ...jwksLines(p),
    '', `# The cluster as an OIDC provider of the pool.`,
    command(['create', shellQuote(`provider ${p.id}`), 'gcloud', 'iam', 'workload-identity-pools', 'providers', 'create-oidc', shellQuote(p.id)], [
      project, '--location=global', flag('workload-identity-pool', pool.id), flag('issuer-uri', p.issuerUri),
      flag('attribute-mapping', gcloudDict(p.attributeMapping)),
      ...optional('attribute-condition', p.attributeCondition),
      ...(p.allowedAudiences.length ? [flag('allowed-audiences', gcloudList(p.allowedAudiences))] : []),
      ...(p.jwks ? ['--jwk-json-path="$jwks_file"'] : []),
      ...optional('display-name', p.displayName), ...optional('description', p.description),
    ]),
  ];
}

/** gcloud names a service account's policy by the project in its path: the one its email names. */
function saProjectFlag(email: string): string[] {
  const p = saProject(email);
  return p === '-' ? [] : [flag('project', p)];
}

function bindingLine(b: ExportBinding): string {
  const common = [flag('role', b.role), flag('member', b.member), '--condition=None', '--format=none'];
  return b.target.kind === 'project'
    ? command(['gcloud', 'projects', 'add-iam-policy-binding', shellQuote(b.target.projectId)], common)
    : command(['gcloud', 'iam', 'service-accounts', 'add-iam-policy-binding', shellQuote(b.target.email)], [...saProjectFlag(b.target.email), ...common]);
}

function accessLines(m: ExportModel): string[] {
  const sa = m.serviceAccount;
  const out: string[] = [];
  if (sa?.create) {
    out.push('', '# The Google service account the workloads impersonate.',
      command(['create', shellQuote(`service account ${sa.email}`), 'gcloud', 'iam', 'service-accounts', 'create', shellQuote(sa.accountId)],
        [flag('project', sa.project), flag('display-name', sa.displayName), flag('description', sa.description)]));
  }
  if (m.bindings.length) {
    out.push('', `# The IAM grants recorded in wif.yaml (${m.bindings.length} binding${m.bindings.length === 1 ? '' : 's'}; adding one already there changes nothing).`);
    out.push(...m.bindings.map(bindingLine));
  }
  return out;
}

function credConfigLines(m: ExportModel): string[] {
  const c = m.credConfig;
  if (!c) return [];
  const lines = ['', '# The credential configuration the workloads read (GOOGLE_APPLICATION_CREDENTIALS).',
    command(['gcloud', 'iam', 'workload-identity-pools', 'create-cred-config', shellQuote(c.provider)], [
      ...optional('service-account', c.serviceAccount),
      ...(c.serviceAccount && c.tokenLifetime ? [flag('service-account-token-lifetime-seconds', String(c.tokenLifetime))] : []),
      flag('credential-source-file', c.tokenPath), '--credential-source-type=text', flag('output-file', c.file),
    ])];
  if (m.workload) {
    lines.push('', '# Next, in the cluster (or: wif render all --out DIR, then kubectl apply):',
      `#   kubectl create configmap ${shellQuote(m.workload.configMapName)} --from-file=${shellQuote(c.file)} --namespace=${shellQuote(m.workload.namespace)}`);
  }
  return lines;
}

/** The whole script (ends with a newline). */
export function renderGcloudScript(m: ExportModel): string {
  const services = command(['gcloud', 'services', 'enable', ...m.services.map(shellQuote)], [flag('project', m.project.id)]);
  const lines = [
    ...header(m),
    ...(m.pool || m.serviceAccount?.create ? [HELPERS, ''] : []),
    '# The APIs workload identity federation needs.', services,
    ...(m.pool ? poolAndProvider(m) : ['', "# GKE: the cluster's built-in workload pool needs no pool or provider (Workload Identity is enabled on the cluster)."]),
    ...accessLines(m),
    ...credConfigLines(m),
  ];
  return `${lines.join('\n')}\n`;
}
