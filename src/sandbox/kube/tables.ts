/**
 * Server-side printing: `kubectl get` asks for `application/json;as=Table;v=v1;g=meta.k8s.io` and prints the
 * columns the server chooses (pkg/printers/internalversion/printers.go). Workloads are not run, so Deployments
 * report 0 ready/available replicas.
 */
import type { KObj } from './store.js';

type O = Record<string, any>;
type Col = [name: string, type: string, priority?: number];

/** True when the Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((p) => p.includes('as=Table') && p.includes('g=meta.k8s.io'));
}

/** duration.HumanDuration (k8s.io/apimachinery/pkg/util/duration). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 ? `${y}y${d % 365}d` : `${y}y`;
  return `${y}y`;
}

function podRow(o: KObj): [Col[], unknown[]] {
  const cs: O[] = o.status?.containerStatuses ?? [];
  const waiting = cs.find((c) => c.state?.waiting)?.state.waiting.reason;
  const ready = `${cs.filter((c) => c.ready).length}/${(o.spec?.containers ?? []).length}`;
  const restarts = String(cs.reduce((n, c) => n + (c.restartCount ?? 0), 0));
  return [
    [['Ready', 'string'], ['Status', 'string'], ['Restarts', 'string'], ['Age', 'string'], ['IP', 'string', 1], ['Node', 'string', 1], ['Nominated Node', 'string', 1], ['Readiness Gates', 'string', 1]],
    [ready, waiting ?? o.status?.phase ?? 'Pending', restarts, '', o.status?.podIP ?? '<none>', o.spec?.nodeName ?? '<none>', '<none>', '<none>'],
  ];
}

function columnsFor(o: KObj, age: string): [Col[], unknown[]] {
  switch (o.kind) {
    case 'Pod': {
      const [cols, cells] = podRow(o);
      cells[3] = age;
      return [cols, cells];
    }
    case 'Namespace': return [[['Status', 'string'], ['Age', 'string']], [o.status?.phase ?? 'Active', age]];
    case 'ServiceAccount': return [[['Secrets', 'string'], ['Age', 'string']], [(o.secrets ?? []).length, age]];
    case 'ConfigMap': return [[['Data', 'string'], ['Age', 'string']], [Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age]];
    case 'Deployment': {
      const c: O[] = o.spec?.template?.spec?.containers ?? [];
      return [
        [['Ready', 'string'], ['Up-to-date', 'string'], ['Available', 'string'], ['Age', 'string'], ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1]],
        [`0/${o.spec?.replicas ?? 1}`, 0, 0, age, c.map((x) => x.name).join(','), c.map((x) => x.image).join(','), Object.entries(o.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')],
      ];
    }
    case 'Secret': return [[['Type', 'string'], ['Data', 'string'], ['Age', 'string']], [o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age]];
    case 'StatefulSet': return [[['Ready', 'string'], ['Age', 'string']], [`0/${o.spec?.replicas ?? 1}`, age]];
    case 'Node': return [[['Status', 'string'], ['Roles', 'string'], ['Age', 'string'], ['Version', 'string']], ['Ready', '<none>', age, o.status?.nodeInfo?.kubeletVersion ?? '']];
    case 'ClusterRole': case 'Role': return [[['Created At', 'date']], [o.metadata.creationTimestamp]];
    case 'ClusterRoleBinding': case 'RoleBinding': return [[['Role', 'string'], ['Age', 'string']], [`${o.roleRef?.kind}/${o.roleRef?.name}`, age]];
    default: return [[['Age', 'string']], [age]];
  }
}

/** A meta.k8s.io/v1 Table of objects of one kind (kind is passed for empty lists). */
export function toTable(objects: KObj[], kind: string, now: Date, resourceVersion?: string): object {
  const sample = objects[0] ?? ({ kind, metadata: { name: '' } } as KObj);
  const [cols] = columnsFor(sample, '');
  const columnDefinitions = [['Name', 'string'] as Col, ...cols].map(([name, type, priority], i) => ({
    name, type, format: i === 0 ? 'name' : '', description: i === 0 ? 'Name must be unique within a namespace.' : '', priority: priority ?? 0,
  }));
  const rows = objects.map((o) => {
    const created = Date.parse(String(o.metadata.creationTimestamp ?? ''));
    const age = Number.isNaN(created) ? '<unknown>' : humanDuration(now.getTime() - created);
    return { cells: [o.metadata.name, ...columnsFor(o, age)[1]], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } };
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: resourceVersion ? { resourceVersion } : {}, columnDefinitions, rows };
}
