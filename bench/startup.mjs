#!/usr/bin/env node
// Startup cost: `wif --help` and `wif render cred-config` against bare `node -e 0`, in one run.
// Targets: --help ≤ 1.5×, render cred-config ≤ 2×. Run `npm run build` first.
// Usage: node bench/startup.mjs [runs]          (WIF_BIN=path/to/wif.js to bench another build)
import { compare, machineLine, table, WIF } from './lib.mjs';

const runs = Number(process.argv[2] ?? 20);
const node = process.execPath;
const env = { PATH: process.env.PATH, HOME: process.env.HOME, CI: '1', NO_COLOR: '1' };
const render = ['render', 'cred-config', '--project-number', '123456789012', '--pool', 'demo-pool', '--provider', 'demo-provider', '--config', '/nonexistent/wif.yaml'];
console.log(`# startup (${runs} runs each, alternating, after 2 warm-ups)\n\n${machineLine()}\n`);
const rows = compare([
  { name: 'node -e 0', cmd: node, args: ['-e', '0'], opts: { env } },
  { name: 'wif --help', cmd: node, args: [WIF, '--help'], opts: { env } },
  { name: 'wif render cred-config', cmd: node, args: [WIF, ...render], opts: { env } },
], runs);
console.log(table(rows));
const verdict = (r, target) => `${r.name}: ${r.ratio.toFixed(2)}× node -e 0 (target ≤ ${target}×) ${r.ratio <= target ? 'OK' : 'OVER'}`;
console.log(`\n${verdict(rows[1], 1.5)}\n${verdict(rows[2], 2)}`);
