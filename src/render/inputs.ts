import type { Problem } from '../core/errors.js';
import { DEFAULT_CRED_CONFIG_PATH } from '../model/config-base.js';
import type { KsaRef, Settings } from '../model/settings.js';
import type { ProviderRef } from '../plan/names.js';
import { validateWorkload, type WorkloadInput } from './manifests.js';

/**
 * From resolved Settings (wif.yaml + flags + env) to the renderers' input, collecting every problem the
 * renderers would otherwise meet (missing inputs named by their flag). Pure.
 */
export interface RenderNeeds {
  /** The provider (project number, pool, provider) is needed: cred-config, configmap, pod, patch. */
  provider: boolean;
  /** A KSA is needed: serviceaccount, pod, patch. */
  ksa: boolean;
}

export interface ResolvedWorkload {
  input: WorkloadInput;
  /** Every `--ksa` given (credential-provider limits its RBAC grant to their names). */
  ksas: KsaRef[];
  problems: Problem[];
}

const missing = (input: string, what: string, hint: string): Problem => ({ input, rule: 'required', message: `required by ${what}`, hint });

function providerRef(s: Settings, problems: Problem[], what: string): ProviderRef {
  const n = s.project.number;
  if (!n) {
    const hint = s.project.id
      ? `Pass --project-number (gcloud projects describe ${s.project.id} --format='value(projectNumber)'), or run wif init.`
      : 'Pass --project-number N (render works offline, so it needs the number, not the ID), or run wif init.';
    problems.push(missing('--project-number', what, hint));
  } else if (!/^\d+$/.test(n)) {
    problems.push({ input: '--project-number', rule: 'project-number.digits', message: `must be the numeric project number; got "${n}"`, hint: 'The project number is all digits; the project ID is not accepted here.' });
  }
  if (!s.pool.id) problems.push(missing('--pool', what, 'Pass --pool ID, or run wif init to record it in wif.yaml.'));
  if (!s.provider.id) problems.push(missing('--provider', what, 'Pass --provider ID, or run wif init to record it in wif.yaml.'));
  return { projectNumber: n ?? '', poolId: s.pool.id ?? '', providerId: s.provider.id ?? '' };
}

/** The KSA from `--ksa NS/NAME` (first), else wif.yaml `workload.ksa` (`NAME` or `NS/NAME`) and `workload.namespace`. */
function ksaOf(s: Settings, problems: Problem[]): { ksas: KsaRef[]; ksa?: string; namespace?: string } {
  const ksas: KsaRef[] = [];
  for (const k of s.access.ksas) {
    if (typeof k === 'string') problems.push({ input: '--ksa', rule: 'ksa.format', message: `must be NAMESPACE/NAME; got "${k}"`, hint: 'For example --ksa default/my-app.' });
    else ksas.push(k);
  }
  const nsFlag = s.access.namespace;
  if (ksas.length) {
    if (nsFlag && nsFlag !== ksas[0].namespace) {
      problems.push({ input: '--namespace', rule: 'namespace.conflict', message: `"${nsFlag}" differs from the --ksa namespace "${ksas[0].namespace}"`, hint: 'The ServiceAccount, ConfigMap and pod live in the KSA\'s namespace: drop --namespace or make them agree.' });
    }
    return { ksas, ksa: ksas[0].name, namespace: ksas[0].namespace };
  }
  // wif.yaml: `workload.ksa` is `NAME` or `NS/NAME`; flags win over it.
  const cfgKsa = s.workload.ksa;
  const slash = cfgKsa ? cfgKsa.indexOf('/') : -1;
  const ksa = cfgKsa && slash >= 0 ? cfgKsa.slice(slash + 1) : cfgKsa;
  const cfgNs = cfgKsa && slash >= 0 ? cfgKsa.slice(0, slash) : s.workload.namespace;
  return { ksas, ksa, namespace: nsFlag ?? cfgNs };
}

const numeric = (v: string | undefined) => (v === undefined ? undefined : /^\d+$/.test(v.trim()) ? Number(v) : v);

function seconds(v: number | string | undefined, flag: string, problems: Problem[]): number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  problems.push({ input: flag, rule: 'seconds', message: `must be a whole number of seconds; got "${v}"` });
  return undefined;
}

/**
 * Build the WorkloadInput for the given needs. `endpoint` is the STS/IAM Credentials override, if any;
 * `tokenLifetimeFlag` is the raw `--token-lifetime` (Settings drops it without a service account, gcloud refuses that).
 */
export function resolveWorkload(s: Settings, needs: RenderNeeds, what: string, opts: { endpoint?: string; tokenLifetimeFlag?: string } = {}): ResolvedWorkload {
  const problems: Problem[] = [];
  const provider = needs.provider ? providerRef(s, problems, what) : { projectNumber: s.project.number ?? '', poolId: s.pool.id ?? '', providerId: s.provider.id ?? '' };
  const k = ksaOf(s, problems);
  if (needs.ksa && !k.ksa) problems.push(missing('--ksa', what, 'Pass --ksa NAMESPACE/NAME (the Kubernetes service account the workload runs as).'));
  const input: WorkloadInput = {
    provider,
    allowedAudiences: s.provider.allowedAudiences,
    tokenPath: s.workload.tokenPath,
    tokenExpiration: seconds(s.workload.tokenExpiration, '--token-expiration', problems) ?? 3600,
    configMapName: s.workload.configMapName,
    credConfigPath: DEFAULT_CRED_CONFIG_PATH,
    namespace: k.namespace,
    ksa: k.ksa,
    serviceAccount: s.serviceAccount?.email,
    tokenLifetime: seconds(s.serviceAccount?.tokenLifetime ?? numeric(opts.tokenLifetimeFlag), '--token-lifetime', problems),
    endpoint: opts.endpoint,
  };
  problems.push(...validateWorkload(input));
  return { input, ksas: k.ksas, problems };
}
