/**
 * Service Usage v1 (research/gcp-api.md §8): services get/list, enable, disable, batchEnable (≤ 20) and
 * operations.get. Enabling an already-enabled service answers the synthetic
 * `operations/noop.DONE_OPERATION` (which cannot be polled); other operations are done at once.
 */
import { randomUUID } from 'node:crypto';
import { hasPermission } from './auth.js';
import { badRequest, GoogleHttpError, iamPermissionDenied, json, notFound } from './http.js';
import type { Permission } from './roles.js';
import type { Call, Route } from './router.js';
import { parseJsonBody, readMessage } from './schema.js';
import { SERVICE_TITLES } from './service-titles.js';

const NOOP = 'operations/noop.DONE_OPERATION';
const RPC = 'google.api.serviceusage.v1.ServiceUsage.';

function authorize(c: Call, permission: Permission, resource: string): string {
  const number = c.state.projectNumber(c.params[0]);
  if (!number || !hasPermission(c.state, c.caller, permission)) {
    throw iamPermissionDenied(permission, `//serviceusage.googleapis.com/projects/${c.params[0]}${resource}`, 'serviceusage.googleapis.com');
  }
  return number;
}

/** Google's answer for a service name it does not know (or may not show). */
function unknownServices(names: string[]): GoogleHttpError {
  const list = names.join(',');
  return new GoogleHttpError(403, `Not found or permission denied for service(s): ${list}.`, 'PERMISSION_DENIED', [
    { '@type': 'type.googleapis.com/google.rpc.PreconditionFailure', violations: [{ type: 'googleapis.com', subject: `?error_code=220002&services=${list}`, description: `Not found or permission denied for service(s): ${list}.` }] },
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_CONFIG_NOT_FOUND_OR_PERMISSION_DENIED', domain: 'serviceusage.googleapis.com', metadata: { services: list } },
  ]);
}

function serviceJson(c: Call, number: string, name: string) {
  return { name: `projects/${number}/services/${name}`, config: { name, title: SERVICE_TITLES[name] }, state: c.state.serviceEnabled(name) ? 'ENABLED' : 'DISABLED', parent: `projects/${number}` };
}

/** A finished operation, recorded for operations.get. */
function doneOperation(c: Call, number: string, names: string[], response: object) {
  const name = `operations/acat.p2-${number}-${randomUUID()}`;
  const body = {
    name,
    metadata: { '@type': 'type.googleapis.com/google.api.serviceusage.v1.OperationMetadata', resourceNames: names.map((n) => `services/${n}/projectSettings/${number}`) },
    done: true,
    response,
  };
  c.state.operations.set(name, { body, pendingUntilPolled: false });
  return json(200, body);
}

function noop(response: object) {
  return json(200, { name: NOOP, metadata: { '@type': 'type.googleapis.com/google.protobuf.Empty' }, done: true, response });
}

function get(c: Call) {
  const number = authorize(c, 'serviceusage.services.get', `/services/${c.params[1]}`);
  if (!SERVICE_TITLES[c.params[1]]) throw unknownServices([c.params[1]]);
  return json(200, serviceJson(c, number, c.params[1]));
}

function list(c: Call) {
  const number = authorize(c, 'serviceusage.services.list', '');
  const filter = c.query.get('filter');
  if (filter && !/^state:(ENABLED|DISABLED)$/.test(filter)) throw badRequest(`Invalid filter: ${filter}`, 'filter'); // [UNVERIFIED]
  const services = Object.keys(SERVICE_TITLES).sort().map((n) => serviceJson(c, number, n)).filter((s) => !filter || filter === `state:${s.state}`);
  return json(200, services.length ? { services } : {});
}

function enable(c: Call) {
  const name = c.params[1];
  const number = authorize(c, 'serviceusage.services.enable', `/services/${name}`);
  readMessage({}, parseJsonBody(c.req.body));
  if (!SERVICE_TITLES[name]) throw unknownServices([name]);
  const response = () => ({ '@type': 'type.googleapis.com/google.api.serviceusage.v1.EnableServiceResponse', service: serviceJson(c, number, name) });
  if (c.state.serviceEnabled(name)) return noop(response());
  c.state.services.set(name, true);
  return doneOperation(c, number, [name], response());
}

function disable(c: Call) {
  const name = c.params[1];
  const number = authorize(c, 'serviceusage.services.disable', `/services/${name}`);
  readMessage({ disableDependentServices: 'bool', checkIfServiceHasUsage: 'string' }, parseJsonBody(c.req.body));
  if (!SERVICE_TITLES[name]) throw unknownServices([name]);
  const response = () => ({ '@type': 'type.googleapis.com/google.api.serviceusage.v1.DisableServiceResponse', service: serviceJson(c, number, name) });
  if (!c.state.serviceEnabled(name)) return noop(response());
  c.state.services.set(name, false);
  return doneOperation(c, number, [name], response());
}

function batchEnable(c: Call) {
  const number = authorize(c, 'serviceusage.services.enable', '');
  const ids = ((readMessage({ serviceIds: 'stringList' }, parseJsonBody(c.req.body)).serviceIds as string[] | undefined) ?? []);
  if (!ids.length) throw badRequest('No service IDs were specified.', 'service_ids'); // [UNVERIFIED]
  if (ids.length > 20) throw badRequest(`At most 20 services can be enabled in one request, but ${ids.length} were specified.`, 'service_ids'); // [UNVERIFIED]
  const unknown = ids.filter((s) => !SERVICE_TITLES[s]);
  if (unknown.length) throw unknownServices(unknown);
  const already = ids.every((s) => c.state.serviceEnabled(s));
  for (const s of ids) c.state.services.set(s, true);
  const response = { '@type': 'type.googleapis.com/google.api.serviceusage.v1.BatchEnableServicesResponse', services: ids.map((s) => serviceJson(c, number, s)) };
  return already ? noop(response) : doneOperation(c, number, ids, response);
}

function getOperation(c: Call) {
  const name = `operations/${c.params[0]}`;
  if (name === NOOP) throw badRequest(`Invalid operation name: ${name}.`); // research §8: polling the noop operation is a 400
  const op = c.state.operations.get(name);
  if (!op) throw notFound();
  return json(200, op.body);
}

const P = String.raw`^/v1/projects/([^/:]+)/services`;
export const serviceUsageRoutes: Route[] = [
  { method: 'GET', path: new RegExp(`${P}$`), rpc: `${RPC}ListServices`, query: ['filter', 'pageSize', 'pageToken'], handle: list },
  { method: 'POST', path: new RegExp(`${P}:batchEnable$`), rpc: `${RPC}BatchEnableServices`, handle: batchEnable },
  { method: 'GET', path: new RegExp(`${P}/([^/:]+)$`), rpc: `${RPC}GetService`, handle: get },
  { method: 'POST', path: new RegExp(`${P}/([^/:]+):enable$`), rpc: `${RPC}EnableService`, handle: enable },
  { method: 'POST', path: new RegExp(`${P}/([^/:]+):disable$`), rpc: `${RPC}DisableService`, handle: disable },
  { method: 'GET', path: /^\/v1\/operations\/([^/]+)$/, rpc: 'google.longrunning.Operations.GetOperation', handle: getOperation },
];
