import { basename, isAbsolute, resolve } from 'node:path';
import type { Ctx } from '../core/context.js';
import { assertNoProblems, type Problem } from '../core/errors.js';
import { buildCondition } from '../plan/condition.js';
import { MAPPING_PRESETS, parseMappingFlag, type AttributeMapping } from '../plan/mapping.js';
import { validateSettings, type RequiredField } from '../plan/validate.js';
import {
  DEFAULT_CONFIGMAP_NAME, DEFAULT_TOKEN_EXPIRATION, DEFAULT_TOKEN_PATH, readWifYaml,
  type Platform,
} from './config-base.js';
import type { WifYaml } from './config.js';
import type { RawFlags } from './flags.js';

export interface KsaRef {
  namespace: string;
  name: string;
}

/**
 * The one input type every command works from: wif.yaml overlaid with flags (flags win) and env.
 * The wizard fills the same type. Numbers are parsed; anything malformed is kept raw and reported
 * by validation so that all problems come out at once.
 */
export interface Settings {
  configPath: string;
  /** wif.yaml as read, if present. */
  config?: WifYaml;
  project: { id?: string; number?: string };
  cluster: { context?: string; kubeconfig?: string; platform?: Platform | string; issuer?: string; jwksUploaded?: boolean; identity?: Record<string, string> };
  pool: { id?: string; displayName?: string; description?: string };
  provider: {
    id?: string;
    displayName?: string;
    description?: string;
    issuerUri?: string;
    jwksFile?: string;
    attributeMapping: AttributeMapping;
    attributeCondition?: string;
    allowedAudiences: string[];
    /** Fragments of --attribute-mapping that were not `key=value` (validation reports them). */
    mappingBad?: string[];
    mappingPreset?: string;
  };
  serviceAccount?: { email: string; create?: boolean; tokenLifetime?: number | string };
  access: { ksas: (KsaRef | string)[]; namespace?: string; roles: string[]; resource?: string; force: boolean; allowNamespaces: string[]; allowKsas: (KsaRef | string)[] };
  workload: { tokenPath: string; tokenExpiration: number | string; configMapName: string; out?: string; namespace?: string; ksa?: string };
  accessTokenFile?: string;
  dryRun: boolean;
  yes: boolean;
  /** `--token-lifetime` given without a service account (validation reports it; it has no effect). */
  tokenLifetimeWithoutServiceAccount?: number | string;
  /**
   * Where each value came from, for error messages: `--pool`, `wif.yaml: pool.id`, `GOOGLE_CLOUD_PROJECT`…
   * Keyed by the Settings path (e.g. `pool.id`, `provider.attributeMapping`). Absent keys: the flag.
   */
  origins?: Record<string, string>;
}

/** `NS/NAME` → KsaRef, or the raw string when malformed (validation names it). */
export function parseKsa(s: string): KsaRef | string {
  const m = /^([^/]+)\/([^/]+)$/.exec(s.trim());
  return m ? { namespace: m[1], name: m[2] } : s;
}

function num(v: unknown): number | string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  return /^\d+$/.test(s) ? Number(s) : s;
}

