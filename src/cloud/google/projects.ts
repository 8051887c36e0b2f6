/**
 * Resource Manager: a project's ID ↔ number (research/gcp-api.md §1.1: paths take the ID, resource names and
 * principals carry the number — users confuse the two, anchors.md §3).
 */
import { UsageError } from '../../core/errors.js';
import { isGoogleError } from './errors.js';
import type { GoogleApi } from './http.js';
import type { Project } from './types.js';

/** GET v1/projects/{idOrNumber}. A 404/403 on a project that does not exist is reported as such. */
export async function getProject(api: GoogleApi, idOrNumber: string): Promise<Project> {
  try {
    const p = await api.call<Project>({ method: 'GET', service: 'cloudresourcemanager', path: `v1/projects/${idOrNumber}`, retry: true,
      about: { what: 'project', resource: `projects/${idOrNumber}`, permission: 'resourcemanager.projects.get', project: idOrNumber } });
    return { ...p, projectNumber: String(p.projectNumber) };
  } catch (e) {
    if (isGoogleError(e, 404)) {
      throw new UsageError('gcp.project.not-found', `--project ${idOrNumber}: no such project (or the caller cannot see it)`, {
        hint: 'Check the project ID (`gcloud projects list`); --project takes the ID, e.g. my-project-123.',
      });
    }
    throw e;
  }
}

/**
 * Resolve both forms of the project. `id` may be given as a number (then the ID is looked up); a recorded
 * `number` (wif.yaml) must match what Google says, otherwise wif.yaml points at another project.
 */
export async function resolveProject(api: GoogleApi, given: { id: string; number?: string }): Promise<{ id: string; number: string }> {
  const p = await getProject(api, given.id);
  if (given.number && given.number !== p.projectNumber) {
    throw new UsageError('config.project-number-mismatch', `wif.yaml: project.number is ${given.number}, but project ${p.projectId} has number ${p.projectNumber}`, {
      hint: 'Fix project.number in wif.yaml (or remove it: wif records the right one), or pass the --project the file was made for.',
    });
  }
  return { id: p.projectId, number: p.projectNumber };
}
