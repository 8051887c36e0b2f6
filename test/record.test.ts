import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeGrantRecords, updateWifYaml } from '../src/apply/record.js';
import { readWifYaml } from '../src/model/config.js';

test('concurrent wif.yaml updates lose no grant record and leave no lock or temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wif-record-'));
  const path = join(dir, 'wif.yaml');
  const base = { version: 1 as const, project: { id: 'p', number: '1' }, pool: { id: 'demo-pool' }, provider: { id: 'demo-provider' } };
  await updateWifYaml(path, () => base);
  await Promise.all(Array.from({ length: 12 }, (_, i) => updateWifYaml(path, (cur) => ({
    ...(cur ?? base),
    grants: mergeGrantRecords(cur?.grants ?? [], [{ ksa: `ns/ksa-${i}`, roles: ['roles/viewer'] }], 'grant'),
  }))));
  const cfg = await readWifYaml(path);
  assert.deepEqual(cfg!.grants.map((g) => g.ksa).sort(), Array.from({ length: 12 }, (_, i) => `ns/ksa-${i}`).sort());
  assert.deepEqual(readdirSync(dir), ['wif.yaml']);
});
