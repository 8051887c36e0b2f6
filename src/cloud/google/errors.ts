/**
 * Google API errors translated at the edge, keyed on the HTTP status and Google's canonical `status` /
 * ErrorInfo `reason` (never on message text): what failed, on which resource, and the fix — the missing
 * permission and the role that grants it, the API to enable, the flag to pass (research/gcp-api.md §1.6, §5.1).
 */
import { EXIT_FAILED, EXIT_USAGE, WifError } from '../../core/errors.js';

/** What a call is about, so that its errors can name it. */
export interface CallAbout {
  /** Short kind for error codes: `pool`, `provider`, `project`, `policy`, `service-account`, `services`, `operation`. */
  what: string;
  /** The resource as a user would name it. */
  resource: string;
  /** The permission the call needs (used when Google's error does not name one). */
  permission?: string;
  /** The project, for hints. */
  project?: string;
}

/** The role that grants a permission wif needs (least privilege first). */
export function roleFor(permission: string): string | undefined {
  const exact: Record<string, string> = {
    'resourcemanager.projects.get': 'roles/browser',
    'resourcemanager.projects.getIamPolicy': 'roles/resourcemanager.projectIamAdmin',
    'resourcemanager.projects.setIamPolicy': 'roles/resourcemanager.projectIamAdmin',
    'iam.serviceAccounts.get': 'roles/iam.serviceAccountViewer',
    'iam.serviceAccounts.create': 'roles/iam.serviceAccountCreator',
    'iam.serviceAccounts.getIamPolicy': 'roles/iam.serviceAccountAdmin',
    'iam.serviceAccounts.setIamPolicy': 'roles/iam.serviceAccountAdmin',
    'iam.serviceAccounts.getAccessToken': 'roles/iam.workloadIdentityUser',
    'serviceusage.services.get': 'roles/serviceusage.serviceUsageViewer',
    'serviceusage.services.list': 'roles/serviceusage.serviceUsageViewer',
    'serviceusage.services.enable': 'roles/serviceusage.serviceUsageAdmin',
  };
  if (exact[permission]) return exact[permission];
  if (/^iam\.workloadIdentityPool(Provider)?s\.(get|list)$/.test(permission)) return 'roles/iam.workloadIdentityPoolViewer';
  if (/^iam\.workloadIdentityPool(Provider)?s\./.test(permission)) return 'roles/iam.workloadIdentityPoolAdmin';
  return undefined;
}

interface ErrorBody {
  code?: number;
  message?: string;
  status?: string;
  details?: { '@type'?: string; reason?: string; metadata?: Record<string, string>; violations?: { type?: string; description?: string }[] }[];
  errors?: { reason?: string }[];
}

/** A failed Google API call: a WifError whose code, message and hint say what to do. */
export class GoogleApiError extends WifError {
  readonly httpStatus: number;
  /** Canonical status (`PERMISSION_DENIED`, `ABORTED`, …). */
  readonly status?: string;
  /** ErrorInfo reason (`SERVICE_DISABLED`, `IAM_PERMISSION_DENIED`, …) or the legacy `errors[].reason`. */
  readonly reason?: string;
  readonly metadata: Record<string, string>;
  readonly googleMessage: string;
  constructor(httpStatus: number, body: ErrorBody, about: CallAbout) {
    const t = translate(httpStatus, body, about);
    super(t.code, t.message, t.exit, { hint: t.hint });
    this.httpStatus = httpStatus;
    this.status = body.status;
    const info = body.details?.find((d) => d['@type']?.endsWith('google.rpc.ErrorInfo'));
    this.reason = info?.reason ?? body.errors?.[0]?.reason;
    this.metadata = info?.metadata ?? {};
    this.googleMessage = body.message ?? '';
  }
}

/** Build a GoogleApiError from a response body (any JSON, or text). */
export function googleError(httpStatus: number, text: string, about: CallAbout): GoogleApiError {
  let body: ErrorBody = {};
  try {
    body = (JSON.parse(text) as { error?: ErrorBody }).error ?? {};
  } catch {
    body = { message: text.slice(0, 300) };
  }
  return new GoogleApiError(httpStatus, body, about);
}

