// Whole-process timing helpers for bench/ scripts: alternate the candidates in one run so machine noise
// hits them alike, report min/median/max and ratios against the baseline; start a `wif sandbox start`
// child process and read its request log; describe the machine the figures come from.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout (bench/..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The CLI under test: `bin/wif.js` (after `npm run build`), or `WIF_BIN` (e.g. a private build's copy). */
export const WIF = resolve(ROOT, process.env.WIF_BIN ?? 'bin/wif.js');


// A tiny launcher that reports the child's own wall and CPU time (getrusage through wait4, microseconds), so the
// figures leave out the launcher's start-up; without python3 only the wall time around spawnSync is measured.
const LAUNCHER = `import os, sys, time
t = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t
sys.stderr.write("\\n@@wif-bench %f %f %d\\n" % (wall * 1000, (ru.ru_utime + ru.ru_stime) * 1000, os.waitstatus_to_exitcode(status)))
sys.exit(max(0, os.waitstatus_to_exitcode(status)))`;
const PYTHON = spawnSync('python3', ['-c', 'import os; os.wait4'], { stdio: 'ignore' }).status === 0 ? 'python3' : undefined;

/**
 * Run a process to completion; throws unless it exits with `opts.expectStatus` (default 0). `ms` is wall time;
 * `cpuMs` (user + system of the process and its children) is what it burnt, which a busy machine disturbs
 * less than wall time.
 */
export function runTimed(cmd, args, opts = {}) {
  const wrap = PYTHON && opts.cpu !== false;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(wrap ? PYTHON : cmd, wrap ? ['-c', LAUNCHER, cmd, ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  let ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let stderr = String(r.stderr ?? '');
  let cpuMs;
  const m = wrap ? /\n@@wif-bench (\S+) (\S+) (-?\d+)\n$/.exec(stderr) : null;
  if (m) {
    [ms, cpuMs] = [Number(m[1]), Number(m[2])];
    stderr = stderr.slice(0, m.index);
  }
  if (r.status !== (opts.expectStatus ?? 0)) throw new Error(`${cmd} ${args.join(' ').slice(0, 300)} exited ${r.status}: ${stderr}`);
  return { ms, cpuMs, stdout: String(r.stdout ?? ''), stderr };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** min/median/max of a list of milliseconds. */
export function stats(xs) {
  return { n: xs.length, min: Math.min(...xs), median: median(xs), max: Math.max(...xs) };
}

/**
 * cases: [{name, cmd, args, opts}] — the first is the baseline. Each round runs every case once, in turn, so
 * load changes hit them alike; ratios are of medians (wall, and CPU when measured).
 */
export function compare(cases, runs = 15, warmup = 2) {
  const wall = cases.map(() => []);
  const cpu = cases.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    cases.forEach((c, j) => {
      const r = runTimed(c.cmd, c.args, c.opts);
      if (i < warmup) return;
      wall[j].push(r.ms);
      if (r.cpuMs !== undefined) cpu[j].push(r.cpuMs);
    });
  }
  const base = median(wall[0]);
  const cpuBase = cpu[0].length ? median(cpu[0]) : undefined;
  return cases.map((c, j) => ({
    name: c.name, ...stats(wall[j]), ratio: median(wall[j]) / base,
    ...(cpuBase ? { cpu: median(cpu[j]), cpuRatio: median(cpu[j]) / cpuBase } : {}),
  }));
}

export function table(rows) {
  const f = (n) => n.toFixed(1);
  const cpu = rows.every((r) => r.cpu !== undefined);
  const lines = [`| command | min ms | median ms | max ms | × baseline |${cpu ? ' median CPU ms | CPU × baseline |' : ''}`, `|---|---:|---:|---:|---:|${cpu ? '---:|---:|' : ''}`];
  for (const r of rows) lines.push(`| \`${r.name}\` | ${f(r.min)} | ${f(r.median)} | ${f(r.max)} | ${r.ratio.toFixed(2)} |${cpu ? ` ${f(r.cpu)} | ${r.cpuRatio.toFixed(2)} |` : ''}`);
  return lines.join('\n');
}

/** The machine the figures come from (nproc, CPU model, memory, node, kernel, load average now). */
export function machine() {
  const c = cpus();
  return {
    nproc: Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() || c.length),
    cpu: c[0]?.model ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    loadavg: loadavg().map((x) => x.toFixed(2)).join(' '),
    date: new Date().toISOString(),
  };
}

export function machineLine(m = machine()) {
  return `${m.nproc} × ${m.cpu}, ${m.memGiB} GiB, node ${m.node}, Linux ${m.kernel}; load average ${m.loadavg} at ${m.date}`;
}

/** Parse an env file of `export NAME=value` lines. */
export function parseEnvFile(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

/**
 * Start `wif sandbox start --state-dir DIR [--latency MS] [--fail-rate R] [--conflict-rate R]` as a child
 * process, wait for DIR/env, and return its variables with helpers for the control endpoints.
 */
export async function startSandbox(o = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wif-bench-sandbox-'));
  const args = [WIF, 'sandbox', 'start', '--state-dir', dir];
  if (o.latency) args.push('--latency', String(o.latency));
  if (o.failRate) args.push('--fail-rate', String(o.failRate));
  if (o.conflictRate) args.push('--conflict-rate', String(o.conflictRate));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH, HOME: dir } });
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  // Never leave a sandbox behind, even when the bench script dies.
  const orphan = () => child.kill('SIGTERM');
  process.once('exit', orphan);
  const envFile = join(dir, 'env');
  for (let i = 0; !existsSync(envFile); i++) {
    if (child.exitCode !== null || i > 600) throw new Error(`wif sandbox start did not come up: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const env = parseEnvFile(readFileSync(envFile, 'utf8'));
  const ca = readFileSync(env.NODE_EXTRA_CA_CERTS);
  const control = (method, path) => httpsJson(method, `${env.WIF_GOOGLE_API_ENDPOINT}/_sandbox/${path}`, ca);
  return {
    env, dir,
    /** Requests served (Google and Kubernetes listeners), optionally after seq `since`. */
    requests: (since = 0) => control('GET', `requests?since=${since}`),
    reset: () => control('POST', 'reset'),
    stop: async () => {
      process.off('exit', orphan);
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function httpsJson(method, url, ca) {
  return new Promise((ok, fail) => {
    // agent: false: a kept-alive socket goes stale while spawnSync blocks the loop (socket hang up).
    const req = request(url, { method, ca, agent: false, headers: { host: '127.0.0.1' } }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => (res.statusCode === 200 ? ok(JSON.parse(body)) : fail(new Error(`${method} ${url}: ${res.statusCode} ${body}`))));
    });
    req.on('error', fail);
    req.end();
  });
}

/**
 * The env a user has after `source STATE/env` in a clean shell (PATH, a private HOME and gcloud config, CI=1):
 * nothing else is inherited (a REQUESTS_CA_BUNDLE from the host would make gcloud ignore the sandbox CA).
 */
export function userEnv(sb, home) {
  return { PATH: process.env.PATH, HOME: home, CLOUDSDK_CONFIG: join(home, 'gcloud'), CI: '1', NO_COLOR: '1', ...sb.env };
}

/** Split a request log into Google API requests and Kubernetes API requests (control endpoints excluded). */
export function splitRequests(log) {
  const google = log.filter((r) => r.listener === 'google' && !r.path.startsWith('/_sandbox'));
  const kube = log.filter((r) => String(r.listener).startsWith('kube'));
  return { google, kube };
}

/** Format milliseconds for a table. */
export const ms = (n) => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);
