/**
 * The commands an emulated container answers (pods are stored, not run): `cat`, `ls`, `env`, `printenv`, `echo`,
 * `true`, `false`, `sh|bash -c '…'` (sequences with `;`, `&&`, `||`, quotes, `$VAR`, and `>/dev/null`,
 * `2>&1`-style redirections; no pipes), and `gcloud auth print-access-token`, which runs the real gcloud (see
 * gcloud.ts). Output and errors read like GNU coreutils and dash.
 */
import { normalize, type PodFs } from './pod-fs.js';

export interface Io {
  out(data: string | Buffer): void;
  err(data: string | Buffer): void;
}

export interface Container {
  fs: PodFs;
  env: Map<string, string>;
  /** What the client sent on stdin (`kubectl exec -i`), read by `cat` without file arguments. */
  stdin?: Buffer;
  /** Runs the real gcloud for `gcloud auth print-access-token` (injected so tests of the shell need no gcloud). */
  gcloud(args: string[], io: Io): Promise<number>;
}

/** Thrown for an executable that does not exist when run directly (not through sh). */
export class NotFoundError extends Error {}

function cat(c: Container, args: string[], io: Io): number {
  let code = 0;
  const files = args.filter((x) => !x.startsWith('-') || x === '-');
  for (const a of files.length ? files : ['-']) {
    if (a === '-') {
      if (c.stdin?.length) io.out(c.stdin);
      continue;
    }
    const p = normalize(a);
    const f = c.fs.files.get(p);
    if (f) io.out(f);
    else {
      io.err(`cat: ${a}: ${c.fs.dirs.has(p) ? 'Is a directory' : 'No such file or directory'}\n`);
      code = 1;
    }
  }
  return code;
}

function children(fs: PodFs, dir: string, all: boolean): string[] {
  const prefix = dir === '/' ? '/' : `${dir}/`;
  const names = new Set<string>();
  for (const p of [...fs.files.keys(), ...fs.dirs]) if (p.startsWith(prefix) && p !== dir) names.add(p.slice(prefix.length).split('/')[0]);
  const list = [...names].filter((n) => all || !n.startsWith('.')).sort();
  return all ? ['.', '..', ...list] : list;
}

function ls(c: Container, args: string[], io: Io): number {
  const all = args.some((a) => /^-[a-zA-Z]*a/.test(a));
  const paths = args.filter((a) => !a.startsWith('-'));
  const targets = paths.length ? paths : ['.'];
  let code = 0;
  targets.forEach((a, i) => {
    const p = normalize(a);
    if (c.fs.files.has(p)) return io.out(`${a}\n`);
    if (!c.fs.dirs.has(p)) {
      io.err(`ls: cannot access '${a}': No such file or directory\n`);
      code = 2;
      return;
    }
    const head = targets.length > 1 ? `${i ? '\n' : ''}${a}:\n` : '';
    io.out(head + children(c.fs, p, all).map((n) => `${n}\n`).join(''));
  });
  return code;
}

function printenv(c: Container, args: string[], io: Io): number {
  if (!args.length) {
    io.out([...c.env].map(([k, v]) => `${k}=${v}\n`).join(''));
    return 0;
  }
  let code = 0;
  for (const n of args) {
    if (c.env.has(n)) io.out(`${c.env.get(n)}\n`);
    else code = 1;
  }
  return code;
}

function isGcloudToken(args: string[]): boolean {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'auth' && words[1] === 'print-access-token';
}

