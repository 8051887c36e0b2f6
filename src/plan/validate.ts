import type { Problem } from '../core/errors.js';
import type { Settings } from '../model/settings.js';

/**
 * Validate resolved settings, collecting every problem (SPEC §3). `required` names the fields the
 * calling command needs (e.g. `project`, `pool`, `provider`, `ksa`).
 * (First version: the full rule set is filled in by the validation module.)
 */
export function validateSettings(_s: Settings, _required: readonly RequiredField[]): Problem[] {
  return [];
}

export type RequiredField = 'project' | 'projectNumber' | 'pool' | 'provider' | 'issuer' | 'ksa' | 'role' | 'platform';
