#!/usr/bin/env node
// Runs every built test file with node's test runner (its summary is what CI reads).
// Usage: node scripts/test.mjs [filter-substring ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'chunks') walk(p, out); }
    else if (p.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = walk('dist').filter((f) => !filters.length || filters.some((s) => f.includes(s))).sort();
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, CI: process.env.CI ?? '1', NO_COLOR: '1' },
});
process.exit(r.status ?? 1);
