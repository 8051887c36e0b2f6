/**
 * JWKS, pure: the shape Google accepts in a provider's `oidc.jwksJson` (research/gcp-api.md §2.4) and the
 * Kubernetes `kid` derivation (k8s-clouds.md §1.2). No I/O; node:crypto only parses key material.
 */
import { createHash, createPublicKey, KeyObject } from 'node:crypto';

export interface Jwk {
  kty: string;
  kid?: string;
  use?: string;
  alg?: string;
  crv?: string;
  n?: string;
  e?: string;
  x?: string;
  y?: string;
  [k: string]: unknown;
}
export interface Jwks {
  keys: Jwk[];
}

/** Algorithms a key may declare; STS verifies RS256 and ES256 tokens (research §3.1), PS256 keys upload fine. */
const ALGS = new Set(['RS256', 'ES256', 'PS256']);
/** Private-key members: a JWKS meant for upload must never carry them. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Problems (in words) with one key, given Google's rules: RSA (`n`,`e`) or EC P-256 (`x`,`y`), public only,
 * `kid` present (STS selects keys by the token's `kid`), `use` sig if set, key material that parses.
 */
export function jwkProblems(k: unknown, i: number): string[] {
  const at = `key ${i + 1}`;
  if (!k || typeof k !== 'object' || Array.isArray(k)) return [`${at} is not a JSON object`];
  const key = k as Jwk;
  const out: string[] = [];
  const kid = typeof key.kid === 'string' && key.kid ? ` (kid ${key.kid})` : '';
  if (key.kty === 'OKP') return [`${at}${kid} is an OKP (${String(key.crv ?? 'Ed25519')}) key; Google accepts only RSA and EC P-256 keys ("Input jwks contains corrupted key material.")`];
  if (key.kty === 'EC' && key.crv !== 'P-256') return [`${at}${kid} is an EC ${String(key.crv ?? '(no crv)')} key; Google accepts EC keys on P-256 only`];
  if (key.kty !== 'RSA' && key.kty !== 'EC') return [`${at}${kid} has kty ${JSON.stringify(key.kty ?? null)}; Google accepts only RSA and EC P-256 keys`];
  const need = key.kty === 'RSA' ? ['n', 'e'] : ['x', 'y'];
  for (const m of need) if (typeof key[m] !== 'string' || !key[m]) out.push(`${at}${kid} (${key.kty}) has no "${m}"`);
  if (!kid) out.push(`${at} has no "kid"; STS picks the key by the token header's kid`);
  if (key.use !== undefined && key.use !== 'sig') out.push(`${at}${kid} has use ${JSON.stringify(key.use)}; it must be "sig"`);
  if (key.alg !== undefined && !ALGS.has(String(key.alg))) out.push(`${at}${kid} has alg ${JSON.stringify(key.alg)}; expected RS256, PS256 or ES256`);
  const priv = PRIVATE_MEMBERS.filter((m) => m in key);
  if (priv.length) out.push(`${at}${kid} contains private key material (${priv.join(', ')}); upload only public keys`);
  if (!out.length) {
    try {
      const details = createPublicKey({ key: key as never, format: 'jwk' }).asymmetricKeyDetails;
      if (key.kty === 'RSA' && (details?.modulusLength ?? 0) < 512) throw new Error('modulus');
    } catch {
      out.push(`${at}${kid} has corrupted key material (it does not parse as a public ${key.kty} key)`);
    }
  }
  return out;
}

/** Problems with a parsed JWKS document: `{"keys":[…]}` with at least one valid key and unique kids. */
export function jwksProblems(doc: unknown): string[] {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray((doc as Jwks).keys)) {
    return ['it is not a JWKS: expected a JSON object {"keys": [ … ]}'];
  }
  const keys = (doc as Jwks).keys;
  if (!keys.length) return ['it has no keys ("keys" is empty)'];
  const out = keys.flatMap((k, i) => jwkProblems(k, i));
  const kids = keys.map((k) => (k && typeof k === 'object' ? k.kid : undefined)).filter((x): x is string => typeof x === 'string');
  const dup = kids.filter((k, i) => kids.indexOf(k) !== i);
  if (dup.length) out.push(`kid ${[...new Set(dup)].join(', ')} appears more than once`);
  return out;
}

/** Parse JWKS text: the document, or problems (non-JSON gives Google's own wording). */
export function parseJwks(text: string): { ok: true; jwks: Jwks } | { ok: false; problems: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, problems: ['it is not valid JSON (Google: "Input JWK is not in a valid json format")'] };
  }
  const problems = jwksProblems(doc);
  return problems.length ? { ok: false, problems } : { ok: true, jwks: doc as Jwks };
}

/**
 * The kid kube-apiserver gives a public key: base64url(SHA-256(PKIX/SPKI DER)) (`keyIDFromPublicKey`).
 * Accepts a KeyObject (public or private) or a public JWK.
 */
export function kubernetesKid(key: KeyObject | Jwk): string {
  const pub = key instanceof KeyObject ? (key.type === 'public' ? key : createPublicKey(key)) : createPublicKey({ key: key as never, format: 'jwk' });
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/** kids of a JWKS, in order (keys without a kid are skipped). */
export function jwksKids(jwks: Jwks): string[] {
  return jwks.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string');
}
