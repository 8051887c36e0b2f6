/**
 * Oracles for the export tests: HashiCorp's HCL parser (hcl2json, WASM, offline), gcloud's own ArgDict/ArgList
 * parser (the SDK's bundled Python), terraform (fmt/console, when installed) and bash with fake gcloud/kubectl.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { parseWifYaml, type WifYamlInput } from '../src/model/config.js';
import { mergeSettings, type Settings } from '../src/model/settings.js';

/** Parse HCL with HashiCorp's parser; literal strings come back in JSON-syntax form (`${` as `$${`, `%{` as `%%{`). */
export async function parseHcl(text: string): Promise<any> {
  return parse('main.tf', text);
}

/** Undo the template escapes hcl2json keeps in literal strings. */
export function unescapeTemplate(s: string): string {
  return s.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export const TERRAFORM = which('terraform');

/** Run terraform with `args` in `dir` (no CLI config, no checkpoint calls). */
export function terraform(dir: string, args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(TERRAFORM!, args, { cwd: dir, input, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: '1' } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** gcloud's SDK root and bundled Python, if gcloud is installed. */
function gcloudPython(): { python: string; lib: string } | undefined {
  const g = which('gcloud');
  if (!g) return undefined;
  const root = dirname(dirname(realpathSync(g)));
  const bundled = join(root, 'platform', 'bundledpythonunix', 'bin', 'python3');
  return { python: existsSync(bundled) ? bundled : 'python3', lib: `${join(root, 'lib')}:${join(root, 'lib', 'third_party')}` };
}
export const GCLOUD_PY = gcloudPython();

/** Parse flag values exactly as gcloud does (calliope arg_parsers ArgDict / ArgList). */
export function gcloudParse(kind: 'dict' | 'list', values: string[]): unknown[] {
  const py = GCLOUD_PY!;
  const code = `import json,sys\nfrom googlecloudsdk.calliope import arg_parsers\np=arg_parsers.${kind === 'dict' ? 'ArgDict' : 'ArgList'}()\nprint(json.dumps([p(v) for v in json.load(sys.stdin)]))`;
  const r = spawnSync(py.python, ['-c', code], { input: JSON.stringify(values), encoding: 'utf8', env: { PYTHONPATH: py.lib, PATH: process.env.PATH } });
  if (r.status !== 0) throw new Error(`gcloud's parser failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Settings from a wif.yaml document (as export reads it), with optional flags. */
export function settingsOf(doc: WifYamlInput, flags: Record<string, unknown> = {}): Settings {
  return mergeSettings(flags, parseWifYaml(doc), {}, '/tmp/wif.yaml');
}

/**
 * A bin dir with fake `gcloud` (records each call's argv, NUL-separated, one file per call in `calls`, and a copy
 * of its --jwk-json-path file as `jwks-N`; a `create` of an ID listed in $FAKE_EXISTS fails like the API's 409; a
 * call with the argument $FAKE_FAIL fails with 403) and fake `kubectl` (prints $FAKE_JWKS).
 */
export function fakeTools(): { dir: string; calls: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wif-fake-'));
  const bin = join(dir, 'bin');
  const calls = join(dir, 'calls');
  mkdirSync(bin);
  mkdirSync(calls);
  writeFileSync(join(bin, 'gcloud'), `#!/usr/bin/env bash
n=$(ls ${JSON.stringify(calls)} | wc -l)
printf '%s\\0' "$@" >"${calls}/$(printf '%04d' "$n")"
for a in "$@"; do
  if [[ $a == --jwk-json-path=* ]]; then cp -- "\${a#--jwk-json-path=}" "${calls}/jwks-$n"; fi
  if [[ -n \${FAKE_FAIL:-} && $a == "$FAKE_FAIL" ]]; then echo "ERROR: (gcloud.x) PERMISSION_DENIED: Permission denied" >&2; exit 1; fi
  for x in \${FAKE_EXISTS:-}; do
    if [[ $a == "$x" && " $* " == *" create"* ]]; then echo "ERROR: (gcloud.x) ALREADY_EXISTS: Requested entity already exists" >&2; exit 1; fi
  done
done
echo "fake gcloud ok" >&2
`);
  writeFileSync(join(bin, 'kubectl'), '#!/usr/bin/env bash\nprintf \'%s\' "$FAKE_JWKS"\n');
  chmodSync(join(bin, 'gcloud'), 0o755);
  chmodSync(join(bin, 'kubectl'), 0o755);
  return { dir, calls };
}

/** The recorded gcloud calls, in order: one argv array per call. */
export function recordedCalls(calls: string): string[][] {
  return readdirSync(calls).filter((f) => /^\d+$/.test(f)).sort().map((f) => readFileSync(join(calls, f), 'utf8').split('\0').slice(0, -1));
}

export const JWKS = '{"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"k1","n":"abc","e":"AQAB"}]}\n';
export const CONDITION = "assertion.sub.startsWith('system:serviceaccount:demo:') &&\n"
  + '  assertion[\'kubernetes.io\'][\'pod\'][\'name\'] != "${not-a-template}" && "%{x}" != "\\\\" // $HOME `id` !x';

/** Self-hosted, direct access: tricky strings everywhere, a namespace grant and a grant on another project. */
export const DIRECT: WifYamlInput = {
  version: 1,
  project: { id: 'my-proj', number: '123456789012' },
  cluster: { context: 'kind-dev', platform: 'self-hosted', issuer: 'https://kubernetes.default.svc.cluster.local', jwksUploaded: true },
  pool: { id: 'k8s-pool', displayName: 'K8s "dev"', description: "Pool for ${cluster} %{x} it's" },
  provider: {
    id: 'kind-dev', issuerUri: 'https://kubernetes.default.svc.cluster.local',
    attributeMapping: {
      'google.subject': 'assertion.sub', 'attribute.namespace': "assertion['kubernetes.io']['namespace']",
      'attribute.tag': '"${" + assertion.sub + ",}" + \'x\'',
    },
    attributeCondition: CONDITION,
    allowedAudiences: ['https://example.com/a,b', 'sts'],
  },
  grants: [
    { ksa: 'demo/app', roles: ['roles/storage.objectViewer', 'roles/pubsub.subscriber'] },
    { namespace: 'demo', roles: ['roles/logging.viewer'] },
    { ksa: 'demo/app', roles: ['roles/storage.objectViewer'], resource: 'projects/other-proj' },
  ],
  workload: { namespace: 'demo', ksa: 'app' },
};

/** Impersonation of a service account wif created, on EKS (public issuer: no JWKS). */
export const IMPERSONATION: WifYamlInput = {
  version: 1,
  project: { id: 'my-proj', number: '123456789012' },
  cluster: { context: 'eks', platform: 'eks', issuer: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC' },
  pool: { id: 'eks-pool' },
  provider: { id: 'eks-demo', issuerUri: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC', attributeMapping: { 'google.subject': 'assertion.sub' }, allowedAudiences: [] },
  serviceAccount: { email: 'wif-app@my-proj.iam.gserviceaccount.com', create: true, tokenLifetime: 1800 },
  grants: [
    { ksa: 'demo/app', roles: ['roles/storage.objectViewer'], serviceAccount: 'wif-app@my-proj.iam.gserviceaccount.com' },
    { ksa: 'demo/worker', roles: ['roles/storage.objectViewer'], serviceAccount: 'wif-app@my-proj.iam.gserviceaccount.com' },
  ],
};

/** GKE's built-in workload pool: no pool or provider, the GKE principal forms. */
export const GKE: WifYamlInput = {
  version: 1,
  project: { id: 'my-proj', number: '123456789012' },
  cluster: { context: 'gke_my-proj_us-central1_c', platform: 'gke', identity: { projectId: 'my-proj', location: 'us-central1', name: 'c', workloadPool: 'my-proj.svc.id.goog' } },
  pool: { id: 'my-proj.svc.id.goog' },
  provider: { id: 'unused-gke', attributeMapping: { 'google.subject': 'assertion.sub' }, allowedAudiences: [] },
  grants: [{ ksa: 'demo/app', roles: ['roles/storage.objectViewer'] }, { namespace: 'batch', roles: ['roles/pubsub.subscriber'] }],
};