/** True when `e` is a Google error with this HTTP status (and canonical status, if given). */
export function isGoogleError(e: unknown, httpStatus?: number, status?: string): e is GoogleApiError {
  return e instanceof GoogleApiError && (httpStatus === undefined || e.httpStatus === httpStatus) && (status === undefined || e.status === status);
}

/** HTTP statuses worth retrying: rate limits and transient server faults. */
export function isTransientStatus(s: number): boolean {
  return s === 429 || s === 500 || s === 502 || s === 503 || s === 504;
}

interface Translation { code: string; message: string; hint?: string; exit: number }

function translate(http: number, b: ErrorBody, a: CallAbout): Translation {
  const gm = b.message ? `: ${b.message}` : '';
  const info = b.details?.find((d) => d['@type']?.endsWith('google.rpc.ErrorInfo'));
  const reason = info?.reason ?? b.errors?.[0]?.reason;
  const code = (k: string) => `gcp.${a.what}.${k}`;
  const proj = a.project ? ` --project ${a.project}` : '';
  if (http === 401) {
    return { code: 'gcp.unauthenticated', exit: EXIT_FAILED, message: `Google rejected the credentials while reading ${a.resource} (401 UNAUTHENTICATED)${gm}`,
      hint: 'Refresh the token in --access-token-file (gcloud auth print-access-token > FILE), or run `gcloud auth application-default login`.' };
  }
  if (http === 403 && (reason === 'SERVICE_DISABLED' || reason === 'accessNotConfigured')) {
    const svc = info?.metadata?.service ?? 'the API';
    return { code: code('service-disabled'), exit: EXIT_FAILED, message: `${svc} is not enabled in the project, so ${a.resource} cannot be reached${gm}`,
      hint: `Enable it: gcloud services enable ${svc}${proj} (or re-run wif with --yes: it offers to enable the APIs it needs).` };
  }
  if (http === 403) {
    const perm = info?.metadata?.permission ?? a.permission;
    const role = perm ? roleFor(perm) : undefined;
    return { code: code('permission-denied'), exit: EXIT_FAILED,
      message: `Permission ${perm ?? '(unknown)'} denied on ${a.resource} (or it may not exist)${gm}`,
      hint: role ? `Grant the caller ${role}${a.project ? ` on project ${a.project}` : ''}: gcloud projects add-iam-policy-binding ${a.project ?? 'PROJECT'} --member=user:YOU --role=${role}` : 'Ask a project owner for the permission named above.' };
  }
  if (http === 404) return { code: code('not-found'), exit: EXIT_FAILED, message: `${a.resource} was not found${gm}`, hint: `Check the ${a.what} name and${proj || ' the project'}; the caller may also lack access to it.` };
  if (http === 409 && b.status === 'ABORTED') return { code: code('conflict'), exit: EXIT_FAILED, message: `${a.resource} was changed concurrently too many times${gm}`, hint: 'Re-run the command: it re-reads and re-applies only what is missing.' };
  if (http === 409) return { code: code('already-exists'), exit: EXIT_FAILED, message: `${a.resource} already exists${gm}`, hint: 'Re-run the command: it looks at what exists and repairs it.' };
  if (http === 400 && b.status === 'FAILED_PRECONDITION') {
    const v = b.details?.flatMap((d) => d.violations ?? []).map((x) => `${x.type}: ${x.description}`).join('; ');
    return { code: code('failed-precondition'), exit: EXIT_FAILED, message: `Google refused to change ${a.resource}${v ? ` (${v})` : gm}`,
      hint: v?.includes('constraints/') ? 'An organization policy blocks this; ask your organization admin to allow it.' : undefined };
  }
  if (http === 400) return { code: code('invalid-argument'), exit: EXIT_USAGE, message: `Google rejected the request for ${a.resource}${gm}`, hint: 'Fix the input named in the message and re-run.' };
  if (http === 429) return { code: code('rate-limited'), exit: EXIT_FAILED, message: `Google rate-limited the requests for ${a.resource}${gm}`, hint: 'Wait a minute and re-run.' };
  return { code: code('unavailable'), exit: EXIT_FAILED, message: `Google answered HTTP ${http} for ${a.resource}${gm}`, hint: 'A transient fault persisted through the retries; re-run the command (it is safe to repeat).' };
}
