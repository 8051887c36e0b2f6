/**
 * Service-account tokens: the TokenRequest subresource (`POST …/serviceaccounts/NAME/token`, 201) and the tokens
 * the kubelet would mint for projected volumes. Claims follow pkg/serviceaccount/claims.go with go-jose's
 * alphabetical key order (research/k8s-clouds.md §2.3): aud (array), exp, iat, iss, jti, kubernetes.io{namespace,
 * node, pod, serviceaccount, warnafter}, nbf, sub.
 */
import { randomUUID } from 'node:crypto';
import type { KeyRing } from './keys.js';
import { RESOURCES } from './resources.js';
import { errors, invalid, KubeStatusError } from './status.js';
import { rfc3339, type KObj, type Store } from './store.js';

type O = Record<string, any>;
const res = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;

/** kubelet's WarnOnlyBoundTokenExpirationSeconds: pod-bound requests for 3607 s get a 1-year token with warnafter. */
const WARN_ONLY_SECONDS = 60 * 60 + 7;
const EXTENDED_SECONDS = 24 * 365 * 60 * 60;

export interface TokenContext {
  issuer: string;
  /** --api-audiences: the default `aud` when a request names none. */
  audiences: string[];
  keys: KeyRing;
  store: Store;
  now(): Date;
}

export interface MintRequest {
  namespace: string;
  serviceAccount: KObj;
  audiences: string[];
  expirationSeconds: number;
  pod?: KObj;
  node?: KObj;
}

/** Sign a token; returns it with its (reported) expiry. */
export function mintToken(ctx: TokenContext, r: MintRequest): { token: string; expirationTimestamp: string } {
  const iat = Math.floor(ctx.now().getTime() / 1000);
  const extend = !!r.pod && r.expirationSeconds === WARN_ONLY_SECONDS;
  const exp = iat + (extend ? EXTENDED_SECONDS : r.expirationSeconds);
  const k8s: O = { namespace: r.namespace };
  if (r.node) k8s.node = { name: r.node.metadata.name, uid: r.node.metadata.uid };
  if (r.pod) k8s.pod = { name: r.pod.metadata.name, uid: r.pod.metadata.uid };
  k8s.serviceaccount = { name: r.serviceAccount.metadata.name, uid: r.serviceAccount.metadata.uid };
  if (extend) k8s.warnafter = iat + WARN_ONLY_SECONDS;
  const claims = {
    aud: r.audiences.length ? r.audiences : ctx.audiences, exp, iat, iss: ctx.issuer, jti: randomUUID(), 'kubernetes.io': k8s, nbf: iat,
    sub: `system:serviceaccount:${r.namespace}:${r.serviceAccount.metadata.name}`,
  };
  return { token: ctx.keys.signJwt(claims), expirationTimestamp: rfc3339(new Date((iat + r.expirationSeconds) * 1000)) };
}

function bound(ctx: TokenContext, ns: string, saName: string, ref: O | undefined): { pod?: KObj; node?: KObj } {
  if (!ref?.kind) return {};
  const core = !ref.apiVersion || ref.apiVersion === 'v1';
  let pod: KObj | undefined;
  let node: KObj | undefined;
  if (core && ref.kind === 'Pod') {
    pod = ctx.store.get(res('Pod'), ns, String(ref.name ?? ''));
    if (!pod) throw errors.notFound(res('Pod'), String(ref.name ?? ''));
    if (pod.spec?.serviceAccountName !== saName) {
      throw errors.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
    }
    node = pod.spec?.nodeName ? ctx.store.get(res('Node'), '', pod.spec.nodeName) : undefined;
  } else if (core && ref.kind === 'Node') {
    node = ctx.store.get(res('Node'), '', String(ref.name ?? ''));
    if (!node) throw errors.notFound(res('Node'), String(ref.name ?? ''));
  } else if (core && ref.kind === 'Secret') {
    throw new KubeStatusError(404, 'NotFound', `secrets "${ref.name ?? ''}" not found`, { name: ref.name ?? '', kind: 'secrets' });
  } else {
    const [g, v] = String(ref.apiVersion).includes('/') ? String(ref.apiVersion).split('/') : ['', String(ref.apiVersion)];
    throw errors.badRequest(`cannot bind token to object of type ${g}/${v}, Kind=${ref.kind}`);
  }
  const uid = (pod ?? node)!.metadata.uid;
  if (ref.uid && ref.uid !== uid) {
    throw new KubeStatusError(409, 'Conflict', `Operation cannot be fulfilled on ${ref.kind} "${ref.name}": the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`, { name: ref.name, kind: ref.kind });
  }
  return { pod, node };
}

/** `POST /api/v1/namespaces/NS/serviceaccounts/NAME/token` → [201, TokenRequest]. Throws KubeStatusError. */
export function tokenRequest(ctx: TokenContext, ns: string, name: string, body: O | undefined): object {
  const sa = ctx.store.get(res('ServiceAccount'), ns, name);
  if (!sa) throw errors.notFound(res('ServiceAccount'), name);
  const spec: O = body?.spec ?? {};
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
  const trDef = { group: 'authentication.k8s.io', kind: 'TokenRequest' };
  const trName = String(body?.metadata?.name ?? '');
  if (expirationSeconds < 600) {
    throw invalid(trDef, trName, [{ type: 'Invalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration less than 10 minutes' }]);
  }
  if (expirationSeconds > 2 ** 32) {
    throw invalid(trDef, trName, [{ type: 'Invalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration larger than 2^32 seconds' }]);
  }
  const audiences: string[] = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.map(String) : ctx.audiences;
  const { pod, node } = bound(ctx, ns, name, spec.boundObjectRef);
  const { token, expirationTimestamp } = mintToken(ctx, { namespace: ns, serviceAccount: sa, audiences, expirationSeconds, pod, node });
  return {
    kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns, creationTimestamp: null },
    spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
    status: { token, expirationTimestamp },
  };
}