/** Run one command (argv) in the container; resolves to its exit code. */
export async function runCommand(c: Container, argv: string[], io: Io, viaShell = false): Promise<number> {
  const [cmd0, ...args] = argv;
  const cmd = (cmd0 ?? '').replace(/^(\/usr)?(\/local)?\/s?bin\//, '').replace(/^.*\/google-cloud-sdk\/bin\//, '');
  switch (cmd) {
    case 'cat': return cat(c, args, io);
    case 'ls': return ls(c, args, io);
    case 'env': if (!args.length) return printenv(c, [], io); break;
    case 'printenv': return printenv(c, args, io);
    case 'echo': {
      const n = args[0] === '-n';
      io.out((n ? args.slice(1) : args).join(' ') + (n ? '' : '\n'));
      return 0;
    }
    case 'true': return 0;
    case 'false': return 1;
    case 'sh': case 'bash': case 'ash': case 'dash':
      if (args[0] === '-c' && args.length >= 2) return runScript(c, args[1], io);
      break;
    case 'gcloud':
      if (isGcloudToken(args)) return c.gcloud(args, io);
      io.err(`ERROR: (gcloud) the wif sandbox's emulated pod runs only "gcloud auth print-access-token" (pods are stored, not run)\n`);
      return 1;
    default:
  }
  if (viaShell) {
    io.err(`sh: 1: ${cmd0}: not found\n`);
    return 127;
  }
  throw new NotFoundError(String(cmd0));
}

type Op = ';' | '&&' | '||';

/** Split a script into words and operators, honouring quotes and expanding $VAR / ${VAR}. */
export function tokenize(script: string, env: Map<string, string>): (string | { op: Op | '|' })[] {
  const out: (string | { op: Op | '|' })[] = [];
  let word: string | undefined;
  const push = () => {
    if (word !== undefined) out.push(word);
    word = undefined;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i];
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      word = (word ?? '') + script.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? script.length : end;
    } else if (ch === '"' || ch === '$') {
      const end = ch === '"' ? script.indexOf('"', i + 1) : i;
      const chunk = ch === '"' ? script.slice(i + 1, end < 0 ? undefined : end) : '';
      if (ch === '"') {
        word = (word ?? '') + chunk.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n) => env.get(n) ?? '');
        i = end < 0 ? script.length : end;
      } else {
        const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(script.slice(i));
        word = (word ?? '') + (m ? env.get(m[1]) ?? '' : '$');
        i += m ? m[0].length - 1 : 0;
      }
    } else if (/\s/.test(ch)) push();
    else if (ch === ';' || ch === '&' || ch === '|') {
      push();
      const two = script.slice(i, i + 2);
      if (two === '&&' || two === '||') { out.push({ op: two }); i++; } else out.push({ op: ch === ';' ? ';' : '|' });
    } else word = (word ?? '') + ch;
  }
  push();
  return out;
}

/** Run a `sh -c` script: commands joined by `;`, `&&`, `||`; redirections to /dev/null and 2>&1 are honoured. */
export async function runScript(c: Container, script: string, io: Io): Promise<number> {
  const tokens = tokenize(script, c.env);
  if (tokens.some((t) => typeof t !== 'string' && t.op === '|')) {
    io.err('sh: pipelines are not supported by the wif sandbox (pods are stored, not run)\n');
    return 2;
  }
  let code = 0;
  let pending: Op = ';';
  let words: string[] = [];
  const runWords = async () => {
    if (!words.length) return;
    const skip = (pending === '&&' && code !== 0) || (pending === '||' && code === 0);
    if (!skip) code = await runCommand(c, words.filter((w) => !/^[12]?>/.test(w) && w !== '/dev/null'), redirect(words, io), true);
    words = [];
  };
  for (const t of tokens) {
    if (typeof t === 'string') words.push(t);
    else {
      await runWords();
      pending = t.op as Op;
    }
  }
  await runWords();
  return code;
}

function redirect(words: string[], io: Io): Io {
  const drop = () => undefined;
  let out = io.out;
  let err = io.err;
  words.forEach((w, i) => {
    const target = w.includes('>') && w.split('>')[1] ? w.split('>')[1] : words[i + 1];
    if (/^1?>$|^1?>\/dev\/null$/.test(w) && target === '/dev/null') out = drop;
    if (/^2>$|^2>\/dev\/null$/.test(w) && target === '/dev/null') err = drop;
    if (w === '2>&1') err = out;
  });
  return { out, err };
}
