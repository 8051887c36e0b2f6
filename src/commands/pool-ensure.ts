import { planAndApply, flowReport } from '../apply/flow.js';
import { openGoogle } from '../apply/preflight.js';
import { updateWifYaml } from '../apply/record.js';
import { getWip } from '../cloud/google/wip.js';
import type { Pool } from '../cloud/google/types.js';
import type { Ctx } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import type { RawFlags } from '../model/flags.js';
import { resolveSettings } from '../model/settings.js';
import { planPool, poolPath, type PoolWant } from '../plan/pool.js';

/**
 * `wif pool ensure`: create the pool if absent, offer to undelete it if soft-deleted, repair display name /
 * description / disabled drift with an exact updateMask. Updates wif.yaml when it describes this pool (a new
 * wif.yaml is written by `wif provider ensure`, which knows the provider too).
 */
export async function run(ctx: Ctx, flags: RawFlags): Promise<CommandResult> {
  const s = await resolveSettings(ctx, flags, ['project', 'pool']);
  if (!s.pool.id) throw new UsageError('input.missing', '--pool is required: the workload identity pool ID', { hint: 'Pass --pool ID (4–32 of a-z, 0-9, -; starts with a letter).' });
  const want: PoolWant = {
    poolId: s.pool.id,
    displayName: typeof flags.displayName === 'string' ? flags.displayName : s.pool.displayName,
    description: typeof flags.description === 'string' ? flags.description : s.pool.description,
  };
  const g = await openGoogle(ctx, s);
  try {
    const ids = { projectId: g.project.id, projectNumber: g.project.number };
    const iamOff = g.disabled.includes('iam.googleapis.com');
    const f = await planAndApply(ctx, s, g, {
      what: `pool ${want.poolId}`,
      makePlan: async () => ({ steps: planPool(want, iamOff ? undefined : await getWip<Pool>(g.api, poolPath(ids.projectId, want.poolId), ids.projectId), ids) }),
    });
    const recorded = f.decision === 'dry-run' ? false : await updateWifYaml(s.configPath, (cfg) => cfg?.pool.id !== want.poolId ? undefined : {
      ...cfg, project: { id: g.project.id, number: g.project.number },
      pool: { ...cfg.pool, id: want.poolId, ...(want.displayName !== undefined ? { displayName: want.displayName } : {}), ...(want.description !== undefined ? { description: want.description } : {}) },
    });
    return flowReport(ctx, g, f, { what: `pool ${want.poolId}`, extra: { pool: { id: want.poolId }, wifYaml: recorded ? s.configPath : undefined }, notes: recorded ? [`Updated ${s.configPath}.`] : [] });
  } finally {
    g.api.close();
  }
}
