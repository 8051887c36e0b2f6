#!/usr/bin/env node
// Builds dist/ with esbuild: the CLI entry and every test file, bundled with code splitting so each
// command's lazy import() stays a separate chunk (fast --help), dependencies left external.
// Usage: node scripts/build.mjs [--outdir DIR] [entry.ts ...]   (entries default to the CLI + all tests)
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
let outdir = 'dist';
const entries = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--outdir') outdir = args[++i];
  else entries.push(args[i]);
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const entryPoints = entries.length ? entries : ['src/main.ts', ...walk('test'), ...walk('src')];
if (!entries.length) rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints,
  outdir,
  outbase: '.',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
