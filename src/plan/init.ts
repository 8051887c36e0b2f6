/**
 * Pure helpers of `wif init`: the live condition preview, the default answers, and the equivalent
 * non-interactive command line printed at the end.
 */
import type { KsaRef } from '../model/settings.js';
import { describeCondition } from './condition.js';

export interface ConditionPreview {
  admitted: string[];
  refused: string[];
}

/**
 * Which of `ksas` the provider would admit (condition.ts describeCondition: claims synthesized as
 * kube-apiserver issues them, mapped, then the condition evaluated as STS does).
 */
export function previewCondition(mapping: Record<string, string>, condition: string | undefined, ksas: readonly KsaRef[], issuer?: string): ConditionPreview {
  const out: ConditionPreview = { admitted: [], refused: [] };
  for (const v of describeCondition(condition, mapping, ksas, { issuer })) (v.admitted ? out.admitted : out.refused).push(v.ksa);
  return out;
}

/** "admits backend/api, refuses default/default" (at most `max` names per side). */
export function previewText(p: ConditionPreview, max = 6): string {
  const list = (xs: string[]) => (xs.length > max ? `${xs.slice(0, max).join(', ')} and ${xs.length - max} more` : xs.join(', '));
  const parts: string[] = [];
  parts.push(p.admitted.length ? `admits ${list(p.admitted)}` : 'admits none of the listed service accounts');
  if (p.refused.length) parts.push(`refuses ${list(p.refused)}`);
  return parts.join('; ');
}

/** Shell-quote one argument for a POSIX shell (only when needed). */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Flag order of the printed command (the order the wizard asks). */
const ORDER: [key: string, flag: string][] = [
  ['context', '--context'], ['kubeconfig', '--kubeconfig'], ['platform', '--platform'], ['project', '--project'],
  ['pool', '--pool'], ['provider', '--provider'], ['issuerUri', '--issuer-uri'], ['jwksFile', '--jwks-file'],
  ['mappingPreset', '--mapping-preset'], ['attributeMapping', '--attribute-mapping'],
  ['allowNamespace', '--allow-namespace'], ['allowKsa', '--allow-ksa'], ['attributeCondition', '--attribute-condition'],
  ['allowedAudience', '--allowed-audience'], ['ksa', '--ksa'], ['namespace', '--namespace'], ['role', '--role'],
  ['resource', '--resource'], ['serviceAccount', '--service-account'], ['createServiceAccount', '--create-service-account'],
  ['tokenPath', '--token-path'], ['tokenExpiration', '--token-expiration'], ['tokenLifetime', '--token-lifetime'],
  ['out', '--out'], ['applyManifests', '--apply-manifests'], ['wait', '--wait'], ['force', '--force'],
];

/**
 * `wif init --yes …` answering every question the same way, for CI or a re-run. `verify: false` adds
 * `--no-verify`; `config` adds `--config` when it is not the default.
 */
export function equivalentCommand(answers: Record<string, unknown>, opts: { verify: boolean; config?: string }): string {
  const args = ['wif', 'init', '--yes'];
  if (opts.config && opts.config !== './wif.yaml') args.push('--config', shq(opts.config));
  for (const [key, flag] of ORDER) {
    const v = answers[key];
    if (v === undefined || v === false || v === '' || (Array.isArray(v) && !v.length)) continue;
    if (v === true) args.push(flag);
    else for (const x of Array.isArray(v) ? v : [v]) args.push(flag, shq(String(x)));
  }
  if (!opts.verify) args.push('--no-verify');
  return args.join(' ');
}
