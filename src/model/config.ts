import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError, type Problem, ValidationError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';

/**
 * wif.yaml: what init decided, read by grant/verify/doctor/jwks/export so CI needs few flags.
 * Versioned, validated on read (every problem named with its path), written atomically, hand-editable.
 */
export const PLATFORMS = ['aks', 'eks', 'gke', 'self-hosted'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const DEFAULT_TOKEN_PATH = '/var/run/service-account/token';
export const DEFAULT_TOKEN_EXPIRATION = 3600;
export const DEFAULT_CONFIGMAP_NAME = 'gcp-cred-config';
export const DEFAULT_CRED_CONFIG_PATH = '/etc/gcp/credential-configuration.json';

const Grant = z.object({
  /** A Kubernetes service account `NS/NAME` (principal), or … */
  ksa: z.string().optional(),
  /** … a whole namespace (principalSet through attribute.namespace). */
  namespace: z.string().optional(),
  roles: z.array(z.string()).default([]),
  /** `projects/ID` or `serviceAccounts/EMAIL`; default the project. Ignored with serviceAccount (impersonation). */
  resource: z.string().optional(),
  /** Impersonation: the principal gets roles/iam.workloadIdentityUser on this SA; `roles` go to the SA on the project. */
  serviceAccount: z.string().optional(),
}).strict();
export type Grant = z.infer<typeof Grant>;

export const WifYamlSchema = z.object({
  version: z.literal(1),
  project: z.object({
    id: z.string(),
    number: z.string().regex(/^\d+$/, 'must be the numeric project number').optional(),
  }).strict(),
  cluster: z.object({
    context: z.string().optional(),
    kubeconfig: z.string().optional(),
    platform: z.enum(PLATFORMS),
    issuer: z.string().optional(),
    /** True when the issuer is private and the JWKS is uploaded to the provider. */
    jwksUploaded: z.boolean().optional(),
    /** Platform identity (EKS name/region/accountId, AKS subscriptionId/resourceGroup/name, GKE projectId/location/name/workloadPool). */
    identity: z.record(z.string(), z.string()).optional(),
  }).strict().optional(),
  pool: z.object({
    id: z.string(),
    displayName: z.string().optional(),
    description: z.string().optional(),
  }).strict(),
  provider: z.object({
    id: z.string(),
    displayName: z.string().optional(),
    description: z.string().optional(),
    issuerUri: z.string().optional(),
    attributeMapping: z.record(z.string(), z.string()).default({ 'google.subject': 'assertion.sub' }),
    attributeCondition: z.string().optional(),
    allowedAudiences: z.array(z.string()).default([]),
  }).strict(),
  serviceAccount: z.object({
    email: z.string(),
    create: z.boolean().optional(),
    tokenLifetime: z.number().int().optional(),
  }).strict().optional(),
  grants: z.array(Grant).default([]),
  workload: z.object({
    namespace: z.string().optional(),
    ksa: z.string().optional(),
    tokenPath: z.string().default(DEFAULT_TOKEN_PATH),
    tokenExpiration: z.number().int().default(DEFAULT_TOKEN_EXPIRATION),
    configMapName: z.string().default(DEFAULT_CONFIGMAP_NAME),
    outDir: z.string().optional(),
  }).strict().default({ tokenPath: DEFAULT_TOKEN_PATH, tokenExpiration: DEFAULT_TOKEN_EXPIRATION, configMapName: DEFAULT_CONFIGMAP_NAME }),
}).strict();

export type WifYaml = z.infer<typeof WifYamlSchema>;
export type WifYamlInput = z.input<typeof WifYamlSchema>;

/** Validate a parsed document; every problem names `wif.yaml: path.to.field`. */
export function parseWifYaml(doc: unknown, file = 'wif.yaml'): WifYaml {
  const r = WifYamlSchema.safeParse(doc);
  if (r.success) return r.data;
  const problems: Problem[] = r.error.issues.map((i) => ({
    input: `${file}: ${i.path.length ? i.path.join('.') : '(document)'}`,
    rule: `wif-yaml.${i.code}`,
    message: i.message,
    hint: `Fix ${file} (see README "wif.yaml"), or re-run wif init.`,
  }));
  throw new ValidationError(problems);
}

/** Read and validate wif.yaml; `undefined` when the file does not exist. */
export async function readWifYaml(path: string): Promise<WifYaml | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError('config.unreadable', `${path}: cannot read: ${(e as Error).message}`);
  }
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new UsageError('config.yaml-syntax', `${path}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, {
      hint: `Fix the YAML syntax in ${path}, or delete it and re-run wif init.`,
    });
  }
  return parseWifYaml(doc, path);
}

/** Write wif.yaml atomically (temp file + rename), with a header comment. */
export async function writeWifYaml(path: string, cfg: WifYaml): Promise<void> {
  const checked = parseWifYaml(cfg, path);
  const { stringify } = await import('yaml');
  const body = stringify(checked, { lineWidth: 0 });
  writeFileAtomic(path, `# wif.yaml: written by wif; safe to edit by hand (validated on read).\n${body}`);
}
