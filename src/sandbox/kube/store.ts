/**
 * The in-memory object store standing in for etcd: one global resourceVersion counter, server-assigned uid and
 * creationTimestamp, metadata.generation for kinds with a spec, and objects kept in the key order the API server
 * serialises them (kind, apiVersion, metadata{name, namespace, uid, resourceVersion, …}, then the body).
 */
import { randomUUID } from 'node:crypto';
import { groupVersion, type ResourceDef } from './resources.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

/** A stored Kubernetes object (JSON). */
export interface KObj {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [k: string]: any;
}

const META_ORDER = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers'];

/** RFC 3339 with seconds, as metav1.Time marshals. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function ordered(def: ResourceDef, obj: KObj): KObj {
  const meta: ObjectMeta = { name: obj.metadata.name };
  for (const k of META_ORDER) if (obj.metadata[k] !== undefined) meta[k] = obj.metadata[k];
  for (const [k, v] of Object.entries(obj.metadata)) if (!(k in meta) && v !== undefined) meta[k] = v;
  const out: KObj = { kind: def.kind, apiVersion: groupVersion(def), metadata: meta };
  for (const [k, v] of Object.entries(obj)) if (!['kind', 'apiVersion', 'metadata'].includes(k) && v !== undefined) out[k] = v;
  return out;
}

/** A deletion, remembered so watches can replay it as a DELETED event. */
export interface Tombstone {
  resource: string;
  group: string;
  namespace: string;
  object: KObj;
}

export class Store {
  private objects = new Map<string, KObj>();
  private rv = 0;
  private tombstones: Tombstone[] = [];
  /** The resourceVersion at which each live object was created (ADDED vs MODIFIED for watches). */
  private created = new Map<string, number>();
  private listeners = new Set<() => void>();

  /** Call fn after every write (watches wait on this); returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn();
  }

  /** Deletions of the kind (in ns when given) after resourceVersion `since`, newest last. */
  deletedSince(def: ResourceDef, since: number, ns?: string): KObj[] {
    return this.tombstones.filter((t) => t.group === def.group && t.resource === def.resource && (!ns || t.namespace === ns) && Number(t.object.metadata.resourceVersion) > since)
      .map((t) => structuredClone(t.object));
  }

  constructor(private readonly now: () => Date) {}

  private key(def: ResourceDef, ns: string, name: string): string {
    return `${def.group}/${def.resource}/${def.namespaced ? ns : ''}/${name}`;
  }

  /** A copy of the stored object, or undefined. */
  get(def: ResourceDef, ns: string, name: string): KObj | undefined {
    const o = this.objects.get(this.key(def, ns, name));
    return o && structuredClone(o);
  }

  /** Copies of every object of the kind (in one namespace when ns is given), sorted by namespace then name. */
  list(def: ResourceDef, ns?: string): KObj[] {
    const prefix = `${def.group}/${def.resource}/${def.namespaced && ns ? `${ns}/` : ''}`;
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => structuredClone(o));
  }

  /** Store obj (create when prev is undefined, else update prev), assigning server fields. Returns a copy. */
  put(def: ResourceDef, ns: string, obj: KObj, prev?: KObj): KObj {
    const meta = obj.metadata;
    meta.uid = prev?.metadata.uid ?? randomUUID();
    meta.resourceVersion = String(this.bump());
    meta.creationTimestamp = prev?.metadata.creationTimestamp ?? rfc3339(this.now());
    if (def.namespaced) meta.namespace = ns;
    else delete meta.namespace;
    if (def.generation) {
      const changed = !prev || JSON.stringify(prev.spec) !== JSON.stringify(obj.spec);
      meta.generation = (prev?.metadata.generation ?? 0) + (changed ? 1 : 0);
    }
    const stored = ordered(def, obj);
    this.objects.set(this.key(def, ns, meta.name), stored);
    if (!prev) this.created.set(this.key(def, ns, meta.name), Number(meta.resourceVersion));
    this.changed();
    return structuredClone(stored);
  }

  /** The resourceVersion the object was created at (0 when unknown). */
  createdAt(def: ResourceDef, ns: string, name: string): number {
    return this.created.get(this.key(def, ns, name)) ?? 0;
  }

  delete(def: ResourceDef, ns: string, name: string): void {
    const key = this.key(def, ns, name);
    const gone = this.objects.get(key);
    this.objects.delete(key);
    this.created.delete(key);
    const rv = this.bump();
    if (gone) {
      this.tombstones.push({ resource: def.resource, group: def.group, namespace: def.namespaced ? ns : '', object: { ...gone, metadata: { ...gone.metadata, resourceVersion: String(rv) } } });
      if (this.tombstones.length > 1000) this.tombstones.shift();
    }
    this.changed();
  }

  /** The list resourceVersion (the latest write). */
  resourceVersion(): string {
    return String(this.rv);
  }

  private bump(): number {
    this.rv = this.rv ? this.rv + 1 : 1000 + Math.floor(Math.random() * 1000);
    return this.rv;
  }

  clear(): void {
    this.objects.clear();
    this.created.clear();
    this.tombstones = [];
  }
}
