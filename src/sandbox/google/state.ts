/**
 * The in-memory Google of the sandbox: one project, its pools/providers, service accounts, IAM policies,
 * enabled services, long-running operations and the issued access tokens. `reset()` returns to the
 * initial state (etags keep counting, so an etag read before a reset is stale after it).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { GoogleDeps } from '../types.js';

/** The identity `deps.ownerToken` authenticates as; it holds `roles/owner` on the sandbox project. */
export const SANDBOX_OWNER = 'user:owner@example.com';

/** APIs enabled in the sandbox project at start (a GKE cluster also enables container.googleapis.com). */
export const INITIAL_SERVICES = [
  'iam.googleapis.com',
  'iamcredentials.googleapis.com',
  'sts.googleapis.com',
  'cloudresourcemanager.googleapis.com',
  'serviceusage.googleapis.com',
];

export interface Condition {
  expression: string;
  title?: string;
  description?: string;
  location?: string;
}
export interface Binding {
  role: string;
  members: string[];
  condition?: Condition;
}
export interface PolicyRec {
  bindings: Binding[];
  auditConfigs?: object[];
  /** Canonical base64 of the etag bytes. */
  etag: string;
}

export interface Lifecycle {
  disabled: boolean;
  state: 'ACTIVE' | 'DELETED';
  expireTime?: Date;
  displayName?: string;
  description?: string;
}
export interface OidcConfig {
  issuerUri: string;
  allowedAudiences?: string[];
  jwksJson?: string;
}
export interface ProviderRec extends Lifecycle {
  id: string;
  attributeMapping: Record<string, string>;
  attributeCondition?: string;
  oidc: OidcConfig;
}
export interface PoolRec extends Lifecycle {
  id: string;
  mode?: string;
  sessionDuration?: string;
  providers: Map<string, ProviderRec>;
}
export interface ServiceAccountRec {
  accountId: string;
  email: string;
  uniqueId: string;
  displayName?: string;
  description?: string;
  disabled: boolean;
  policy: PolicyRec;
}

/** Who a bearer token speaks for. */
export type Identity =
  | { kind: 'user'; member: string }
  | { kind: 'serviceAccount'; email: string }
  | {
      kind: 'federated';
      poolId: string;
      providerId: string;
      /** `principal://…/subject/SUB`. */
      principal: string;
      subject: string;
      groups: string[];
      attributes: Record<string, string | string[]>;
      /** Extra member strings this identity matches (GKE principal sets, legacy GKE member). */
      extraMembers: string[];
    };

export interface TokenRec {
  identity: Identity;
  expires?: Date;
  issued: Date;
  scopes: string[];
}

export interface OperationRec {
  body: Record<string, unknown>;
  /** IAM operations report `done` from their first GET on (a polling client is exercised). */
  pendingUntilPolled: boolean;
}

export class GoogleState {
  pools = new Map<string, PoolRec>();
  serviceAccounts = new Map<string, ServiceAccountRec>();
  projectPolicy!: PolicyRec;
  services = new Map<string, boolean>();
  operations = new Map<string, OperationRec>();
  tokens = new Map<string, TokenRec>();
  private etagCounter = 0x148c_0000_0000 + randomInt(0, 0xffff) * 0x10000;

  constructor(readonly deps: GoogleDeps) {
    this.reset();
  }

  reset(): void {
    this.pools.clear();
    this.serviceAccounts.clear();
    this.operations.clear();
    this.tokens.clear();
    this.services.clear();
    for (const s of INITIAL_SERVICES) this.services.set(s, true);
    if (this.deps.clusters.some((c) => c.platform === 'gke')) this.services.set('container.googleapis.com', true);
    this.projectPolicy = { bindings: [{ role: 'roles/owner', members: [SANDBOX_OWNER] }], etag: this.newEtag() };
    this.tokens.set(this.deps.ownerToken, { identity: { kind: 'user', member: SANDBOX_OWNER }, issued: this.now(), scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  }

  now(): Date {
    return this.deps.now();
  }

  /** A fresh etag: 8 bytes starting `\x07\x06` like Google's (`BwYUjHnDUxA=`), canonical base64. */
  newEtag(): string {
    this.etagCounter += 1 + randomInt(0, 16);
    const b = Buffer.alloc(8);
    b[0] = 0x07;
    b[1] = 0x06;
    b.writeUIntBE(this.etagCounter % 2 ** 48, 2, 6);
    return b.toString('base64');
  }

  /** The sandbox project's number when `idOrNumber` names it, else undefined. */
  projectNumber(idOrNumber: string): string | undefined {
    const p = this.deps.project;
    return idOrNumber === p.id || idOrNumber === p.number ? p.number : undefined;
  }

  serviceEnabled(service: string): boolean {
    return this.services.get(service) === true;
  }

  /** Drop soft-deleted resources whose 30 days are over (Google purges them for good). */
  purgeExpired(): void {
    const now = this.now().getTime();
    for (const [id, pool] of this.pools) {
      if (pool.expireTime && pool.expireTime.getTime() <= now) { this.pools.delete(id); continue; }
      for (const [pid, prov] of pool.providers) if (prov.expireTime && prov.expireTime.getTime() <= now) pool.providers.delete(pid);
    }
  }

  /** An opaque access token in Google's style (`ya29.` + base64url). */
  issueToken(prefix: string, rec: TokenRec): string {
    const token = `ya29.${prefix}${randomBytes(96).toString('base64url')}`;
    this.tokens.set(token, rec);
    return token;
  }

  /** A 21-digit unique id, as service accounts carry. */
  newUniqueId(): string {
    let s = String(randomInt(1, 10));
    while (s.length < 21) s += String(randomInt(0, 10));
    return s;
  }
}
