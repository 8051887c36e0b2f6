import type { Choice } from '../core/prompt.js';

/** Roles workloads commonly need, offered by the wizard (free input is validated by plan/rules.ts). */
export const COMMON_ROLES: Choice<string>[] = [
  { name: 'roles/storage.objectViewer — read Cloud Storage objects', value: 'roles/storage.objectViewer' },
  { name: 'roles/storage.objectUser — read and write Cloud Storage objects', value: 'roles/storage.objectUser' },
  { name: 'roles/secretmanager.secretAccessor — read Secret Manager secrets', value: 'roles/secretmanager.secretAccessor' },
  { name: 'roles/pubsub.publisher — publish to Pub/Sub topics', value: 'roles/pubsub.publisher' },
  { name: 'roles/pubsub.subscriber — consume Pub/Sub subscriptions', value: 'roles/pubsub.subscriber' },
  { name: 'roles/bigquery.dataViewer — read BigQuery datasets', value: 'roles/bigquery.dataViewer' },
  { name: 'roles/cloudsql.client — connect to Cloud SQL', value: 'roles/cloudsql.client' },
  { name: 'roles/artifactregistry.reader — pull from Artifact Registry', value: 'roles/artifactregistry.reader' },
  { name: 'roles/logging.logWriter — write logs', value: 'roles/logging.logWriter' },
  { name: 'roles/monitoring.metricWriter — write metrics', value: 'roles/monitoring.metricWriter' },
];

export const MAPPING_CHOICES: Choice<string>[] = [
  { name: 'kubernetes — subject + namespace + service account name + pod (recommended: allows namespace grants)', value: 'kubernetes' },
  { name: 'subject — google.subject=assertion.sub only', value: 'subject' },
  { name: 'custom — type the mapping', value: 'custom' },
];

export type ConditionMode = 'ksas' | 'namespaces' | 'custom' | 'none';
export const CONDITION_CHOICES: Choice<ConditionMode>[] = [
  { name: 'only the service accounts granted access (recommended)', value: 'ksas' },
  { name: 'whole namespaces', value: 'namespaces' },
  { name: 'a CEL expression I type', value: 'custom' },
  { name: 'no condition: every token the cluster signs may federate (not recommended)', value: 'none' },
];

export type AccessMode = 'direct' | 'impersonation';
export const ACCESS_CHOICES: Choice<AccessMode>[] = [
  {
    name: 'direct access — grant roles to the Kubernetes service account itself (no Google service account)',
    value: 'direct',
    description: 'Simplest and recommended. A few Google services and APIs do not accept federated principals yet (e.g. signing blobs/URLs, some legacy APIs): use impersonation for those.',
  },
  {
    name: 'impersonation — the KSA acts as a Google service account',
    value: 'impersonation',
    description: 'Works with every Google service: the KSA gets roles/iam.workloadIdentityUser on the service account, and the roles go to the service account.',
  },
];