/** Merge wif.yaml, flags and env into Settings (no validation). */
export function mergeSettings(flags: RawFlags, cfg: WifYaml | undefined, env: Record<string, string | undefined>, configPath: string): Settings {
  const f = flags as Record<string, unknown>;
  const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
  const arr = (k: string) => (Array.isArray(f[k]) ? (f[k] as string[]) : []);

  let mapping: AttributeMapping = { ...(cfg?.provider.attributeMapping ?? MAPPING_PRESETS.subject) };
  let mappingBad: string[] | undefined;
  const preset = str('mappingPreset');
  if (preset && preset in MAPPING_PRESETS) mapping = { ...MAPPING_PRESETS[preset as keyof typeof MAPPING_PRESETS] };
  const mappingFlag = str('attributeMapping');
  if (mappingFlag !== undefined) {
    const p = parseMappingFlag(mappingFlag);
    mapping = p.mapping;
    mappingBad = p.bad;
  }
  const allowNamespaces = arr('allowNamespace');
  const allowKsas = arr('allowKsa').map(parseKsa);
  const built = buildCondition(allowNamespaces, allowKsas.filter((k): k is KsaRef => typeof k !== 'string'));
  const condition = str('attributeCondition') ?? built ?? cfg?.provider.attributeCondition;

  // wif.yaml describes one cluster: with a different --context, its cluster facts (platform, issuer, JWKS upload,
  // identity) belong to another cluster and must be detected afresh, not inherited.
  const ctxFlag = str('context');
  const sameCluster = ctxFlag === undefined || cfg?.cluster?.context === undefined || ctxFlag === cfg.cluster.context;
  const clusterCfg = sameCluster ? cfg?.cluster : undefined;

  const saEmail = str('serviceAccount') ?? cfg?.serviceAccount?.email;
  const lifetime = num(f.tokenLifetime) ?? cfg?.serviceAccount?.tokenLifetime;
  return {
    configPath,
    config: cfg,
    project: {
      id: str('project') ?? cfg?.project.id ?? env.GOOGLE_CLOUD_PROJECT ?? env.CLOUDSDK_CORE_PROJECT,
      number: str('projectNumber') ?? cfg?.project.number,
    },
    cluster: {
      context: str('context') ?? cfg?.cluster?.context,
      kubeconfig: str('kubeconfig') ?? cfg?.cluster?.kubeconfig,
      platform: str('platform') ?? clusterCfg?.platform,
      issuer: str('issuerUri') ?? clusterCfg?.issuer,
      jwksUploaded: clusterCfg?.jwksUploaded,
      identity: clusterCfg?.identity,
    },
    pool: { id: str('pool') ?? cfg?.pool.id, displayName: cfg?.pool.displayName, description: cfg?.pool.description },
    provider: {
      id: str('provider') ?? cfg?.provider.id,
      displayName: cfg?.provider.displayName,
      description: cfg?.provider.description,
      issuerUri: str('issuerUri') ?? (sameCluster ? cfg?.provider.issuerUri ?? cfg?.cluster?.issuer : undefined),
      jwksFile: str('jwksFile'),
      attributeMapping: mapping,
      attributeCondition: condition,
      allowedAudiences: arr('allowedAudience').length ? arr('allowedAudience') : (cfg?.provider.allowedAudiences ?? []),
      mappingBad,
      mappingPreset: preset,
    },
    serviceAccount: saEmail ? { email: saEmail, create: !!f.createServiceAccount || cfg?.serviceAccount?.create, tokenLifetime: lifetime } : undefined,
    access: {
      ksas: arr('ksa').map(parseKsa),
      namespace: str('namespace'),
      roles: arr('role'),
      resource: str('resource'),
      force: !!f.force,
      allowNamespaces,
      allowKsas,
    },
    workload: {
      tokenPath: str('tokenPath') ?? cfg?.workload.tokenPath ?? DEFAULT_TOKEN_PATH,
      tokenExpiration: num(f.tokenExpiration) ?? cfg?.workload.tokenExpiration ?? DEFAULT_TOKEN_EXPIRATION,
      configMapName: cfg?.workload.configMapName ?? DEFAULT_CONFIGMAP_NAME,
      out: str('out') ?? cfg?.workload.outDir,
      namespace: cfg?.workload.namespace,
      ksa: cfg?.workload.ksa,
    },
    accessTokenFile: str('accessTokenFile'),
    dryRun: !!f.dryRun,
    yes: !!f.yes,
    tokenLifetimeWithoutServiceAccount: saEmail ? undefined : num(f.tokenLifetime),
    origins: originsOf(f, cfg, env, basename(configPath)),
  };
}

