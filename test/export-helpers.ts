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
 * A bin dir with fake `gcloud` (records each call's argv, NUL-separated, one file per call in `calls`; a `create`
 * of an ID listed in $FAKE_EXISTS fails like the API's 409) and fake `kubectl` (prints $FAKE_JWKS).
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
  return readdirSync(calls).sort().map((f) => readFileSync(join(calls, f), 'utf8').split('\0').slice(0, -1));
}
