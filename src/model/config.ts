// A namespace import lets the bundler drop what wif does not use (zod's 60-odd locales: 760 KB → 180 KB).
import * as z from 'zod';
import { type Problem, ValidationError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { DEFAULT_CONFIGMAP_NAME, DEFAULT_TOKEN_EXPIRATION, DEFAULT_TOKEN_PATH, PLATFORMS } from './config-base.js';

/**
 * wif.yaml: what init decided, read by grant/verify/doctor/jwks/export so CI needs few flags.
 * Versioned, validated on read (every problem named with its path), written atomically, hand-editable.
 */
// Constants and readWifYaml live in config-base.ts (no zod), so commands run without a wif.yaml never load zod.
export { PLATFORMS, DEFAULT_TOKEN_PATH, DEFAULT_TOKEN_EXPIRATION, DEFAULT_CONFIGMAP_NAME, DEFAULT_CRED_CONFIG_PATH, readWifYaml, type Platform } from './config-base.js';

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

/** Write wif.yaml atomically (temp file + rename), with a header comment. */
export async function writeWifYaml(path: string, cfg: WifYaml): Promise<void> {
  const checked = parseWifYaml(cfg, path);
  const { stringify } = await import('yaml');
  const body = stringify(checked, { lineWidth: 0 });
  writeFileAtomic(path, `# wif.yaml: written by wif; safe to edit by hand (validated on read).\n${body}`);
}
