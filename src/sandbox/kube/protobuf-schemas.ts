/**
 * Field-number schemas of the Kubernetes messages whose protobuf request bodies the sandbox decodes, from the
 * k8s.io/api and k8s.io/apimachinery generated.proto files (subsets: the fields kubectl's typed `create`
 * commands and common manifests set).
 */
export interface Field {
  n: string;
  t: 'string' | 'int' | 'bool' | 'bytes' | 'map' | 'bytesmap' | Msg;
  r?: boolean;
}
export type Msg = () => Record<number, Field>;

const s = (n: string, r = false): Field => ({ n, t: 'string', r });
const i = (n: string): Field => ({ n, t: 'int' });
const b = (n: string): Field => ({ n, t: 'bool' });
const m = (n: string, t: Msg, r = false): Field => ({ n, t, r });
const map = (n: string): Field => ({ n, t: 'map' });

// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
const ObjectMeta: Msg = () => ({ 1: s('name'), 2: s('generateName'), 3: s('namespace'), 5: s('uid'), 6: s('resourceVersion'), 11: map('labels'), 12: map('annotations'), 14: s('finalizers', true) });
const ObjectRef: Msg = () => ({ 1: s('kind'), 2: s('namespace'), 3: s('name'), 4: s('uid'), 5: s('apiVersion') });
const LocalRef: Msg = () => ({ 1: s('name') });
// k8s.io/api/authentication/v1
const BoundRef: Msg = () => ({ 1: s('kind'), 2: s('apiVersion'), 3: s('name'), 4: s('uid') });
const TokenRequestSpec: Msg = () => ({ 1: s('audiences', true), 3: m('boundObjectRef', BoundRef), 4: i('expirationSeconds') });
const TokenReviewSpec: Msg = () => ({ 1: s('token'), 2: s('audiences', true) });
// k8s.io/api/authorization/v1
const ResourceAttributes: Msg = () => ({ 1: s('namespace'), 2: s('verb'), 3: s('group'), 4: s('version'), 5: s('resource'), 6: s('subresource'), 7: s('name') });
const NonResourceAttributes: Msg = () => ({ 1: s('path'), 2: s('verb') });
const SSARSpec: Msg = () => ({ 1: m('resourceAttributes', ResourceAttributes), 2: m('nonResourceAttributes', NonResourceAttributes) });
// k8s.io/api/rbac/v1
const PolicyRule: Msg = () => ({ 1: s('verbs', true), 2: s('apiGroups', true), 3: s('resources', true), 4: s('resourceNames', true), 5: s('nonResourceURLs', true) });
const Subject: Msg = () => ({ 1: s('kind'), 2: s('apiGroup'), 3: s('name'), 4: s('namespace') });
const RoleRef: Msg = () => ({ 1: s('apiGroup'), 2: s('kind'), 3: s('name') });
const Role: Msg = () => ({ 1: m('metadata', ObjectMeta), 2: m('rules', PolicyRule, true) });
const Binding: Msg = () => ({ 1: m('metadata', ObjectMeta), 2: m('subjects', Subject, true), 3: m('roleRef', RoleRef) });

// k8s.io/api/core/v1 (subsets), apps/v1, batch/v1
const LabelSelector: Msg = () => ({ 1: map('matchLabels'), 2: m('matchExpressions', () => ({ 1: s('key'), 2: s('operator'), 3: s('values', true) }), true) });
const EnvVar: Msg = () => ({ 1: s('name'), 2: s('value') });
const ContainerPort: Msg = () => ({ 1: s('name'), 2: i('hostPort'), 3: i('containerPort'), 4: s('protocol'), 5: s('hostIP') });
const VolumeMount: Msg = () => ({ 1: s('name'), 2: b('readOnly'), 3: s('mountPath'), 4: s('subPath') });
const Container: Msg = () => ({
  1: s('name'), 2: s('image'), 3: s('command', true), 4: s('args', true), 5: s('workingDir'), 6: m('ports', ContainerPort, true), 7: m('env', EnvVar, true),
  9: m('volumeMounts', VolumeMount, true), 13: s('terminationMessagePath'), 14: s('imagePullPolicy'), 16: b('stdin'), 17: b('stdinOnce'), 18: b('tty'), 20: s('terminationMessagePolicy'),
});
const PodSpec: Msg = () => ({
  2: m('containers', Container, true), 3: s('restartPolicy'), 4: i('terminationGracePeriodSeconds'), 5: i('activeDeadlineSeconds'), 6: s('dnsPolicy'), 7: map('nodeSelector'),
  8: s('serviceAccountName'), 9: s('serviceAccount'), 10: s('nodeName'), 15: m('imagePullSecrets', LocalRef, true), 19: s('schedulerName'),
  20: m('initContainers', Container, true), 21: b('automountServiceAccountToken'),
});
const PodTemplateSpec: Msg = () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', PodSpec) });
const DeploymentSpec: Msg = () => ({
  1: i('replicas'), 2: m('selector', LabelSelector), 3: m('template', PodTemplateSpec), 4: m('strategy', () => ({ 1: s('type') })),
  5: i('minReadySeconds'), 6: i('revisionHistoryLimit'), 7: b('paused'), 9: i('progressDeadlineSeconds'),
});
const JobSpec: Msg = () => ({
  1: i('parallelism'), 2: i('completions'), 3: i('activeDeadlineSeconds'), 4: m('selector', LabelSelector), 5: b('manualSelector'), 6: m('template', PodTemplateSpec),
  7: i('backoffLimit'), 8: i('ttlSecondsAfterFinished'), 9: s('completionMode'), 10: b('suspend'),
});
const CronJobSpec: Msg = () => ({
  1: s('schedule'), 2: i('startingDeadlineSeconds'), 3: s('concurrencyPolicy'), 4: b('suspend'), 5: m('jobTemplate', () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', JobSpec) })),
  6: i('successfulJobsHistoryLimit'), 7: i('failedJobsHistoryLimit'), 8: s('timeZone'),
});
const withSpec = (spec: Msg): Msg => () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', spec) });

export const TypeMeta: Msg = () => ({ 1: s('apiVersion'), 2: s('kind') });

/** Kinds whose protobuf bodies this server decodes (top-level message schemas). */
export const KINDS: Record<string, Msg> = {
  TokenRequest: () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', TokenRequestSpec) }),
  TokenReview: () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', TokenReviewSpec) }),
  SelfSubjectReview: () => ({ 1: m('metadata', ObjectMeta) }),
  SelfSubjectAccessReview: () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', SSARSpec) }),
  ConfigMap: () => ({ 1: m('metadata', ObjectMeta), 2: map('data'), 3: { n: 'binaryData', t: 'bytesmap' }, 4: b('immutable') }),
  ServiceAccount: () => ({ 1: m('metadata', ObjectMeta), 2: m('secrets', ObjectRef, true), 3: m('imagePullSecrets', LocalRef, true), 4: b('automountServiceAccountToken') }),
  Namespace: () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', () => ({ 1: s('finalizers', true) })) }),
  Secret: () => ({ 1: m('metadata', ObjectMeta), 2: { n: 'data', t: 'bytesmap' }, 3: s('type'), 4: map('stringData'), 5: b('immutable') }),
  Pod: withSpec(PodSpec),
  Deployment: withSpec(DeploymentSpec),
  Job: withSpec(JobSpec),
  CronJob: withSpec(CronJobSpec),
  ClusterRole: Role,
  Role,
  ClusterRoleBinding: Binding,
  RoleBinding: Binding,
};

