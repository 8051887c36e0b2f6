/**
 * What the API server and its controllers add to objects: API defaulting (pkg/apis/*\/v1/defaults.go), the
 * ServiceAccount admission plugin (service account must exist; the `kube-api-access-*` projected volume is
 * mounted at /var/run/secrets/kubernetes.io/serviceaccount), the scheduler's nodeName, and a pod status as the
 * kubelet would report it. Pods are NOT run: a pod is "Running" as soon as every volume it needs can be
 * assembled (its ConfigMaps and Secrets exist), else "Pending" with ContainerCreating, the state a real kubelet leaves it in.
 */
import { createHash, randomBytes } from 'node:crypto';
import { errors } from './status.js';
import { RESOURCES, type ResourceDef } from './resources.js';
import { rfc3339, type KObj, type Store } from './store.js';

type O = Record<string, any>;
const res = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;

export const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Apply namespace defaults (label, finalizer, phase). */
export function defaultNamespace(obj: KObj): void {
  obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
  obj.spec = { finalizers: ['kubernetes'], ...obj.spec };
  obj.status = { phase: 'Active' };
}

function defaultContainer(c: O): void {
  const image = String(c.image ?? '');
  const tag = image.includes('@') ? 'digest' : /:[^/]+$/.exec(image)?.[0].slice(1);
  c.resources ??= {};
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??= !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Secret writes: `stringData` is merged into `data` (base64) and dropped; `type` defaults to Opaque. */
export function defaultSecret(obj: KObj): void {
  const data: Record<string, string> = { ...obj.data };
  for (const [k, v] of Object.entries((obj.stringData ?? {}) as Record<string, string>)) data[k] = Buffer.from(String(v)).toString('base64');
  delete obj.stringData;
  if (Object.keys(data).length) obj.data = data;
  obj.type ??= 'Opaque';
}

/** PodSpec defaults (SetDefaults_PodSpec / SetDefaults_Container). */
export function defaultPodSpec(spec: O | undefined): void {
  if (!spec) return;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) defaultContainer(c);
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const v of spec.volumes ?? []) {
    if (v.configMap) v.configMap.defaultMode ??= 420;
    if (v.projected) v.projected.defaultMode ??= 420;
    for (const s of v.projected?.sources ?? []) if (s.serviceAccountToken) s.serviceAccountToken.expirationSeconds ??= 3600;
  }
}

/** Workload defaults (Deployment replicas/strategy/…, and the pod template's PodSpec). */
export function defaultWorkload(obj: KObj): void {
  const spec: O = (obj.spec ??= {});
  if (obj.kind === 'Deployment') {
    spec.replicas ??= 1;
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  }
  if (obj.kind === 'StatefulSet') spec.replicas ??= 1;
  defaultPodSpec(obj.kind === 'CronJob' ? spec.jobTemplate?.spec?.template?.spec : spec.template?.spec);
  obj.status ??= {};
}

/** utilrand.String(5): the alphabet apimachinery uses for generated name suffixes. */
export function randomSuffix(n = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(n)].map((x) => alphabet[x % alphabet.length]).join('');
}

function apiAccessVolume(): O {
  return {
    name: `kube-api-access-${randomSuffix()}`,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

/**
 * ServiceAccount admission + scheduling for a new Pod: defaults serviceAccountName, rejects a missing service
 * account with the plugin's 403, mounts the API access token unless automount is off, binds to the node.
 */
export function admitPod(def: ResourceDef, pod: KObj, store: Store, nodeName: string): void {
  const spec: O = (pod.spec ??= {});
  const ns = String(pod.metadata.namespace);
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount = spec.serviceAccountName;
  const sa = store.get(res('ServiceAccount'), ns, spec.serviceAccountName);
  if (!sa) {
    throw errors.forbidden(def, pod.metadata.name, `error looking up service account ${ns}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`);
  }
  const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
  const mounted = (spec.containers ?? []).some((c: O) => (c.volumeMounts ?? []).some((m: O) => m.mountPath === SA_MOUNT));
  if (automount && !mounted) {
    const vol = apiAccessVolume();
    spec.volumes = [...(spec.volumes ?? []), vol];
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      c.volumeMounts = [...(c.volumeMounts ?? []), { name: vol.name, readOnly: true, mountPath: SA_MOUNT }];
    }
  }
  spec.nodeName ??= nodeName;
  defaultPodSpec(spec);
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
}

/** ConfigMaps and Secrets a pod's volumes need that do not exist (non-optional ones only), as `kind/name`. */
export function missingConfigMaps(pod: KObj, store: Store): string[] {
  const ns = String(pod.metadata.namespace);
  const names = new Set<string>();
  const need = (kind: string, src: O | undefined, name = src?.name) => { if (src && !src.optional) names.add(`${kind}/${name}`); };
  for (const v of pod.spec?.volumes ?? []) {
    need('ConfigMap', v.configMap);
    need('Secret', v.secret, v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) {
      need('ConfigMap', s.configMap);
      need('Secret', s.secret);
    }
  }
  return [...names].filter((n) => !store.get(res(n.split('/')[0]), ns, n.slice(n.indexOf('/') + 1)));
}

function ipFor(seed: string, prefix: string): string {
  const h = createHash('sha256').update(seed).digest();
  return `${prefix}.${h[0]}.${1 + (h[1] % 253)}`;
}

/** The status the kubelet would report for this (not actually running) pod. */
export function podStatus(pod: KObj, store: Store, now: Date): O {
  const prev: O = pod.status ?? {};
  const started = prev.startTime ?? rfc3339(now);
  const ready = !missingConfigMaps(pod, store).length;
  const t = String(prev.startTime ?? started);
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: t });
  const podIP = ipFor(String(pod.metadata.uid ?? pod.metadata.name), '10.244');
  return {
    phase: ready ? 'Running' : 'Pending',
    conditions: [cond('PodReadyToStartContainers', ready), cond('Initialized', true), cond('Ready', ready), cond('ContainersReady', ready), cond('PodScheduled', true)],
    hostIP: '10.0.0.4', hostIPs: [{ ip: '10.0.0.4' }], podIP, podIPs: [{ ip: podIP }], startTime: started,
    containerStatuses: (pod.spec?.containers ?? []).map((c: O) => ({
      name: c.name,
      state: ready ? { running: { startedAt: t } } : { waiting: { reason: 'ContainerCreating' } },
      lastState: {}, ready, restartCount: 0, image: c.image, imageID: '',
      ...(ready ? { containerID: `containerd://${createHash('sha256').update(`${pod.metadata.uid}/${c.name}`).digest('hex')}` } : {}),
      started: ready,
    })),
    qosClass: 'BestEffort',
  };
}
