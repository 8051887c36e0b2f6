import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * argv for `node` that runs the built CLI as a user would: `bin/wif.js ARGV` when this build is the checkout's
 * dist/ (npm test), else the same entry code on this build's main (a private `--outdir` build).
 */
export function wifNodeArgs(argv: string[]): string[] {
  // Bundled into dist/test/*.js or dist/chunks/*.js: either way one level below the build's root.
  const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
  const bin = join(dirname(main), '..', '..', 'bin', 'wif.js');
  if (existsSync(bin) && main === join(dirname(bin), '..', 'dist', 'src', 'main.js')) return [bin, ...argv];
  return ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(process.argv.slice(1));`, ...argv];
}

/** Spawn the built CLI with exactly `env` in `cwd` and collect its output. */
export function spawnWif(argv: string[], o: { env: Record<string, string | undefined>; cwd: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, wifNodeArgs(argv), { cwd: o.cwd, env: o.env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => { stdout += c; });
    p.stderr.on('data', (c) => { stderr += c; });
    p.on('error', fail);
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}
