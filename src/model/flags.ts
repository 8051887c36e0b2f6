/**
 * The flag registry: every flag is defined once here, with the same name and meaning on every command
 * (SPEC §1). cli.ts attaches groups of them to commands. Values stay strings here; validation
 * (src/plan/validate.ts) converts and checks them so that all problems are reported at once.
 */
export interface FlagSpec {
  /** Commander syntax, e.g. `--pool <id>`. */
  flags: string;
  description: string;
  /** Repeatable: collected into an array. */
  repeatable?: boolean;
}

export const FLAGS = {
  // cluster-touching
  context: { flags: '--context <name>', description: 'kubeconfig context (default: the current context)' },
  kubeconfig: { flags: '--kubeconfig <file>', description: 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' },
  // google-touching
  project: { flags: '--project <id>', description: 'Google Cloud project ID (default: wif.yaml, then $GOOGLE_CLOUD_PROJECT / $CLOUDSDK_CORE_PROJECT)' },
  accessTokenFile: { flags: '--access-token-file <file>', description: 'use the OAuth access token in this file instead of Application Default Credentials (default: $CLOUDSDK_AUTH_ACCESS_TOKEN_FILE)' },
  // mutating
  dryRun: { flags: '--dry-run', description: 'print the plan and change nothing' },
  yes: { flags: '-y, --yes', description: 'skip the final confirmation (and never prompt)' },
  // shared setup flags
  platform: { flags: '--platform <platform>', description: 'aks | eks | gke | self-hosted (default: detected)' },
  pool: { flags: '--pool <id>', description: 'workload identity pool ID' },
  provider: { flags: '--provider <id>', description: 'workload identity pool provider ID' },
  issuerUri: { flags: '--issuer-uri <url>', description: "the cluster's OIDC issuer (default: detected)" },
  jwksFile: { flags: '--jwks-file <file>', description: "the cluster's JWKS, uploaded for private issuers (default: fetched from the cluster)" },
  attributeMapping: { flags: '--attribute-mapping <mapping>', description: "'google.subject=assertion.sub,attribute.namespace=…'" },
  mappingPreset: { flags: '--mapping-preset <preset>', description: 'subject | kubernetes (subject + namespace + service_account_name + pod)' },
  attributeCondition: { flags: '--attribute-condition <cel>', description: 'CEL condition every token must satisfy' },
  allowNamespace: { flags: '--allow-namespace <ns>', description: 'build the condition: admit this namespace (repeatable)', repeatable: true },
  allowKsa: { flags: '--allow-ksa <ns/name>', description: 'build the condition: admit this Kubernetes service account (repeatable)', repeatable: true },
  allowedAudience: { flags: '--allowed-audience <aud>', description: "provider's allowed audience (repeatable; default: the provider's resource name)", repeatable: true },
  ksa: { flags: '--ksa <ns/name>', description: 'Kubernetes service account (repeatable)', repeatable: true },
  namespace: { flags: '--namespace <ns>', description: 'Kubernetes namespace' },
  role: { flags: '--role <role>', description: 'IAM role to grant, e.g. roles/storage.objectViewer (repeatable)', repeatable: true },
  resource: { flags: '--resource <resource>', description: 'projects/ID | serviceAccounts/EMAIL (default: the project)' },
  serviceAccount: { flags: '--service-account <email>', description: 'Google service account to impersonate' },
  createServiceAccount: { flags: '--create-service-account', description: 'create the --service-account if it does not exist' },
  tokenPath: { flags: '--token-path <path>', description: 'projected token path in the pod (default /var/run/service-account/token)' },
  tokenExpiration: { flags: '--token-expiration <seconds>', description: 'projected token lifetime (default 3600, minimum 600)' },
  tokenLifetime: { flags: '--token-lifetime <seconds>', description: 'impersonated access token lifetime (600–43200; needs --service-account)' },
  projectNumber: { flags: '--project-number <n>', description: 'project number, to render offline' },
  out: { flags: '--out <dir>', description: 'write files into this directory (default: stdout)' },
  force: { flags: '--force', description: "allow basic roles, pool-wide principal sets, and subjects shared with another cluster's provider" },
  wait: { flags: '--wait <duration>', description: 'retry propagation errors for up to this long, e.g. 90s, 5m (default 0)' },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

export const GROUPS = {
  cluster: ['context', 'kubeconfig'],
  google: ['project', 'accessTokenFile'],
  mutating: ['dryRun', 'yes'],
  identity: ['platform', 'pool', 'provider', 'issuerUri', 'jwksFile', 'attributeMapping', 'mappingPreset', 'attributeCondition', 'allowNamespace', 'allowKsa', 'allowedAudience'],
  access: ['ksa', 'namespace', 'role', 'resource', 'serviceAccount', 'createServiceAccount', 'force'],
  workload: ['tokenPath', 'tokenExpiration', 'tokenLifetime', 'projectNumber', 'out'],
} satisfies Record<string, FlagName[]>;

/** The raw values commander hands a command (all flags optional, repeatables as arrays). */
export type RawFlags = {
  [K in FlagName]?: (typeof FLAGS)[K] extends { repeatable: true } ? string[] : (typeof FLAGS)[K]['flags'] extends `${string}<${string}` ? string : boolean;
} & Record<string, unknown>;