/** Settings path → [flag property, flag label, wif.yaml paths tried in order]. */
const ORIGINS: [string, string, string, string[]][] = [
  ['project.id', 'project', '--project', ['project.id']],
  ['project.number', 'projectNumber', '--project-number', ['project.number']],
  ['cluster.platform', 'platform', '--platform', ['cluster.platform']],
  ['provider.issuerUri', 'issuerUri', '--issuer-uri', ['provider.issuerUri', 'cluster.issuer']],
  ['pool.id', 'pool', '--pool', ['pool.id']],
  ['pool.displayName', '', '', ['pool.displayName']],
  ['pool.description', '', '', ['pool.description']],
  ['provider.id', 'provider', '--provider', ['provider.id']],
  ['provider.displayName', '', '', ['provider.displayName']],
  ['provider.description', '', '', ['provider.description']],
  ['provider.attributeMapping', 'attributeMapping', '--attribute-mapping', ['provider.attributeMapping']],
  ['provider.attributeCondition', 'attributeCondition', '--attribute-condition', ['provider.attributeCondition']],
  ['provider.allowedAudiences', 'allowedAudience', '--allowed-audience', ['provider.allowedAudiences']],
  ['serviceAccount.email', 'serviceAccount', '--service-account', ['serviceAccount.email']],
  ['serviceAccount.tokenLifetime', 'tokenLifetime', '--token-lifetime', ['serviceAccount.tokenLifetime']],
  ['workload.tokenPath', 'tokenPath', '--token-path', ['workload.tokenPath']],
  ['workload.tokenExpiration', 'tokenExpiration', '--token-expiration', ['workload.tokenExpiration']],
  ['workload.namespace', '', '', ['workload.namespace']],
  ['workload.ksa', '', '', ['workload.ksa']],
];

function at(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);
}

/** Label each value with its source: the flag if given, else the wif.yaml field, else the env var. */
function originsOf(f: Record<string, unknown>, cfg: WifYaml | undefined, env: Record<string, string | undefined>, file: string): Record<string, string> {
  const out: Record<string, string> = { 'config.file': file };
  const given = (k: string) => k !== '' && f[k] !== undefined && !(Array.isArray(f[k]) && !(f[k] as unknown[]).length);
  for (const [key, flag, label, paths] of ORIGINS) {
    if (given(flag)) { out[key] = label; continue; }
    const p = paths.find((x) => at(cfg, x) !== undefined);
    if (p) out[key] = `${file}: ${p}`;
  }
  if (!given('project') && !cfg?.project.id) {
    if (env.GOOGLE_CLOUD_PROJECT) out['project.id'] = 'GOOGLE_CLOUD_PROJECT';
    else if (env.CLOUDSDK_CORE_PROJECT) out['project.id'] = 'CLOUDSDK_CORE_PROJECT';
  }
  if (!given('attributeMapping') && typeof f.mappingPreset === 'string' && f.mappingPreset in MAPPING_PRESETS) out['provider.attributeMapping'] = '--mapping-preset';
  if (!given('attributeCondition') && (given('allowNamespace') || given('allowKsa'))) out['provider.attributeCondition'] = '--allow-namespace/--allow-ksa';
  return out;
}

/**
 * Read wif.yaml (from --config, relative to the cwd), merge flags and env, validate every field the
 * command needs, and throw one ValidationError (exit 2) listing all problems.
 */
export async function resolveSettings(ctx: Ctx, flags: RawFlags, required: readonly RequiredField[] = [], extra: Problem[] = []): Promise<Settings> {
  const configPath = isAbsolute(ctx.global.config) ? ctx.global.config : resolve(ctx.io.cwd, ctx.global.config);
  const cfg = await readWifYaml(configPath);
  const s = mergeSettings(flags, cfg, ctx.io.env, configPath);
  assertNoProblems([...extra, ...validateSettings(s, required, { cwd: ctx.io.cwd })]);
  return s;
}
