import type { SbService } from '../types.js';

/**
 * The App Service managed-identity token endpoint (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`), so that
 * `@azure/identity`'s DefaultAzureCredential gets an ARM token offline: with those two variables set (and no
 * AZURE_CLIENT_SECRET/AZURE_FEDERATED_TOKEN_FILE), its ManagedIdentityCredential sends
 * `GET IDENTITY_ENDPOINT?api-version=2019-08-01&resource=https://management.azure.com` with `X-IDENTITY-HEADER`.
 */
export interface MsiDeps {
  path: string;
  identityHeader: string;
  /** The access token handed out (accepted by the ARM fake like any bearer). */
  token: string;
  now(): Date;
}

export function createMsiService(deps: MsiDeps): SbService {
  return {
    name: 'azure:msi',
    handle(req) {
      if (req.path !== deps.path) return undefined;
      if (req.method !== 'GET') return undefined;
      if (req.headers['x-identity-header'] !== deps.identityHeader) {
        return { status: 401, body: { statusCode: 401, message: 'Unauthorized: the X-IDENTITY-HEADER header is missing or wrong.' } };
      }
      const resource = req.url.searchParams.get('resource');
      if (!resource) return { status: 400, body: { statusCode: 400, message: 'Required query variable \'resource\' is missing.' } };
      const expiresOn = Math.floor(deps.now().getTime() / 1000) + 86_400;
      return { status: 200, body: {
        access_token: deps.token, expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: '00000000-0000-0000-0000-000000000000',
      } };
    },
  };
}
