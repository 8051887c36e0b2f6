/**
 * Workload Identity Federation for GKE through STS: audience `identitynamespace:PROJECT_ID.svc.id.goog:ISSUER`
 * (what the GKE metadata server and fleet cred-configs send), subject token = a KSA token of that
 * cluster with audience `PROJECT_ID.svc.id.goog`. The principal is `…/PROJECT_ID.svc.id.goog/subject/ns/NS/sa/KSA`;
 * it also matches the namespace and cluster principal sets, the KSA-uid principal and the legacy
 * `serviceAccount:PROJECT_ID.svc.id.goog[NS/KSA]` member (k8s-clouds.md §6.3).
 * [UNVERIFIED] research does not record this exchange's errors; those of §3.3 are reused.
 */
import { poolPath } from './auth.js';
import { oauthError } from './http.js';
import type { Call } from './router.js';
import type { Identity } from './state.js';
import { INVALID_TARGET, issueFederated, type StsRequest } from './sts.js';
import { checkAudience, checkIssuer, checkTimes, decodeToken, verifySignature } from './sts-verify.js';

interface KubeClaims {
  namespace?: string;
  serviceaccount?: { name?: string; uid?: string };
}

export async function gkeExchange(c: Call, r: StsRequest, subjectToken: string) {
  const { id, number } = c.state.deps.project;
  const pool = `${id}.svc.id.goog`;
  const m = /^identitynamespace:([^:]+):(https:\/\/.+)$/.exec(r.audience!);
  const cluster = m && m[1] === pool ? c.state.deps.clusters.find((x) => x.platform === 'gke' && x.issuer === m[2]) : undefined;
  if (!cluster) throw oauthError('invalid_target', INVALID_TARGET);
  const { header, payload } = decodeToken(subjectToken);
  checkIssuer(payload, cluster.issuer);
  await verifySignature(c.state, subjectToken, header, { issuerUri: cluster.issuer });
  checkTimes(payload, c.state.now());
  checkAudience(payload, [pool]);
  const k8s = (payload['kubernetes.io'] ?? {}) as KubeClaims;
  const ns = k8s.namespace;
  const ksa = k8s.serviceaccount?.name;
  if (!ns || !ksa) throw oauthError('invalid_grant', 'The ID Token is not a Kubernetes service account token.'); // [UNVERIFIED]
  const base = poolPath(number, pool);
  const extraMembers = [
    `principalSet://${base}/namespace/${ns}`,
    `principalSet://${base}/kubernetes.cluster/${cluster.issuer}`,
    `serviceAccount:${pool}[${ns}/${ksa}]`,
  ];
  if (k8s.serviceaccount?.uid) extraMembers.push(`principal://${base}/kubernetes.serviceaccount.uid/${k8s.serviceaccount.uid}`);
  const subject = `ns/${ns}/sa/${ksa}`;
  const identity: Identity = {
    kind: 'federated', poolId: pool, providerId: cluster.key, principal: `principal://${base}/subject/${subject}`,
    subject, groups: [], attributes: {}, extraMembers,
  };
  return issueFederated(c, identity, r, payload);
}
