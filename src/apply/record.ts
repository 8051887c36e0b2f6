/**
 * wif.yaml bookkeeping after apply: what was set up is recorded (atomically, re-read just before writing) so later
 * commands need few flags. An unchanged document is not rewritten, so an idempotent run leaves the file alone.
 */
import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { sleep } from '../core/retry.js';
import { parseWifYaml, readWifYaml, writeWifYaml, type Grant, type WifYaml, type WifYamlInput } from '../model/config.js';

/**
 * Re-read wif.yaml, let `update` produce the new document (undefined = leave it), and write it when it differs.
 * Returns true when the file was written.
 */
export async function updateWifYaml(path: string, update: (cfg: WifYaml | undefined) => WifYamlInput | undefined): Promise<boolean> {
  const unlock = await lockFile(`${path}.lock`);
  try {
    const cur = await readWifYaml(path);
    const next = update(cur ? structuredClone(cur) : undefined);
    if (!next) return false;
    const checked = parseWifYaml(next, path);
    if (cur && isDeepStrictEqual(checked, cur)) return false;
    await writeWifYaml(path, checked);
    return true;
  } finally {
    unlock();
  }
}

const STALE_LOCK_MS = 30_000;

/**
 * An exclusive lock file around wif.yaml's read-modify-write, so concurrent `wif grant` runs in one directory
 * (parallel CI jobs) never lose each other's records. A lock older than 30 s is a crashed run's and is taken over.
 */
async function lockFile(lock: string): Promise<() => void> {
  for (let i = 0; ; i++) {
    try {
      closeSync(openSync(lock, 'wx'));
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
      } catch { /* released meanwhile */ }
      await sleep(Math.min(200, 5 * 2 ** Math.min(i, 6)) * (0.5 + Math.random()));
    }
  }
}

function key(g: Grant): string {
  return JSON.stringify([g.ksa ?? '', g.namespace ?? '', g.serviceAccount ?? '', g.resource ?? '']);
}

/**
 * The grants list after a grant (roles added to the matching entry, or a new entry) or a revoke (roles removed;
 * an entry left without roles, or an impersonation revoked without --role, disappears). Pure.
 */
export function mergeGrantRecords(existing: readonly Grant[], entries: readonly Grant[], mode: 'grant' | 'revoke'): Grant[] {
  const out = existing.map((g) => ({ ...g, roles: [...g.roles] }));
  for (const e of entries) {
    const i = out.findIndex((g) => key(g) === key(e));
    if (mode === 'grant') {
      if (i < 0) out.push({ ...e, roles: [...e.roles] });
      else out[i].roles = [...new Set([...out[i].roles, ...e.roles])];
      continue;
    }
    if (i < 0) continue;
    const whole = !e.roles.length;
    out[i].roles = whole ? [] : out[i].roles.filter((r) => !e.roles.includes(r));
    if (whole || !out[i].roles.length) out.splice(i, 1);
  }
  return out;
}
