/**
 * Wizard questions about who may federate and what they get: mapping, workloads (KSAs), condition,
 * direct access vs impersonation, roles. Prompts only; every question names its flag.
 */
import type { WifYaml } from '../model/config.js';
import { parseKsa, type KsaRef } from '../model/settings.js';
import { checkExpression } from '../plan/cel.js';
import { buildCondition } from '../plan/condition.js';
import { MAPPING_PRESETS, parseMappingFlag } from '../plan/mapping.js';
import * as rules from '../plan/rules.js';
import { missing, type Asker } from './ask.js';
import { ACCESS_CHOICES, COMMON_ROLES, CONDITION_CHOICES, MAPPING_CHOICES, type AccessMode, type ConditionMode } from './choices.js';
import type { Answers } from './init.js';

const NEW = '__new__';
const OTHER = '__other__';
const key = (k: KsaRef) => `${k.namespace}/${k.name}`;
const refs = (xs: unknown): KsaRef[] => (Array.isArray(xs) ? xs : []).map((s) => parseKsa(String(s))).filter((k): k is KsaRef => typeof k !== 'string');

/** `--mapping-preset` / `--attribute-mapping`; returns the mapping in effect. */
export async function askMapping(a: Asker, ans: Answers, cfg: WifYaml | undefined): Promise<Record<string, string>> {
  if (typeof ans.attributeMapping === 'string') return parseMappingFlag(ans.attributeMapping).mapping;
  if (ans.mappingPreset === undefined && cfg && !a.asking) {
    // Recorded in wif.yaml: keep it, and name it so the equivalent command reproduces it.
    const m = cfg.provider.attributeMapping;
    const preset = Object.entries(MAPPING_PRESETS).find(([, p]) => JSON.stringify(p) === JSON.stringify(m))?.[0];
    if (preset) ans.mappingPreset = preset;
    else ans.attributeMapping = Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',');
    return m;
  }
  ans.mappingPreset ??= await a.select({ key: 'mappingPreset', flag: '--mapping-preset', message: 'Attribute mapping (which token claims Google sees):', choices: MAPPING_CHOICES, default: 'kubernetes' });
  if (ans.mappingPreset !== 'custom') return { ...(MAPPING_PRESETS[ans.mappingPreset as keyof typeof MAPPING_PRESETS] ?? MAPPING_PRESETS.subject) };
  delete ans.mappingPreset;
  const validate = (v: string) => {
    const { mapping, bad } = parseMappingFlag(v);
    if (bad.length) return `not key=value: ${bad.join(', ')}`;
    if (!mapping['google.subject']) return 'google.subject is required';
    for (const [k, e] of Object.entries(mapping)) {
      const r = checkExpression(e, 'mapping');
      if (!r.ok) return `${k}: ${r.message}`;
    }
    return true;
  };
  ans.attributeMapping = await a.input({ key: 'attributeMapping', flag: '--attribute-mapping', message: 'Attribute mapping (key=CEL, comma-separated):', default: 'google.subject=assertion.sub', validate });
  return parseMappingFlag(String(ans.attributeMapping)).mapping;
}

/** `--ksa`: existing service accounts of the cluster, or a new one to create. */
export async function askWorkloads(a: Asker, ans: Answers, listed: KsaRef[], cfg: WifYaml | undefined): Promise<KsaRef[]> {
  if (Array.isArray(ans.ksa) && ans.ksa.length) return refs(ans.ksa);
  const recorded = (cfg?.grants ?? []).map((g) => g.ksa).filter((k): k is string => !!k);
  if (!a.asking) {
    if (recorded.length) return refs((ans.ksa = recorded));
    missing({ flag: '--ksa', message: 'Kubernetes service account(s) to grant access, as NAMESPACE/NAME' });
  }
  const firstApp = listed.find((k) => k.name !== 'default');
  const choices = [
    ...listed.map((k) => ({ name: key(k), value: key(k), checked: recorded.length ? recorded.includes(key(k)) : k === firstApp })),
    { name: 'a new service account (wif creates it)…', value: NEW, checked: !recorded.length && !firstApp },
  ];
  const picked = await a.checkbox({ key: 'ksa', flag: '--ksa', message: 'Which Kubernetes service accounts get Google access?', choices });
  const out = picked.filter((p) => p !== NEW);
  if (picked.includes(NEW) || !out.length) {
    out.push(await a.input({ key: 'newKsa', flag: '--ksa', message: 'New service account, as NAMESPACE/NAME:', default: 'wif-demo/app', validate: (v) => rules.ksaRef(v.trim())?.message ?? true }));
  }
  ans.ksa = out.map((s) => s.trim());
  return refs(ans.ksa);
}

export interface ConditionInput {
  mapping: Record<string, string>;
  listed: KsaRef[];
  ksas: KsaRef[];
  cfg?: WifYaml;
  issuer?: string;
}

