/**
 * A cluster's service-account signing keys, as kube-apiserver holds them: one private key signs
 * (`--service-account-signing-key-file`), every public key in the key files verifies and is published in the
 * JWKS (`--service-account-key-file`, research/k8s-clouds.md §1.2). RSA 2048 generation costs 100–400 ms, so the
 * first key is generated asynchronously when the ring is created; sync callers (issuerDocuments) fall back to
 * generating it on the spot.
 */
import { createHash, createPublicKey, generateKeyPair, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** go-jose JSONWebKey member order, as real clusters serve it: use, kty, kid, alg, n, e. */
  jwk: { use: 'sig'; kty: 'RSA'; kid: string; alg: 'RS256'; n: string; e: string };
}

/** kid = base64url(no padding)(SHA-256(PKIX/SPKI DER)): `keyIDFromPublicKey` in pkg/serviceaccount/jwt.go. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

function toSigningKey(privateKey: KeyObject, publicKey: KeyObject): SigningKey {
  const kid = keyIdOf(publicKey);
  const { n, e } = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return { kid, privateKey, publicKey, jwk: { use: 'sig', kty: 'RSA', kid, alg: 'RS256', n, e } };
}

function generateSync(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return toSigningKey(privateKey, publicKey);
}

function generateAsync(): Promise<SigningKey> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) => (err ? reject(err) : resolve(toSigningKey(privateKey, publicKey))));
  });
}

/** A pending key: usable from async code at no cost, from sync code at the cost of a sync generation. */
class PendingKey {
  private key?: SigningKey;
  private readonly promise: Promise<SigningKey>;
  constructor() {
    this.promise = generateAsync().then((k) => (this.key ??= k));
    this.promise.catch(() => undefined);
  }
  get(): SigningKey {
    return (this.key ??= generateSync());
  }
  async ready(): Promise<SigningKey> {
    await this.promise.catch(() => undefined);
    return this.get();
  }
}

export class KeyRing {
  private readonly initial = new PendingKey();
  private spare?: PendingKey;
  /** Rotation state; undefined until the first rotation (then the initial key is no longer implied). */
  private rotated?: { signing: SigningKey; verifying: SigningKey[] };

  /** Resolves once the first key exists (never blocks the event loop). */
  async ready(): Promise<void> {
    await this.initial.ready();
  }

  /** The key that signs new tokens. */
  signing(): SigningKey {
    return this.rotated?.signing ?? this.initial.get();
  }

  /** Every public key that verifies tokens, in JWKS order. */
  verifying(): SigningKey[] {
    return this.rotated?.verifying ?? [this.initial.get()];
  }

  /** New signing key; the old public keys stay published and accepted only when keepOld. */
  rotate(keepOld: boolean): void {
    const next = (this.spare ?? new PendingKey()).get();
    this.spare = new PendingKey();
    this.rotated = { signing: next, verifying: keepOld ? [...this.verifying(), next] : [next] };
  }

  /** Back to the key the cluster started with (what a restarted sandbox would look like, minus a new key). */
  reset(): void {
    this.rotated = undefined;
  }

  /** Compact RS256 JWS with header {alg, kid} (no typ, as kube-apiserver issues them). */
  signJwt(claims: object): string {
    const key = this.signing();
    const h = Buffer.from(JSON.stringify({ alg: 'RS256', kid: key.kid })).toString('base64url');
    const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const s = sign('sha256', Buffer.from(`${h}.${p}`), key.privateKey).toString('base64url');
    return `${h}.${p}.${s}`;
  }

  /** The claims of a JWT this cluster's current key set verifies, or undefined (bad shape, unknown kid, bad signature). */
  verifyJwt(token: string): Record<string, unknown> | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as { alg?: string; kid?: string };
      if (header.alg !== 'RS256') return undefined;
      const candidates = this.verifying().filter((k) => !header.kid || k.kid === header.kid);
      const data = Buffer.from(`${parts[0]}.${parts[1]}`);
      const sig = Buffer.from(parts[2], 'base64url');
      if (!candidates.some((k) => verify('sha256', data, k.publicKey, sig))) return undefined;
      return JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
}

/** Re-derive a public key from a JWK (tests and callers that verify independently). */
export function publicKeyFromJwk(jwk: object): KeyObject {
  return createPublicKey({ key: jwk as never, format: 'jwk' });
}
