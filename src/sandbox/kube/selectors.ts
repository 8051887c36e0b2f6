/**
 * `labelSelector` (equality and set-based: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`) and
 * `fieldSelector` (`metadata.name`, `metadata.namespace`, and for pods `spec.nodeName`, `spec.serviceAccountName`,
 * `status.phase`) for list requests.
 */
import { errors } from './status.js';
import type { KObj } from './store.js';

type Pred = (o: KObj) => boolean;

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

function labelRequirement(req: string): Pred {
  const labels = (o: KObj) => o.metadata.labels ?? {};
  let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(req);
  if (m) {
    const [, key, op, list] = m;
    const values = list.split(',').map((v) => v.trim());
    return op === 'in' ? (o) => values.includes(labels(o)[key]) : (o) => !values.includes(labels(o)[key]);
  }
  m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(req);
  if (m) {
    const [, key, op, value] = m;
    return op === '!=' ? (o) => labels(o)[key] !== value : (o) => labels(o)[key] === value;
  }
  m = /^(!?)([^\s!=()]+)$/.exec(req);
  if (m) return m[1] ? (o) => !(m![2] in labels(o)) : (o) => m![2] in labels(o);
  throw errors.badRequest(`unable to parse requirement: found '${req}', expected: in, notin, =, ==, !=, gt, lt`);
}

const FIELDS: Record<string, (o: KObj) => unknown> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
  'spec.nodeName': (o) => o.spec?.nodeName ?? '',
  'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
  'status.phase': (o) => o.status?.phase ?? '',
};

function fieldRequirement(req: string, kind: string): Pred {
  const m = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(req);
  if (!m) throw errors.badRequest(`invalid selector: '${req}'; can't understand '${req}'`);
  const [, field, op, value] = m;
  const get = FIELDS[field];
  if (!get || (field.startsWith('spec.') || field.startsWith('status.')) && kind !== 'Pod') {
    throw errors.badRequest(`field label not supported: ${field}`);
  }
  return op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value;
}

/** A predicate for the list's `labelSelector` and `fieldSelector` query parameters (400 BadRequest when unparsable). */
export function listFilter(url: URL, kind: string): Pred {
  const preds: Pred[] = [];
  for (const r of splitTopLevel(url.searchParams.get('labelSelector') ?? '')) preds.push(labelRequirement(r));
  for (const r of splitTopLevel(url.searchParams.get('fieldSelector') ?? '')) preds.push(fieldRequirement(r, kind));
  return (o) => preds.every((p) => p(o));
}
