/**
 * Kubernetes service-account token claims: synthesized in the real shape (research/k8s-clouds.md §2.3),
 * and decoding of a real JWT without verifying it (jose `decodeJwt`/`decodeProtectedHeader`).
 */
import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { UsageError } from '../core/errors.js';
import { ksaSubject } from './names.js';

/** The issuer kubeadm-style clusters use by default; explain's placeholder when none is known. */
export const PLACEHOLDER_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface KubeClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    node?: { name: string; uid: string };
    pod?: { name: string; uid: string };
    serviceaccount: { name: string; uid: string };
  };
  nbf: number;
  sub: string;
}

export interface SynthesizeOptions {
  issuer?: string;
  /** The token audience (Kubernetes always serializes `aud` as an array). */
  audience?: string | string[];
  /** Issue time, in seconds since the epoch (default: now). */
  now?: number;
  /** Default 3600, as `--token-expiration`. */
  expirationSeconds?: number;
  /** Bind to a pod (adds `pod` and `node`, as for a projected volume token); default true. */
  podBound?: boolean;
}

/** A stable UUID-shaped id derived from the inputs (so explain's output is reproducible). */
function uid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Claims of a projected token for `namespace/name`, as kube-apiserver issues them: `sub`
 * `system:serviceaccount:NS:NAME`, `aud` array, `iat` = `nbf`, `jti`, and `kubernetes.io` with namespace,
 * serviceaccount and (pod-bound) pod + node. UIDs and names are stable placeholders derived from the KSA.
 */
export function synthesizeClaims(namespace: string, name: string, opts: SynthesizeOptions = {}): KubeClaims {
  const iat = opts.now ?? Math.floor(Date.now() / 1000);
  const aud = opts.audience === undefined ? [] : Array.isArray(opts.audience) ? [...opts.audience] : [opts.audience];
  const k8s: KubeClaims['kubernetes.io'] = { namespace, serviceaccount: { name, uid: uid('sa', namespace, name) } };
  if (opts.podBound !== false) {
    const suffix = uid('pod', namespace, name).slice(0, 5);
    k8s.node = { name: 'node-1', uid: uid('node', 'node-1') };
    k8s.pod = { name: `${name}-${suffix}`, uid: uid('pod', namespace, name) };
  }
  return {
    aud,
    exp: iat + (opts.expirationSeconds ?? 3600),
    iat,
    iss: opts.issuer ?? PLACEHOLDER_ISSUER,
    jti: uid('jti', namespace, name, String(iat)),
    'kubernetes.io': sortKeys(k8s),
    nbf: iat,
    sub: ksaSubject(namespace, name),
  };
}

function sortKeys<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1))) as T;
}

export interface DecodedToken {
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
}

/**
 * Decode a compact JWT WITHOUT checking its signature. `source` names the input in errors (e.g.
 * `--token token.jwt`). Malformed input throws a UsageError (exit 2) that never echoes the token.
 */
export function decodeToken(text: string, source = '--token'): DecodedToken {
  const jwt = text.trim();
  const bad = (why: string) => new UsageError('token.malformed', `${source}: not a JWT: ${why}`, {
    hint: 'Pass a Kubernetes service-account token, e.g. kubectl create token KSA -n NS --audience AUD > token.jwt.',
  });
  if (!jwt) throw bad('the file is empty');
  const parts = jwt.split('.');
  if (parts.length === 5) throw bad('it is an encrypted token (JWE); only signed tokens (JWS) can be explained');
  if (parts.length !== 3) throw bad(`expected three base64url parts separated by dots (header.payload.signature), found ${parts.length}`);
  if (!parts.every((p, i) => i === 2 || /^[A-Za-z0-9_-]+$/.test(p))) throw bad('a part is not base64url');
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw bad('the header is not base64url-encoded JSON');
  }
  let claims: JWTPayload;
  try {
    claims = decodeJwt(jwt);
  } catch {
    throw bad('the payload is not a base64url-encoded JSON object');
  }
  return { header, claims };
}
