/**
 * The JSON shapes wif reads from Google (research/gcp-api.md §1.2, §1.3, §5.2): only the fields wif uses.
 * Proto3 JSON omits defaults, so absent booleans are false and absent strings are empty.
 */
export interface Pool {
  name: string;
  displayName?: string;
  description?: string;
  state?: 'STATE_UNSPECIFIED' | 'ACTIVE' | 'DELETED';
  disabled?: boolean;
  mode?: string;
  expireTime?: string;
}

export interface Oidc {
  issuerUri?: string;
  allowedAudiences?: string[];
  jwksJson?: string;
}

export interface Provider {
  name: string;
  displayName?: string;
  description?: string;
  state?: 'STATE_UNSPECIFIED' | 'ACTIVE' | 'DELETED';
  disabled?: boolean;
  expireTime?: string;
  attributeMapping?: Record<string, string>;
  attributeCondition?: string;
  oidc?: Oidc;
  aws?: unknown;
  saml?: unknown;
  x509?: unknown;
}

export interface Status {
  code?: number;
  message?: string;
  details?: unknown[];
}

export interface Operation {
  name: string;
  done?: boolean;
  error?: Status;
  response?: unknown;
  metadata?: unknown;
}

export interface ServiceAccount {
  name: string;
  email: string;
  projectId?: string;
  uniqueId?: string;
  displayName?: string;
  description?: string;
  disabled?: boolean;
}

export interface Project {
  projectId: string;
  projectNumber: string;
  name?: string;
  lifecycleState?: string;
}

export interface ServiceState {
  name: string;
  state?: 'STATE_UNSPECIFIED' | 'ENABLED' | 'DISABLED';
}
