/**
 * The `wif init` wizard: prompts only. It fills the flags the user did not pass (the same input CI passes
 * as flags), using what the command observed (contexts, detection, the cluster's KSAs) for choices and
 * defaults. Every question has a `key` (scripted tests) and the `flag` that answers it.
 */
import type { WifYaml } from '../model/config.js';
import type { KsaRef } from '../model/settings.js';
import { parseKsa } from '../model/settings.js';
import { previewCondition, previewText } from '../plan/init.js';
import { proposeIds } from '../plan/ids.js';
import * as rules from '../plan/rules.js';
import type { Asker } from './ask.js';
import { askAccess, askCondition, askMapping, askRoles, askWorkloads } from './identity.js';

/** What detection found, as the wizard shows it. */
export interface DetectView {
  platform: string;
  issuer?: string;
  jwksUploadRequired?: boolean;
  identity?: Record<string, string>;
  /** Lines shown under "Detected". */
  summary: string[];
}

/** What the wizard may look at; the command provides it (kubectl, detection) so the wizard does no I/O. */
export interface WizardData {
  contexts(): Promise<{ names: string[]; current?: string }>;
  detect(context: string): Promise<DetectView>;
  /** Every ServiceAccount of the cluster. */
  listKsas(context: string): Promise<KsaRef[]>;
  defaultProject?: string;
  /** Existing wif.yaml: its values are the defaults of a re-run. */
  config?: WifYaml;
  say(line: string): void;
}

/** The flags object completed by the wizard (commander's camelCase keys). */
export type Answers = Record<string, unknown>;

const check = (rule: (v: string) => { message: string } | undefined) => (v: string) => rule(v.trim())?.message ?? true;

/** Ask only what `flags` leaves open; returns the completed flags and the detection shown. */
export async function askInit(a: Asker, data: WizardData, flags: Answers): Promise<{ answers: Answers; detection: DetectView }> {
  const ans: Answers = { ...flags };
  const cfg = data.config;
  const context = await askContext(a, data, ans);
  const detection = await data.detect(context);
  data.say(`Detected: ${detection.summary.join('; ')}`);
  ans.platform ??= detection.platform;
  ans.project ??= await a.input({ key: 'project', flag: '--project', message: 'Google Cloud project ID:', default: cfg?.project.id ?? data.defaultProject, validate: check(rules.projectId) });
  const ids = proposeIds({ platform: String(ans.platform), identity: detection.identity, issuer: detection.issuer, context });
  const gkePool = gkeWorkloadPool(ans, detection);
  if (gkePool) {
    ans.pool = gkePool;
    ans.provider ??= cfg?.provider.id ?? ids.provider;
    data.say(`GKE: workloads use the project's workload pool ${gkePool} and GKE principals (principal://…/${gkePool}/subject/ns/NS/sa/KSA); no pool or provider to create.`);
    await askWorkloads(a, ans, await data.listKsas(context), cfg);
  } else {
    ans.pool ??= await a.input({ key: 'pool', flag: '--pool', message: 'Workload identity pool ID (one per cluster):', default: cfg?.pool.id ?? ids.pool, validate: check(rules.poolId) });
    ans.provider ??= await a.input({ key: 'provider', flag: '--provider', message: 'Provider ID:', default: cfg?.provider.id ?? ids.provider, validate: check(rules.providerId) });
    await askWho(a, ans, data, context, detection);
  }
  await askAccess(a, ans, cfg, String(ans.project));
  await askRoles(a, ans, cfg);
  await askOutput(a, ans, cfg);
  return { answers: ans, detection };
}

/** GKE's built-in pool `PROJECT_ID.svc.id.goog`, unless --pool names a pool of wif's own. */
function gkeWorkloadPool(ans: Answers, d: DetectView): string | undefined {
  if (ans.platform !== 'gke' || (typeof ans.pool === 'string' && !ans.pool.endsWith('.svc.id.goog'))) return undefined;
  return typeof ans.pool === 'string' ? ans.pool : d.identity?.workloadPool ?? `${d.identity?.projectId ?? String(ans.project)}.svc.id.goog`;
}

/** Mapping, KSAs and the condition, with the live preview of what the condition admits. */
async function askWho(a: Asker, ans: Answers, data: WizardData, context: string, detection: DetectView): Promise<void> {
  const cfg = data.config;
  const mapping = await askMapping(a, ans, cfg);
  const listed = await data.listKsas(context);
  const ksas = await askWorkloads(a, ans, listed, cfg);
  const condition = await askCondition(a, ans, { mapping, listed, ksas, cfg, issuer: detection.issuer });
  const preview = previewCondition(mapping, condition, uniq([...listed, ...ksas]), detection.issuer);
  data.say(condition ? `Condition preview: ${previewText(preview)}` : 'No attribute condition: every service account of the cluster may federate.');
  const refusedGrant = ksas.map(name).filter((k) => preview.refused.includes(k));
  if (refusedGrant.length) data.say(`warning: the condition refuses ${refusedGrant.join(', ')}, which you are granting access to.`);
}

async function askContext(a: Asker, data: WizardData, ans: Answers): Promise<string> {
  if (typeof ans.context === 'string') return ans.context;
  const { names, current } = await data.contexts();
  const fromCfg = data.config?.cluster?.context;
  const ordered = uniqStr([...(current ? [current] : []), ...names]);
  const dflt = fromCfg && names.includes(fromCfg) ? fromCfg : current;
  const choices = ordered.map((n) => ({ name: n === current ? `${n} (current)` : n, value: n }));
  if (!choices.length && !a.asking) return '';
  ans.context = await a.select({ key: 'context', flag: '--context', message: 'Kubernetes context:', choices, default: dflt });
  return String(ans.context);
}

async function askOutput(a: Asker, ans: Answers, cfg: WifYaml | undefined): Promise<void> {
  ans.out ??= await a.input({ key: 'out', flag: '--out', message: 'Directory for the rendered files (cred-config, ConfigMap, ServiceAccount, pod, patch):', default: cfg?.workload.outDir ?? 'wif-out' });
  if (ans.applyManifests === undefined) {
    ans.applyManifests = a.asking ? await a.confirm({ key: 'applyManifests', flag: '--apply-manifests', message: 'Apply the ConfigMap, ServiceAccount and test pod to the cluster with kubectl?', default: true }) : false;
  }
  if (ans.wait === undefined && a.asking && ans.verify !== false) {
    ans.wait = await a.input({ key: 'wait', flag: '--wait', message: 'How long may verify retry IAM propagation errors (0 = not at all)?', default: '2m', validate: (v) => (/^(\d+(ms|h|m|s)?)+$/.test(v.trim()) ? true : 'a duration such as 90s, 5m or 0') });
  }
}

export const name = (k: KsaRef) => `${k.namespace}/${k.name}`;
function uniq(ks: KsaRef[]): KsaRef[] {
  const seen = new Set<string>();
  return ks.filter((k) => (seen.has(name(k)) ? false : (seen.add(name(k)), true)));
}
function uniqStr(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Parsed `--ksa` values (malformed ones are left to validation). */
export function ksaRefs(v: unknown): KsaRef[] {
  return (Array.isArray(v) ? v : []).map((s) => parseKsa(String(s))).filter((k): k is KsaRef => typeof k !== 'string');
}

