import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/**
 * Extra CA certificates for in-process SDK clients. Node reads `NODE_EXTRA_CA_CERTS` only at process start,
 * so when the command's env names a CA file the process did not start with (wif run in-process with another
 * env, as tests do), the clients must be given it explicitly: Node's bundled roots plus that file, the same
 * trust a fresh process would have. Returns undefined when the process already trusts it (the normal CLI
 * case: nothing is overridden, the SDK defaults apply).
 */
export function extraCaBundle(env: Record<string, string | undefined>): string[] | undefined {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file || file === process.env.NODE_EXTRA_CA_CERTS) return undefined;
  try {
    return [...rootCertificates, readFileSync(file, 'utf8')];
  } catch {
    return undefined; // Node itself only warns on an unreadable NODE_EXTRA_CA_CERTS
  }
}
