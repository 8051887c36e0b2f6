/**
 * Doctor checks on resources and least privilege (pure; see doctor.ts for the others).
 */
import type { WifYaml } from '../model/config.js';
import type { Pool, Provider } from '../cloud/google/types.js';
import type { Policy } from './policy.js';
import { BASIC_ROLES } from './policy.js';
import { clusterSlug, describeCollision, findCollisions, safePatterns, viewOfProvider, type ProviderView } from './collisions.js';

export type Severity = 'error' | 'warning' | 'info';

/** One doctor finding: what is wrong, how bad, and the command that fixes it. */
export interface Finding {
  check: string;
  severity: Severity;
  message: string;
  fix?: string;
}

function stateFindings(kind: 'pool' | 'provider', id: string, r: Pool | Provider | null | undefined, ensure: string): Finding[] {
  if (r === undefined) return [];
  if (r === null) return [{ check: kind, severity: 'error', message: `the ${kind} ${id} does not exist`, fix: ensure }];
  if (r.state === 'DELETED') {
    const until = r.expireTime ? ` (purged after ${r.expireTime})` : '';
    return [{ check: kind, severity: 'error', message: `the ${kind} ${id} is soft-deleted${until}: STS rejects every exchange and re-creating it gives 409`, fix: `${ensure} --yes (undeletes it)` }];
  }
  if (r.disabled) return [{ check: kind, severity: 'error', message: `the ${kind} ${id} is disabled: STS rejects every exchange`, fix: `${ensure} (re-enables it)` }];
  return [];
}

/** Pool and provider exist, are not soft-deleted and not disabled. */
export function resourceFindings(pool: Pool | null | undefined, provider: Provider | null | undefined, cfg: WifYaml): Finding[] {
  return [
    ...stateFindings('pool', cfg.pool.id, pool, 'wif pool ensure'),
    ...stateFindings('provider', cfg.provider.id, provider, 'wif provider ensure'),
  ];
}

const POOL_WIDE = /^principalSet:\/\/iam\.googleapis\.com\/projects\/\d+\/locations\/global\/workloadIdentityPools\/([^/]+)\/\*$/;
const POOL_MEMBER = /^principal(Set)?:\/\/iam\.googleapis\.com\/projects\/(\d+)\/locations\/global\/workloadIdentityPools\/([^/]+)\//;

function memberOfPool(member: string, projectNumber: string, poolId: string): boolean {
  const m = POOL_MEMBER.exec(member);
  return !!m && m[2] === projectNumber && m[3] === poolId;
}

/** Least privilege: pool-wide principal sets, basic roles for federated principals, no condition, shared subjects. */
export function lintFindings(cfg: WifYaml, provider: Provider | null | undefined, siblings: Provider[], policies: (Policy | undefined)[], projectNumber: string): Finding[] {
  const out: Finding[] = [];
  const poolId = cfg.pool.id;
  for (const p of policies) {
    for (const b of p?.bindings ?? []) {
      for (const m of b.members) {
        if (!memberOfPool(m, projectNumber, poolId)) continue;
        if (POOL_WIDE.test(m)) out.push({ check: 'least-privilege', severity: 'warning', message: `${b.role} is granted to every identity of every provider in pool ${poolId} (${m})`, fix: `Grant per KSA or namespace instead, then: wif revoke --namespace '*' --role ${b.role} --force` });
        if (BASIC_ROLES.has(b.role)) out.push({ check: 'least-privilege', severity: 'warning', message: `basic role ${b.role} is granted to ${m}`, fix: `Grant a predefined role covering only what the workload needs, then wif revoke --role ${b.role}` });
      }
    }
  }
  const condition = provider ? provider.attributeCondition : cfg.provider.attributeCondition;
  if (provider !== null && !condition) {
    out.push({ check: 'least-privilege', severity: 'warning', message: 'the provider has no attribute condition: every token the issuer signs (any namespace, any KSA) can federate', fix: 'wif provider ensure --allow-namespace NS (or --allow-ksa NS/NAME)' });
  }
  out.push(...sharedPoolFindings(cfg, provider, siblings));
  return out;
}

/** Other clusters' providers in the pool whose principals coincide with this one's (plan/collisions.ts). */
function sharedPoolFindings(cfg: WifYaml, provider: Provider | null | undefined, siblings: Provider[]): Finding[] {
  const target: ProviderView = provider ? viewOfProvider(provider)
    : { id: cfg.provider.id, issuer: cfg.provider.issuerUri ?? cfg.cluster?.issuer, mapping: cfg.provider.attributeMapping };
  const found = findCollisions(target, siblings.filter((s) => s.state !== 'DELETED').map(viewOfProvider));
  if (!found.length) return [];
  return [{ check: 'shared-pool', severity: 'warning', message: `pool ${cfg.pool.id} is shared with another cluster: ${found.map(describeCollision).join('; ')}`, fix: safePatterns(clusterSlug(cfg.cluster ?? {})) }];
}
