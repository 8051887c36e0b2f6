#!/usr/bin/env node
// Builds dist/ with esbuild: the CLI entry and every test file, bundled with code splitting so each
// command's lazy import() stays a separate chunk (fast --help), dependencies left external.
// Usage: node scripts/build.mjs [--outdir DIR] [entry.ts ...]   (entries default to the CLI + all tests)
import { build } from 'esbuild';
import { isBuiltin } from 'node:module';
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

// Dependencies stay external (loaded from node_modules, SDKs lazily), except the small pure-JS ones every start
// needs: bundled, they load as one chunk instead of ~200 files (wif --help, wif render; bench/RESULTS.md).
const INLINE = ['commander', 'zod', 'jose', '@marcbachmann/cel-js'];
const packageOf = (s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/');
const dependencies = {
  name: 'dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => {
      // Bundled CommonJS (commander) require()s Node built-ins, which ESM output cannot do: hand them over.
      if (isBuiltin(a.path)) return a.kind === 'require-call' ? { path: a.path, namespace: 'builtin' } : undefined;
      // An inlined package's own dependencies are inlined with it.
      return INLINE.includes(packageOf(a.path)) || a.importer.includes('/node_modules/') ? undefined : { path: a.path, external: true };
    });
    // child_process (commander's, for executable subcommands wif has none of) is loaded on first use only.
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({
      contents: /child_process/.test(a.path)
        ? `let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= process.getBuiltinModule(${JSON.stringify(a.path)}))[k] });`
        : `module.exports = process.getBuiltinModule(${JSON.stringify(a.path)});`,
    }));
  },
};

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
  plugins: [dependencies],
  // Less to parse on every start; identifiers keep their names (errors, stack traces with --verbose).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