/** `--allow-ksa` / `--allow-namespace` / `--attribute-condition`; returns the condition in effect. */
export async function askCondition(a: Asker, ans: Answers, i: ConditionInput): Promise<string | undefined> {
  if (typeof ans.attributeCondition === 'string') return ans.attributeCondition;
  const nsFlag = Array.isArray(ans.allowNamespace) ? (ans.allowNamespace as string[]) : [];
  const ksaFlag = refs(ans.allowKsa);
  if (nsFlag.length || ksaFlag.length) return buildCondition(nsFlag, ksaFlag);
  if (!a.asking && i.cfg?.provider.attributeCondition) return keepRecordedCondition(ans, i.cfg, i.ksas);
  const mode = await a.select<ConditionMode>({ key: 'conditionMode', flag: '--allow-ksa', message: 'Attribute condition (which tokens Google accepts at all):', choices: CONDITION_CHOICES, default: 'ksas' });
  if (mode === 'ksas') {
    ans.allowKsa = i.ksas.map(key);
    return buildCondition([], i.ksas);
  }
  if (mode === 'namespaces') {
    const all = [...new Set([...i.listed, ...i.ksas].map((k) => k.namespace))].sort();
    const granted = new Set(i.ksas.map((k) => k.namespace));
    const ns = await a.checkbox({ key: 'allowNamespace', flag: '--allow-namespace', message: 'Admit these namespaces:', choices: all.map((n) => ({ name: n, value: n, checked: granted.has(n) })) });
    ans.allowNamespace = ns;
    return buildCondition(ns, []);
  }
  if (mode === 'custom') {
    const mapped = Object.keys(i.mapping).filter((k) => k.startsWith('attribute.'));
    const validate = (v: string) => { const r = checkExpression(v, 'condition', mapped); return r.ok ? true : r.message; };
    ans.attributeCondition = await a.input({ key: 'attributeCondition', flag: '--attribute-condition', message: 'CEL condition:', default: buildCondition([], i.ksas), validate });
    return String(ans.attributeCondition);
  }
  return undefined;
}

/**
 * Re-run without prompts: a condition wif built from the recorded KSAs grows to admit the KSAs granted now;
 * a condition the user wrote is kept as is.
 */
function keepRecordedCondition(ans: Answers, cfg: WifYaml, ksas: KsaRef[]): string {
  const cond = cfg.provider.attributeCondition!;
  const recorded = refs(cfg.grants.map((g) => g.ksa).filter(Boolean));
  if (cond !== buildCondition([], recorded)) return (ans.attributeCondition = cond);
  const all = [...new Map([...recorded, ...ksas].map((k) => [key(k), k])).values()];
  ans.allowKsa = all.map(key);
  return buildCondition([], all)!;
}

/** Direct access or impersonation (`--service-account`, `--create-service-account`). */
export async function askAccess(a: Asker, ans: Answers, cfg: WifYaml | undefined, project: string): Promise<AccessMode> {
  if (typeof ans.serviceAccount === 'string') return 'impersonation';
  if (!a.asking) {
    if (cfg?.serviceAccount) ans.serviceAccount = cfg.serviceAccount.email;
    return ans.serviceAccount ? 'impersonation' : 'direct';
  }
  const mode = await a.select<AccessMode>({ key: 'access', flag: '--service-account', message: 'How should the workloads access Google Cloud?', choices: ACCESS_CHOICES, default: cfg?.serviceAccount ? 'impersonation' : 'direct' });
  if (mode === 'direct') return mode;
  ans.serviceAccount = await a.input({ key: 'serviceAccount', flag: '--service-account', message: 'Google service account to impersonate (email):', default: cfg?.serviceAccount?.email ?? `wif-workload@${project}.iam.gserviceaccount.com`, validate: (v) => rules.serviceAccountEmail(v.trim())?.message ?? true });
  if (ans.createServiceAccount === undefined) {
    ans.createServiceAccount = await a.confirm({ key: 'createServiceAccount', flag: '--create-service-account', message: 'Create it if it does not exist?', default: true });
  }
  return mode;
}

/** `--role`: common roles or typed ones (validated). Impersonation may grant none (roles given later). */
export async function askRoles(a: Asker, ans: Answers, cfg: WifYaml | undefined): Promise<void> {
  if (Array.isArray(ans.role) && ans.role.length) return;
  const recorded = [...new Set((cfg?.grants ?? []).flatMap((g) => g.roles))];
  const impersonating = typeof ans.serviceAccount === 'string';
  if (!a.asking) {
    if (recorded.length) ans.role = recorded;
    else if (!impersonating) missing({ flag: '--role', message: 'IAM role(s) to grant (direct access needs at least one), e.g. roles/storage.objectViewer' });
    return;
  }
  const pre = recorded.length ? recorded : impersonating ? [] : [COMMON_ROLES[0].value];
  const extra = recorded.filter((r) => !COMMON_ROLES.some((c) => c.value === r)).map((r) => ({ name: r, value: r, checked: true }));
  const choices = [...COMMON_ROLES.map((c) => ({ ...c, checked: pre.includes(c.value) })), ...extra, { name: 'another role (type it)…', value: OTHER }];
  const who = impersonating ? 'the service account' : 'the Kubernetes service accounts';
  const picked = await a.checkbox({ key: 'role', flag: '--role', message: `Roles to grant ${who} on the project:`, choices });
  const roles = picked.filter((r) => r !== OTHER);
  if (picked.includes(OTHER)) {
    const typed = await a.input({ key: 'customRole', flag: '--role', message: 'Role (roles/NAME, or projects/P/roles/ID), comma-separated for several:', validate: (v) => v.split(',').map((x) => rules.role(x.trim())?.message).find(Boolean) ?? true });
    roles.push(...typed.split(',').map((x) => x.trim()).filter(Boolean));
  }
  ans.role = roles;
}
