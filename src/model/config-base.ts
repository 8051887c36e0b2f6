import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import type { WifYaml } from './config.js';

/**
 * The light half of wif.yaml's model (config.ts holds the zod schema and re-exports all of this): constants, and
 * reading the file, which loads YAML and the schema only when the file exists, so commands run without a
 * wif.yaml start faster (bench/RESULTS.md).
 */
export const PLATFORMS = ['aks', 'eks', 'gke', 'self-hosted'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const DEFAULT_TOKEN_PATH = '/var/run/service-account/token';
export const DEFAULT_TOKEN_EXPIRATION = 3600;
export const DEFAULT_CONFIGMAP_NAME = 'gcp-cred-config';
export const DEFAULT_CRED_CONFIG_PATH = '/etc/gcp/credential-configuration.json';

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
  const { parseWifYaml } = await import('./config.js');
  return parseWifYaml(doc, path);
}
