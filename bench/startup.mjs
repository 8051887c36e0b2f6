#!/usr/bin/env node
// Startup cost: `wif --help` and `wif render cred-config` against bare `node -e 0`, in one run (alternating).
// Targets: --help ≤ 1.5×, render cred-config ≤ 2×. Run `npm run build` first.
// Usage: node bench/startup.mjs [runs]
//   WIF_BIN=path/to/wif.js          bench another build (default bin/wif.js)
//   WIF_BIN_BEFORE=path/to/wif.js   add rows for an older build (e.g. one made from an earlier commit)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compare, machineLine, ROOT, table, WIF } from './lib.mjs';

const runs = Number(process.argv[2] ?? 20);
const node = process.execPath;
const env = { PATH: process.env.PATH, HOME: process.env.HOME, CI: '1', NO_COLOR: '1' };
const flags = ['--project-number', '123456789012', '--pool', 'demo-pool', '--provider', 'demo-provider'];
// The same render with the inputs in a wif.yaml instead of flags (YAML and its schema are loaded then).
const cwd = mkdtempSync(join(tmpdir(), 'wif-bench-startup-'));
writeFileSync(join(cwd, 'wif.yaml'), 'version: 1\nproject:\n  id: demo-project\n  number: "123456789012"\ncluster:\n  platform: self-hosted\npool:\n  id: demo-pool\nprovider:\n  id: demo-provider\n');

const builds = [['', WIF], ...(process.env.WIF_BIN_BEFORE ? [[' (before)', resolve(ROOT, process.env.WIF_BIN_BEFORE)]] : [])];
const cases = [{ name: 'node -e 0', cmd: node, args: ['-e', '0'], opts: { env } }];
for (const [label, bin] of builds) {
  cases.push(
    { name: `wif --help${label}`, cmd: node, args: [bin, '--help'], opts: { env } },
    { name: `wif render cred-config${label}`, cmd: node, args: [bin, 'render', 'cred-config', ...flags, '--config', '/nonexistent/wif.yaml'], opts: { env } },
    { name: `wif render cred-config, inputs in wif.yaml${label}`, cmd: node, args: [bin, 'render', 'cred-config'], opts: { env, cwd } },
  );
}
console.log(`# startup (${runs} runs each, alternating, after 2 warm-ups)\n\n${machineLine()}\n`);
const rows = compare(cases, runs);
console.log(table(rows));
const verdict = (r, target) => `${r.name}: ${r.ratio.toFixed(2)}× node -e 0 by wall time${r.cpuRatio ? `, ${r.cpuRatio.toFixed(2)}× by CPU time` : ''} (target ≤ ${target}×) ${r.ratio <= target ? 'OK' : 'OVER'}`;
console.log(`\n${verdict(rows[1], 1.5)}\n${verdict(rows[2], 2)}`);
