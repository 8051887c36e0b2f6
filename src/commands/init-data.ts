/**
 * What the init wizard looks at, read from the cluster (kubeconfig contexts, detection, ServiceAccounts).
 * The observation of the chosen context is kept: init reuses its issuer, JWKS and identity.
 */
import type { Kubectl } from '../cloud/kube/kubectl.js';
import type { ClusterObservation } from '../cloud/kube/observe.js';
import type { Ctx } from '../core/context.js';
import type { WifYaml } from '../model/config.js';
import type { KsaRef } from '../model/settings.js';
import type { DetectView, WizardData } from '../wizard/init.js';

export interface InitData extends WizardData {
  /** The observation of the last detected context. */
  observation(): ClusterObservation | undefined;
}

function summary(o: ClusterObservation): string[] {
  const id = Object.entries(o.cluster).filter(([k]) => k !== 'workloadPool').map(([k, v]) => `${k}=${v}`).join(' ');
  const issuer = o.issuer
    ? `issuer ${o.issuer} (${o.jwksUploadRequired ? 'private: its JWKS will be uploaded to the provider' : 'public: Google fetches its keys'})`
    : 'issuer unknown';
  return [`${o.context} is ${o.platform}${o.classification.distribution ? ` (${o.classification.distribution})` : ''}`, ...(id ? [id] : []), issuer];
}

type Listed = { ksas: KsaRef[] } | { error: Error };

/** Every ServiceAccount outside kube-* namespaces; never rejects. */
async function listSas(k: Kubectl): Promise<Listed> {
  try {
    const items = await k.list<{ metadata?: { name?: string; namespace?: string } }>('serviceaccounts', '*');
    return { ksas: items.map((i) => ({ namespace: i.metadata?.namespace ?? 'default', name: i.metadata?.name ?? '' })).filter((k) => k.name && !k.namespace.startsWith('kube-')) };
  } catch (e) {
    return { error: e as Error };
  }
}

/** The wizard's data source for `ctx` (flags: --kubeconfig, --platform, --access-token-file). */
export function initData(ctx: Ctx, flags: { kubeconfig?: string; platform?: string; accessTokenFile?: string }, config: WifYaml | undefined): InitData {
  let last: ClusterObservation | undefined;
  let early: { context: string; listed: Promise<Listed> } | undefined;
  const env = ctx.io.env;
  return {
    config,
    defaultProject: env.GOOGLE_CLOUD_PROJECT ?? env.CLOUDSDK_CORE_PROJECT,
    say: (line) => ctx.log.info(line),
    observation: () => last,
    async contexts() {
      const { loadKubeconfig } = await import('../cloud/kube/kubeconfig.js');
      const kc = await loadKubeconfig(flags.kubeconfig, env, ctx.io.cwd);
      return { names: [...kc.contexts.keys()], current: kc.currentContext };
    },
    async detect(context): Promise<DetectView> {
      const [{ observeCluster }, { Kubectl }] = await Promise.all([import('../cloud/kube/observe.js'), import('../cloud/kube/kubectl.js')]);
      const h = ctx.log.step(`Detecting ${context || 'the current context'}`);
      // The wizard lists the ServiceAccounts right after: start that while detection runs (bench/RESULTS.md).
      if (context) early = { context, listed: listSas(new Kubectl({ context, kubeconfig: flags.kubeconfig, env, cwd: ctx.io.cwd, signal: ctx.signal, log: ctx.log })) };
      try {
        last = await observeCluster({ context: context || undefined, kubeconfig: flags.kubeconfig, platform: flags.platform as never, env, cwd: ctx.io.cwd, accessTokenFile: flags.accessTokenFile, signal: ctx.signal, log: ctx.log });
      } catch (e) {
        h.fail();
        throw e;
      }
      h.done(`Detected ${last.context}: ${last.platform}`);
      for (const f of last.findings) ctx.log.warn(`${f.message}${f.hint ? ` (${f.hint})` : ''}`);
      return { platform: last.platform, issuer: last.issuer, jwksUploadRequired: last.jwksUploadRequired, identity: last.cluster, summary: summary(last) };
    },
    async listKsas(): Promise<KsaRef[]> {
      if (!last) return [];
      const r = await (early?.context === last.context ? early.listed : listSas(last.kubectl));
      if ('ksas' in r) return r.ksas;
      ctx.log.warn(`could not list the cluster's service accounts (${r.error.message.split('\n')[0]}); type the KSA instead`);
      return [];
    },
  };
}
