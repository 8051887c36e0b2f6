#!/usr/bin/env node
// Startup cost: `wif --help` and `wif render cred-config` against bare `node -e 0`, in one run.
// Targets: --help ≤ 1.5×, render cred-config ≤ 2×. Run `npm run build` first.
// Usage: node bench/startup.mjs [runs]
import { compare, table } from './lib.mjs';

const runs = Number(process.argv[2] ?? 20);
const node = process.execPath;
const env = { ...process.env, CI: '1', NO_COLOR: '1' };
const rows = compare([
  { name: 'node -e 0', cmd: node, args: ['-e', '0'] },
  { name: 'wif --help', cmd: node, args: ['bin/wif.js', '--help'], opts: { env } },
  {
    name: 'wif render cred-config',
    cmd: node,
    args: ['bin/wif.js', 'render', 'cred-config', '--project-number', '123456789012', '--pool', 'demo-pool', '--provider', 'demo-provider', '--config', '/nonexistent/wif.yaml'],
    opts: { env },
  },
], runs);
console.log(table(rows));
const help = rows[1].ratio;
console.log(`\n--help ratio ${help.toFixed(2)} (target ≤ 1.5): ${help <= 1.5 ? 'OK' : 'OVER'}`);
