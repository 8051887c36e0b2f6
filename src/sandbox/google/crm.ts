/**
 * Cloud Resource Manager v1 and v3 projects: get (by ID or number; each version's JSON shape),
 * getIamPolicy (version in the body), setIamPolicy (etag, 409 ABORTED, version rules; policy.ts) and
 * testIamPermissions (research/gcp-api.md §5.1). v1 answers an unknown or forbidden project with
 * "The caller does not have permission"; v3 with the IAM-style message.
 */
import { hasPermission } from './auth.js';
import { GoogleHttpError, iamPermissionDenied, json } from './http.js';
import { checkVersion, GET_IAM_POLICY_SCHEMA, renderPolicy, setPolicy, SET_IAM_POLICY_SCHEMA } from './policy.js';
import type { Permission } from './roles.js';
import type { Call, Route } from './router.js';
import { parseJsonBody, readMessage } from './schema.js';

const CREATE_TIME = '2024-05-07T19:52:53.803Z';
const RPC_V1 = 'google.cloudresourcemanager.v1.Projects.';
const RPC_V3 = 'google.cloud.resourcemanager.v3.Projects.';

/** Permission check for the project in the path; returns the API version ('1' | '3'). */
function authorize(c: Call, permission: Permission): '1' | '3' {
  const [version, seg] = c.params as ['1' | '3', string];
  if (c.state.projectNumber(seg) && hasPermission(c.state, c.caller, permission)) return version;
  if (version === '1') throw new GoogleHttpError(403, 'The caller does not have permission', 'PERMISSION_DENIED');
  throw iamPermissionDenied(permission, `//cloudresourcemanager.googleapis.com/projects/${seg}`, 'cloudresourcemanager.googleapis.com');
}

function get(c: Call) {
  const version = authorize(c, 'resourcemanager.projects.get');
  const { id, number } = c.state.deps.project;
  if (version === '1') return json(200, { projectNumber: number, projectId: id, lifecycleState: 'ACTIVE', name: id, createTime: CREATE_TIME });
  return json(200, { name: `projects/${number}`, projectId: id, state: 'ACTIVE', displayName: id, createTime: CREATE_TIME, updateTime: CREATE_TIME, etag: `W/"${c.state.projectPolicy.etag.replace(/[^A-Za-z0-9]/g, '')}"` });
}

function getIamPolicy(c: Call) {
  authorize(c, 'resourcemanager.projects.getIamPolicy');
  const body = readMessage(GET_IAM_POLICY_SCHEMA, parseJsonBody(c.req.body));
  const version = ((body.options as { requestedPolicyVersion?: number } | undefined)?.requestedPolicyVersion) ?? 0;
  checkVersion(version, 'Requested');
  return json(200, renderPolicy(c.state.projectPolicy, version));
}

function setIamPolicy(c: Call) {
  authorize(c, 'resourcemanager.projects.setIamPolicy');
  const body = readMessage(SET_IAM_POLICY_SCHEMA, parseJsonBody(c.req.body));
  c.state.projectPolicy = setPolicy(c.state, { kind: 'project', current: c.state.projectPolicy }, body);
  return json(200, renderPolicy(c.state.projectPolicy, 3));
}

function testIamPermissions(c: Call) {
  const [version, seg] = c.params;
  const body = readMessage({ permissions: 'stringList' }, parseJsonBody(c.req.body));
  if (!c.state.projectNumber(seg)) {
    if (version === '1') throw new GoogleHttpError(403, 'The caller does not have permission', 'PERMISSION_DENIED');
    throw iamPermissionDenied('resourcemanager.projects.get', `//cloudresourcemanager.googleapis.com/projects/${seg}`, 'cloudresourcemanager.googleapis.com');
  }
  const held = ((body.permissions as string[] | undefined) ?? []).filter((p) => hasPermission(c.state, c.caller, p as Permission));
  return json(200, held.length ? { permissions: held } : {});
}

const P = String.raw`^/v(1|3)/projects/([^/:]+)`;
export const crmRoutes: Route[] = [
  { method: 'GET', path: new RegExp(`${P}$`), rpc: `${RPC_V1}GetProject`, handle: get },
  { method: 'POST', path: new RegExp(`${P}:getIamPolicy$`), rpc: `${RPC_V3}GetIamPolicy`, handle: getIamPolicy },
  { method: 'POST', path: new RegExp(`${P}:setIamPolicy$`), rpc: `${RPC_V3}SetIamPolicy`, handle: setIamPolicy },
  { method: 'POST', path: new RegExp(`${P}:testIamPermissions$`), rpc: `${RPC_V3}TestIamPermissions`, handle: testIamPermissions },
];
